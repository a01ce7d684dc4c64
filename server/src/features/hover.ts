import { Hover, MarkupKind } from 'vscode-languageserver';
import type { HostPathRef } from '../domain/model';
import { classifyPath, isUnstableName, PathClass } from '../domain/pathClass';
import { mdCode, mdInline } from '../encode';
import { describeTarget, formatBytes, HostIndex, identityKey, lunIdentity, reachedSize, Resolution } from '../inventory/resolver';
import { groupNotes, groupUsers, usersOfLun } from '../rules/lunUsers';
import { changedPercent } from '../rules/snapshotDiverged';
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

/** Caps for what one hover shows: a field, an entry of a list, entries per list, aliases listed, the whole hover. */
const FIELD = 256;
const LONG = 512;
const LISTED = 8;
const ALIASES = 5;
export const MAX_HOVER = 32 * 1024;

/** Up to `max` items, then how many more. */
function listed<T>(items: readonly T[], show: (t: T) => string, max = LISTED, sep = ', '): string {
  const shown = items.slice(0, max).map(show).join(sep);
  return items.length > max ? `${shown}${sep === ', ' ? '' : ';'} and ${items.length - max} more` : shown;
}

/** vxsnap's snapshot types in words. */
const SNAP_KIND: Record<string, string> = {
  fullinst: 'Full-sized instant snapshot',
  spaceopt: 'Space-optimized snapshot',
  mirbrk: 'Mirror break-off snapshot',
  volbrk: 'Linked break-off snapshot',
};

/**
 * A VxVM volume's snapshot facts (vxsnap, vxprint): what it is a snapshot of and how far it has changed, and
 * for a volume others are snapshots of (a gold image), those snapshots and the host's domains that map them.
 */
function vxSnapshotItems(h: HostIndex, r: Resolution): string[] {
  const items: string[] = [];
  const v = r.vxInfo;
  const sn = v?.snapshot;
  if (v && sn) {
    const share = changedPercent(h, v);
    const changed = [
      share !== undefined ? `${share < 10 ? Number(share.toFixed(1)) : Math.round(share)}%` : '',
      sn.changedBytes !== undefined ? formatBytes(sn.changedBytes) : '',
    ].filter(Boolean);
    items.push(
      `${SNAP_KIND[sn.type] ?? 'Snapshot'} (${mdCode(sn.type, FIELD)}) of ${mdCode(`${sn.parentDg ?? v.dg}/${sn.parent}`, LONG)}` +
        `${changed.length ? ` · changed ${changed.join(', ')}` : ''}${sn.date ? ` · taken ${mdInline(sn.date, FIELD)}` : ''}`,
    );
  }
  const snaps = r.vxVolume ? h.vxSnapshotsOf(r.vxVolume) : [];
  if (snaps.length) {
    const keys = new Set(snaps.map((c) => `${c.dg}/${c.name}`));
    const users: string[] = [];
    for (const d of h.snapshot.domains ?? [])
      for (const disk of d.disks) {
        const vol = h.resolve(disk.source).vxVolume;
        if (vol !== undefined && keys.has(vol)) {
          users.push(`${mdInline(d.name, FIELD)} (${mdCode(vol, LONG)})`);
          break;
        }
      }
    items.push(
      `Gold image: ${snaps.length} snapshot${snaps.length > 1 ? 's' : ''} — ${listed(snaps, (c) => `${mdCode(`${c.dg}/${c.name}`, LONG)} ${mdInline(c.snapshot!.type, FIELD)}`)}` +
        `${users.length ? ` · used by ${listed(users, (u) => u)}` : ''}`,
    );
  }
  return items;
}

/** What a path reaches, with host strings encoded. */
function target(r: Resolution): string {
  return describeTarget(
    r,
    (s) => mdCode(s, LONG),
    (s) => mdCode(s, LONG),
  );
}

/**
 * One host's block of the hover: the identity line (vendor model · size · identity), then as list items
 * what the path reaches (when it is not the LUN itself), the paths, host use and the users. Every host,
 * snapshot and document string goes through an encoder: `mdCode` (a code span) or `mdInline` (escaped
 * text, always after text of ours on the same line).
 */
