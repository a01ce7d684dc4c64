/**
 * The inventory view: one host's LUNs as Markdown (the client shows it in a Markdown preview), built
 * from the server's HostIndex (its LUN grouping, alias ranking and WWN identities) in one linear pass.
 *
 * Every string from the host or the snapshot goes through an encoder: `mdText` in table cells and
 * running text (it escapes `|` as well as every other markup character, and shows line breaks and
 * controls as escapes), `mdCode` for names outside tables. So a host cannot add a heading, a link,
 * an image (a beacon fetched when the view opens), an HTML block or a table cell of its own.
 * Long lists are bounded, so one LUN with a million links cannot make the view unbounded.
 */
import { mdCode, mdText } from '../encode';
import type { BlockDevice, DmpPath, VxDisk } from '../inventory/snapshot';
import { formatBytes, HostIndex, type Lun } from '../inventory/resolver';

export interface InventoryViewOptions {
  /** Where the inventory came from (ssh, local, snapshot), shown under the heading. */
  source?: string;
  /** LUNs given a detail section (all of them are in the table). */
  maxDetails?: number;
  /** Names listed per item (aliases, paths, partitions, users) before "… and N more". */
  maxPerList?: number;
}

const DEFAULT_MAX_DETAILS = 1000;
const DEFAULT_MAX_PER_LIST = 16;
const MAX_WARNINGS = 200;
/** Host strings in the view are shorter than in a hover: one cell of a table. */
const MAX_CELL = 256;

interface LunUse {
  domain: string;
  target?: string;
  source: string;
  shareable: boolean;
  /** How the source reaches the LUN when not as the whole LUN: `partition 1`, `lvm vg-guest1`. */
  via?: string;
}

interface LunFacts {
  lun: Lun;
  identity: string;
  aliases: string[];
  singlePath: string[];
  partitions: string[];
  mounts: string[];
  usedBy: LunUse[];
  vxdisk?: VxDisk;
}

/** Encoders for one view: host strings repeat (vendors, models, array types, states), so each is encoded once. */
function encoders(): { t: (s: string | null | undefined) => string; c: (s: string) => string } {
  const texts = new Map<string, string>();
  const codes = new Map<string, string>();
  return {
    t: (s) => {
      const k = s ?? '';
      let v = texts.get(k);
      if (v === undefined) texts.set(k, (v = mdText(k, MAX_CELL)));
      return v;
    },
    c: (s) => {
      let v = codes.get(s);
      if (v === undefined) codes.set(s, (v = mdCode(s, MAX_CELL)));
      return v;
    },
  };
}

/** `WWN 0x…`, `EUI …`, `UDID …`, `serial …`, or the kernel name: from the resolver's LUN id. */
export function lunIdentity(lun: Lun): string {
  const colon = lun.id.indexOf(':');
  const kind = lun.id.slice(0, colon);
  const value = lun.id.slice(colon + 1);
  switch (kind) {
    case 'wwn':
      return `WWN 0x${value}`;
    case 'eui':
      return `EUI ${value.startsWith('eui.') ? value.slice(4) : value}`;
    case 'udid':
      return `UDID ${value}`;
    case 'serial':
      return `serial ${lun.serial ?? value}`;
    default:
      return lun.pathDevices[0] ?? lun.mpathMap ?? value;
  }
}

/** At most `max` items, each encoded by `enc` (only those shown), then "… and N more". */
function list<T>(items: readonly T[], enc: (x: T) => string, max: number, sep = ', '): string {
  const shown = items.slice(0, max).map(enc).join(sep);
  return items.length <= max ? shown : `${shown}${sep}… and ${items.length - max} more`;
}

/** A whole-LUN path the resolver resolves to `lun`: the DMP node, else the map, else a path device. */
function lunPath(lun: Lun): string | undefined {
  if (lun.dmp) return `/dev/vx/dmp/${lun.dmp.name}`;
  if (lun.mpathMap) return `/dev/${lun.mpathMap}`;
  return lun.pathDevices.length ? `/dev/${lun.pathDevices[0]}` : undefined;
}

function partNumber(d: BlockDevice): string | undefined {
  return (/(\d+)$/.exec(d.name) ?? /(\d+)$/.exec(d.kname))?.[1];
}

