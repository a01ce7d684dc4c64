/**
 * Boot images per host (issue 18): the gold images of the host's VxVM disk groups, the guests that boot
 * from full-sized copies of them and from space-optimized snapshots, and the storage that turning the
 * full copies into space-optimized snapshots would typically save. Pure: built from HostIndex (vxprint's
 * sizes, vxsnap's relations), the rules' own answers (who maps a volume: usersOfLun, with the host's
 * domains and the peer documents; what a gold image is: goldImageSnapshots; how far a snapshot changed:
 * changedPercent) and rendered as Markdown (the inventory view) or terminal text (the audit's summary).
 */
import { cap, mdText, terminalText } from '../encode';
import { formatBytes, identityKey, type HostIndex } from '../inventory/resolver';
import { FULL_COPY_SNAPSHOT_TYPES, type VxVolumeInfo } from '../inventory/snapshot';
import { goldImageSnapshots } from '../rules/goldImageWritable';
import { groupUsers, usersOfLun } from '../rules/lunUsers';
import { changedPercent, DIVERGED_PERCENT, SPACEOPT_TYPICAL_PERCENT } from '../rules/snapshotDiverged';
import type { PeerDomain } from '../rules/types';

/** One snapshot of a gold image and the guests that map it. */
export interface BootCopy {
  /** `dg/vol`. */
  volume: string;
  /** vxsnap's SNAPTYPE. */
  type: string;
  sizeBytes?: number;
  /** How far it differs from its parent, in percent, where vxsnap says (or its amount and a size allow it). */
  changedPercent?: number;
  /** A space-optimized snapshot that changed more than the guidance's 20%. */
  diverged: boolean;
  /** The domains whose disks map it (the host's own, then the peer documents), each once. */
  guests: string[];
}

/** A gold image: a volume with space-optimized or full-sized instant snapshots, or with copies guests map. */
export interface GoldImage {
  volume: string;
  sizeBytes?: number;
  /** Domains that map the gold image itself. */
  mappedBy: string[];
  /** Full-sized copies (fullinst, mirbrk, volbrk), in vxsnap's order. */
  full: BootCopy[];
  /** Space-optimized snapshots (spaceopt). */
  spaceOptimized: BootCopy[];
  /** What converting the full copies guests map into space-optimized snapshots would do; undefined when no guest maps one. */
  conversion?: Conversion;
}

/** Full copies that guests map, and what space-optimized snapshots would typically take instead. */
export interface Conversion {
  /** The full copies counted (those some guest maps). */
  copies: number;
  /** Their size; undefined when a size is unknown (neither the copy's nor the gold image's). */
  fullBytes?: number;
  /** What space-optimized snapshots of the same parents would typically take: [5%, 20%] of each parent. */
  spaceOptimizedBytes?: [number, number];
  /** fullBytes minus that: [least, most] saved. */
  savedBytes?: [number, number];
}

export interface HostBootImages {
  host: string;
  golds: GoldImage[];
  /** Distinct guests booting from full copies, and from space-optimized snapshots, over all gold images. */
  fullGuests: string[];
  spaceOptimizedGuests: string[];
  /** The sum of the gold images' conversions; undefined where a part is unknown or nothing is to convert. */
  conversion?: Conversion;
}

const LOW = SPACEOPT_TYPICAL_PERCENT[0] / 100;
const HIGH = SPACEOPT_TYPICAL_PERCENT[1] / 100;

/** Gold images listed per host at most (a host with thousands of snapshot parents stays readable). */
export const MAX_GOLD_IMAGES = 100;

function guestsOf(h: HostIndex, dgVol: string, peers: readonly PeerDomain[]): string[] {
  const key = identityKey(h.resolve(`/dev/vx/dsk/${dgVol}`));
  if (!key) return [];
  return groupUsers(usersOfLun(key, [h], peers, undefined)).map((g) => g.who);
}

