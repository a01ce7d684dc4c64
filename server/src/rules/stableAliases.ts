/**
 * Stable-alias fix candidates for a host path across the document's host group.
 * With several hosts only aliases that reach the same LUN on every host qualify. When the path itself
 * is not the same thing on every host (it reaches different LUNs, or exists on some hosts only), no
 * candidate is the answer: the set has none, and per host the aliases that would map that host's LUN
 * (valid on every host) are kept apart, offered only as fixes that name the host and are never preferred.
 */
import type { HostPathRef } from '../domain/model';
import { Alias, describeTarget, HostIndex, identityKey, Lun, lunIdentity, Resolution } from '../inventory/resolver';
import { cap, terminalText } from '../encode';
import { escapeXmlValue, hasXmlForbiddenChar } from '../xml/entities';
import type { Finding, Fix } from './types';

export interface Candidate extends Alias {
  /** Why this alias ranks where it does (shown in the hover). */
  reason: string;
}

const REASON: Record<Alias['kind'], string> = {
  dmp: 'DMP meta-device: DMP manages this LUN, and the meta-device keeps every path',
  'mpath-wwid': "dm-multipath map named by the LUN's WWID: keeps failover and is the same on every host",
  wwn: 'World Wide Name of the LUN: hardware identity, the same on every host',
  'scsi-naa': 'SCSI NAA identifier of the LUN: hardware identity',
  'nvme-eui': 'NVMe EUI/namespace identifier: hardware identity',
  'by-id': "by-id link from the device's inquiry data (model/serial): stable on this host",
  volume: "volume name from the volume manager's metadata",
  'device-mapper': 'device-mapper name: stable while the map keeps its name',
  'by-path': 'by-path link: names one HBA path; never preferred',
};

/** The mark a candidate that reaches one path of a multipathed LUN carries, in fix titles and hover lists. */
export const BYPASS_MARK = 'bypasses multipath: one path';

/** The aliases that would map one host's reading of an ambiguous path (valid on every host of the group). */
export interface HostAlternative {
  /** The hosts on which the path reaches this LUN (the first named in titles). */
  hosts: string[];
  /** What the path reaches there, in words ("DMP node xiv0_8275", "LUN wwn:…"). */
  what: string;
  candidates: Candidate[];
}

export interface CandidateSet {
  resolutions: Resolution[];
  /** Aliases of what the path reaches, valid on every host; empty when the path is ambiguous. */
  candidates: Candidate[];
  /** The path is not the same thing on every host: it reaches different LUNs, or is missing on some hosts. */
  ambiguous: boolean;
  /** With `ambiguous`: per LUN the path reaches somewhere, the aliases that map it on every host. */
  alternatives: HostAlternative[];
}

/**
 * Whether an alias may be the preferred replacement: not a by-path link (one HBA path), not a link that
 * reaches one path of a multipathed LUN, and a name XML can hold (a fix could not write it otherwise).
 */
export function canBePreferred(a: Pick<Alias, 'path' | 'kind' | 'bypassesMultipath'>): boolean {
  return a.kind !== 'by-path' && !a.bypassesMultipath && !hasXmlForbiddenChar(a.path);
}

/**
 * Whether an alias keeps every path of a multipathed LUN: the DMP node, the dm-multipath map, or an
 * identity link (wwn-, scsi-3) that multipath's udev rules point at the map.
 */
export function keepsFailover(a: Pick<Alias, 'kind' | 'bypassesMultipath'>): boolean {
  return (a.kind === 'dmp' || a.kind === 'mpath-wwid' || a.kind === 'wwn' || a.kind === 'scsi-naa') && !a.bypassesMultipath;
}

/**
 * The preferred one of ranked aliases or candidates: the first that `canBePreferred`. The one choice the
 * preferred quick fix (fix-all, --fix), the messages' "Use …", the hover's "(preferred)", completion and
 * the inventory view's best alias all make.
 */
export function preferredOf<T extends Pick<Alias, 'path' | 'kind' | 'bypassesMultipath'>>(list: readonly T[]): T | undefined {
  return list.find(canBePreferred);
}

/** Fixes offered per value: the ranked best few (a host with a million links to one LUN must not make a million actions). */
export const MAX_FIXES = 12;

const setCache = new WeakMap<HostIndex, Map<string, CandidateSet>>();
/**
 * The empty candidate list of an ambiguous set, to its alternatives: rules hand `candidates` to
 * `withReplacementFixes`, which thus offers the host-named, non-preferred fixes without each rule knowing.
 */
const alternativesOf = new WeakMap<Candidate[], HostAlternative[]>();

/**
 * Resolves `path` on every host and returns the ranked aliases valid on all hosts where it resolves.
 * Cached per host group (the first host's index, then the others' instance ids); read-only results.
 */
