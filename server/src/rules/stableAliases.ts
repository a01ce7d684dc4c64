/**
 * Stable-alias fix candidates for a host path across the document's host group.
 * With several hosts only aliases that reach the same LUN on every host qualify.
 */
import type { HostPathRef } from '../domain/model';
import { Alias, HostIndex, identityKey, Resolution } from '../inventory/resolver';
import { escapeXmlValue } from '../xml/entities';
import type { Fix } from './types';

export interface Candidate extends Alias {
  /** Why this alias ranks where it does (shown in the hover). */
  reason: string;
}

const REASON: Record<Alias['kind'], string> = {
  dmp: 'DMP meta-device: DMP manages this LUN, and the meta-device keeps every path',
  'mpath-wwid': 'dm-multipath map named by the LUN\'s WWID: keeps failover and is the same on every host',
  wwn: 'World Wide Name of the LUN: hardware identity, the same on every host',
  'scsi-naa': 'SCSI NAA identifier of the LUN: hardware identity',
  'nvme-eui': 'NVMe EUI/namespace identifier: hardware identity',
  'by-id': 'by-id link from the device\'s inquiry data (model/serial): stable on this host',
  volume: 'volume name from the volume manager\'s metadata',
  'device-mapper': 'device-mapper name: stable while the map keeps its name',
  'by-path': 'by-path link: names one HBA path; never preferred',
};

export interface CandidateSet {
  resolutions: Resolution[];
  candidates: Candidate[];
}

/** Resolves `path` on every host and returns the ranked aliases valid on all hosts where it resolves. */
export function stableCandidates(path: string, hosts: HostIndex[]): CandidateSet {
  const resolutions = hosts.map((h) => h.resolve(path));
  const first = resolutions.findIndex((r) => r.found);
  if (first < 0) return { resolutions, candidates: [] };
  const key = identityKey(resolutions[first]);
  let aliases = hosts[first].aliases(resolutions[first]);
  if (hosts.length > 1 && key) {
    aliases = aliases.filter((a) => hosts.every((h) => identityKey(h.resolve(a.path)) === key));
    // A single-path alias is only acceptable when it bypasses multipath on no host.
    aliases = aliases.filter((a) => hosts.every((h) => !h.resolve(a.path).bypassesMultipath));
  }
  return {
    resolutions,
    candidates: aliases.map((a) => ({
      ...a,
      reason: a.bypassesMultipath ? `${REASON[a.kind]}; but it reaches only one path of a multipathed LUN` : REASON[a.kind],
    })),
  };
}

/** Fixes replacing exactly the value span with each candidate; the first non-by-path one is preferred. */
export function replacementFixes(ref: HostPathRef, candidates: Candidate[]): Fix[] {
  let preferredGiven = false;
  return candidates.map((c) => {
    const preferred = !preferredGiven && c.kind !== 'by-path' && !c.bypassesMultipath;
    if (preferred) preferredGiven = true;
    return {
      title: `Use ${c.path}`,
      edits: [{ start: ref.start, end: ref.end, newText: escapeXmlValue(c.path, ref.quote) }],
      preferred,
    };
  });
}
