/**
 * Inlay hints after each disk source value: what it resolves to on the document's hosts, short.
 * One host: `⇒ 3pardata0_12 · 500 GiB · 2 paths`; several: `⇒ kvm-a: xiv0_8275 | kvm-b: —`.
 * The answers are HostIndex's (the one resolver); host strings are labels, so terminalText and capped.
 */
import { InlayHint, InlayHintKind } from 'vscode-languageserver';
import type { DiskModel } from '../domain/model';
import { isRemovableMedia } from '../domain/model';
import { classifyPath } from '../domain/pathClass';
import { cap, terminalText } from '../encode';
import { formatBytes, reachedSize, type HostIndex, type Resolution } from '../inventory/resolver';
import type { LineIndex } from '../xml/lineIndex';

/** Longest host string in a hint (a host name, a device name). */
const NAME = 40;
/** Hosts named in one hint; more are counted. */
const HOSTS = 4;

function name(s: string): string {
  return terminalText(cap(s, NAME));
}

/** What a path reaches, in one short name: the DMP node, the VxVM volume, the multipath map or the device. */
export function shortTarget(r: Resolution, h: HostIndex): string | undefined {
  if (!r.found) return undefined;
  const part = r.partition !== undefined ? ` p${r.partition}` : '';
  const dmp = r.dmp ?? r.lun?.dmp;
  if (dmp) return name(dmp.name) + part;
  if (r.vxVolume) return name(r.vxVolume);
  if (r.device?.type === 'part' && r.lun?.mpathMap) return `${name(h.device(r.lun.mpathMap)?.name ?? r.lun.mpathMap)}${part}`;
  if (r.device) return name(r.device.name || r.device.kname);
  return name(r.input);
}

/** The hint's text for one path on the given hosts; undefined without hosts. */
export function hintLabel(path: string, hosts: HostIndex[]): string | undefined {
  if (!hosts.length) return undefined;
  if (hosts.length === 1) {
    const h = hosts[0];
    const r = h.resolve(path);
    const t = shortTarget(r, h);
    if (t === undefined) return '⇒ not found';
    const facts = [t];
    const size = reachedSize(r);
    if (size !== null) facts.push(formatBytes(size));
    const paths = r.lun ? (r.lun.dmp?.numPaths ?? r.lun.pathDevices.length) : 0;
    // Short enough for VS Code's default hint length (43): a path that bypasses multipathing reaches 1 of them.
    if (paths > 1) facts.push(r.bypassesMultipath ? `1 of ${paths} paths` : `${paths} paths`);
    return `⇒ ${facts.join(' · ')}`;
  }
  const parts = hosts.slice(0, HOSTS).map((h) => `${name(h.host)}: ${shortTarget(h.resolve(path), h) ?? '—'}`);
  const more = hosts.length > HOSTS ? ` | +${hosts.length - HOSTS} hosts` : '';
  return `⇒ ${parts.join(' | ')}${more}`;
}

/** Disks whose source a hint explains: block devices (not files, not removable media). */
function hinted(d: DiskModel): boolean {
  if (!d.hostPath || isRemovableMedia(d)) return false;
  return classifyPath(d.hostPath.value).cls !== 'file';
}

/** The hints of the disks whose source value lies in [from, to] (offsets). */
export function inlayHints(disks: DiskModel[], hosts: HostIndex[], lines: LineIndex, from: number, to: number): InlayHint[] {
  if (!hosts.length) return [];
  const out: InlayHint[] = [];
  for (const d of disks) {
    const p = d.hostPath;
    if (!p || !hinted(d) || p.end < from || p.start > to) continue;
    const text = hintLabel(p.value, hosts);
    if (!text) continue;
    // After the closing quote of an attribute value, or right after element text.
    const at = p.quote ? p.end + 1 : p.end;
    out.push({ position: lines.positionAt(at), label: text, kind: InlayHintKind.Parameter, paddingLeft: true });
  }
  return out;
}
