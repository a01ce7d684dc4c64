import type { Resolution } from '../inventory/resolver';
import {
  Candidate,
  CandidateSet,
  CONVERGE_DMP_NAMES,
  divergentDmpNames,
  fixable,
  keepsFailover,
  perHostNames,
  preferredOf,
  candidatesFor,
  withReplacementFixes,
} from './stableAliases';
import { diskFacts, hostList } from './diskFacts';
import { finding } from './finding';
import type { Finding, Rule } from './types';

const failover = new WeakMap<CandidateSet, Candidate[]>();

/**
 * The failover-keeping candidates of a set. For an ambiguous set, the set's own (empty) list, whose fixes
 * are the host-named alternatives, never preferred (each valid on every host and single-path on none).
 */
function failoverCandidates(set: CandidateSet): Candidate[] {
  let list = failover.get(set);
  if (!list) {
    list = set.ambiguous ? set.candidates : set.candidates.filter(keepsFailover);
    failover.set(set, list);
  }
  return list;
}

/** Why one host's resolution loses failover, in words. */
function why(r: Resolution): string {
  const lun = r.lun!;
  return lun.dmp
    ? `DMP node ${lun.dmp.name} has ${lun.dmp.numPaths} paths`
    : `the LUN has ${lun.pathDevices.length} paths${lun.mpathMap ? ' under a dm-multipath map' : ''}`;
}

/** multipath-bypass: the path reaches a single path of a multipathed LUN on some host. */
export const multipathBypass: Rule = (ctx) => {
  const out: Finding[] = [];
  for (const f of diskFacts(ctx)) {
    const on = f.resolutions.filter((r) => r.bypassesMultipath && r.lun);
    if (!on.length) continue;
    // Per host, as it is there: hosts with the same reason are named together.
    const byReason = new Map<string, string[]>();
    for (const r of on) {
      const w = why(r);
      const hosts = byReason.get(w);
      if (hosts) hosts.push(r.host);
      else byReason.set(w, [r.host]);
    }
    const where = [...byReason].map(([w, hosts]) => `on ${hostList(hosts)} (${w})`).join(' and ');
    const set = candidatesFor(f, ctx.hosts);
    const candidates = fixable(f) ? failoverCandidates(set) : [];
    let advice = '';
    const best = preferredOf(candidates);
    if (set.ambiguous) {
      const alts = set.alternatives.filter((a) => a.candidates.length);
      advice = ` It is not the same LUN on every host of the group, so no replacement is chosen${alts.length && fixable(f) ? ': each quick fix names the host whose LUN it maps' : ''}.`;
    } else if (best) advice = ` Use ${best.path}.`;
    else {
      const id = on[0].lun!.id;
      const names = divergentDmpNames(id, ctx.hosts);
      if (names) advice = ` Its DMP node is ${perHostNames(names)}: no DMP name is valid on every host. ${CONVERGE_DMP_NAMES}`;
    }
    out.push(
      withReplacementFixes(
        finding('multipath-bypass', {
          message: `${f.ref.value} reaches only one path of a multipathed LUN ${where}: I/O loses failover.` + advice,
          start: f.ref.start,
          end: f.ref.end,
        }),
        f.ref,
        candidates,
      ),
    );
  }
  return out;
};
