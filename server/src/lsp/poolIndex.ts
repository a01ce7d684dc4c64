/**
 * Storage pool definitions by name, for Go to Definition from `<source pool='NAME'>`: the pool files
 * of the workspace folders (found by the one walker and read by the one reader, bounded, on the
 * first lookup, then kept current by the file watcher's events) and the open `<pool>` documents,
 * whose editor text wins over the file on disk.
 */
import { promises as fsp } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { FileChangeType, type FileEvent, type Location } from 'vscode-languageserver';
import { buildPoolModel } from '../domain/poolModel';
import { readFileText } from '../files';
import { walkXmlFiles } from '../walk';
import { child, parseXml } from '../xml/parse';
import { documentKind, firstElementName } from '../xml/rootElement';
import { watchedPath } from './watchedFiles';
import { DEFAULT_SCAN_LIMITS, type ScanLimits } from './workspaceIndex';

type PoolDefinition = { name: string; location: Location };

/** The pool a text defines: its name and where the name is written; undefined for anything else. */
export function poolDefinition(uri: string, text: string): PoolDefinition | undefined {
  if (documentKind(firstElementName(text)) !== 'pool') return undefined;
  const doc = parseXml(text);
  const pool = doc.root ? buildPoolModel(doc) : undefined;
  const nameEl = doc.root ? child(doc.root, 'name') : undefined;
  if (!pool?.name || !nameEl) return undefined;
  const range = { start: doc.lines.positionAt(nameEl.contentStart), end: doc.lines.positionAt(nameEl.contentEnd) };
  return { name: pool.name, location: { uri, range } };
}

export class PoolIndex {
  /** The pool files on disk, by URI (as the scan names them: `pathToFileURL`). */
  private readonly files = new Map<string, PoolDefinition>();
  private readonly open = new Map<string, PoolDefinition | undefined>();
  private scanned?: Promise<void>;
  /** Bumped by `reset`: a re-read begun before it does not write into the next scan's files. */
  private generation = 0;
  /** The re-reads of watched files, one after another in the order of the events, each after the scan. */
  private updates: Promise<void> = Promise.resolve();

  constructor(
    private readonly folders: () => string[],
    private readonly limits: ScanLimits = DEFAULT_SCAN_LIMITS,
  ) {}

  /** An open document's text (a pool or not): it counts instead of its file. */
  documentChanged(uri: string, text: string): void {
    this.open.set(uri, poolDefinition(uri, text));
  }

  documentClosed(uri: string): void {
    this.open.delete(uri);
  }

  /** The pool files known on disk (a folder deleted on disk stands for those below it). */
  uris(): IterableIterator<string> {
    return this.files.keys();
  }

  /** The pool `path` defines on disk, read as the scan reads it (bounded); undefined when none or unreadable. */
  private readDefinition(path: string): PoolDefinition | undefined {
    try {
      const { text } = readFileText(path, { maxBytes: this.limits.maxFileBytes });
      return poolDefinition(pathToFileURL(path).toString(), text);
    } catch {
      return undefined; // unreadable files define no pool
    }
  }

  /** Scans the workspace folders once (again after `reset`). */
  private scan(): Promise<void> {
    return (this.scanned ??= walkXmlFiles(
      this.folders(),
      (path) => {
        const def = this.readDefinition(path);
        if (def) this.files.set(def.location.uri, def);
      },
      { maxFiles: this.limits.maxFiles },
    ).then(() => undefined));
  }

  /**
   * Files created, changed or deleted on disk (the watcher's events; a folder's already expanded to
   * its files): each watched one is read again once the scan is done. Before the first lookup there
   * is nothing to update: its scan reads the disk as it is then.
   */
  watchedFilesChanged(changes: readonly FileEvent[]): void {
    const scanned = this.scanned;
    if (!scanned) return;
    const generation = this.generation;
    for (const { uri, type } of changes) {
      const path = watchedPath(uri, this.folders());
      if (path === undefined) continue;
      // Keyed as the scan keys it: the client may spell the same file's URI differently.
      const key = pathToFileURL(path).toString();
      this.updates = this.updates
        .then(() => scanned)
        .then(async () => {
          let def: PoolDefinition | undefined;
          // The scan follows no link below a workspace folder; neither does the watcher.
          if (type !== FileChangeType.Deleted && !(await fsp.lstat(path).catch(() => undefined))?.isSymbolicLink())
            def = this.readDefinition(path);
          if (generation !== this.generation) return;
          if (!def) this.files.delete(key);
          else if (this.files.has(key) || this.files.size < this.limits.maxFiles) this.files.set(key, def);
        })
        .catch(() => undefined); // a failed scan fails its lookups, not the later updates
    }
  }

  /** Forgets the files scanned (workspace folders changed); the next lookup scans again. */
  reset(): void {
    this.generation++;
    this.files.clear();
    this.scanned = undefined;
  }

  /** Where pools named `name` are defined: open documents first, then files not open. */
  async lookup(name: string): Promise<Location[]> {
    await this.scan();
    await this.updates;
    const out: Location[] = [];
    for (const d of this.open.values()) if (d?.name === name) out.push(d.location);
    for (const [uri, d] of this.files) if (!this.open.has(uri) && d.name === name) out.push(d.location);
    return out;
  }
}
