import { stableCandidates, withReplacementFixes } from './stableAliases';
import { CODES } from './codes';
import { diskFacts, hostList } from './diskFacts';
import type { Finding, Rule } from './types';

/** inconsistent-across-hosts: with several hosts, the path is missing on some or reaches different LUNs. */
export const inconsistentAcrossHosts: Rule = (ctx) => {
  const out: Finding[] = [];
  if (ctx.hosts.length < 2) return out;
  for (const f of diskFacts(ctx)) {
    const found = f.identities.filter((k) => k !== undefined);
    if (found.length === 0) continue; // device-not-found
    const missing = ctx.hosts.filter((_, i) => f.identities[i] === undefined).map((h) => h.host);
    const distinct = new Set(found);
    if (!missing.length && distinct.size === 1) continue;
    const why = missing.length ? `it does not exist on ${hostList(missing)}` : `it reaches different LUNs on ${hostList(ctx.hosts.map((h) => h.host))}`;
    const { candidates } = stableCandidates(f.ref.value, ctx.hosts);
    const usable = distinct.size === 1 ? candidates : [];
    const best = usable.find((c) => c.kind !== 'by-path' && !c.bypassesMultipath);
    out.push(
      withReplacementFixes(
        {
          code: 'inconsistent-across-hosts',
          severity: CODES['inconsistent-across-hosts'].severity,
          message: `${f.ref.value} is not the same disk on every host of the group: ${why}. Migration or failover would fail or attach another disk.` + (best ? ` Use ${best.path}, valid on every host.` : ''),
          start: f.ref.start,
          end: f.ref.end,
        },
        f.ref,
        usable,
      ),
    );
  }
  return out;
};
