/**
 * The inventory view: one host's LUNs as Markdown (the client shows it in a Markdown preview), built
 * from the server's HostIndex (its LUN grouping, alias ranking, WWN identities, host use, VxVM disks and
 * volumes) and the rules' own answers (the preferred alias, Active-Passive marks, the LUN's users, the
 * open and workspace documents included) in one linear pass: nothing here is worked out a second way.
 *
 * Every string from the host or the snapshot goes through an encoder: `mdText` in table cells and
 * running text (it escapes `|` as well as every other markup character, and shows line breaks and
 * controls as escapes), `mdCode` for names outside tables. So a host cannot add a heading, a link,
 * an image (a beacon fetched when the view opens), an HTML block or a table cell of its own.
 * Long lists are bounded, so one LUN with a million links cannot make the view unbounded.
 */
import { mdCode, mdText } from '../encode';
import type { DmpPath, VxDisk } from '../inventory/snapshot';
import { formatBytes, HostIndex, lunIdentity, type Lun } from '../inventory/resolver';
import { bootImages, bootImagesMarkdown } from './bootImages';
import { ACTIVE_PASSIVE_MARK as AP_MARK, activePassiveOnCluster } from '../rules/activePassiveDmp';
import { groupNotes, groupUsers, type LunUser, USER_SOURCE_WORDS, type UserGroup, usersOfLun } from '../rules/lunUsers';
import { preferredOf } from '../rules/stableAliases';
import type { PeerDomain } from '../rules/types';

export interface InventoryViewOptions {
  /** Where the inventory came from (ssh, local, snapshot), shown under the heading. */
  source?: string;
  /** LUNs given a detail section (all of them are in the table). */
  maxDetails?: number;
  /** Names listed per item (aliases, paths, partitions, users) before "… and N more". */
  maxPerList?: number;
  /**
   * Other domain definitions (open documents, workspace files) checked against this host: they count
   * among a LUN's users, as they do for shared-without-shareable, the hover and completion.
   */
  peers?: PeerDomain[];
}

const DEFAULT_MAX_DETAILS = 1000;
const DEFAULT_MAX_PER_LIST = 16;
const MAX_WARNINGS = 200;
/** Host strings in the view are shorter than in a hover: one cell of a table. */
const MAX_CELL = 256;

