import { CODES } from './codes';
import { diskFacts, hostList } from './diskFacts';
import type { Finding, Rule } from './types';

/** device-not-found: the path exists on none of the checked hosts. */
export const deviceNotFound: Rule = (ctx) => {
  const out: Finding[] = [];
  for (const f of diskFacts(ctx)) {
    if (f.resolutions.some((r) => r.found)) continue;
    out.push({
      code: 'device-not-found',
      severity: CODES['device-not-found'].severity,
      message: `${f.ref.value} does not exist on ${hostList(ctx.hosts.map((h) => h.host))}.`,
      start: f.ref.start,
      end: f.ref.end,
      fixes: [],
    });
  }
  return out;
};
