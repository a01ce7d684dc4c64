import type { PoolVolumeLookup } from '../inventory/resolver';
import { DiskFacts, hostList, placeFacts } from './diskFacts';
import { finding } from './finding';
import type { Finding, Rule } from './types';

/** Why a volume is missing on the hosts, grouped: "pool P does not exist on kvm-a; it has no volume V on kvm-b". */
function volumeMissing(f: DiskFacts, hosts: string[]): string {
  const v = f.volume!;
  const by = (reason: string) =>
    hosts.filter((_, i) => {
      const l: PoolVolumeLookup = v.lookups[i];
      return !l.ok && l.reason === reason;
    });
  const parts: string[] = [];
  const noPool = by('pool-missing');
  const noVol = by('volume-missing');
  if (noPool.length) parts.push(`storage pool ${v.pool} does not exist on ${hostList(noPool)}`);
  if (noVol.length) parts.push(`${noPool.length ? 'it' : `storage pool ${v.pool}`} has no volume ${v.name} on ${hostList(noVol)}`);
  return `Volume ${v.name} of pool ${v.pool} cannot be found: ${parts.join('; ')}.`;
}

/** device-not-found: the path (or pool volume) exists on none of the checked hosts. */
export const deviceNotFound: Rule = (ctx) => {
  const out: Finding[] = [];
  for (const f of placeFacts(ctx)) {
    if (f.resolutions.some((r) => r.found)) continue;
    const hosts = ctx.hosts.map((h) => h.host);
    out.push(
      finding('device-not-found', {
        message:
          f.volume && f.volume.lookups.every((l) => !l.ok) ? volumeMissing(f, hosts) : `${f.label} does not exist on ${hostList(hosts)}.`,
        start: f.ref.start,
        end: f.ref.end,
      }),
    );
  }
  return out;
};
