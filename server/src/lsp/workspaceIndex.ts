/**
 * Finds the domain definitions (and counts the storage pool definitions) in the workspace folders, so rules that compare documents see files
 * that are not open. Bounded in files and bytes, and yields between files so the first
 * diagnostics are never held up.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildDomainModel } from '../domain/model';
import { peerOf } from '../domain/peer';
import { buildPoolModel } from '../domain/poolModel';
import type { PeerDomain } from '../rules/types';
import { parseXml } from '../xml/parse';
import { readFileBoundedAsync } from '../safeRead';

export interface ScanLimits {
  maxFiles: number;
  maxFileBytes: number;
}

export const DEFAULT_SCAN_LIMITS: ScanLimits = { maxFiles: 5000, maxFileBytes: 4 * 1024 * 1024 };

const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', 'out', 'dist', '.vscode-test']);

export interface ScanResult {
  filesRead: number;
  domains: number;
  /** Storage pool definitions (root `<pool>`): linted when opened or fixed, but not peers (they define no guest). */
  pools: number;
  truncated: boolean;
}

export async function scanWorkspace(
  folders: string[],
  onPeer: (uri: string, peer: PeerDomain) => void,
  limits: ScanLimits = DEFAULT_SCAN_LIMITS,
  cancelled: () => boolean = () => false,
): Promise<ScanResult> {
  const result: ScanResult = { filesRead: 0, domains: 0, pools: 0, truncated: false };
  const stack = [...folders];
  while (stack.length && !cancelled()) {
    const dir = stack.pop()!;
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) stack.push(p);
        continue;
      }
      if (!e.isFile() || !e.name.toLowerCase().endsWith('.xml')) continue;
      if (result.filesRead >= limits.maxFiles) {
        result.truncated = true;
        return result;
      }
      result.filesRead++;
      try {
        // A regular file within the bound only: never a FIFO or a device swapped in after the readdir.
        const text = (await readFileBoundedAsync(p, { maxBytes: limits.maxFileBytes })).data.toString('utf8');
        if (!text.includes('<domain') && !text.includes('<pool')) continue;
        const doc = parseXml(text);
        const model = buildDomainModel(doc);
        if (!model) {
          if (buildPoolModel(doc)) result.pools++;
          continue;
        }
        result.domains++;
        onPeer(pathToFileURL(p).toString(), peerOf(p, model));
      } catch {
        // unreadable files are simply not peers
      }
      await new Promise((r) => setImmediate(r));
    }
  }
  return result;
}
