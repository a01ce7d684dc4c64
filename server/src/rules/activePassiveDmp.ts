import type { HostIndex, Resolution } from '../inventory/resolver';
import type { DmpNode } from '../inventory/snapshot';
import { diskFacts, hostList } from './diskFacts';
import { finding } from './finding';
import type { Finding, Rule } from './types';

/** The Active-Passive family of DMP array types: A/P, A/PF, A/PG, -C variants, vendor variants (A/PF-LSI, CLR-A/PF). */
export function isActivePassive(arrayType: string): boolean {
  return /(^|[^A-Za-z])A\/P[FG]?(-C)?($|[^A-Za-z])/i.test(arrayType);
}

/** How completion and the inventory view mark such a LUN. */
export const ACTIVE_PASSIVE_MARK = '⚠ Active-Passive DMP on a cluster node';

/**
 * The DMP node of what `r` reaches on `h` when it is an Active-Passive LUN on a node of an active cluster
 * (what `active-passive-dmp` reports, completion strikes through and the inventory view marks); else undefined.
 */
export function activePassiveOnCluster(h: HostIndex, r: Resolution): DmpNode | undefined {
  const dmp = r.lun?.dmp;
  return h.clusterActive && dmp && isActivePassive(dmp.arrayType) ? dmp : undefined;
}

/** active-passive-dmp: an A/P-family LUN mapped straight into a guest on an active cluster node. */
export const activePassiveDmp: Rule = (ctx) => {
  const out: Finding[] = [];
  for (const f of diskFacts(ctx)) {
    // Per host, as it is there: the DMP name (and array) may differ between the hosts of a group.
    const hits = f.resolutions.flatMap((r, i) => {
      const dmp = activePassiveOnCluster(ctx.hosts[i], r);
      return dmp ? [{ host: r.host, dmp }] : [];
    });
    if (!hits.length) continue;
    const each = hits.map(({ host, dmp }) => {
      return `on ${host} it is DMP node ${dmp.name} of an Active-Passive array (${dmp.arrayName || dmp.enclosure}, ${dmp.arrayType})`;
    });
    const nodes = hitsHosts(hits.map((x) => x.host));
    out.push(
      finding('active-passive-dmp', {
        message: `${f.ref.value}: ${each.join('; ')}, and ${nodes} in an active cluster: such devices cannot be mapped directly to a guest. Map a VxVM volume on that disk, or a LUN of an active-active or ALUA array.`,
        start: f.ref.start,
        end: f.ref.end,
      }),
    );
  }
  return out;
};

/** "kvm-a is", "kvm-a and kvm-b are". */
function hitsHosts(hosts: string[]): string {
  return `${hostList(hosts)} ${hosts.length > 1 ? 'are' : 'is'}`;
}
