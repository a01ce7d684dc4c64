/**
 * Per-analysis facts about each disk's host path on each host (resolution, identity), computed once
 * and shared by the host-aware rules.
 */
import type { DiskModel, HostPathRef } from '../domain/model';
import { classifyPath, PathClass } from '../domain/pathClass';
import { identityKey, Resolution } from '../inventory/resolver';
import type { RuleContext } from './types';

/** Path classes the inventory can answer for (files, removable media and odd nodes it cannot). */
const CHECKABLE = new Set<PathClass>(['kernel-name', 'mpath-friendly-name', 'boot-sequence', 'guest-mutable', 'hardware-id', 'multipath', 'dmp', 'volume', 'by-path', 'device-mapper']);

export interface DiskFacts {
  disk: DiskModel;
  ref: HostPathRef;
  cls: PathClass;
  /** One per host of ctx.hosts, same order. */
  resolutions: Resolution[];
  /** Identity per host (undefined where not found). */
  identities: (string | undefined)[];
}

const cache = new WeakMap<RuleContext, DiskFacts[]>();

export function diskFacts(ctx: RuleContext): DiskFacts[] {
  let facts = cache.get(ctx);
  if (facts) return facts;
  facts = [];
  if (ctx.hosts.length) {
    for (const disk of ctx.model.disks) {
      const ref = disk.hostPath;
      if (!ref || disk.device?.value === 'cdrom' || disk.device?.value === 'floppy') continue;
      const cls = classifyPath(ref.value).cls;
      if (!CHECKABLE.has(cls)) continue;
      const resolutions = ctx.hosts.map((h) => h.resolve(ref.value));
      facts.push({ disk, ref, cls, resolutions, identities: resolutions.map(identityKey) });
    }
  }
  cache.set(ctx, facts);
  return facts;
}

export function hostList(names: string[]): string {
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
