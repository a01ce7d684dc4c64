/**
 * Which file-watcher events the server acts on: `*.xml` files inside a workspace folder, not below
 * a directory the workspace scan skips (../walk.ts: dot-directories, node_modules), so the watcher
 * sees the same files the scan does.
 *
 * A folder deleted, moved away or moved in is one event for the folder, not one per file in it (as
 * VS Code reports it): a deletion stands for every known file below the path, and a folder created
 * is walked by the scan's walker for the files in it.
 */
import { promises as fsp } from 'node:fs';
import { isAbsolute, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FileChangeType, WatchKind, type FileEvent } from 'vscode-languageserver';
import { isSkippedDirectory, isXmlFileName, TEMPLATE_SUFFIXES, walkXmlFiles } from '../walk';

/** The glob the server asks the client to watch: what the walk visits (../walk.ts isXmlFileName), XML and templates. */
export const WATCHED_GLOB = `**/*.{xml,${TEMPLATE_SUFFIXES.map((s) => s.replace(/^\./, '')).join(',')}}`;

/** What the server asks the client to watch (LSP FileSystemWatcher; `kind` a WatchKind bit set, default all). */
export interface FileWatcher {
  globPattern: string;
  kind?: number;
}

/**
 * The XML files (created, changed, deleted), and every path created or deleted: a folder deleted or
 * moved in is one event for the folder, whose name does not match the XML glob.
 */
export const FILE_WATCHERS: readonly FileWatcher[] = [
  { globPattern: WATCHED_GLOB },
  { globPattern: '**/*', kind: WatchKind.Create | WatchKind.Delete },
];

function filePath(uri: string): string | undefined {
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined; // not a file: URI
  }
}

/** `path` relative to the first workspace folder it lies strictly inside, else undefined. */
function relativeToFolder(path: string, folders: readonly string[]): string | undefined {
  for (const folder of folders) {
    const rel = relative(folder, path);
    if (!rel || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) continue;
    return rel;
  }
  return undefined;
}

/** The file system path of `uri` when a watched change of it counts (see the module comment), else undefined. */
export function watchedPath(uri: string, folders: readonly string[]): string | undefined {
  const path = filePath(uri);
  if (path === undefined || !isXmlFileName(path.split(sep).at(-1) ?? '')) return undefined;
  const rel = relativeToFolder(path, folders);
  if (rel === undefined || rel.split(sep).slice(0, -1).some(isSkippedDirectory)) return undefined;
  return path;
}

/** The path of `uri` when it may be a folder the scan walks: inside a workspace folder, neither skipped nor below a skipped one. */
export function watchedFolderPath(uri: string, folders: readonly string[]): string | undefined {
  const path = filePath(uri);
  if (path === undefined) return undefined;
  const rel = relativeToFolder(path, folders);
  return rel === undefined || rel.split(sep).some(isSkippedDirectory) ? undefined : path;
}

/** Whether `path` lies strictly below the directory `dir`. */
function isBelow(path: string, dir: string): boolean {
  return path.startsWith(dir.endsWith(sep) ? dir : dir + sep);
}

/**
 * `changes` with, right after each deletion, a deletion of every `known` file below the deleted
 * path (a deleted folder is one event). In order, so a folder deleted and created again in one batch
 * ends created.
 */
export function withDeletedFolderContents(changes: readonly FileEvent[], known: Iterable<string>): FileEvent[] {
  const knownUris = new Set(known);
  let knownPaths: { uri: string; path: string }[] | undefined;
  const out: FileEvent[] = [];
  for (const change of changes) {
    out.push(change);
    // A known file's own deletion has nothing below it; only other paths can be folders.
    if (change.type !== FileChangeType.Deleted || knownUris.has(change.uri)) continue;
    const dir = filePath(change.uri);
    if (dir === undefined) continue;
    knownPaths ??= [...knownUris].flatMap((uri) => {
      const path = filePath(uri);
      return path === undefined ? [] : [{ uri, path }];
    });
    for (const f of knownPaths) if (isBelow(f.path, dir)) out.push({ uri: f.uri, type: FileChangeType.Deleted });
  }
  return out;
}

export interface CreatedFolderWalkOptions {
  /** Files visited at most, over all the folders (the scan's bound). */
  maxFiles: number;
  cancelled: () => boolean;
}

/**
 * Creation events for the `*.xml` files in the folders `changes` creates (or moves in), found as the
 * scan finds them (../walk.ts). A link is not a folder here: the scan follows none below a workspace
 * folder.
 */
export async function filesOfCreatedFolders(
  changes: readonly FileEvent[],
  folders: readonly string[],
  opts: CreatedFolderWalkOptions,
): Promise<FileEvent[]> {
  const roots: string[] = [];
  for (const { uri, type } of changes) {
    const path = type === FileChangeType.Created ? watchedFolderPath(uri, folders) : undefined;
    if (path === undefined) continue;
    try {
      if ((await fsp.lstat(path)).isDirectory()) roots.push(path);
    } catch {
      // gone again: nothing to walk
    }
  }
  const found: FileEvent[] = [];
  if (roots.length)
    await walkXmlFiles(roots, (path) => void found.push({ uri: pathToFileURL(path).toString(), type: FileChangeType.Created }), opts);
  return found;
}