/** Everything the view shows about each LUN, in time linear in the snapshot's size. */
function collect(idx: HostIndex): LunFacts[] {
  const snap = idx.snapshot;
  const facts = new Map<Lun, LunFacts>();
  for (const lun of idx.allLuns()) {
    const res = (() => {
      const p = lunPath(lun);
      return p ? idx.resolve(p) : undefined;
    })();
    const aliases = res?.lun === lun ? idx.aliases(res) : [];
    facts.set(lun, {
      lun,
      identity: lunIdentity(lun),
      aliases: aliases.filter((a) => !a.bypassesMultipath).map((a) => a.path),
      singlePath: aliases.filter((a) => a.bypassesMultipath).map((a) => a.path),
      partitions: [],
      mounts: [],
      usedBy: [],
    });
  }

  // The LUN under a device (a partition, a map's partition, an LV, a crypt device): up its parents, memoised.
  const above = new Map<string, Lun | null>();
  const lunAbove = (kname: string): Lun | undefined => {
    const stack: string[] = [];
    let found: Lun | null | undefined;
    let k: string | undefined = kname;
    const seen = new Set<string>();
    while (k !== undefined) {
      const known = above.get(k);
      if (known !== undefined) {
        found = known;
        break;
      }
      const direct = idx.lunOfDevice(k);
      if (direct) {
        found = direct;
        above.set(k, direct);
        break;
      }
      if (seen.has(k)) break;
      seen.add(k);
      stack.push(k);
      // The first parent that leads to a LUN (a device on several PVs is listed under the first).
      const parents: string[] = idx.device(k)?.parents ?? [];
      k = parents.find((p) => !seen.has(p));
    }
    for (const s of stack) above.set(s, found ?? null);
    return found ?? undefined;
  };

  for (const d of snap.devices) {
    const whole = idx.lunOfDevice(d.kname);
    const lun = whole ?? lunAbove(d.kname);
    if (!lun) continue;
    const f = facts.get(lun);
    if (!f) continue;
    if (!whole && d.type === 'part') f.partitions.push(d.path);
    for (const m of d.mountpoints) if (m) f.mounts.push(whole ? m : `${m} (${d.name})`);
  }

  // VxVM disks by DMP node name or OS-native name: one map each, no search per LUN.
  const vxByDevice = new Map<string, VxDisk>();
  const vxByNative = new Map<string, VxDisk>();
  for (const v of snap.vxvm?.disks ?? []) {
    if (!vxByDevice.has(v.device)) vxByDevice.set(v.device, v);
    if (v.osNativeName && !vxByNative.has(v.osNativeName)) vxByNative.set(v.osNativeName, v);
  }
  for (const f of facts.values()) {
    const l = f.lun;
    f.vxdisk =
      (l.dmp ? vxByDevice.get(l.dmp.name) : undefined) ?? l.pathDevices.map((p) => vxByNative.get(p) ?? vxByDevice.get(p)).find((v) => v);
  }

  // The host's own domains, each disk resolved once (the resolver caches by path).
  for (const dom of snap.domains ?? []) {
    for (const disk of dom.disks) {
      const r = idx.resolve(disk.source);
      if (!r.found) continue;
      let lun = r.lun;
      let via: string | undefined;
      if (r.partition !== undefined) via = `partition ${r.partition}`;
      if (!lun && r.device) {
        lun = lunAbove(r.device.kname);
        if (lun)
          via = r.device.type === 'part' ? `partition ${partNumber(r.device) ?? r.device.name}` : `${r.device.type} ${r.device.name}`;
      }
      const f = lun ? facts.get(lun) : undefined;
      if (f) f.usedBy.push({ domain: dom.name, target: disk.target, source: disk.source, shareable: disk.shareable, via });
    }
  }

  const order = (l: Lun) => (l.dmp ? 0 : l.mpathMap ? 1 : 2);
  const out = [...facts.values()];
  for (const f of out) f.partitions.sort();
  return out.sort((a, b) => order(a.lun) - order(b.lun) || (a.identity < b.identity ? -1 : a.identity > b.identity ? 1 : 0));
}

function lunName(f: LunFacts): string {
  return [f.lun.vendor, f.lun.model].filter((x) => x).join(' ') || f.lun.pathDevices[0] || f.lun.dmp?.name || '?';
}

function pathNotes(p: DmpPath | undefined, t: (s: string) => string): string {
  if (!p) return '';
  const notes = [p.state, p.type, p.ctlr].filter((x): x is string => !!x);
  return notes.length ? ` (${notes.map(t).join(', ')})` : '';
}

