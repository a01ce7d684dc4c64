/**
 * Answers, for one host: which device a path reaches, which LUN that is, and every stable alias
 * of it, ranked. Built once per snapshot; lookups are map hits.
 */
import { classifyPath, isUnstableName, normalizePath } from '../domain/pathClass';
import { cap } from '../encode';
import { BlockDevice, DmpNode, InventorySnapshot, StoragePool, StorageVolume, VxDisk, VxVolumeInfo } from './snapshot';
import { isSiteLinkCandidate, UdevLinkRule, UdevRuleSet } from './udevRules';

export type AliasKind = 'dmp' | 'mpath-wwid' | 'wwn' | 'scsi-naa' | 'nvme-eui' | 'by-id' | 'device-mapper' | 'volume' | 'by-path';

const KIND_RANK: Record<AliasKind, number> = {
  dmp: 0,
  'mpath-wwid': 1,
  wwn: 2,
  'scsi-naa': 3,
  'nvme-eui': 3,
  'by-id': 4,
  volume: 4,
  'device-mapper': 5,
  'by-path': 9,
};

/** Aliases kept per resolution: the best few, ranked over all of them (a host may have a million links to one LUN). */
export const MAX_ALIASES = 64;
/** Linux PATH_MAX (with its NUL): a longer name cannot be opened, so it is never an alias. */
export const PATH_MAX = 4096;

/** `a.localeCompare(b)` with the default locale, without building a collator per call. */
const collator = new Intl.Collator();

/** Alias order: rank, then the path (locale order). */
function compareAliases(a: Alias, b: Alias): number {
  return a.rank - b.rank || collator.compare(a.path, b.path);
}

/**
 * The best `max` aliases offered (by `compareAliases`, each path at its best rank), in time linear in the
 * number offered: entries no better than the worst of a full selection are refused with one comparison,
 * and the kept ones are pruned back to `max` whenever they reach twice that.
 */
class BestAliases {
  private readonly kept = new Map<string, Alias>();
  /** The worst of `max` kept entries at the last prune: anything not better cannot make the final cut. */
  private threshold?: Alias;

  constructor(private readonly max: number) {}

  offer(path: string, kind: AliasKind, bypass: boolean): void {
    const rank = KIND_RANK[kind] + (bypass ? 20 : 0);
    const t = this.threshold;
    // Every kept entry is at least as good as the threshold: a worse rank can neither enter nor improve one.
    if (t && rank > t.rank) return;
    const prev = this.kept.get(path);
    if (prev) {
      if (prev.rank > rank) this.kept.set(path, { path, kind, rank, bypassesMultipath: bypass });
      return;
    }
    if (t && rank === t.rank && collator.compare(path, t.path) >= 0) return;
    this.kept.set(path, { path, kind, rank, bypassesMultipath: bypass });
    if (this.kept.size >= 2 * this.max) this.prune();
  }

  private prune(): void {
    const sorted = [...this.kept.values()].sort(compareAliases);
    for (let i = this.max; i < sorted.length; i++) this.kept.delete(sorted[i].path);
    this.threshold = sorted[this.max - 1];
  }

  result(): Alias[] {
    return [...this.kept.values()].sort(compareAliases).slice(0, this.max);
  }
}

export interface Alias {
  path: string;
  kind: AliasKind;
  /** Lower is better. */
  rank: number;
  /** The alias reaches a single path of a multipathed LUN. */
  bypassesMultipath: boolean;
}

/** A logical unit as the host sees it: all its path devices, its multipath map and DMP node. */
export interface Lun {
  /** Identity comparable across hosts: `wwn:<hex>`, `eui:<hex>`, `udid:<udid>`, `serial:…` or host-local `dev:…`. */
  id: string;
  size: number | null;
  vendor: string | null;
  model: string | null;
  serial: string | null;
  wwn: string | null;
  pathDevices: string[];
  mpathMap?: string;
  dmp?: DmpNode;
}