function copyOf(h: HostIndex, v: VxVolumeInfo, peers: readonly PeerDomain[]): BootCopy {
  const share = changedPercent(h, v);
  const volume = `${v.dg}/${v.name}`;
  return {
    volume,
    type: v.snapshot!.type,
    ...(v.sizeBytes !== undefined ? { sizeBytes: v.sizeBytes } : {}),
    ...(share !== undefined ? { changedPercent: share } : {}),
    diverged: v.snapshot!.type === 'spaceopt' && share !== undefined && share > DIVERGED_PERCENT,
    guests: guestsOf(h, volume, peers),
  };
}

function conversionOf(goldSize: number | undefined, full: readonly BootCopy[]): Conversion | undefined {
  const used = full.filter((c) => c.guests.length);
  if (!used.length) return undefined;
  // A full copy is as large as its parent: either size stands for the other.
  const sizes = used.map((c) => c.sizeBytes ?? goldSize);
  const parents = used.map((c) => goldSize ?? c.sizeBytes);
  const out: Conversion = { copies: used.length };
  if (sizes.every((s) => s !== undefined)) out.fullBytes = sizes.reduce((a, b) => a! + b!, 0)!;
  if (parents.every((s) => s !== undefined)) {
    const p = parents.reduce((a, b) => a! + b!, 0)!;
    out.spaceOptimizedBytes = [p * LOW, p * HIGH];
    if (out.fullBytes !== undefined) out.savedBytes = [out.fullBytes - p * HIGH, out.fullBytes - p * LOW];
  }
  return out;
}

/** The sum of conversions: a part is known when it is known for every one of them. */
function sumConversions(list: readonly Conversion[]): Conversion | undefined {
  if (!list.length) return undefined;
  const out: Conversion = { copies: list.reduce((n, c) => n + c.copies, 0) };
  if (list.every((c) => c.fullBytes !== undefined)) out.fullBytes = list.reduce((n, c) => n + c.fullBytes!, 0);
  const pair = (k: 'spaceOptimizedBytes' | 'savedBytes') =>
    list.every((c) => c[k]) ? (list.reduce((n, c) => [n[0] + c[k]![0], n[1] + c[k]![1]], [0, 0]) as [number, number]) : undefined;
  const so = pair('spaceOptimizedBytes');
  const saved = pair('savedBytes');
  if (so) out.spaceOptimizedBytes = so;
  if (saved) out.savedBytes = saved;
  return out;
}

/**
 * The host's boot-image picture. `peers`: the other definitions checked against the host (open documents,
 * workspace files; an audit's host domains), counted among the guests as the rules count them.
 */
export function bootImages(h: HostIndex, peers: readonly PeerDomain[] = []): HostBootImages {
  // Snapshot parents in the order of the host's volume list (vxvm.volumeInfo).
  const parents: string[] = [];
  const seen = new Set<string>();
  for (const v of h.snapshot.vxvm?.volumeInfo ?? []) {
    if (!v.snapshot) continue;
    const key = `${v.snapshot.parentDg ?? v.dg}/${v.snapshot.parent}`;
    if (seen.has(key)) continue;
    seen.add(key);
    parents.push(key);
  }
  const golds: GoldImage[] = [];
  for (const key of parents) {
    const snaps = h.vxSnapshotsOf(key);
    const full = snaps.filter((s) => FULL_COPY_SNAPSHOT_TYPES.includes(s.snapshot!.type)).map((s) => copyOf(h, s, peers));
    const spaceOptimized = snaps.filter((s) => s.snapshot!.type === 'spaceopt').map((s) => copyOf(h, s, peers));
    // A gold image as gold-image-writable judges one, or the parent of copies guests boot from (a backup's parent is neither).
    if (!goldImageSnapshots(h, key).length && ![...full, ...spaceOptimized].some((c) => c.guests.length)) continue;
    const sizeBytes = h.vxVolumeInfo(key)?.sizeBytes;
    const conversion = conversionOf(sizeBytes, full);
    golds.push({
      volume: key,
      ...(sizeBytes !== undefined ? { sizeBytes } : {}),
      mappedBy: guestsOf(h, key, peers),
      full,
      spaceOptimized,
      ...(conversion ? { conversion } : {}),
    });
  }
  const distinct = (copies: BootCopy[]) => [...new Set(copies.flatMap((c) => c.guests))];
  const conversion = sumConversions(golds.flatMap((g) => (g.conversion ? [g.conversion] : [])));
  return {
    host: h.host,
    golds,
    fullGuests: distinct(golds.flatMap((g) => g.full)),
    spaceOptimizedGuests: distinct(golds.flatMap((g) => g.spaceOptimized)),
    ...(conversion ? { conversion } : {}),
  };
}

