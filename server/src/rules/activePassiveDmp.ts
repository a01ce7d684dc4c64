import { CODES } from './codes';
import { diskFacts } from './diskFacts';
import type { Finding, Rule } from './types';

/** The Active-Passive family of DMP array types: A/P, A/PF, A/PG, -C variants, vendor variants (A/PF-LSI, CLR-A/PF). */
export function isActivePassive(arrayType: string): boolean {
  return /(^|[^A-Za-z])A\/P[FG]?(-C)?($|[^A-Za-z])/i.test(arrayType);
}

/** active-passive-dmp: an A/P-family LUN mapped straight into a guest on an active cluster node. */
export const activePassiveDmp: Rule = (ctx) => {
  const out: Finding[] = [];
  for (const f of diskFacts(ctx)) {
    const hit = f.resolutions.find((r, i) => ctx.hosts[i].clusterActive && r.lun?.dmp && isActivePassive(r.lun.dmp.arrayType));
    if (!hit) continue;
    const dmp = hit.lun!.dmp!;
    out.push({
      code: 'active-passive-dmp',
      severity: CODES['active-passive-dmp'].severity,
      message: `${f.ref.value} is DMP node ${dmp.name} on an Active-Passive array (${dmp.arrayName || dmp.enclosure}, ${dmp.arrayType}) and ${hit.host} is in an active cluster: such devices cannot be mapped directly to a guest. Map a VxVM volume on that disk, or a LUN of an active-active or ALUA array.`,
      start: f.ref.start,
      end: f.ref.end,
      fixes: [],
    });
  }
  return out;
};
