/**
 * multipath-bypass for a pool's `<target><path>`: an iscsi or scsi pool whose volumes are named by
 * `/dev/disk/by-path` links (one per HBA path) while the host multipaths its LUNs. A guest given
 * such a volume uses one path of the LUN and loses failover.
 */
import { normalizePath } from '../domain/pathClass';
import type { PoolModel } from '../domain/poolModel';
import { cap } from '../encode';
import { lunIdentity, type HostIndex, type Resolution } from '../inventory/resolver';
import { hostList } from './diskFacts';
import { finding } from './finding';
import { keepsFailover } from './stableAliases';
import { scsiHostNumber, scsiHostOn, wwnText } from './scsiHosts';
import type { PoolRule } from './poolTypes';

const BY_PATH = '/dev/disk/by-path/';

/** One host's multipathed LUNs reached through the pool's by-path links. */
interface Bypass {
  host: string;
  luns: string[];
  /** A device that keeps every path of the first LUN (DMP node or dm-multipath map), for the message. */
  instead?: string;
}

/**
 * Which by-path links belong to the pool on host `h`, or undefined when the pool's LUNs cannot be
 * told (an fc_host pool known only by its parent, a pool type without by-path volumes).
 */
function belongsTo(pool: PoolModel, h: HostIndex): ((link: string) => boolean) | undefined {
  const type = pool.type?.value;
  if (type === 'iscsi') {
    // ip-<portal>-iscsi-<iqn>-lun-<n>
    const iqns = pool.sourceDevices.map((d) => d.value.trim()).filter((v) => v.length > 0);
    if (!iqns.length) return undefined;
    return (link) => iqns.some((iqn) => link.includes(`-iscsi-${iqn}-lun-`));
  }
  if (type !== 'scsi' || !pool.adapter) return undefined;
  const ad = pool.adapter;
  const hostNums = new Set<string>();
  const pcis = new Set<string>();
  const n = ad.name ? scsiHostNumber(ad.name.value) : undefined;
  if (n !== undefined) hostNums.add(n);
  const list = h.snapshot.scsiHosts ?? [];
  const addr = ad.parentaddr?.address;
  if (addr) {
    pcis.add(addr);
    for (const s of list)
      if (s.pciAddress?.trim().toLowerCase() === addr) {
        const k = scsiHostNumber(s.name);
        if (k !== undefined) hostNums.add(k);
      }
  }
  const wwnn = wwnText(ad.wwnn?.value);
  const wwpn = wwnText(ad.wwpn?.value);
  if (wwnn && wwpn) {
    for (const s of list)
      if (wwnText(s.wwnn) === wwnn && wwnText(s.wwpn) === wwpn) {
        const k = scsiHostNumber(s.name);
        if (k !== undefined) hostNums.add(k);
      }
  }
  // A scsi_host pool by name that the inventory also lists: its PCI address names its by-path links too.
  if (n !== undefined) {
    const sh = scsiHostOn(h, n);
    if (sh?.pciAddress) pcis.add(sh.pciAddress.trim().toLowerCase());
  }
  if (!hostNums.size && !pcis.size) return undefined;
  return (link) => {
    const base = link.slice(BY_PATH.length);
    if ([...pcis].some((p) => base.startsWith(`pci-${p}-`))) return true;
    const hctl = h.resolve(link).device?.hctl;
    return !!hctl && hostNums.has(hctl.split(':')[0]);
  };
}

function lunLabel(h: HostIndex, r: Resolution): string {
  const lun = r.lun!;
  if (lun.dmp) return `DMP node ${cap(lun.dmp.name, 128)} (${lun.dmp.numPaths} paths)`;
  if (lun.mpathMap) return `dm-multipath map ${cap(h.device(lun.mpathMap)?.name ?? lun.mpathMap, 128)} (${lun.pathDevices.length} paths)`;
  return `LUN ${cap(lunIdentity(lun), 128)} (${lun.pathDevices.length} paths)`;
}

const cache = new WeakMap<HostIndex, Map<string, Bypass | null>>();

/** The pool's multipathed LUNs on one host (cached per host index and pool source: a host may have many links). */
function bypassOn(pool: PoolModel, h: HostIndex): Bypass | undefined {
  const key = JSON.stringify([
    pool.type?.value,
    pool.sourceDevices.map((d) => d.value),
    pool.adapter && [pool.adapter.name?.value, pool.adapter.parentaddr?.address, pool.adapter.wwnn?.value, pool.adapter.wwpn?.value],
  ]);
  let byKey = cache.get(h);
  if (!byKey) cache.set(h, (byKey = new Map()));
  const hit = byKey.get(key);
  if (hit !== undefined) return hit ?? undefined;
  let result: Bypass | null = null;
  const belongs = belongsTo(pool, h);
  if (belongs) {
    const luns = new Map<string, string>();
    let instead: string | undefined;
    const links = h.snapshot.links;
    const own = Object.prototype.hasOwnProperty;
    for (const link in links) {
      if (!own.call(links, link) || !link.startsWith(BY_PATH) || link.indexOf('/', BY_PATH.length) >= 0) continue;
      if (!belongs(link)) continue;
      const r = h.resolve(link);
      if (!r.bypassesMultipath || !r.lun || r.partition !== undefined || luns.has(r.lun.id)) continue;
      luns.set(r.lun.id, lunLabel(h, r));
      instead ??= h.aliases(r).find(keepsFailover)?.path;
    }
    if (luns.size) result = { host: h.host, luns: [...luns.values()].sort(), instead };
  }
  if (byKey.size > 1000) byKey.clear();
  byKey.set(key, result);
  return result ?? undefined;
}

export const poolTargetPath: PoolRule = ({ pool, hosts }) => {
  const tp = pool.targetPath;
  if (!tp || !hosts.length) return [];
  const p = normalizePath(tp.value);
  if (p !== '/dev/disk/by-path' && !p.startsWith(BY_PATH)) return [];
  const on = hosts.map((h) => bypassOn(pool, h)).filter((b): b is Bypass => !!b);
  if (!on.length) return [];
  const per = on.map((b) => {
    const shown = b.luns.slice(0, 3).join(', ') + (b.luns.length > 3 ? ` and ${b.luns.length - 3} more` : '');
    return on.length > 1 ? `on ${cap(b.host, 64)}: ${shown}` : shown;
  });
  const instead = on.find((b) => b.instead);
  return [
    finding('multipath-bypass', {
      message:
        `The pool names its volumes by ${cap(tp.value, 256)} links, one per HBA path, and its LUNs are multipathed on ${hostList(on.map((b) => cap(b.host, 64)))} (${per.join('; ')}): ` +
        'a guest given a volume of this pool reaches one path of the LUN and loses failover. ' +
        `Map the LUN's DMP meta-device or dm-multipath map to the guest instead (<disk type='block'> with <source dev=…>${instead ? `, e.g. ${cap(instead.instead!, 256)}${on.length > 1 ? ` on ${cap(instead.host, 64)}` : ''}` : ''}).`,
      start: tp.start,
      end: tp.end,
    }),
  ];
};