const range = (r: [number, number] | undefined): string =>
  r ? `${formatBytes(Math.max(0, r[0]))}–${formatBytes(Math.max(0, r[1]))}` : '?';

/** `2 (web11, web12)`: a count of copies and the guests on them, each name through `enc`. */
function copiesCell(copies: readonly BootCopy[], enc: (s: string) => string, max: number): string {
  if (!copies.length) return '—';
  const guests = [...new Set(copies.flatMap((c) => c.guests))];
  const shown = guests.slice(0, max).map(enc).join(', ');
  const more = guests.length > max ? `, … and ${guests.length - max} more` : '';
  const diverged = copies.filter((c) => c.diverged).length;
  return `${copies.length}${guests.length ? ` (${shown}${more})` : ' (no guest)'}${diverged ? ` · ${diverged} over ${DIVERGED_PERCENT}% changed` : ''}`;
}

/** Bar width in characters for the largest amount. */
const BAR = 24;

/** `████▒▒`: `low` of `max` in full blocks, up to `high` in shaded ones (a range), at least one block for a non-zero amount. */
export function textBar(low: number, high: number, max: number, width = BAR): string {
  if (!(max > 0)) return '';
  const n = (v: number) => (v <= 0 ? 0 : Math.max(1, Math.round((Math.min(v, max) / max) * width)));
  const a = n(low);
  const b = Math.max(a, n(high));
  return '█'.repeat(a) + '▒'.repeat(b - a);
}

/**
 * The view's section (Markdown lines, no heading when there is nothing to show): a table of the gold
 * images, then the storage now and as space-optimized snapshots as text bars. Host strings through mdText.
 */
export function bootImagesMarkdown(b: HostBootImages, maxPerList = 16): string[] {
  if (!b.golds.length) return [];
  const t = (s: string) => mdText(s, 256);
  const out: string[] = ['## Boot images', ''];
  out.push(
    `Space-optimized snapshots keep only changed blocks in a cache object, typically ${SPACEOPT_TYPICAL_PERCENT[0]}–${SPACEOPT_TYPICAL_PERCENT[1]}% of the parent; full copies take the parent's whole size each.`,
    '',
  );
  out.push(
    '| Gold image | Size | Mapped by | Full copies (guests) | Space-optimized (guests) | Full copies in use | As space-optimized | Would save |',
    '|---|---|---|---|---|---|---|---|',
  );
  for (const g of b.golds.slice(0, MAX_GOLD_IMAGES)) {
    const c = g.conversion;
    out.push(
      `| ${[
        t(g.volume),
        formatBytes(g.sizeBytes),
        g.mappedBy.length ? g.mappedBy.slice(0, maxPerList).map(t).join(', ') + (g.mappedBy.length > maxPerList ? ', …' : '') : '—',
        copiesCell(g.full, t, maxPerList),
        copiesCell(g.spaceOptimized, t, maxPerList),
        c ? `${c.copies}, ${formatBytes(c.fullBytes)}` : '—',
        c ? range(c.spaceOptimizedBytes) : '—',
        c ? range(c.savedBytes) : '—',
      ].join(' | ')} |`,
    );
  }
  if (b.golds.length > MAX_GOLD_IMAGES) out.push('', `*The first ${MAX_GOLD_IMAGES} of ${b.golds.length} gold images.*`);
  const c = b.conversion;
  if (c?.fullBytes !== undefined && c.spaceOptimizedBytes) {
    const max = c.fullBytes;
    out.push(
      '',
      '| Boot storage | Size | |',
      '|---|---|---|',
      `| Full copies in use now (${c.copies}) | ${formatBytes(c.fullBytes)} | ${textBar(max, max, max)} |`,
      `| As space-optimized snapshots | ${range(c.spaceOptimizedBytes)} | ${textBar(c.spaceOptimizedBytes[0], c.spaceOptimizedBytes[1], max)} |`,
      `| Saved | ${range(c.savedBytes)} | ${c.savedBytes ? textBar(c.savedBytes[0], c.savedBytes[1], max) : ''} |`,
      '',
      `*█ at least, ▒ up to: space-optimized snapshots take ${SPACEOPT_TYPICAL_PERCENT[0]}–${SPACEOPT_TYPICAL_PERCENT[1]}% of the parent, one cache object serving them all.*`,
    );
  }
  return out;
}