export interface Resolution {
  host: string;
  input: string;
  found: boolean;
  /** Symlinks followed, in order, ending at the final path. */
  via: string[];
  device?: BlockDevice;
  dmp?: DmpNode;
  vxVolume?: string;
  /** For a VxVM volume (`/dev/vx/dsk/DG/VOL`, `/dev/vx/rdsk/DG/VOL`): its size and snapshot facts, where vxprint/vxsnap gave them. */
  vxInfo?: VxVolumeInfo;
  lun?: Lun;
  partition?: number;
  /** The path reaches only one path of a LUN that has several (or that DMP/dm-multipath manages). */
  bypassesMultipath: boolean;
  /** Links of the chain (the input first) made by a site udev rule, with that rule; absent when none. */
  siteLinks?: { link: string; rule: UdevLinkRule }[];
}

/** One way the host itself uses a device (see `HostIndex.hostUses`), with its sentence. */
export interface HostUse {
  kind: 'mount' | 'swap' | 'member' | 'vxvm-group';
  /** The device it is about; absent for a VxVM disk group. */
  device?: BlockDevice;
  /** For `mount`: the mount points (swap excluded). */
  mounts?: string[];
  /** The reason as `hostUsage` gives it (plain text, host strings capped). */
  text: string;
}

/** What `<source pool volume>` names on a host; `unknown` when the snapshot has no pool listing. */
export type PoolVolumeLookup =
  | { ok: true; pool: StoragePool; volume: StorageVolume; path: string }
  | { ok: false; reason: 'unknown' | 'pool-missing' | 'pool-inactive' | 'volume-missing'; pool?: StoragePool };

/** A WWN as the LUN identity uses it: lower case, without `0x`, `naa:` or `naa.` (the one normalisation of WWNs). */
export function normalizeWwn(w: string | null | undefined): string | null {
  if (!w) return null;
  let s = w.trim().toLowerCase();
  if (s.startsWith('0x')) s = s.slice(2);
  if (s.startsWith('naa:')) s = s.slice(4);
  if (s.startsWith('naa.')) s = s.slice(4);
  return s || null;
}

const BY_ID = '/dev/disk/by-id/';

/** The kind of a by-id link named by the host's inquiry data, from its base name (starting at `at`) alone. */
function hardwareIdKind(link: string, at: number): AliasKind {
  if (link.startsWith('wwn-', at)) return 'wwn';
  if (link.startsWith('scsi-3', at)) return 'scsi-naa';
  if (link.startsWith('nvme-eui.', at) || link.startsWith('nvme-nvme.', at)) return 'nvme-eui';
  return 'by-id';
}

function aliasKind(link: string): AliasKind | undefined {
  // The common case without classifyPath (and its cache, which a million links would churn): a plain
  // name directly under by-id that is not a dm-/lvm- name is what classifyPath calls a hardware id.
  const at = BY_ID.length;
  if (
    link.startsWith(BY_ID) &&
    link.length > at &&
    link.indexOf('/', at) < 0 &&
    !link.startsWith('dm-', at) &&
    !link.startsWith('lvm-', at)
  ) {
    const rest = link.length - at;
    if (!(link[at] === '.' && (rest === 1 || (rest === 2 && link[at + 1] === '.')))) return hardwareIdKind(link, at);
  }
  const info = classifyPath(link);
  if (info.cls === 'guest-mutable' || isUnstableName(info.cls)) return undefined;
  if (info.cls === 'by-path') return 'by-path';
  if (info.cls === 'multipath') return 'mpath-wwid';
  if (info.cls === 'volume') return 'volume';
  if (info.cls === 'device-mapper') return 'device-mapper';
  if (info.cls === 'dmp') return 'dmp';
  if (info.cls !== 'hardware-id') return undefined;
  return hardwareIdKind(link, link.lastIndexOf('/') + 1);
}

/** A partition's number, from its name (sdb1, mpatha-part1) or kernel name. */
export function partitionNumber(d: BlockDevice): number | undefined {
  const m = /(\d+)$/.exec(d.name) ?? /(\d+)$/.exec(d.kname);
  return m ? Number(m[1]) : undefined;
}

/** At most 8 mount points (each capped), then how many more: a usage reason stays a line. */
function listed(items: string[]): string {
  const shown = items
    .slice(0, 8)
    .map((m) => cap(m, 256))
    .join(', ');
  return items.length > 8 ? `${shown} and ${items.length - 8} more` : shown;
}

function humanPartSuffix(n: number | undefined): string {
  return n === undefined ? '' : ` partition ${n}`;
}

