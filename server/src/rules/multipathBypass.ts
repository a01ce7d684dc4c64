import { Candidate, CandidateSet, stableCandidates, withReplacementFixes } from './stableAliases';
import { CODES } from './codes';
import { diskFacts, hostList } from './diskFacts';
import type { Finding, Rule } from './types';

const failover = new WeakMap<CandidateSet, Candidate[]>();

/** The candidates that keep every path: DMP node, the multipath map, or identity links that udev points at the map. */
function failoverCandidates(set: CandidateSet): Candidate[] {
  let list = failover.get(set);
  if (!list) {
    list = set.candidates.filter((c) => (c.kind === 'dmp' || c.kind === 'mpath-wwid' || c.kind === 'wwn' || c.kind === 'scsi-naa') && !c.bypassesMultipath);
    failover.set(set, list);
  }
  return list;
}

/** multipath-bypass: the path reaches a single path of a multipathed LUN on some host. */
export const multipathBypass: Rule = (ctx) => {
  const out: Finding[] = [];
  for (const f of diskFacts(ctx)) {
    const on = f.resolutions.filter((r) => r.bypassesMultipath);
    if (!on.length) continue;
    const lun = on[0].lun!;
    const via = lun.dmp ? `DMP node ${lun.dmp.name} has ${lun.dmp.numPaths} paths` : `the LUN has ${lun.pathDevices.length} paths${lun.mpathMap ? ' under a dm-multipath map' : ''}`;
    const candidates = failoverCandidates(stableCandidates(f.ref.value, ctx.hosts));
    out.push(
      withReplacementFixes(
        {
          code: 'multipath-bypass',
          severity: CODES['multipath-bypass'].severity,
          message: `${f.ref.value} reaches only one path of a multipathed LUN on ${hostList(on.map((r) => r.host))} (${via}): I/O loses failover.` + (candidates[0] ? ` Use ${candidates[0].path}.` : ''),
          start: f.ref.start,
          end: f.ref.end,
        },
        f.ref,
        candidates,
      ),
    );
  }
  return out;
};