/**
 * The audit's boot-image summary (terminal lines, none when no host has a gold image): one row per gold
 * image, then the fleet's total. Host strings through terminalText.
 */
export function bootImagesText(hosts: readonly HostBootImages[]): string[] {
  const withGolds = hosts.filter((h) => h.golds.length);
  if (!withGolds.length) return [];
  const t = (s: string) => terminalText(cap(s, 256));
  const rows: string[][] = [['host', 'gold image', 'size', 'full copies', 'guests', 'space-optimized', 'guests', 'would save']];
  for (const h of withGolds)
    for (const g of h.golds.slice(0, MAX_GOLD_IMAGES)) {
      const c = g.conversion;
      rows.push([
        t(h.host),
        t(g.volume),
        formatBytes(g.sizeBytes),
        c ? `${g.full.length} (${formatBytes(c.fullBytes)} in use)` : String(g.full.length),
        String(new Set(g.full.flatMap((x) => x.guests)).size),
        `${g.spaceOptimized.length}${g.spaceOptimized.some((x) => x.diverged) ? ` (${g.spaceOptimized.filter((x) => x.diverged).length} >${DIVERGED_PERCENT}%)` : ''}`,
        String(new Set(g.spaceOptimized.flatMap((x) => x.guests)).size),
        c ? range(c.savedBytes) : '-',
      ]);
    }
  const total = sumConversions(withGolds.flatMap((h) => (h.conversion ? [h.conversion] : [])));
  rows.push([
    `total (${withGolds.length} host${withGolds.length === 1 ? '' : 's'})`,
    ((n) => `${n} gold image${n === 1 ? '' : 's'}`)(withGolds.reduce((n, h) => n + h.golds.length, 0)),
    '',
    total ? `${total.copies} (${formatBytes(total.fullBytes)} in use)` : '0',
    String(withGolds.reduce((n, h) => n + h.fullGuests.length, 0)),
    '',
    String(withGolds.reduce((n, h) => n + h.spaceOptimizedGuests.length, 0)),
    total ? range(total.savedBytes) : '-',
  ]);
  const width = rows[0].map((_, i) => Math.max(...rows.map((r) => [...r[i]].length)));
  return [
    `boot images: full copies of gold images vs space-optimized snapshots (typically ${SPACEOPT_TYPICAL_PERCENT[0]}–${SPACEOPT_TYPICAL_PERCENT[1]}% of the parent each)`,
    ...rows.map((r) =>
      r
        .map((cell, i) => (i < 2 ? cell.padEnd(width[i]) : cell.padStart(width[i])))
        .join('  ')
        .trimEnd(),
    ),
  ];
}