let nextInstanceId = 1;

export class HostIndex {
  readonly host: string;
  /** Distinguishes two indexes of the same host (before and after a refresh) in caches. */
  readonly instanceId = nextInstanceId++;
  private readonly byKname = new Map<string, BlockDevice>();
  private readonly byPath = new Map<string, string>();
  /** The snapshot's links as a Map: link names are data from the host ("__proto__" included). */
  private readonly links = new Map<string, string>();
  private readonly children = new Map<string, string[]>();
  private readonly linksTo = new Map<string, string[]>();
  private readonly dmpByName = new Map<string, DmpNode>();
  private readonly dmpNames: Set<string>;
  private readonly vxVolumes: Set<string>;
  private readonly lunOf = new Map<string, Lun>(); // whole-disk kname (path device or map) → LUN
  private readonly luns = new Map<string, Lun>();
  private readonly lunOfDmp = new Map<string, Lun>();
  /** VxVM disks by LUN (`vxDisksOf`), the LUNs and volume names of each imported disk group; built on first use. */
  private vxIndex?: { disksByLun: Map<Lun, VxDisk[]>; lunsByGroup: Map<string, Lun[]>; volumesByGroup: Map<string, string[]> };
  /** Resolutions and alias lists never change for one snapshot: computed once per path. */
  private readonly resolved = new Map<string, Resolution>();
  private readonly aliasCache = new WeakMap<Resolution, Alias[]>();
  /** Per device, its best MAX_ALIASES links (ranked once: a device may have a million links, and many paths reach it). */
  private readonly bestLinks = new Map<string, Alias[]>();
  private readonly usageCache = new WeakMap<Resolution, string[]>();
  private readonly usesCache = new WeakMap<Resolution, HostUse[]>();
  private udev?: UdevRuleSet;
  private readonly udevCache = new Map<string, UdevLinkRule | null>();
  private poolsByName?: Map<string, StoragePool>;
  /** vxprint/vxsnap facts by `dg/vol`, and the snapshots of each parent `dg/vol`; built on first use. */
  private vxInfoIndex?: { byKey: Map<string, VxVolumeInfo>; snapshotsOf: Map<string, VxVolumeInfo[]> };

  constructor(readonly snapshot: InventorySnapshot) {
    this.host = snapshot.host;
    for (const d of snapshot.devices) {
      this.byKname.set(d.kname, d);
      this.byPath.set(normalizePath(d.path), d.kname);
      if (!this.byPath.has(`/dev/${d.kname}`)) this.byPath.set(`/dev/${d.kname}`, d.kname);
      for (const p of d.parents) {
        const c = this.children.get(p);
        if (c) c.push(d.kname);
        else this.children.set(p, [d.kname]);
      }
    }
    // for…in, not Object.entries: on a million links it is several times faster (own keys only).
    const own = Object.prototype.hasOwnProperty;
    for (const link in snapshot.links) {
      if (!own.call(snapshot.links, link)) continue;
      const target: unknown = snapshot.links[link];
      if (typeof target !== 'string') continue;
      this.links.set(link, target);
      const k = this.byPath.get(target);
      if (!k) continue;
      const l = this.linksTo.get(k);
      if (l) l.push(link);
      else this.linksTo.set(k, [link]);
    }
    for (const n of snapshot.dmp?.nodes ?? []) this.dmpByName.set(n.name, n);
    this.dmpNames = new Set([...(snapshot.dmp?.names ?? []), ...this.dmpByName.keys()]);
    this.vxVolumes = new Set(snapshot.vxvm?.volumes ?? []);
    this.buildLuns();
  }