function describeHost(h: HostIndex, r: Resolution, peers: PeerDomain[], self: string | undefined): string[] {
  const host = `**${mdInline(h.host, FIELD)}**`;
  if (!r.found) return [`${host}: not found on this host.`];
  const lun = r.lun;
  const facts: string[] = [];
  if (lun) {
    const vm = [lun.vendor, lun.model].filter(Boolean).join(' ');
    if (vm) facts.push(mdInline(vm, FIELD));
    facts.push(formatBytes(reachedSize(r)));
    const identity = lunIdentity(lun);
    facts.push(mdInline(identity, FIELD));
    if (lun.serial && !identity.startsWith('serial ')) facts.push(`serial ${mdCode(lun.serial, FIELD)}`);
  } else if (r.device) facts.push(mdInline(r.device.type, FIELD), formatBytes(reachedSize(r)));
  else if (r.vxVolume) facts.push('VxVM volume', ...(r.vxInfo?.sizeBytes !== undefined ? [formatBytes(r.vxInfo.sizeBytes)] : []));
  const items: string[] = [];
  // What the path reaches, unless the identity line and the paths item already say it (a whole LUN by a path or its DMP node).
  const dmpNamed = !!r.dmp && r.partition === undefined;
  if (!dmpNamed && (r.via.length || r.partition !== undefined || !lun))
    items.push(`Reaches ${target(r)}${r.partition !== undefined && !r.dmp ? ` (partition ${r.partition})` : ''}`);
  const known = (s: string) => (s ? mdInline(s, FIELD) : '?');
  if (lun?.dmp) {
    const d = lun.dmp;
    const paths = listed(d.paths, (p) => `${mdInline(p.name, FIELD)} ${mdInline(p.state, FIELD)}`);
    items.push(
      `Paths (${d.numPaths}): ${paths} · DMP node ${mdCode(d.name, FIELD)}, array ${known(d.arrayName)} (${known(d.arrayType)}), enclosure ${known(d.enclosure)}`,
    );
  } else if (lun && lun.pathDevices.length > 1) {
    const map = lun.mpathMap ? ` (multipath map ${mdInline(h.device(lun.mpathMap)?.name ?? lun.mpathMap, FIELD)})` : '';
    items.push(`Paths (${lun.pathDevices.length}): ${listed(lun.pathDevices, (k) => mdInline(k, FIELD))}${map}`);
  }
  if (r.vxVolume) items.push(...vxSnapshotItems(h, r));
  if (r.bypassesMultipath) items.push('⚠ Reaches one path of a multipathed LUN (no failover)');
  const usage = h.hostUsage(r);
  if (usage.length) items.push(`⚠ in use by the host: ${listed(usage, (u) => mdInline(u, LONG), 3, '; ')}`);
  // Who else uses it on this host: the same users shared-without-shareable counts (rules/lunUsers.ts), each domain once.
  const key = identityKey(r);
  const groups = key ? groupUsers(usersOfLun(key, [h], peers, self)) : [];
  if (groups.length)
    items.push(
      `Used by: ${listed(groups, (g) => {
        const { who, notes } = groupNotes(g, { shareable: true });
        return `${mdInline(who, FIELD)}${notes.length ? ` (${notes.map((n) => mdInline(n, FIELD)).join(', ')})` : ''}`;
      })}`,
    );
  const lines = [`${host}${facts.length ? ' — ' + facts.join(' · ') : ''}`];
  if (items.length) lines.push('', ...items.map((i) => `- ${i}`));
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

/** Short words for an alias's kind (the preferred one has its whole reason). */
const KIND_WORDS: Record<Candidate['kind'], string> = {
  dmp: 'DMP node',
  'mpath-wwid': 'multipath map by WWID',
  wwn: 'WWN',
  'scsi-naa': 'SCSI NAA id',
  'nvme-eui': 'NVMe EUI',
  'by-id': 'by-id (inquiry data)',
  volume: 'volume name',
  'device-mapper': 'device-mapper name',
  'by-path': 'one HBA path',
};

/** One alias of a list: single-path links are marked (they never rank above the map or DMP node). */
function aliasLine(c: Candidate, preferred: boolean): string {
  const mark = c.bypassesMultipath ? ` ⚠ ${BYPASS_MARK}` : '';
  return `- ${mdCode(c.path, LONG)}${preferred ? ' **(preferred)**' : ''}${mark} — ${preferred ? c.reason : KIND_WORDS[c.kind]}`;
}

/** At most ALIASES aliases, then how many more. */
function aliasList(candidates: readonly Candidate[], preferred: Candidate | undefined): string[] {
  const out = candidates.slice(0, ALIASES).map((c) => aliasLine(c, c === preferred));
  if (candidates.length > ALIASES) out.push(`- and ${candidates.length - ALIASES} more`);
  return out;
}

/**
 * Markdown hover for a disk source value: what kind of name it is, the stable aliases (high up: what to
 * write instead), then one compact block per host. The findings on the value are not repeated (the
 * editor shows them above the hover); the why of a name's class only where no finding gives it.
 */
export function hoverForPath(ref: HostPathRef, hosts: HostIndex[], lines: LineIndex, peers: PeerDomain[] = [], self?: string): Hover {
  const info = classifyPath(ref.value);
  const md: string[] = [`${mdCode(ref.value)} — ${CLASS_LABEL[info.cls]}`];
  // An unstable or guest-mutable name has a finding that says why; a stable one has none.
  if (!(isUnstableName(info.cls) || info.cls === 'guest-mutable')) md.push('', info.why);
  if (hosts.length) {
    const set = stableCandidates(ref.value, hosts);
    const { resolutions, candidates } = set;
    if (candidates.length) {
      md.push('', hosts.length > 1 ? 'Stable aliases (valid on every host):' : 'Stable aliases:', '');
      md.push(...aliasList(candidates, preferredOf(candidates)));
    } else if (set.ambiguous) {
      // Which host's LUN was meant is the author's call: per LUN, its aliases valid on every host; none preferred.
      md.push('', '⚠ Not the same disk on every host of the group: no alias is preferred.');
      for (const alt of set.alternatives) {
        if (!alt.candidates.length) continue;
        md.push('', `To map ${mdInline(whoseLun(alt.hosts), LONG)} (${mdInline(alt.what, LONG)}), valid on every host:`);
        md.push(...aliasList(alt.candidates, undefined));
      }
    }
    hosts.forEach((h, i) => md.push('', ...describeHost(h, resolutions[i], peers, self)));
  }
  return {
    contents: { kind: MarkupKind.Markdown, value: bounded(md) },
    range: { start: lines.positionAt(ref.start), end: lines.positionAt(ref.end) },
  };
}
