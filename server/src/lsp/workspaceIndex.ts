/**
 * Finds the domain definitions (and counts the storage pool definitions) in the workspace folders,
 * so rules that compare documents see files that are not open. The files are those the CLI finds in
 * a directory (the one walk, ../walk.ts: no dot-directories or node_modules, no symbolic links,
 * sorted), read by the one reader (../files.ts: UTF-8 or UTF-16, BOM, regular files only) and
 * classified by their root element. Bounded in files and bytes, and yields between files so the
 * first diagnostics are never held up.
 */
import { pathToFileURL } from 'node:url';
import { buildDomainModel } from '../domain/model';
import { peerOf } from '../domain/peer';
import { readFileText } from '../files';
import type { PeerDomain } from '../rules/types';
import { walkXmlFiles } from '../walk';
import { parseXml } from '../xml/parse';
import { documentKind, firstElementName } from '../xml/rootElement';

export interface ScanLimits {
  maxFiles: number;
  maxFileBytes: number;
}

export const DEFAULT_SCAN_LIMITS: ScanLimits = { maxFiles: 5000, maxFileBytes: 4 * 1024 * 1024 };

export interface ScanResult {
  /** `*.xml` files read (or tried: unreadable ones count too). */
  filesRead: number;
  domains: number;
  /** Storage pool definitions (root `<pool>`): linted when opened or fixed, but not peers (they define no guest). */
  pools: number;
  /** Stopped at `limits.maxFiles` with files left. */
  truncated: boolean;
}

export async function scanWorkspace(
  folders: string[],
  onPeer: (uri: string, peer: PeerDomain) => void,
  limits: ScanLimits = DEFAULT_SCAN_LIMITS,
  cancelled: () => boolean = () => false,
  /**
   * Every domain or pool file found (well-formed or not): the files that get workspace diagnostics,
   * with the text read (so their first check need not read them again).
   */
  onFile?: (uri: string, kind: 'domain' | 'pool', text: string) => void,
): Promise<ScanResult> {
  const result: ScanResult = { filesRead: 0, domains: 0, pools: 0, truncated: false };
  const classify = (path: string, text: string | undefined): void => {
    if (text === undefined) return; // unreadable files are simply not peers
    const kind = documentKind(firstElementName(text));
    if (kind === 'pool') result.pools++;
    if (kind !== 'domain' && kind !== 'pool') return;
    // Named by its URI (the server shows it by its workspace path); the lines place related information there.
    const uri = pathToFileURL(path).toString();
    onFile?.(uri, kind, text);
    if (kind !== 'domain') return;
    let model;
    let doc;
    try {
      doc = parseXml(text);
      model = buildDomainModel(doc);
    } catch {
      return;
    }
    if (!model) return; // not well-formed: no disks to compare
    result.domains++;
    onPeer(uri, peerOf(uri, model, undefined, doc.lines));
  };
  // Files are classified in the walk's order (the peers' order is the order of the names in related
  // information). Each is read synchronously: a bounded read of one local file blocks this thread for
  // tens of microseconds, where the same read through libuv's thread pool (five requests, each a
  // wake-up of a pool thread and of this one) cost the server 0.3-0.4 ms of this thread per file on
  // the project's machine, about a quarter of the scan. The walk yields after every file.
  const walk = await walkXmlFiles(
    folders,
    (path) => {
      result.filesRead++;
      let text: string | undefined;
      try {
        // A regular file within the bound only: never a FIFO or a device swapped in after the listing.
        text = readFileText(path, { maxBytes: limits.maxFileBytes }).text;
      } catch {
        text = undefined;
      }
      classify(path, text);
    },
    { maxFiles: limits.maxFiles, cancelled },
  );
  result.truncated = walk.truncated;
  return result;
}