export function stableCandidates(path: string, hosts: HostIndex[]): CandidateSet {
  if (hosts.length === 0) return { resolutions: [], candidates: [], ambiguous: false, alternatives: [] };
  let byPath = setCache.get(hosts[0]);
  if (!byPath) setCache.set(hosts[0], (byPath = new Map()));
  // Keyed by the other hosts' index instances, not their names: a refreshed host is a new index.
  const key =
    hosts.length === 1
      ? path
      : `${hosts
          .slice(1)
          .map((h) => h.instanceId)
          .join(',')}\0${path}`;
  let set = byPath.get(key);
  if (!set) {
    set = computeCandidates(path, hosts);
    if (byPath.size > 200_000) byPath.clear();
    byPath.set(key, set);
  }
  return set;
}

/** Whether the resolutions (one per host) are not all the same thing: different identities, or found on some hosts only. */
export function isAmbiguous(resolutions: Resolution[]): boolean {
  if (resolutions.length < 2) return false;
  const keys = resolutions.map(identityKey);
  if (keys.every((k) => k === undefined)) return false;
  return keys.some((k) => k === undefined || k !== keys[0]);
}

/** What a resolution reaches, in words, for titles and messages (plain text; encoded where it goes). */
export function lunWords(r: Resolution): string {
  if (r.dmp || r.vxVolume) return describeTarget(r);
  const lun: Lun | undefined = r.lun;
  if (lun?.dmp) return `DMP node ${lun.dmp.name}${r.partition === undefined ? '' : ` partition ${r.partition}`}`;
  if (lun) return `LUN ${lunIdentity(lun)}${r.partition === undefined ? '' : ` partition ${r.partition}`}`;
  return describeTarget(r);
}

/** The aliases of what host `i` reaches that reach the same thing on every host and bypass multipath on none. */
function validEverywhere(i: number, resolutions: Resolution[], hosts: HostIndex[]): Alias[] {
  const key = identityKey(resolutions[i]);
  // The best MAX_ALIASES of them, ranked over all (resolver.ts): the per-host filter below stays bounded
  // even when a host has a million links to the LUN.
  let aliases = hosts[i].aliases(resolutions[i]);
  if (hosts.length > 1 && key) {
    aliases = aliases.filter((a) => hosts.every((h) => identityKey(h.resolve(a.path)) === key));
    // A single-path alias is only acceptable when it bypasses multipath on no host.
    aliases = aliases.filter((a) => hosts.every((h) => !h.resolve(a.path).bypassesMultipath));
  }
  return aliases;
}

function toCandidates(aliases: Alias[]): Candidate[] {
  // Resolver order already puts single-path links (rank + 20) and by-path last; kept stable here.
  return aliases.map((a) => ({
    ...a,
    reason: a.bypassesMultipath ? `${REASON[a.kind]}; but it reaches only one path of a multipathed LUN` : REASON[a.kind],
  }));
}

function computeCandidates(path: string, hosts: HostIndex[]): CandidateSet {
  const resolutions = hosts.map((h) => h.resolve(path));
  const first = resolutions.findIndex((r) => r.found);
  if (first < 0) return { resolutions, candidates: [], ambiguous: false, alternatives: [] };
  if (!isAmbiguous(resolutions))
    return { resolutions, candidates: toCandidates(validEverywhere(first, resolutions, hosts)), ambiguous: false, alternatives: [] };
  const alternatives: HostAlternative[] = [];
  const byKey = new Map<string, HostAlternative>();
  resolutions.forEach((r, i) => {
    const key = identityKey(r);
    if (key === undefined) return;
    const seen = byKey.get(key);
    if (seen) {
      seen.hosts.push(r.host);
      return;
    }
    const alt: HostAlternative = { hosts: [r.host], what: lunWords(r), candidates: toCandidates(validEverywhere(i, resolutions, hosts)) };
    byKey.set(key, alt);
    alternatives.push(alt);
  });
  const candidates: Candidate[] = [];
  alternativesOf.set(candidates, alternatives);
  return { resolutions, candidates, ambiguous: true, alternatives };
}

/** "kvm-a's LUN", "the LUN of kvm-a and kvm-c". */
export function whoseLun(hosts: string[]): string {
  if (hosts.length === 1) return `${hosts[0]}'s LUN`;
  return `the LUN of ${hosts.slice(0, -1).join(', ')} and ${hosts[hosts.length - 1]}`;
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
    readonly related?: Finding['related'],
  ) {}

  get fixes(): Fix[] {
    return (this.built ??= replacementFixes(this.ref, this.candidates));
  }

  toJSON() {
    return {
      code: this.code,
      severity: this.severity,
      message: this.message,
      start: this.start,
      end: this.end,
      fixes: this.fixes,
      ...(this.related ? { related: this.related } : {}),
    };
  }
}

/**
 * Fixes replacing exactly the value span with each candidate; the first that is neither by-path nor
 * single-path is preferred. Given the (empty) candidates of an ambiguous set, the host-named alternatives
 * instead, none preferred.
 */
export function withReplacementFixes(finding: Omit<Finding, 'fixes'>, ref: HostPathRef, candidates: Candidate[]): Finding {
  return new FindingWithReplacements(
    finding.code,
    finding.severity,
    finding.message,
    finding.start,
    finding.end,
    ref,
    candidates,
    finding.related,
  );
}

/** A fix title: the path, marked when it reaches one path of a multipathed LUN. */
function useTitle(c: Candidate): string {
  return `Use ${terminalText(cap(c.path, 256))}${c.bypassesMultipath ? ` (${BYPASS_MARK})` : ''}`;
}

