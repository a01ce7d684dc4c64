/**
 * Stable-alias fix candidates for a host path across the document's host group.
 * With several hosts only aliases that reach the same LUN on every host qualify.
 */
import type { HostPathRef } from '../domain/model';
import { Alias, HostIndex, identityKey, Resolution } from '../inventory/resolver';
import { cap, terminalText } from '../encode';
import { escapeXmlValue } from '../xml/entities';
import type { Finding, Fix } from './types';

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

/** Fixes offered per value: the ranked best few (a host with a million links to one LUN must not make a million actions). */
export const MAX_FIXES = 12;

const setCache = new WeakMap<HostIndex, Map<string, CandidateSet>>();

/**
 * Resolves `path` on every host and returns the ranked aliases valid on all hosts where it resolves.
 * Cached per host group (the first host's index, then the others' instance ids); read-only results.
 */
export function stableCandidates(path: string, hosts: HostIndex[]): CandidateSet {
  if (hosts.length === 0) return { resolutions: [], candidates: [] };
  let byPath = setCache.get(hosts[0]);
  if (!byPath) setCache.set(hosts[0], (byPath = new Map()));
  // Keyed by the other hosts' index instances, not their names: a refreshed host is a new index.
  const key = hosts.length === 1 ? path : `${hosts.slice(1).map((h) => h.instanceId).join(',')}\0${path}`;
  let set = byPath.get(key);
  if (!set) {
    set = computeCandidates(path, hosts);
    if (byPath.size > 200_000) byPath.clear();
    byPath.set(key, set);
  }
  return set;
}

function computeCandidates(path: string, hosts: HostIndex[]): CandidateSet {
  const resolutions = hosts.map((h) => h.resolve(path));
  const first = resolutions.findIndex((r) => r.found);
  if (first < 0) return { resolutions, candidates: [] };
  const key = identityKey(resolutions[first]);
  // The best MAX_ALIASES of them, ranked over all (resolver.ts): the per-host filter below stays bounded
  // even when a host has a million links to the LUN.
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

/** A finding whose replacement fixes are built on first access (most findings' fixes are never asked for). */
class FindingWithReplacements implements Finding {
  private built?: Fix[];

  constructor(
    readonly code: Finding['code'],
    readonly severity: Finding['severity'],
    readonly message: string,
    readonly start: number,
    readonly end: number,
    private readonly ref: HostPathRef,
    private readonly candidates: Candidate[],
  ) {}

  get fixes(): Fix[] {
    return (this.built ??= replacementFixes(this.ref, this.candidates));
  }

  toJSON() {
    return { code: this.code, severity: this.severity, message: this.message, start: this.start, end: this.end, fixes: this.fixes };
  }
}

/** Fixes replacing exactly the value span with each candidate; the first non-by-path one is preferred. */
export function withReplacementFixes(finding: Omit<Finding, 'fixes'>, ref: HostPathRef, candidates: Candidate[]): Finding {
  return new FindingWithReplacements(finding.code, finding.severity, finding.message, finding.start, finding.end, ref, candidates);
}

/**
 * One fix per candidate (at most MAX_FIXES): a candidate XML 1.0 cannot hold (a control character from
 * a host) is not offered, since libvirt would refuse the document it produced.
 */
export function replacementFixes(ref: HostPathRef, candidates: Candidate[]): Fix[] {
  let preferredGiven = false;
  const fixes: Fix[] = [];
  for (const c of candidates) {
    if (fixes.length >= MAX_FIXES) break;
    const newText = escapeXmlValue(c.path, ref.quote);
    if (newText === undefined) continue;
    const preferred = !preferredGiven && c.kind !== 'by-path' && !c.bypassesMultipath;
    if (preferred) preferredGiven = true;
    fixes.push({ title: `Use ${terminalText(cap(c.path, 256))}`, edits: [{ start: ref.start, end: ref.end, newText }], preferred });
  }
  return fixes;
}