interface LunFacts {
  lun: Lun;
  identity: string;
  /** Ranked stable aliases (resolver order), without those that reach one path only. */
  aliases: string[];
  /** The alias a fix would prefer (stableAliases.preferredOf over all of them). */
  best?: string;
  singlePath: string[];
  partitions: string[];
  /** LVs and other stacked devices that lie on the LUN. */
  lvs: string[];
  /** VxVM volumes of the LUN's disk group, imported here. */
  vxVolumes: string[];
  mounts: string[];
  /** Why the host uses the LUN, other than mounts (listed apart): swap, PV, md member, imported disk group. */
  hostUse: string[];
  /** The LUN is Active-Passive DMP on a node of an active cluster (active-passive-dmp's condition). */
  activePassive: boolean;
  usedBy: LunUser[];
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

/** At most `max` items, each encoded by `enc` (only those shown), then "… and N more". */
function list<T>(items: readonly T[], enc: (x: T) => string, max: number, sep = ', '): string {
  const shown = items.slice(0, max).map(enc).join(sep);
  return items.length <= max ? shown : `${shown}${sep}… and ${items.length - max} more`;
}

/** Everything the view shows about each LUN, from the resolver's answers, in time linear in the snapshot's size. */
function collect(idx: HostIndex, peers: readonly PeerDomain[]): LunFacts[] {
  const snap = idx.snapshot;
  const facts = new Map<Lun, LunFacts>();
  for (const lun of idx.allLuns()) {
    const p = idx.lunPath(lun);
    const r = p ? idx.resolve(p) : undefined;
    const res = r?.lun === lun ? r : undefined;
    const aliases = res ? idx.aliases(res) : [];
    const uses = res ? idx.hostUses(res) : [];
    facts.set(lun, {
      lun,
      identity: lunIdentity(lun),
      aliases: aliases.filter((a) => !a.bypassesMultipath).map((a) => a.path),
      best: preferredOf(aliases)?.path,
      singlePath: aliases.filter((a) => a.bypassesMultipath).map((a) => a.path),
      partitions: [],
      lvs: [],
      vxVolumes: idx.vxVolumesOn(lun),
      mounts: uses.flatMap((u) =>
        u.kind === 'mount' && u.device ? u.mounts!.map((m) => (idx.lunOfDevice(u.device!.kname) ? m : `${m} (${u.device!.name})`)) : [],
      ),
      hostUse: [...new Set(uses.filter((u) => u.kind !== 'mount').map((u) => u.text))],
      activePassive: !!res && !!activePassiveOnCluster(idx, res),
      usedBy: usersOfLun(lun.id, [idx], peers, undefined, { within: true }),
      vxdisk: idx.vxDisksOf(lun)[0],
    });
  }
  // Partitions and LVs (and other stacked devices) by the LUNs they lie on.
  for (const d of snap.devices) {
    if (idx.lunOfDevice(d.kname)) continue;
    for (const lun of idx.lunsUnder(d.kname)) {
      const f = facts.get(lun);
      if (!f) continue;
      if (d.type === 'part') f.partitions.push(d.path);
      else f.lvs.push(d.path);
    }
  }
  const order = (l: Lun) => (l.dmp ? 0 : l.mpathMap ? 1 : 2);
  const out = [...facts.values()];
  for (const f of out) f.partitions.sort();
  return out.sort((a, b) => order(a.lun) - order(b.lun) || (a.identity < b.identity ? -1 : a.identity > b.identity ? 1 : 0));
}

/** Where a user comes from, in words (the view names the source of every user that is not a host domain). */
export { USER_SOURCE_WORDS };

function lunName(f: LunFacts): string {
  return [f.lun.vendor, f.lun.model].filter((x) => x).join(' ') || f.lun.pathDevices[0] || f.lun.dmp?.name || '?';
}

/**
 * A user in the table, each domain once: `web01 (vdb)`; a document also says what it is: `db9 (vdb, workspace
 * file)`; one document with two disks on the LUN: `app01 (vdc ×2, open document)`.
 */
function userCell(g: UserGroup, t: (s: string) => string): string {
  const { who, notes } = groupNotes(g);
  return `${t(who || '?')}${notes.length ? ` (${notes.map(t).join(', ')})` : ''}`;
}

/** A user in the details: `web01 as vda via `/dev/…` (lvm vg-guest1) · shareable`, a document with its origin. */
function userDetail(u: LunUser, t: (s: string) => string, c: (s: string) => string): string {
  const doc =
    u.source === 'host-domain' ? '' : ` · ${USER_SOURCE_WORDS[u.source]}${u.name !== undefined && u.origin ? ` ${c(u.origin)}` : ''}`;
  return `${t(u.name ?? u.origin ?? '?')}${u.target ? ` as ${t(u.target)}` : ''} via ${c(u.path)}${u.via ? ` (${t(u.via)})` : ''}${u.shareable ? ' · shareable' : ''}${doc}`;
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
  const luns = collect(idx, opts.peers ?? []);
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
      ? `DMP ${t(l.dmp.name)} (${t(l.dmp.arrayType || '?')})${f.activePassive ? ` · ${AP_MARK}` : ''}`
      : l.mpathMap
        ? `dm-multipath ${t(idx.device(l.mpathMap)?.name ?? l.mpathMap)}`
        : '—';
    const used = f.usedBy.length ? list(groupUsers(f.usedBy), (g) => userCell(g, t), maxList) : '—';
    const row = [
      t(lunName(f)),
      formatBytes(l.size),
      t(f.identity),
      list(l.pathDevices, t, maxList) || '—',
      mp,
      f.best ? t(f.best) : '—',
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
      if (f.activePassive) out.push(`- ${AP_MARK}: cannot be mapped directly to a guest (active-passive-dmp)`);
    }
    if (l.mpathMap) out.push(`- **dm-multipath map:** ${c(idx.device(l.mpathMap)?.name ?? l.mpathMap)} (${t(l.mpathMap)})`);
    if (f.vxdisk) {
      const v = f.vxdisk;
      const g = v.group ? `disk group ${c(v.group)}${v.imported ? ' (imported here)' : ' (not imported here)'}` : 'no disk group';
      out.push(`- **VxVM:** ${v.disk ? `disk ${c(v.disk)}, ` : ''}${g}${v.status ? ` · ${t(v.status)}` : ''}`);
    }
    if (f.vxVolumes.length) out.push(`- **VxVM volumes:** ${list(f.vxVolumes, c, maxList)}`);
    out.push(`- **Stable aliases:** ${f.aliases.length ? list(f.aliases, c, maxList) : '—'}`);
    if (f.singlePath.length) out.push(`- **One path only (no failover):** ${list(f.singlePath, c, maxList)}`);
    if (f.partitions.length) out.push(`- **Partitions:** ${list(f.partitions, c, maxList)}`);
    if (f.lvs.length) out.push(`- **Volumes on it:** ${list(f.lvs, c, maxList)}`);
    if (f.mounts.length) out.push(`- **Mounted on the host:** ${list(f.mounts, c, maxList)}`);
    if (f.hostUse.length) out.push(`- **In use by the host:** ${list(f.hostUse, t, maxList, '; ')}`);
    const none = opts.peers ? 'no domain on this host or in the documents' : 'no domain on this host';
    out.push(`- **Used by:** ${f.usedBy.length ? list(f.usedBy, (u) => userDetail(u, t, c), maxList, '; ') : none}`);
  }
  if (luns.length > detailed.length)
    out.push('', `*Details of the first ${detailed.length} of ${luns.length} LUNs; the table lists all of them.*`);

  // Gold images and the guests on their copies (VxVM hosts), counted with the same users as the LUNs.
  const boot = bootImagesMarkdown(bootImages(idx, opts.peers ?? []), maxList);
  if (boot.length) out.push('', ...boot);

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