/**
 * One fix per candidate (at most MAX_FIXES): a candidate XML 1.0 cannot hold (a control character from
 * a host) is not offered, since libvirt would refuse the document it produced.
 */
export function replacementFixes(ref: HostPathRef, candidates: Candidate[]): Fix[] {
  const alternatives = alternativesOf.get(candidates);
  if (alternatives) return alternativeFixes(ref, alternatives);
  let preferredGiven = false;
  const fixes: Fix[] = [];
  for (const c of candidates) {
    if (fixes.length >= MAX_FIXES) break;
    const newText = escapeXmlValue(c.path, ref.quote);
    if (newText === undefined) continue;
    const preferred = !preferredGiven && canBePreferred(c);
    if (preferred) preferredGiven = true;
    fixes.push({ title: useTitle(c), edits: [{ start: ref.start, end: ref.end, newText }], preferred });
  }
  return fixes;
}

/**
 * For an ambiguous path: per LUN it reaches somewhere, fixes that map that LUN on every host, titled with
 * the host whose LUN it is ("Map kvm-a's LUN (DMP node xiv0_8275): use /dev/vx/dmp/xiv0_8275"). None is
 * preferred, so neither fix-all nor --fix applies one: which LUN was meant is the author's call.
 */
export function alternativeFixes(ref: HostPathRef, alternatives: HostAlternative[]): Fix[] {
  const fixes: Fix[] = [];
  const usable = alternatives.filter((a) => a.candidates.length);
  const each = Math.max(1, Math.floor(MAX_FIXES / Math.max(1, usable.length)));
  for (const alt of usable) {
    let n = 0;
    for (const c of alt.candidates) {
      if (n >= each || fixes.length >= MAX_FIXES) break;
      const newText = escapeXmlValue(c.path, ref.quote);
      if (newText === undefined) continue;
      const title = `Map ${terminalText(cap(whoseLun(alt.hosts), 512))} (${terminalText(cap(alt.what, 256))}): ${useTitle(c).replace(/^Use/, 'use')}`;
      fixes.push({ title, edits: [{ start: ref.start, end: ref.end, newText }], preferred: false });
      n++;
    }
  }
  return fixes;
}

const lunIndex = new WeakMap<HostIndex, Map<string, Lun>>();

/** The LUN with identity `id` on a host (by id, whatever it is called there); cached per host index. */
export function lunById(h: HostIndex, id: string): Lun | undefined {
  let m = lunIndex.get(h);
  if (!m) {
    m = new Map();
    for (const l of h.allLuns()) if (!m.has(l.id)) m.set(l.id, l);
    lunIndex.set(h, m);
  }
  return m.get(id);
}

/**
 * Per host, the DMP node name of the LUN with identity `id` (the LUN itself, not a partition), when
 * every host of the group has the LUN under DMP and the names are not all the same; else undefined.
 */
export function divergentDmpNames(id: string, hosts: HostIndex[]): { host: string; name: string }[] | undefined {
  if (hosts.length < 2 || id.startsWith('dev:')) return undefined;
  const names: { host: string; name: string }[] = [];
  for (const h of hosts) {
    const name = lunById(h, id)?.dmp?.name;
    if (!name) return undefined;
    names.push({ host: h.host, name });
  }
  return names.some((n) => n.name !== names[0].name) ? names : undefined;
}

/** "3pardata0_13 on kvm-a, 3pardata1_13 on kvm-b" (plain text; callers cap the message). */
export function perHostNames(names: { host: string; name: string }[]): string {
  return names.map((n) => `${n.name} on ${n.host}`).join(', ');
}

/** How to give a LUN one DMP name on every host (the InfoScale ways), for messages. */
export const CONVERGE_DMP_NAMES =
  'Give the LUN one name on every host: enclosure-based naming with array volume IDs (`vxddladm set namingscheme=ebn persistence=yes use_avid=yes` on each host), or a user-defined DMP node name (`vxdmpadm setattr dmpnode NODE name=NAME` on each host), or map a VxVM volume created on it. A wwn-/scsi- link is no substitute where DMP manages the LUN without multipath udev rules: it reaches one path.';

/** False when the disk facts say no replacement may be offered for this disk (e.g. a pool volume). */
export function fixable(f: object): boolean {
  return (f as { fixable?: unknown }).fixable !== false;
}

/** The host path whose aliases a disk's messages and fixes may use (a pool volume's path, where there is one). */
export function lookupPathOf(f: { ref: { value: string } }): string | undefined {
  return 'lookupPath' in f ? (f as { lookupPath?: string }).lookupPath : f.ref.value;
}

const NO_CANDIDATES: CandidateSet = { resolutions: [], candidates: [], ambiguous: false, alternatives: [] };

/** stableCandidates for a disk's facts: by its lookup path; nothing when it has none. */
export function candidatesFor(f: { ref: { value: string } }, hosts: HostIndex[]): CandidateSet {
  const p = lookupPathOf(f);
  return p === undefined ? NO_CANDIDATES : stableCandidates(p, hosts);
}