  private buildLuns(): void {
    const add = (id: string, d: BlockDevice): Lun => {
      let lun = this.luns.get(id);
      if (!lun) {
        lun = { id, size: d.size, vendor: d.vendor, model: d.model, serial: d.serial, wwn: d.wwn, pathDevices: [] };
        this.luns.set(id, lun);
      }
      return lun;
    };
    for (const d of this.snapshot.devices) {
      if (d.type !== 'disk') continue;
      const w = normalizeWwn(d.wwn);
      const id = w
        ? w.startsWith('eui.') || w.startsWith('nvme.')
          ? `eui:${w}`
          : `wwn:${w}`
        : d.serial
          ? `serial:${d.vendor ?? ''}/${d.model ?? ''}/${d.serial}`
          : `dev:${this.host}/${d.kname}`;
      const lun = add(id, d);
      lun.pathDevices.push(d.kname);
      this.lunOf.set(d.kname, lun);
    }
    for (const d of this.snapshot.devices) {
      if (d.type !== 'mpath') continue;
      const lun = d.parents.map((p) => this.lunOf.get(p)).find((l) => l);
      if (!lun) continue;
      lun.mpathMap = d.kname;
      if (lun.size === null) lun.size = d.size;
      this.lunOf.set(d.kname, lun);
    }
    for (const n of this.dmpByName.values()) {
      let lun = n.paths.map((p) => this.lunOf.get(p.name)).find((l) => l);
      const vpd = normalizeWwn(n.scsi3Vpd);
      if (!lun && vpd) lun = this.luns.get(`wwn:${vpd}`);
      if (!lun) {
        lun = { id: vpd ? `wwn:${vpd}` : `udid:${n.udid}`, size: null, vendor: null, model: null, serial: null, wwn: vpd, pathDevices: [] };
        this.luns.set(lun.id, lun);
      }
      lun.dmp = n;
      this.lunOfDmp.set(n.name, lun);
    }
  }

  device(kname: string): BlockDevice | undefined {
    return this.byKname.get(kname);
  }

  childrenOf(kname: string): BlockDevice[] {
    return (this.children.get(kname) ?? []).map((k) => this.byKname.get(k)!).filter(Boolean);
  }

  allLuns(): Lun[] {
    return [...this.luns.values()];
  }

  /** The LUN a whole-disk device (a path device or a multipath map) belongs to. */
  lunOfDevice(kname: string): Lun | undefined {
    return this.lunOf.get(kname);
  }

  private isMultipathed(lun: Lun | undefined): boolean {
    if (!lun) return false;
    return lun.pathDevices.length > 1 || !!lun.mpathMap || (!!lun.dmp && lun.dmp.numPaths > 1);
  }

  /** What `path` reaches on this host (cached; treat the result as read-only). */
  resolve(path: string): Resolution {
    let r = this.resolved.get(path);
    if (!r) {
      r = this.resolveUncached(path);
      if (this.resolved.size > 200_000) this.resolved.clear(); // bound memory on hostile input
      this.resolved.set(path, r);
    }
    return r;
  }

  private resolveUncached(path: string): Resolution {
    const via: string[] = [];
    let p = normalizePath(path);
    let seen: Set<string> | undefined; // only when a link is followed: most paths are not links
    for (let next = this.links.get(p); next !== undefined && !seen?.has(p) && via.length < 16; next = this.links.get(p)) {
      (seen ??= new Set()).add(p);
      p = next;
      via.push(p);
    }
    const res: Resolution = { host: this.host, input: path, found: false, via, bypassesMultipath: false };
    if (via.length && this.hasUdevRules()) {
      const chain = [normalizePath(path), ...via.slice(0, -1)];
      const kname = this.byPath.get(p);
      for (const link of chain) {
        const rule = this.udevRuleOf(link, kname);
        if (rule) (res.siteLinks ??= []).push({ link, rule });
      }
    }
    const dmp = /^\/dev\/vx\/r?dmp\/([^/]+)$/.exec(p);
    if (dmp) {
      let name = dmp[1];
      let node = this.dmpByName.get(name);
      const part = /^(.+)s(\d+)$/.exec(name);
      if (!node && part && this.dmpByName.has(part[1])) {
        name = part[1];
        node = this.dmpByName.get(name);
        res.partition = Number(part[2]);
      }
      if (node) {
        res.found = this.dmpNames.has(dmp[1]) || res.partition === undefined;
        res.dmp = node;
        res.lun = this.lunOfDmp.get(name);
      } else res.found = this.dmpNames.has(name);
      return res;
    }
    const vx = /^\/dev\/vx\/r?dsk\/([^/]+\/[^/]+)$/.exec(p);
    if (vx) {
      res.found = this.vxVolumes.has(vx[1]);
      res.vxVolume = vx[1];
      const info = this.vxVolumeInfo(vx[1]);
      if (info) res.vxInfo = info;
      return res;
    }
    let k = this.byPath.get(p);
    if (!k) {
      // /dev/<vg>/<lv> is udev's link to /dev/mapper/<vg>-<lv> (dashes doubled inside names).
      const lv = /^\/dev\/([^/]+)\/([^/]+)$/.exec(p);
      if (lv && lv[1] !== 'mapper' && lv[1] !== 'disk')
        k = this.byPath.get(`/dev/mapper/${lv[1].replace(/-/g, '--')}-${lv[2].replace(/-/g, '--')}`);
    }
    const dev = k ? this.byKname.get(k) : undefined;
    if (!dev) return res;
    res.found = true;
    res.device = dev;
    let whole = dev;
    if (dev.type === 'part') {
      res.partition = partitionNumber(dev);
      const parent = dev.parents.map((x) => this.byKname.get(x)).find((x) => x);
      if (parent) whole = parent;
    }
    res.lun = this.lunOf.get(whole.kname);
    res.bypassesMultipath = whole.type !== 'mpath' && this.isMultipathed(res.lun);
    return res;
  }

