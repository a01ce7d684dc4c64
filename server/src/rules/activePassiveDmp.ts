import { CODES } from './codes';
import { diskFacts, hostList } from './diskFacts';
import type { Finding, Rule } from './types';

/** The Active-Passive family of DMP array types: A/P, A/PF, A/PG, -C variants, vendor variants (A/PF-LSI, CLR-A/PF). */
export function isActivePassive(arrayType: string): boolean {
  return /(^|[^A-Za-z])A\/P[FG]?(-C)?($|[^A-Za-z])/i.test(arrayType);
}

/** active-passive-dmp: an A/P-family LUN mapped straight into a guest on an active cluster node. */
export const activePassiveDmp: Rule = (ctx) => {
  const out: Finding[] = [];
  for (const f of diskFacts(ctx)) {
    // Per host, as it is there: the DMP name (and array) may differ between the hosts of a group.
    const hits = f.resolutions.filter((r, i) => ctx.hosts[i].clusterActive && r.lun?.dmp && isActivePassive(r.lun.dmp.arrayType));
    if (!hits.length) continue;
    const each = hits.map((r) => {
      const dmp = r.lun!.dmp!;
      return `on ${r.host} it is DMP node ${dmp.name} of an Active-Passive array (${dmp.arrayName || dmp.enclosure}, ${dmp.arrayType})`;
    });
    const nodes = hitsHosts(hits.map((r) => r.host));
    out.push({
      code: 'active-passive-dmp',
      severity: CODES['active-passive-dmp'].severity,
      message: `${f.ref.value}: ${each.join('; ')}, and ${nodes} in an active cluster: such devices cannot be mapped directly to a guest. Map a VxVM volume on that disk, or a LUN of an active-active or ALUA array.`,
      start: f.ref.start,
      end: f.ref.end,
      fixes: [],
    });
  }
  return out;
};

/** "kvm-a is", "kvm-a and kvm-b are". */
function hitsHosts(hosts: string[]): string {
  return `${hostList(hosts)} ${hosts.length > 1 ? 'are' : 'is'}`;
}
