import { HostIndex, identityKey, Resolution } from '../inventory/resolver';
import { DiskFacts, diskFacts, hostList } from './diskFacts';
import { finding } from './finding';
import type { Finding, Rule } from './types';

/** Ancestors followed at most per path (a hostile snapshot may stack devices 100,000 deep). */
const MAX_BELOW = 64;

/**
 * The identities of what `res` sits on, on host `h`: for a partition the whole LUN; for a device, every
 * device under it (an LV's PV partition and that disk, a partition's disk), by identity (LUN id plus
 * partition suffix `#N`, as identityKey gives). Empty for a whole LUN, a VxVM volume or an unknown path.
 */
export function identitiesBelow(h: HostIndex, res: Resolution): string[] {
  const out: string[] = [];
  if (!res.found) return out;
  const self = identityKey(res);
  if (res.lun && res.partition !== undefined) out.push(res.lun.id);
  if (!res.device) return out;
  const seen = new Set<string>([res.device.kname]);
  const queue = [...res.device.parents];
  while (queue.length && seen.size <= MAX_BELOW) {
    const k = queue.shift()!;
    if (seen.has(k)) continue;
    seen.add(k);
    const d = h.device(k);
    if (!d) continue;
    const key = identityKey(h.resolve(d.path)) ?? identityKey(h.resolve(`/dev/${d.kname}`));
    if (key && key !== self && !out.includes(key)) out.push(key);
    for (const p of d.parents) if (!seen.has(p)) queue.push(p);
  }
  return out;
}

type Relation = 'same' | 'inside' | 'contains';

/**
 * duplicate-device: two disks of this domain reach the same blocks on some host: the same LUN (by
 * identity, e.g. a DMP node and one of its subpaths), or one lies on the other (a whole disk and one of
 * its partitions, an LV and its PV). The later disk is flagged and the earlier one is related.
 */
export const duplicateDevice: Rule = (ctx) => {
  const out: Finding[] = [];
  const facts = diskFacts(ctx);
  if (facts.length < 2) return out;
  // Per host: identity → first disk with it; identity → first disk that sits on it.
  const own = ctx.hosts.map(() => new Map<string, DiskFacts>());
  const under = ctx.hosts.map(() => new Map<string, DiskFacts>());
  for (const f of facts) {
    let hit: { other: DiskFacts; rel: Relation; hosts: string[] } | undefined;
    const below = f.resolutions.map((r, i) => (f.identities[i] ? identitiesBelow(ctx.hosts[i], r) : []));
    f.identities.forEach((k, i) => {
      if (!k) return;
      let other: DiskFacts | undefined;
      let rel: Relation = 'same';
      other = own[i].get(k);
      if (!other) {
        for (const b of below[i]) if ((other = own[i].get(b))) break;
        rel = 'inside';
      }
      if (!other) {
        other = under[i].get(k);
        rel = 'contains';
      }
      if (!other) return;
      if (!hit) hit = { other, rel, hosts: [ctx.hosts[i].host] };
      else if (hit.other === other) hit.hosts.push(ctx.hosts[i].host);
    });
    f.identities.forEach((k, i) => {
      if (!k) return;
      if (!own[i].has(k)) own[i].set(k, f);
      for (const b of below[i]) if (!under[i].has(b)) under[i].set(b, f);
    });
    if (!hit) continue;
    const { other, rel, hosts } = hit;
    // The other disk by its path; by its target and line when it names the very same path.
    const target = other.disk.target?.dev?.value;
    const line = ctx.doc.lines.positionAt(other.ref.start).line + 1;
    const samePath = other.ref.value === f.ref.value;
    const o = samePath ? `the disk ${target ? `with target ${target} ` : ''}on line ${line}` : other.ref.value;
    const lun = f.resolutions.some((r) => r.lun);
    const what = samePath
      ? `is also the source of ${o}`
      : rel === 'same'
        ? `reaches the same ${lun ? 'LUN' : 'device'} as ${o}`
        : rel === 'inside'
          ? `lies on ${o} (a partition or volume of it)`
          : `contains ${o} (which is a partition or volume of it)`;
    const where = ctx.hosts.length > 1 && !samePath ? ` on ${hostList(hosts)}` : '';
    out.push(
      finding('duplicate-device', {
        message: `${f.ref.value} ${what}${where}, already used by this domain: the guest would see the same blocks twice.`,
        start: f.ref.start,
        end: f.ref.end,
        related: [
          {
            message: samePath
              ? `the other disk with this path${target ? ` (target ${target})` : ''}`
              : `${other.ref.value}: the other disk`,
            start: other.ref.start,
            end: other.ref.end,
          },
        ],
      }),
    );
  }
  return out;
};