  /** The partition `n` of a whole-disk device, or the device itself when n is undefined. */
  private partitionOf(kname: string, n: number | undefined): BlockDevice | undefined {
    if (n === undefined) return this.byKname.get(kname);
    return this.childrenOf(kname).find((c) => c.type === 'part' && partitionNumber(c) === n);
  }

  /** The stable names of what `res` reaches, best first (see README: ranking of fixes); the best MAX_ALIASES of them. */
  aliases(res: Resolution): Alias[] {
    let list = this.aliasCache.get(res);
    if (!list) {
      list = this.aliasesUncached(res);
      this.aliasCache.set(res, list);
    }
    return list;
  }

  private aliasesUncached(res: Resolution): Alias[] {
    const out = new BestAliases(MAX_ALIASES);
    const put = (path: string, kind: AliasKind, bypass: boolean) => out.offer(path, kind, bypass);
    const lun = res.lun;
    const n = res.partition;
    if (lun?.dmp) {
      const name = n === undefined ? lun.dmp.name : `${lun.dmp.name}s${n}`;
      if ((n === undefined || this.dmpNames.has(name)) && name.length < PATH_MAX - 12) put(`/dev/vx/dmp/${name}`, 'dmp', false);
    }
    const multipathed = this.isMultipathed(lun);
    const targets: Array<[BlockDevice, boolean]> = [];
    if (lun) {
      if (lun.mpathMap) {
        const m = this.partitionOf(lun.mpathMap, n);
        if (m) targets.push([m, false]);
      }
      for (const pd of lun.pathDevices) {
        const d = this.partitionOf(pd, n);
        if (d) targets.push([d, multipathed]);
      }
    } else if (res.device) targets.push([res.device, false]);
    // The best of each target's best: an alias outside its device's best MAX_ALIASES has that many better ones.
    for (const [d, bypass] of targets) for (const a of this.linksOf(d.kname)) put(a.path, a.kind, bypass);
    return out.result();
  }

  /** The best MAX_ALIASES links to a device, by kind and name, in one linear pass over them (cached). */
  private linksOf(kname: string): Alias[] {
    let list = this.bestLinks.get(kname);
    if (!list) {
      const best = new BestAliases(MAX_ALIASES);
      const siteRules = this.hasUdevRules();
      for (const link of this.linksTo.get(kname) ?? []) {
        if (link.length >= PATH_MAX) continue;
        // A site link made by a rule keyed on the kernel name is as unstable as the kernel name.
        if (siteRules && this.udevRuleOf(link, kname)?.keyedOn === 'kernel') continue;
        const kind = aliasKind(link);
        if (kind) best.offer(link, kind, false);
      }
      this.bestLinks.set(kname, (list = best.result()));
    }
    return list;
  }

