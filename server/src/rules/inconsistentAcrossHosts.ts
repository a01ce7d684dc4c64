import type { Resolution } from '../inventory/resolver';
import {
  CONVERGE_DMP_NAMES,
  divergentDmpNames,
  fixable,
  lunWords,
  perHostNames,
  candidatesFor,
  withReplacementFixes,
} from './stableAliases';
import { diskFacts, hostList } from './diskFacts';
import { finding } from './finding';
import type { Finding, Rule } from './types';

/**
 * inconsistent-across-hosts: with several hosts, the path is missing on some or reaches different LUNs.
 * The message says, per host, what the path reaches; where the LUN is under DMP on every host with
 * different node names, it names each host's name and how to converge. Fixes (when a name valid on every
 * host exists for one host's LUN) name that host and are never preferred: the tool does not guess which
 * LUN was meant, so fix-all and --fix leave the value alone.
 */
export const inconsistentAcrossHosts: Rule = (ctx) => {
  const out: Finding[] = [];
  if (ctx.hosts.length < 2) return out;
  for (const f of diskFacts(ctx)) {
    const found = f.identities.filter((k) => k !== undefined);
    if (found.length === 0) continue; // device-not-found
    const missing = ctx.hosts.filter((_, i) => f.identities[i] === undefined).map((h) => h.host);
    const distinct = new Set(found);
    if (!missing.length && distinct.size === 1) continue;
    // Per identity, the hosts where the path reaches it (in host order).
    const groups = new Map<string, { hosts: string[]; r: Resolution }>();
    f.resolutions.forEach((r, i) => {
      const k = f.identities[i];
      if (k === undefined) return;
      const g = groups.get(k);
      if (g) g.hosts.push(r.host);
      else groups.set(k, { hosts: [r.host], r });
    });
    // The LUN the path reaches on its first host: under DMP on every host, but with different names?
    const firstRes = [...groups.values()][0].r;
    const lunId = firstRes.lun?.id;
    const names = lunId ? divergentDmpNames(lunId, ctx.hosts) : undefined;
    const parts = [...groups.values()].map((g) => `on ${hostList(g.hosts)} it is ${lunWords(g.r)}`);
    if (missing.length)
      parts.push(`the path does not exist on ${hostList(missing)}${names && distinct.size === 1 ? `, though the LUN does` : ''}`);
    const dmpAdvice = names
      ? ` The LUN ${distinct.size === 1 ? 'it reaches' : `it reaches on ${firstRes.host}`} is on every host under DMP, with different node names: ${perHostNames(names)}. ${CONVERGE_DMP_NAMES}`
      : '';
    const set = candidatesFor(f, ctx.hosts);
    const offered = fixable(f) && set.alternatives.some((a) => a.candidates.length);
    out.push(
      withReplacementFixes(
        finding('inconsistent-across-hosts', {
          message:
            `${f.ref.value} is not the same disk on every host of the group: ${parts.join('; ')}. Migration or failover would fail or attach another disk.` +
            dmpAdvice +
            (offered
              ? ' Which LUN is meant is not guessed: each quick fix names the host whose LUN it maps, by a name valid on every host.'
              : ''),
          start: f.ref.start,
          end: f.ref.end,
        }),
        f.ref,
        fixable(f) && set.ambiguous ? set.candidates : [],
      ),
    );
  }
  return out;
};
