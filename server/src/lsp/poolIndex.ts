/**
 * Storage pool definitions by name, for Go to Definition from `<source pool='NAME'>`: the pool files
 * of the workspace folders (found by the one walker and read by the one reader, bounded, on the
 * first lookup) and the open `<pool>` documents, whose editor text wins over the file on disk.
 */
import { pathToFileURL } from 'node:url';
import type { Location } from 'vscode-languageserver';
import { buildPoolModel } from '../domain/poolModel';
import { readFileTextAsync } from '../files';
import { walkXmlFiles } from '../walk';
import { child, parseXml } from '../xml/parse';
import { documentKind, firstElementName } from '../xml/rootElement';
import { DEFAULT_SCAN_LIMITS, type ScanLimits } from './workspaceIndex';

/** The pool a text defines: its name and where the name is written; undefined for anything else. */
export function poolDefinition(uri: string, text: string): { name: string; location: Location } | undefined {
  if (documentKind(firstElementName(text)) !== 'pool') return undefined;
  const doc = parseXml(text);
  const pool = doc.root ? buildPoolModel(doc) : undefined;
  const nameEl = doc.root ? child(doc.root, 'name') : undefined;
  if (!pool?.name || !nameEl) return undefined;
  const range = { start: doc.lines.positionAt(nameEl.contentStart), end: doc.lines.positionAt(nameEl.contentEnd) };
  return { name: pool.name, location: { uri, range } };
}

export class PoolIndex {
  private readonly files = new Map<string, { name: string; location: Location }>();
  private readonly open = new Map<string, { name: string; location: Location } | undefined>();
  private scanned?: Promise<void>;

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

  /** Scans the workspace folders once (again after `reset`). */
  private scan(): Promise<void> {
    return (this.scanned ??= walkXmlFiles(
      this.folders(),
      async (path) => {
        try {
          const { text } = await readFileTextAsync(path, { maxBytes: this.limits.maxFileBytes });
          const uri = pathToFileURL(path).toString();
          const def = poolDefinition(uri, text);
          if (def) this.files.set(uri, def);
        } catch {
          // unreadable files define no pool
        }
      },
      { maxFiles: this.limits.maxFiles },
    ).then(() => undefined));
  }

  /** Forgets the files scanned (workspace folders changed); the next lookup scans again. */
  reset(): void {
    this.files.clear();
    this.scanned = undefined;
  }

  /** Where pools named `name` are defined: open documents first, then files not open. */
  async lookup(name: string): Promise<Location[]> {
    await this.scan();
    const out: Location[] = [];
    for (const d of this.open.values()) if (d?.name === name) out.push(d.location);
    for (const [uri, d] of this.files) if (!this.open.has(uri) && d.name === name) out.push(d.location);
    return out;
  }
}