  /**
   * The site udev rule (`/etc/udev/rules.d`) that creates `link`, a symlink under /dev outside /dev/disk,
   * /dev/mapper and /dev/vx, for the device `kname` (its target, when known); undefined when the host
   * sent no rules or none matches (cached).
   */
  udevRuleOf(link: string, kname?: string): UdevLinkRule | undefined {
    if (!this.hasUdevRules() || !isSiteLinkCandidate(link)) return undefined;
    const key = `${kname ?? ''}\0${link}`;
    let r = this.udevCache.get(key);
    if (r === undefined) {
      r = this.udev!.ruleFor(link, kname) ?? null;
      if (this.udevCache.size > 200_000) this.udevCache.clear();
      this.udevCache.set(key, r);
    }
    return r ?? undefined;
  }

  private hasUdevRules(): boolean {
    this.udev ??= new UdevRuleSet(Array.isArray(this.snapshot.udevRules) ? this.snapshot.udevRules : undefined);
    return !this.udev.empty;
  }

  /** The volume `volume` of the storage pool `pool` (`<disk type='volume'><source pool volume>`). */
  poolVolume(pool: string, volume: string): PoolVolumeLookup {
    const pools = this.snapshot.pools;
    if (!Array.isArray(pools)) return { ok: false, reason: 'unknown' };
    if (!this.poolsByName) {
      this.poolsByName = new Map();
      for (const p of pools) if (p && typeof p.name === 'string' && !this.poolsByName.has(p.name)) this.poolsByName.set(p.name, p);
    }
    const p = this.poolsByName.get(pool);
    if (!p) return { ok: false, reason: 'pool-missing' };
    if (!p.active) return { ok: false, reason: 'pool-inactive', pool: p };
    const v = (Array.isArray(p.volumes) ? p.volumes : []).find((x) => x && x.name === volume);
    if (!v || typeof v.path !== 'string' || !v.path) return { ok: false, reason: 'volume-missing', pool: p };
    return { ok: true, pool: p, volume: v, path: normalizePath(v.path) };
  }

  /** A device and everything stacked on it (partitions, maps, LVs), depth first. */
  private withDescendants(kname: string, out = new Map<string, BlockDevice>()): Map<string, BlockDevice> {
    // Iterative (a hostile snapshot may stack devices 100,000 deep); same preorder as the recursion.
    const stack = [kname];
    while (stack.length) {
      const k = stack.pop()!;
      const d = this.byKname.get(k);
      if (!d || out.has(k)) continue;
      out.set(k, d);
      const kids = this.children.get(k);
      if (kids) for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
    }
    return out;
  }

  /**
   * Why the host itself uses what `res` reaches: mounts, swap, LVM PV, md member, an imported
   * VxVM disk group. For a whole disk the whole LUN counts (every path, the map, all partitions);
   * for a partition or a volume, that device and what sits on it. One sentence per reason.
   */
  hostUsage(res: Resolution): string[] {
    let u = this.usageCache.get(res);
    if (!u) this.usageCache.set(res, (u = [...new Set(this.hostUses(res).map((x) => x.text))]));
    return u;
  }

  /** The reasons of `hostUsage`, with the device each is about (the inventory view lists mounts apart); cached. */
  hostUses(res: Resolution): HostUse[] {
    let u = this.usesCache.get(res);
    if (!u) this.usesCache.set(res, (u = this.hostUsesUncached(res)));
    return u;
  }

  private hostUsesUncached(res: Resolution): HostUse[] {
    if (!res.found || res.vxVolume) return [];
    const devs = new Map<string, BlockDevice>();
    const lun = res.lun;
    if (res.device && (res.device.type === 'lvm' || res.device.type === 'part' || res.device.type === 'crypt' || !lun))
      this.withDescendants(res.device.kname, devs);
    else if (lun) {
      const wholes = [...lun.pathDevices, ...(lun.mpathMap ? [lun.mpathMap] : [])];
      for (const w of wholes) {
        const d = this.partitionOf(w, res.partition);
        if (d) this.withDescendants(d.kname, devs);
      }
    }
    const uses: HostUse[] = [];
    for (const d of devs.values()) {
      const p = cap(d.path, 256);
      const swap = d.fstype === 'swap' || d.mountpoints.includes('[SWAP]');
      const mounts = d.mountpoints.filter((m) => m !== '[SWAP]');
      if (mounts.length) uses.push({ kind: 'mount', device: d, mounts, text: `${p} is mounted on ${listed(mounts)}` });
      if (swap) uses.push({ kind: 'swap', device: d, text: `${p} is swap` });
      if (d.fstype === 'LVM2_member') uses.push({ kind: 'member', device: d, text: `${p} is an LVM physical volume` });
      if (d.fstype === 'linux_raid_member') uses.push({ kind: 'member', device: d, text: `${p} is an md RAID member` });
      if (d.fstype === 'VMFS_volume_member' || d.fstype === 'zfs_member')
        uses.push({ kind: 'member', device: d, text: `${p} is a ${d.fstype}` });
    }
    if (lun && res.partition === undefined) {
      for (const v of this.vxDisksOf(lun)) {
        if (v.imported && v.group)
          uses.push({
            kind: 'vxvm-group',
            text: `it is disk ${cap(v.disk ?? v.device, 256)} of VxVM disk group ${cap(v.group, 256)}, imported on this host`,
          });
      }
    }
    return uses;
  }

