/**
 * The one directory walk, for the CLI (directories named on the command line) and the editor's
 * workspace scan (the workspace folders), so both see the same files in the same order.
 *
 * - Found: every regular file whose name ends in `.xml` (any case), and templates that may render
 *   domain XML: `.j2`, `.jinja`, `.jinja2`, `.erb`, `.tmpl`, `.gotmpl`, `.xml.in` (an Ansible role's
 *   `vm.xml.j2`, a Vagrant plugin's `domain.xml.erb`). What it is (domain, pool, other XML, a template
 *   of something else) is decided by the reader, by its root element with template tags masked.
 * - Skipped while walking: dot-directories (`.git`, `.hg`, `.svn`, `.vscode-test`, `.cache`, …:
 *   version-control stores and tool state, hidden by convention, never where definitions are kept
 *   on purpose) and `node_modules` (other people's packages). Nothing else: `out`, `dist` or `build`
 *   are ordinary names for rendered domain definitions, and skipping them would drop real files
 *   without a word (a copy of a domain there is harmless: a peer with the document's own domain
 *   name is the same VM). A root itself is never skipped, whatever its name: it was asked for.
 * - Symbolic links found while walking are not followed, to a file or a directory (a Dirent
 *   describes the link itself), so neither a lint nor a fix leaves the tree it was given. A root
 *   that is a link is followed: it was named.
 * - A directory reached twice (the same device and inode: overlapping roots, a bind mount) is
 *   walked once.
 * - Order: depth first; in each directory, entries by name in UTF-16 code unit order (as `LC_ALL=C
 *   ls`: independent of the locale), files and subdirectories interleaved. The same tree always
 *   gives the same sequence, so CLI output is stable.
 * - Bound: `maxFiles` (none by default: the CLI lints everything it finds; the editor's scan
 *   passes its own and reports `truncated`). The walk yields to the event loop after every file
 *   (unless `yieldEach` is false) and checks `cancelled` before every directory and file, so a
 *   server stays responsive.
 * - A directory that cannot be listed is reported to `onError` and skipped; the walk goes on.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';

export interface WalkOptions {
  /** Stop before visiting more than this many files (the result says `truncated`). */
  maxFiles?: number;
  /** Checked before each directory and each file: true stops the walk. */
  cancelled?: () => boolean;
  /** A root or subdirectory that could not be listed (it is skipped). */
  onError?: (dir: string, error: NodeJS.ErrnoException) => void;
  /** Yield to the event loop after every file (default true: a server stays responsive; the CLI has nothing else to do). */
  yieldEach?: boolean;
}

export interface WalkResult {
  /** Files visited. */
  files: number;
  /** Stopped at `maxFiles` with files left. */
  truncated: boolean;
  /** Stopped because `cancelled()` said so. */
  cancelled: boolean;
}

/** The directories the walk never enters (below a root). */
export function isSkippedDirectory(name: string): boolean {
  return name === 'node_modules' || name.startsWith('.');
}

/** Template file name endings the walk visits besides `.xml` (any case). */
export const TEMPLATE_SUFFIXES: readonly string[] = ['.j2', '.jinja', '.jinja2', '.erb', '.tmpl', '.gotmpl', '.xml.in'];

/** Whether a file name is a template's (by its ending; the reader decides by its content whether it renders XML). */
export function isTemplateFileName(name: string): boolean {
  const l = name.toLowerCase();
  return TEMPLATE_SUFFIXES.some((s) => l.endsWith(s));
}

/** Whether a file name is one the walk visits: XML or a template. */
export function isXmlFileName(name: string): boolean {
  return name.toLowerCase().endsWith('.xml') || isTemplateFileName(name);
}

const byName = (a: { name: string }, b: { name: string }): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Walks each root directory in turn (see the module comment) and awaits `visit` for every
 * `*.xml` or template file found, in order.
 */
export async function walkXmlFiles(
  roots: readonly string[],
  visit: (path: string) => void | Promise<void>,
  opts: WalkOptions = {},
): Promise<WalkResult> {
  const max = opts.maxFiles ?? Infinity;
  const cancelled = opts.cancelled ?? (() => false);
  const yieldEach = opts.yieldEach ?? true;
  const seen = new Set<string>();
  const result: WalkResult = { files: 0, truncated: false, cancelled: false };

  /** Lists a directory not listed before; undefined when it was, or cannot be listed. */
  const list = async (dir: string, isRoot: boolean) => {
    try {
      // A root may be a link (it was named); below it, a directory that became a link since its
      // parent was listed is not entered.
      const st = isRoot ? await fsp.stat(dir) : await fsp.lstat(dir);
      if (!st.isDirectory()) return undefined;
      const id = `${st.dev}:${st.ino}`;
      if (seen.has(id)) return undefined;
      seen.add(id);
      return (await fsp.readdir(dir, { withFileTypes: true })).sort(byName);
    } catch (e) {
      opts.onError?.(dir, e as NodeJS.ErrnoException);
      return undefined;
    }
  };

  /** False once the walk must stop. */
  const walk = async (dir: string, isRoot: boolean): Promise<boolean> => {
    if (cancelled()) return !(result.cancelled = true);
    const entries = await list(dir, isRoot);
    for (const e of entries ?? []) {
      if (cancelled()) return !(result.cancelled = true);
      if (e.isDirectory()) {
        if (!isSkippedDirectory(e.name) && !(await walk(join(dir, e.name), false))) return false;
      } else if (e.isFile() && isXmlFileName(e.name)) {
        if (result.files >= max) return !(result.truncated = true);
        result.files++;
        await visit(join(dir, e.name));
        if (yieldEach) await nextTurn();
      }
    }
    return true;
  };

  for (const root of roots) if (!(await walk(root, true))) break;
  return result;
}
