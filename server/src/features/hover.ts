import { Hover, MarkupKind } from 'vscode-languageserver';
import type { HostPathRef } from '../domain/model';
import { classifyPath, PathClass } from '../domain/pathClass';
import { describeTarget, formatBytes, HostIndex, identityKey, Resolution } from '../inventory/resolver';
import type { PeerDomain } from '../rules/types';
import { stableCandidates } from '../rules/stableAliases';
import type { LineIndex } from '../xml/lineIndex';

const CLASS_LABEL: Record<PathClass, string> = {
  'kernel-name': 'kernel device name (unstable)',
  'mpath-friendly-name': 'multipath user-friendly name (unstable)',
  'boot-sequence': 'per-boot disk sequence (unstable)',
  'guest-mutable': 'label/UUID from the disk content (guest can change it)',
  'hardware-id': 'hardware identity',
  multipath: 'dm-multipath device',
  dmp: 'Veritas DMP meta-device',
  volume: 'volume',
  'by-path': 'single HBA path',
  'device-mapper': 'device-mapper name',
  removable: 'removable media',
  'other-device': 'device node',
  file: 'file',
};

function code(s: string): string {
  return '`' + s.replace(/`/g, "'") + '`';
}

function describeHost(h: HostIndex, r: Resolution, peers: PeerDomain[], self: string | undefined): string[] {
  if (!r.found) return [`**${h.host}**: not found on this host.`];
  const lines: string[] = [];
  const arrow = r.via.length ? ` → ${code(r.via[r.via.length - 1])}` : '';
  const lun = r.lun;
  const facts: string[] = [];
  if (lun) {
    facts.push(formatBytes(r.device?.size ?? lun.size));
    const vm = [lun.vendor, lun.model].filter(Boolean).join(' ');
    if (vm) facts.push(vm);
    if (lun.serial) facts.push(`serial ${code(lun.serial)}`);
    if (lun.wwn) facts.push(`WWN ${code(lun.wwn)}`);
  } else if (r.device) facts.push(formatBytes(r.device.size), r.device.type);
  lines.push(`**${h.host}**${arrow}: ${describeTarget(r)}${facts.length ? ' · ' + facts.join(' · ') : ''}`);
  if (lun?.dmp) {
    const d = lun.dmp;
    lines.push(`DMP node ${code(d.name)}: array ${d.arrayName || '?'} (${d.arrayType || '?'}), enclosure ${d.enclosure || '?'}, ${d.numPaths} path(s): ${d.paths.map((p) => `${p.name} ${p.state}`).join(', ')}`);
  } else if (lun && lun.pathDevices.length > 1) {
    lines.push(`${lun.pathDevices.length} paths: ${lun.pathDevices.join(', ')}${lun.mpathMap ? ` (multipath map ${h.device(lun.mpathMap)?.name ?? lun.mpathMap})` : ''}`);
  }
  if (lun) lines.push(`LUN identity ${code(lun.id)}`);
  if (r.bypassesMultipath) lines.push('⚠ reaches one path of a multipathed LUN (no failover).');
  for (const u of h.hostUsage(r)) lines.push(`⚠ in use by the host: ${u}`);
  const users = h.domainsUsing(r).filter((u) => u.domain !== self);
  if (users.length) lines.push(`Used by host domains: ${users.map((u) => `${u.domain}${u.shareable ? ' (shareable)' : ''}`).join(', ')}`);
  const key = identityKey(r);
  const docs = key ? peers.filter((p) => p.name !== self && p.disks.some((d) => identityKey(h.resolve(d.path)) === key)) : [];
  if (docs.length) lines.push(`Used by documents: ${docs.map((p) => p.name ?? p.origin).join(', ')}`);
  return lines;
}

/** Markdown hover for a disk source value. */
export function hoverForPath(ref: HostPathRef, hosts: HostIndex[], lines: LineIndex, peers: PeerDomain[] = [], self?: string): Hover {
  const info = classifyPath(ref.value);
  const md: string[] = [`${code(ref.value)} — ${CLASS_LABEL[info.cls]}`, '', info.why];
  if (hosts.length) {
    const { resolutions, candidates } = stableCandidates(ref.value, hosts);
    md.push('');
    hosts.forEach((h, i) => md.push(...describeHost(h, resolutions[i], peers, self), ''));
    if (candidates.length) {
      md.push(hosts.length > 1 ? 'Stable aliases (valid on every host):' : 'Stable aliases:');
      const firstPreferred = candidates.findIndex((c) => c.kind !== 'by-path' && !c.bypassesMultipath);
      candidates.slice(0, 8).forEach((c, i) => md.push(`- ${code(c.path)}${i === firstPreferred ? ' **(preferred)**' : ''} — ${c.reason}`));
    }
  }
  return {
    contents: { kind: MarkupKind.Markdown, value: md.join('\n').trimEnd() },
    range: { start: lines.positionAt(ref.start), end: lines.positionAt(ref.end) },
  };
}