  /** Whether this host is a node of an active cluster (vxdctl -c mode). */
  get clusterActive(): boolean {
    return this.snapshot.cluster?.active === true;
  }

  /**
   * The path that names a whole LUN on this host: its DMP node, else its multipath map, else its first
   * path device (what the view and completion resolve a LUN by).
   */
  lunPath(lun: Lun): string | undefined {
    if (lun.dmp) return `/dev/vx/dmp/${lun.dmp.name}`;
    const whole = lun.mpathMap ?? lun.pathDevices[0];
    if (whole === undefined) return undefined;
    return this.byKname.get(whole)?.path ?? `/dev/${whole}`;
  }

  /**
   * The VxVM disks (`vxdisk list`) that are this LUN: by DMP node name, by OS-native name, or by a device
   * name that is one of its path devices (OS-native naming). Built once per snapshot.
   */
  vxDisksOf(lun: Lun): VxDisk[] {
    return this.vx().disksByLun.get(lun) ?? [];
  }

  /** The VxVM volumes (`dg/vol`) of the disk groups this LUN belongs to that are imported on this host. */
  vxVolumesOn(lun: Lun): string[] {
    const { volumesByGroup } = this.vx();
    const out = new Set<string>();
    for (const v of this.vxDisksOf(lun)) if (v.imported && v.group) for (const vol of volumesByGroup.get(v.group) ?? []) out.add(vol);
    return [...out];
  }

  /** What vxprint and vxsnap say of the VxVM volume `dg/vol`: size, and snapshot type, parent and changed data. */
  vxVolumeInfo(dgVol: string): VxVolumeInfo | undefined {
    return this.vxInfo().byKey.get(dgVol);
  }

  /** The snapshots (of any type) whose parent is the VxVM volume `dg/vol`, in vxsnap's order. */
  vxSnapshotsOf(dgVol: string): VxVolumeInfo[] {
    return this.vxInfo().snapshotsOf.get(dgVol) ?? [];
  }

  private vxInfo(): NonNullable<HostIndex['vxInfoIndex']> {
    if (this.vxInfoIndex) return this.vxInfoIndex;
    const byKey = new Map<string, VxVolumeInfo>();
    const snapshotsOf = new Map<string, VxVolumeInfo[]>();
    for (const v of this.snapshot.vxvm?.volumeInfo ?? []) {
      const key = `${v.dg}/${v.name}`;
      if (byKey.has(key)) continue;
      byKey.set(key, v);
      if (!v.snapshot) continue;
      const parent = `${v.snapshot.parentDg ?? v.dg}/${v.snapshot.parent}`;
      const list = snapshotsOf.get(parent);
      if (list) list.push(v);
      else snapshotsOf.set(parent, [v]);
    }
    return (this.vxInfoIndex = { byKey, snapshotsOf });
  }

