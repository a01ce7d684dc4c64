/**
 * Document links from each disk source path to the host's inventory view: a command link to Show Host
 * Inventory (`{ host }`). editor-security.md: a command link built from host text is a risk, so the
 * link is built here (never from text that could form markup), its argument is JSON we encode, and a
 * host name is passed only when it is a plain destination name (letters, digits, `._@:-`); otherwise
 * the link carries no argument and the command asks which host.
 */
import type { DocumentLink } from 'vscode-languageserver';
import { isRemovableMedia, type DiskModel } from '../domain/model';
import { classifyPath } from '../domain/pathClass';
import type { HostIndex } from '../inventory/resolver';
import type { LineIndex } from '../xml/lineIndex';

export const SHOW_INVENTORY_COMMAND = 'libvirtDomain.showHostInventory';

/** A host name safe to pass as the command's argument: an ssh destination's characters only, bounded. */
const SAFE_HOST = /^[A-Za-z0-9][A-Za-z0-9._@:-]{0,79}$/;

/** The command URI that shows `host`'s inventory (no argument when the name is not a plain destination). */
export function inventoryLinkTarget(host: string | undefined): string {
  if (host === undefined || !SAFE_HOST.test(host)) return `command:${SHOW_INVENTORY_COMMAND}`;
  return `command:${SHOW_INVENTORY_COMMAND}?${encodeURIComponent(JSON.stringify({ host }))}`;
}

/** A link on each block-device source path: to the inventory of the first host where it resolves (else the first host). */
export function documentLinks(disks: DiskModel[], hosts: HostIndex[], lines: LineIndex): DocumentLink[] {
  if (!hosts.length) return [];
  const out: DocumentLink[] = [];
  for (const d of disks) {
    const p = d.hostPath;
    if (!p || p.end <= p.start || isRemovableMedia(d) || classifyPath(p.value).cls === 'file') continue;
    const h = hosts.find((x) => x.resolve(p.value).found) ?? hosts[0];
    const host = SAFE_HOST.test(h.host) ? h.host : undefined;
    out.push({
      range: { start: lines.positionAt(p.start), end: lines.positionAt(p.end) },
      target: inventoryLinkTarget(host),
      tooltip: host ? `Show the host inventory of ${host}` : 'Show a host inventory',
    });
  }
  return out;
}