/** The whole view as Markdown. */
export function inventoryMarkdown(idx: HostIndex, opts: InventoryViewOptions = {}): string {
  const maxDetails = opts.maxDetails ?? DEFAULT_MAX_DETAILS;
  const maxList = opts.maxPerList ?? DEFAULT_MAX_PER_LIST;
  const s = idx.snapshot;
  const { t, c } = encoders();
  const luns = collect(idx);
  const out: string[] = [];
  out.push(`# Inventory of ${t(s.host)}`, '');
  const facts = [
    s.hostname && s.hostname !== s.host ? `hostname ${c(s.hostname)}` : undefined,
    s.collectedAt
      ? `collected ${t(
          /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(s.collectedAt)
            ? s.collectedAt
                .replace('T', ' ')
                .replace(/\.\d+Z$/, 'Z')
                .replace(/Z$/, ' UTC')
            : s.collectedAt,
        )}`
      : undefined,
    opts.source ? `source: ${t(opts.source)}` : undefined,
    s.cluster?.mode ? `cluster: ${t(s.cluster.mode)}` : undefined,
  ].filter((x) => x);
  if (facts.length) out.push(facts.join(' · '), '');

  out.push(`## LUNs (${luns.length})`, '');
  out.push('| LUN | Size | Identity | Paths | Multipath | Best alias | Used by |', '|---|---|---|---|---|---|---|');
  for (const f of luns) {
    const l = f.lun;
    const mp = l.dmp
      ? `DMP ${t(l.dmp.name)} (${t(l.dmp.arrayType || '?')})`
      : l.mpathMap
        ? `dm-multipath ${t(idx.device(l.mpathMap)?.name ?? l.mpathMap)}`
        : '—';
    const used = f.usedBy.length ? list(f.usedBy, (u) => `${t(u.domain)}${u.target ? ` (${t(u.target)})` : ''}`, maxList) : '—';
    const row = [
      t(lunName(f)),
      formatBytes(l.size),
      t(f.identity),
      list(l.pathDevices, t, maxList) || '—',
      mp,
      f.aliases[0] ? t(f.aliases[0]) : '—',
      used,
    ];
    out.push(`| ${row.join(' | ')} |`);
  }

  const detailed = luns.slice(0, maxDetails);
  for (const f of detailed) {
    const l = f.lun;
    out.push('', `### ${t(lunName(f))} · ${formatBytes(l.size)} · ${t(f.identity)}`, '');
    const tran = l.pathDevices.map((p) => idx.device(p)?.tran).find((x) => x);
    out.push(`- **Identity:** ${c(f.identity)}${tran ? ` · transport ${t(tran)}` : ''}`);
    const dmpPaths = new Map((l.dmp?.paths ?? []).map((p) => [p.name, p]));
    const paths = l.pathDevices.length ? l.pathDevices : (l.dmp?.paths ?? []).map((p) => p.name);
    out.push(`- **Paths (${paths.length}):** ${list(paths, (p) => `${c(p)}${pathNotes(dmpPaths.get(p), t)}`, maxList) || '—'}`);
    if (l.dmp) {
      const d = l.dmp;
      out.push(
        `- **DMP node:** ${c(d.name)} · array ${t(d.arrayName || '?')} · array type **${t(d.arrayType || '?')}** · enclosure ${t(d.enclosure || '?')}${d.state ? ` · ${t(d.state)}` : ''}`,
      );
    }
    if (l.mpathMap) out.push(`- **dm-multipath map:** ${c(idx.device(l.mpathMap)?.name ?? l.mpathMap)} (${t(l.mpathMap)})`);
    if (f.vxdisk) {
      const v = f.vxdisk;
      const g = v.group ? `disk group ${c(v.group)}${v.imported ? ' (imported here)' : ' (not imported here)'}` : 'no disk group';
      out.push(`- **VxVM:** ${v.disk ? `disk ${c(v.disk)}, ` : ''}${g}${v.status ? ` · ${t(v.status)}` : ''}`);
    }
    out.push(`- **Stable aliases:** ${f.aliases.length ? list(f.aliases, c, maxList) : '—'}`);
    if (f.singlePath.length) out.push(`- **One path only (no failover):** ${list(f.singlePath, c, maxList)}`);
    if (f.partitions.length) out.push(`- **Partitions:** ${list(f.partitions, c, maxList)}`);
    if (f.mounts.length) out.push(`- **Mounted on the host:** ${list(f.mounts, c, maxList)}`);
    const user = (u: LunUse) =>
      `${t(u.domain)}${u.target ? ` as ${t(u.target)}` : ''} via ${c(u.source)}${u.via ? ` (${t(u.via)})` : ''}${u.shareable ? ' · shareable' : ''}`;
    out.push(`- **Used by:** ${f.usedBy.length ? list(f.usedBy, user, maxList, '; ') : 'no domain on this host'}`);
  }
  if (luns.length > detailed.length)
    out.push('', `*Details of the first ${detailed.length} of ${luns.length} LUNs; the table lists all of them.*`);

  const tools = Object.entries(s.tools ?? {});
  const warnings = s.warnings ?? [];
  if (tools.length || warnings.length) {
    out.push('', '## Collection', '');
    if (tools.length) out.push(`Tools: ${tools.map(([tool, st]) => `${t(tool)} ${t(st)}`).join(', ')}`, '');
    for (const w of warnings.slice(0, MAX_WARNINGS)) out.push(`- ⚠ ${t(w)}`);
    if (warnings.length > MAX_WARNINGS) out.push(`- … and ${warnings.length - MAX_WARNINGS} more warnings`);
  }
  out.push('');
  return out.join('\n');
}