  /** VxVM facts by LUN and by disk group, in one pass over the snapshot's lists. */
  private vx(): NonNullable<HostIndex['vxIndex']> {
    if (this.vxIndex) return this.vxIndex;
    // Sets while building (a disk group may hold thousands of LUNs: no search per entry), in first-seen order.
    const add = <K, V>(m: Map<K, Set<V>>, k: K, v: V) => {
      const set = m.get(k);
      if (set) set.add(v);
      else m.set(k, new Set([v]));
    };
    const lists = <K, V>(m: Map<K, Set<V>>) => new Map([...m].map(([k, set]): [K, V[]] => [k, [...set]]));
    const disks = new Map<Lun, Set<VxDisk>>();
    const luns = new Map<string, Set<Lun>>();
    const volumes = new Map<string, Set<string>>();
    for (const v of this.snapshot.vxvm?.disks ?? []) {
      const byDevice = this.lunOfDmp.get(v.device) ?? this.lunOf.get(v.device);
      const byNative = v.osNativeName !== null ? this.lunOf.get(v.osNativeName) : undefined;
      for (const l of [byDevice, byNative]) {
        if (!l) continue;
        add(disks, l, v);
        if (v.imported && v.group) add(luns, v.group, l);
      }
    }
    for (const vol of this.vxVolumes) add(volumes, vol.slice(0, vol.indexOf('/')), vol);
    return (this.vxIndex = { disksByLun: lists(disks), lunsByGroup: lists(luns), volumesByGroup: lists(volumes) });
  }

  /**
   * The LUNs a device is or lies on: its own LUN for a whole disk or map; for a partition, an LV, a crypt
   * or RAID device, the LUNs found down its parents (every parent: an LV on two PVs lies on both).
   * Bounded: at most 64 devices are visited (a hostile snapshot may stack devices 100,000 deep).
   */
  lunsUnder(kname: string): Lun[] {
    const own = this.lunOf.get(kname);
    if (own) return [own];
    const out: Lun[] = [];
    const seen = new Set<string>([kname]);
    const queue = [...(this.byKname.get(kname)?.parents ?? [])];
    while (queue.length && seen.size <= 64) {
      const k = queue.shift()!;
      if (seen.has(k)) continue;
      seen.add(k);
      const lun = this.lunOf.get(k);
      if (lun) {
        if (!out.includes(lun)) out.push(lun);
        continue;
      }
      for (const p of this.byKname.get(k)?.parents ?? []) if (!seen.has(p)) queue.push(p);
    }
    return out;
  }

  /**
   * The LUNs what `res` lies on without being the whole LUN: a partition's LUN, the LUNs under an LV
   * or other stacked device, the disks of a VxVM volume's disk group. Empty for a whole LUN.
   */
  lunsBeneath(res: Resolution): Lun[] {
    if (!res.found) return [];
    if (res.lun) return res.partition === undefined ? [] : [res.lun];
    if (res.device) return this.lunsUnder(res.device.kname);
    if (res.vxVolume) return this.vx().lunsByGroup.get(res.vxVolume.slice(0, res.vxVolume.indexOf('/'))) ?? [];
    return [];
  }
}

/** Identity of what a path reaches, comparable across hosts: LUN id plus partition. */
export function identityKey(res: Resolution): string | undefined {
  if (!res.found) return undefined;
  if (res.lun) return res.partition === undefined ? res.lun.id : `${res.lun.id}#${res.partition}`;
  if (res.vxVolume) return `vxvol:${res.vxVolume}`;
  if (res.device) return `dev:${res.host}/${res.device.kname}`;
  return undefined;
}

/**
 * What a path reaches, in words. `name` and `path` encode the host's strings for where the text goes
 * (the hover passes markdown encoders); plain text by default.
 */
export function describeTarget(res: Resolution, name: (s: string) => string = (s) => s, path: (s: string) => string = name): string {
  if (res.dmp) return `DMP node ${name(res.dmp.name)}${humanPartSuffix(res.partition)}`;
  if (res.vxVolume) return `VxVM volume ${name(res.vxVolume)}`;
  if (res.device) return path(`/dev/${res.device.kname}`);
  return name(res.input);
}

/**
 * A LUN's identity in words, from its id (the one place WWNs are shown): `WWN 0x…` (normalised), `EUI …`,
 * `UDID …`, `serial …`, or, for a host-local id, its first path device.
 */
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

/** The size of what a resolution reaches: the device's own (a partition, an LV, a map), else the LUN's; null when unknown. */
export function reachedSize(res: Resolution): number | null {
  return res.device?.size ?? res.lun?.size ?? null;
}

/** Sizes in binary units (`500 GiB`, `1.5 TiB`), or `size unknown`: the one size formatter. */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return 'size unknown';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}
