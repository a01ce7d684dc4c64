import { Hover, MarkupKind } from 'vscode-languageserver';
import type { HostPathRef } from '../domain/model';
import { classifyPath, PathClass } from '../domain/pathClass';
import { mdCode, mdInline } from '../encode';
import { describeTarget, formatBytes, HostIndex, identityKey, lunIdentity, reachedSize, Resolution } from '../inventory/resolver';
import { userLabels, usersOfLun } from '../rules/lunUsers';
import type { PeerDomain } from '../rules/types';
import { BYPASS_MARK, Candidate, preferredOf, stableCandidates, whoseLun } from '../rules/stableAliases';
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

/** Caps for what one hover shows: a field, an entry of a list, entries per list, the whole hover. */
const FIELD = 256;
const LONG = 512;
const LISTED = 8;
export const MAX_HOVER = 32 * 1024;

/** Up to LISTED entries, then how many more. */
function listed<T>(items: readonly T[], show: (t: T) => string): string {
  const shown = items.slice(0, LISTED).map(show).join(', ');
  return items.length > LISTED ? `${shown} and ${items.length - LISTED} more` : shown;
}

/** What a path reaches, with host strings encoded. */
function target(r: Resolution): string {
  return describeTarget(
    r,
    (s) => mdCode(s, LONG),
    (s) => mdInline(s, FIELD),
  );
}

/**
 * One host's part of the hover. Every host, snapshot and document string goes through an encoder:
 * `mdCode` (a code span) or `mdInline` (escaped text, always after text of ours on the same line).
 */
function describeHost(h: HostIndex, r: Resolution, peers: PeerDomain[], self: string | undefined): string[] {
  const host = `**${mdInline(h.host, FIELD)}**`;
  if (!r.found) return [`${host}: not found on this host.`];
  const lines: string[] = [];
  const arrow = r.via.length ? ` → ${mdCode(r.via[r.via.length - 1], LONG)}` : '';
  const lun = r.lun;
  const facts: string[] = [];
  if (lun) {
    facts.push(formatBytes(reachedSize(r)));
    const vm = [lun.vendor, lun.model].filter(Boolean).join(' ');
    if (vm) facts.push(mdInline(vm, FIELD));
    if (lun.serial) facts.push(`serial ${mdCode(lun.serial, FIELD)}`);
    // The WWN as the inventory view shows it (normalised, from the LUN's identity).
    if (lun.wwn) facts.push(mdInline(lunIdentity(lun), FIELD));
  } else if (r.device) facts.push(formatBytes(reachedSize(r)), mdInline(r.device.type, FIELD));
  lines.push(`${host}${arrow}: ${target(r)}${facts.length ? ' · ' + facts.join(' · ') : ''}`);
  const known = (s: string) => (s ? mdInline(s, FIELD) : '?');
  if (lun?.dmp) {
    const d = lun.dmp;
    const paths = listed(d.paths, (p) => `${mdInline(p.name, FIELD)} ${mdInline(p.state, FIELD)}`);
    lines.push(
      `DMP node ${mdCode(d.name, FIELD)}: array ${known(d.arrayName)} (${known(d.arrayType)}), enclosure ${known(d.enclosure)}, ${d.numPaths} path(s): ${paths}`,
    );
  } else if (lun && lun.pathDevices.length > 1) {
    const map = lun.mpathMap ? ` (multipath map ${mdInline(h.device(lun.mpathMap)?.name ?? lun.mpathMap, FIELD)})` : '';
    lines.push(`${lun.pathDevices.length} paths: ${listed(lun.pathDevices, (k) => mdInline(k, FIELD))}${map}`);
  }
  if (lun) lines.push(`LUN identity ${mdCode(lun.id, LONG)}`);
  if (r.bypassesMultipath) lines.push('⚠ reaches one path of a multipathed LUN (no failover).');
  const usage = h.hostUsage(r);
  for (const u of usage.slice(0, LISTED)) lines.push(`⚠ in use by the host: ${mdInline(u, LONG)}`);
  if (usage.length > LISTED) lines.push(`⚠ in use by the host in ${usage.length - LISTED} more ways`);
  // Who else uses it on this host: the same users shared-without-shareable counts (rules/lunUsers.ts).
  const key = identityKey(r);
  const users = key ? usersOfLun(key, [h], peers, self) : [];
  const onHost = [
    ...new Set(
      users.filter((u) => u.source === 'host-domain').map((u) => `${mdInline(u.name ?? '', FIELD)}${u.shareable ? ' (shareable)' : ''}`),
    ),
  ];
  if (onHost.length) lines.push(`Used by host domains: ${listed(onHost, (u) => u)}`);
  const docs = userLabels(users.filter((u) => u.source !== 'host-domain'));
  if (docs.length) lines.push(`Used by documents: ${listed(docs, (u) => mdInline(u, FIELD))}`);
  return lines;
}

/** The lines joined, stopping (with a note) before the hover would exceed MAX_HOVER characters. */
function bounded(lines: string[]): string {
  const out: string[] = [];
  let size = 0;
  for (const l of lines) {
    if (size + l.length + 1 > MAX_HOVER) {
      out.push('', '… (shortened)');
      break;
    }
    out.push(l);
    size += l.length + 1;
  }
  return out.join('\n').trimEnd();
}

/** One alias of a list: single-path links are marked (they never rank above the map or DMP node). */
function aliasLine(c: Candidate, preferred: boolean): string {
  const mark = c.bypassesMultipath ? ` ⚠ ${BYPASS_MARK}` : c.kind === 'by-path' ? ' (one HBA path)' : '';
  return `- ${mdCode(c.path, LONG)}${preferred ? ' **(preferred)**' : ''}${mark} — ${c.reason}`;
}

/** Markdown hover for a disk source value. */
export function hoverForPath(ref: HostPathRef, hosts: HostIndex[], lines: LineIndex, peers: PeerDomain[] = [], self?: string): Hover {
  const info = classifyPath(ref.value);
  const md: string[] = [`${mdCode(ref.value)} — ${CLASS_LABEL[info.cls]}`, '', info.why];
  if (hosts.length) {
    const set = stableCandidates(ref.value, hosts);
    const { resolutions, candidates } = set;
    md.push('');
    hosts.forEach((h, i) => {
      for (const l of describeHost(h, resolutions[i], peers, self)) md.push(l);
      md.push('');
    });
    if (candidates.length) {
      md.push(hosts.length > 1 ? 'Stable aliases (valid on every host):' : 'Stable aliases:');
      const preferred = preferredOf(candidates);
      candidates.slice(0, LISTED).forEach((c) => md.push(aliasLine(c, c === preferred)));
    } else if (set.ambiguous) {
      // Which host's LUN was meant is the author's call: per LUN, its aliases valid on every host; none preferred.
      md.push('⚠ Not the same disk on every host of the group: no alias is preferred.');
      for (const alt of set.alternatives) {
        if (!alt.candidates.length) continue;
        md.push('', `To map ${mdInline(whoseLun(alt.hosts), LONG)} (${mdInline(alt.what, LONG)}), valid on every host:`);
        alt.candidates.slice(0, LISTED).forEach((c) => md.push(aliasLine(c, false)));
      }
    }
  }
  return {
    contents: { kind: MarkupKind.Markdown, value: bounded(md) },
    range: { start: lines.positionAt(ref.start), end: lines.positionAt(ref.end) },
  };
}
