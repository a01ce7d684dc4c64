/**
 * Per-analysis facts about each disk's host path on each host (resolution, identity), computed once
 * and shared by the host-aware rules.
 */
import { isRemovableMedia, type DiskModel, type HostPathRef, type VolumeRef } from '../domain/model';
import { classifyPath, namesBlockDevice, PathClass } from '../domain/pathClass';
import { identityKey, PoolVolumeLookup, Resolution } from '../inventory/resolver';
import type { RuleContext } from './types';

export interface DiskFacts {
  disk: DiskModel;
  /**
   * The span the findings mark. For a path (`dev=`, `<block>`, `<blkiotune><path>`): the path as written.
   * For a `type='volume'` disk: the volume attribute's span with origin `volume` and, as value, `label`
   * (so a message built from `ref.value` names the pool and volume, and `stableCandidates(ref.value)`
   * finds nothing). Never build replacement fixes on it unless `fixable`.
   */
  ref: HostPathRef;
  /** How messages name it: the path, or "volume V of pool P (/dev/…)". */
  label: string;
  /**
   * The host path whose stable aliases a message may name: the written path, or a volume's path when
   * every host that has the volume gives it the same path (else undefined).
   */
  lookupPath?: string;
  /** For a `type='volume'` disk: the names and each host's answer (same order as ctx.hosts). */
  volume?: { pool: string; name: string; ref: VolumeRef; lookups: PoolVolumeLookup[] };
  /**
   * Whether a fix may replace `ref`'s span with another path. False for a volume disk: replacing the
   * volume name with a path would not make a valid disk (it needs type='block' too).
   */
  fixable: boolean;
  cls: PathClass;
  /** One per host of ctx.hosts, same order. */
  resolutions: Resolution[];
  /** Identity per host (undefined where not found). */
  identities: (string | undefined)[];
}

const cache = new WeakMap<RuleContext, DiskFacts[]>();
const placeCache = new WeakMap<RuleContext, DiskFacts[]>();

/**
 * Facts for every disk and hostdev that names a host device (`dev=`/`<block>` paths and `type='volume'`
 * disks resolved through the host's pools). A volume of an inactive pool, or of a host whose snapshot
 * lists no pools, is not judged.
 */
export function diskFacts(ctx: RuleContext): DiskFacts[] {
  let facts = cache.get(ctx);
  if (facts) return facts;
  facts = [];
  if (ctx.hosts.length) {
    for (const disk of ctx.model.disks) {
      const f = factsOf(ctx, disk);
      if (f) facts.push(f);
    }
  }
  cache.set(ctx, facts);
  return facts;
}

/**
 * diskFacts plus the other places a domain names host block devices (`<blkiotune><device><path>`):
 * for the rules about the name itself (unstable-device-name, guest-mutable-identifier, device-not-found),
 * not for those about mapping a LUN into the guest.
 */
export function placeFacts(ctx: RuleContext): DiskFacts[] {
  let facts = placeCache.get(ctx);
  if (facts) return facts;
  facts = [...diskFacts(ctx)];
  if (ctx.hosts.length) {
    for (const disk of ctx.model.blkiotune ?? []) {
      const f = factsOf(ctx, disk);
      if (f) facts.push(f);
    }
  }
  placeCache.set(ctx, facts);
  return facts;
}

function factsOf(ctx: RuleContext, disk: DiskModel): DiskFacts | undefined {
  if (isRemovableMedia(disk)) return undefined;
  if (disk.volumeRef) return volumeFacts(ctx, disk, disk.volumeRef);
  const ref = disk.hostPath;
  if (!ref) return undefined;
  const cls = classifyPath(ref.value).cls;
  const checkable = namesBlockDevice(cls);
  // Another name under /dev (a site udev link such as /dev/vmdisks/db-data) is judged where a host knows it.
  if (!checkable && cls !== 'other-device') return undefined;
  const resolutions = ctx.hosts.map((h) => h.resolve(ref.value));
  if (!checkable && !resolutions.some((r) => r.found && r.via.length)) return undefined;
  return { disk, ref, label: ref.value, lookupPath: ref.value, fixable: true, cls, resolutions, identities: resolutions.map(identityKey) };
}

function volumeFacts(ctx: RuleContext, disk: DiskModel, vref: VolumeRef): DiskFacts | undefined {
  const pool = vref.pool.value;
  const name = vref.volume.value;
  const lookups = ctx.hosts.map((h) => h.poolVolume(pool, name));
  // Unknown pools (an older snapshot) or an inactive pool on any host: not judged.
  if (lookups.some((l) => !l.ok && (l.reason === 'unknown' || l.reason === 'pool-inactive'))) return undefined;
  const paths = [...new Set(lookups.flatMap((l) => (l.ok ? [l.path] : [])))];
  const where =
    paths.length === 0
      ? ''
      : paths.length === 1
        ? ` (${paths[0]})`
        : ` (${lookups
            .map((l, i) => (l.ok ? `${l.path} on ${ctx.hosts[i].host}` : ''))
            .filter(Boolean)
            .join(', ')})`;
  const label = `volume ${name} of pool ${pool}${where}`;
  // A volume that is a file (dir, fs, netfs pools) is outside the inventory's reach, like a file disk.
  const cls = paths.length ? classifyPath(paths[0]).cls : 'other-device';
  if (paths.length && !namesBlockDevice(cls) && !(cls === 'other-device' && paths[0].startsWith('/dev/'))) return undefined;
  const resolutions = ctx.hosts.map((h, i) => {
    const l = lookups[i];
    return l.ok ? h.resolve(l.path) : { host: h.host, input: label, found: false, via: [], bypassesMultipath: false };
  });
  const ref: HostPathRef = { value: label, start: vref.start, end: vref.end, quote: vref.quote, origin: 'volume' };
  return {
    disk,
    ref,
    label,
    lookupPath: paths.length === 1 ? paths[0] : undefined,
    volume: { pool, name, ref: vref, lookups },
    fixable: false,
    cls,
    resolutions,
    identities: resolutions.map(identityKey),
  };
}

export function hostList(names: string[]): string {
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
