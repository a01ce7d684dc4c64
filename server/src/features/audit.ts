/**
 * The fleet audit's analysis (`libvirt-domain-lint audit`). Per host: every domain defined there (its
 * persistent definition, `HostDomain.xml`) against that host, with the single-host rules and the host's
 * other domains as peers. Then, over the hosts, what no single host shows: a LUN mapped by domains on
 * several hosts where a disk lacks `<shareable/>`, and a domain (one UUID) defined on several hosts with
 * different disks. Both are indexed (by LUN identity, by UUID): linear in the number of disks, never a
 * comparison of every pair of hosts. Pure: no I/O; a HostAudit is plain data (it crosses a worker
 * thread boundary).
 */
import { parseDomainDocument, runRules } from '../analysis';
import { isRemovableMedia, type DiskModel } from '../domain/model';
import { classifyPath, namesBlockDevice } from '../domain/pathClass';
import { peerOf } from '../domain/peer';
import { hostDocumentUri } from '../hostDocument';
import { HostIndex, identityKey, type Resolution } from '../inventory/resolver';
import type { InventorySnapshot } from '../inventory/snapshot';
import { applyDirectives, scanDirectives } from '../rules/directives';
import { hostList } from '../rules/diskFacts';
import { finding } from '../rules/finding';
import { lunWords } from '../rules/stableAliases';
import type { Finding, PeerDomain, RelatedElsewhere } from '../rules/types';
import { LineIndex } from '../xml/lineIndex';

/** A disk of a host domain, as the fleet compares it. */
export interface AuditDisk {
  /** The source as written (a path, or a volume's `volume V of pool P`) and its span in the definition. */
  value: string;
  start: number;
  end: number;
  target?: string;
  shareable: boolean;
  /** The LUN (and partition) it maps, by hardware identity (WWN, EUI, DMP udid, serial): comparable across hosts. */
  lun?: string;
  /** What it opens on its host, to compare a domain's copies: an identity, `file:PATH`, or `missing:PATH`. */
  reaches: string;
  /** The same in words (`DMP node 3pardata0_12`, `not found`, the file). */
  words: string;
}

export interface AuditDomain {
  name: string;
  /** The `<uuid>` (lower case), when the definition has one. */
  uuid?: string;
  /** The persistent definition: every range is in this text. */
  xml: string;
  findings: Finding[];
  disks: AuditDisk[];
  /** The DOCTYPE's span, where there is one (directives are not read inside it). */
  doctype?: { start: number; end: number };
}

export interface AuditFailure {
  /** The failure's class (`connection-refused`, `timed-out`, `unreadable`, …). */
  kind: string;
  /** One line naming the host (or the file) and the cause. */
  message: string;
}

/** One host's audit: its domains with their findings, or why it could not be audited. */
export interface HostAudit {
  host: string;
  domains: AuditDomain[];
  /** Domains the host lists whose definition could not be read (see the warnings). */
  unread: string[];
  /** The snapshot's warnings (a tool that failed or needed root). */
  warnings: string[];
  failure?: AuditFailure;
}

/** The URI of a host's domain definition: `libvirt-domain://HOST/NAME.xml` (the editor's host documents). */
export const auditUri = hostDocumentUri;

/** A finding as plain data (a rule's finding may compute its fixes lazily, in a getter). */
function plain(f: Finding): Finding {
  return {
    code: f.code,
    severity: f.severity,
    message: f.message,
    start: f.start,
    end: f.end,
    fixes: f.fixes.map((x) => ({ title: x.title, preferred: x.preferred, edits: x.edits.map((e) => ({ ...e })) })),
    ...(f.related ? { related: f.related } : {}),
    ...(f.elsewhere ? { elsewhere: f.elsewhere } : {}),
  };
}

/** A LUN identity, not a host-local one (`dev:HOST/…`) nor a VxVM volume name (two hosts may both have `datadg/vol01`). */
function lunIdentityOf(r: Resolution): string | undefined {
  if (!r.found || !r.lun || r.lun.id.startsWith('dev:')) return undefined;
  return identityKey(r);
}

/** How a disk is compared across hosts; undefined for a disk the fleet checks do not judge (no host source, removable media). */
function auditDisk(h: HostIndex, d: DiskModel): AuditDisk | undefined {
  if (isRemovableMedia(d)) return undefined;
  const target = d.target?.dev?.value;
  const base = { shareable: d.shareable, ...(target ? { target } : {}) };
  if (d.volumeRef) {
    const v = d.volumeRef;
    const value = `volume ${v.volume.value} of pool ${v.pool.value}`;
    const l = h.poolVolume(v.pool.value, v.volume.value);
    const at = { value, start: v.start, end: v.end, ...base };
    if (!l.ok) return { ...at, reaches: `volume:${v.pool.value}/${v.volume.value}`, words: value };
    const r = h.resolve(l.path);
    const lun = lunIdentityOf(r);
    return { ...at, ...(lun ? { lun } : {}), reaches: identityKey(r) ?? `file:${l.path}`, words: r.found ? lunWords(r) : l.path };
  }
  const ref = d.hostPath;
  if (!ref) return undefined;
  const at = { value: ref.value, start: ref.start, end: ref.end, ...base };
  const cls = classifyPath(ref.value).cls;
  if (!namesBlockDevice(cls) && cls !== 'other-device') return { ...at, reaches: `file:${ref.value}`, words: ref.value };
  const r = h.resolve(ref.value);
  if (!r.found) return { ...at, reaches: `missing:${ref.value}`, words: `${ref.value}, which does not exist there` };
  const lun = lunIdentityOf(r);
  return { ...at, ...(lun ? { lun } : {}), reaches: identityKey(r) ?? `file:${ref.value}`, words: lunWords(r) };
}

/**
 * Audits every domain defined on a host against it: the single-host rules, with the host's other domains
 * as peers (one peer list for the host: its index is built once, and a domain is never its own user).
 */
export function auditHostIndex(h: HostIndex): HostAudit {
  const snap = h.snapshot;
  const out: HostAudit = { host: h.host, domains: [], unread: [], warnings: [...snap.warnings] };
  const list = snap.tools['virsh-list'];
  if (!snap.domains && list !== 'failed' && list !== 'needs-root')
    out.warnings.push('virsh is not installed there (or the inventory predates domain lists): no domains to audit');
  const parsed = [];
  for (const d of snap.domains ?? []) {
    if (d.xml === undefined) {
      out.unread.push(d.name);
      continue;
    }
    parsed.push({ d, parsed: parseDomainDocument(d.xml) });
  }
  const peers: PeerDomain[] = parsed.flatMap(({ d, parsed: p }) =>
    p.model ? [{ ...peerOf(auditUri(h.host, d.name), p.model, undefined, p.doc.lines), name: d.name }] : [],
  );
  for (const { d, parsed: p } of parsed) {
    const analysis = runRules(p, [h], peers);
    const disks = p.model ? p.model.disks.flatMap((x) => auditDisk(h, x) ?? []) : [];
    out.domains.push({
      name: d.name,
      ...(d.uuid ? { uuid: d.uuid } : {}),
      xml: d.xml!,
      findings: analysis.findings.map(plain),
      disks,
      ...(p.doc.doctype ? { doctype: { start: p.doc.doctype.start, end: p.doc.doctype.end } } : {}),
    });
  }
  return out;
}

export function auditSnapshot(snap: InventorySnapshot): HostAudit {
  return auditHostIndex(new HostIndex(snap));
}

/** Which virtual machine a definition is: its UUID, else its name (as the single-host rules take a name). */
const vmKey = (d: AuditDomain): string => (d.uuid ? `u\0${d.uuid}` : `n\0${d.name}`);

interface Use {
  host: number;
  domain: number;
  disk: number;
}

/** A virtual machine mapping a LUN: its definitions' hosts (first-seen order) and its disks that map it. */
interface Vm {
  name: string;
  hosts: number[];
  uses: Use[];
}

/** At most this many users (or hosts) are named in a message; related information places at most MAX_ELSEWHERE. */
const NAMED = 3;
const MAX_ELSEWHERE = 8;
/** Users looked at, per finding, for NAMED on other hosts to name first: a bound, so the work stays linear. */
const SCAN = 64;

/** Hosts in a message: `kvm-a`, `kvm-a and kvm-b`, `kvm-a, kvm-b and 3 more hosts`. */
function someHosts(hosts: readonly string[]): string {
  return hosts.length <= NAMED ? hostList([...hosts]) : `${hosts.slice(0, 2).join(', ')} and ${hosts.length - 2} more hosts`;
}

/**
 * Adds the fleet's findings to the hosts' domains (failed hosts have none): `shared-without-shareable` on
 * each disk without `<shareable/>` whose LUN another virtual machine maps on another host (it replaces the
 * single-host finding on the same disk: one finding names the users on every host), and
 * `inconsistent-across-hosts` on each disk of a domain (one UUID) defined on several hosts that is not the
 * same disk (by target) on all of them. Linear in the number of disks: each finding looks at a bounded
 * number of users.
 */
export function addFleetFindings(hosts: HostAudit[]): void {
  const added = new Map<AuditDomain, Finding[]>();
  const add = (d: AuditDomain, f: Finding) => {
    const list = added.get(d);
    if (list) list.push(f);
    else added.set(d, [f]);
  };
  const lines = new Map<AuditDomain, LineIndex>();
  const linesOf = (d: AuditDomain) => {
    let l = lines.get(d);
    if (!l) lines.set(d, (l = new LineIndex(d.xml)));
    return l;
  };
  const dom = (u: Use) => hosts[u.host].domains[u.domain];
  const disk = (u: Use) => dom(u).disks[u.disk];
  const hostName = (i: number) => hosts[i].host;
  const push = <K, V>(m: Map<K, V[]>, k: K, v: V) => {
    const list = m.get(k);
    if (list) list.push(v);
    else m.set(k, [v]);
  };

  // 1. Every disk by the LUN it maps.
  const byLun = new Map<string, Use[]>();
  hosts.forEach((h, hi) =>
    h.domains.forEach((d, di) =>
      d.disks.forEach((x, ki) => {
        if (x.lun) push(byLun, x.lun, { host: hi, domain: di, disk: ki });
      }),
    ),
  );
  for (const uses of byLun.values()) {
    if (uses.length < 2 || uses.every((u) => disk(u).shareable)) continue;
    const vms = new Map<string, Vm>();
    /** Distinct machines per host, and distinct (machine, host) pairs. */
    const vmsOnHost = new Map<number, number>();
    let pairs = 0;
    for (const u of uses) {
      const k = vmKey(dom(u));
      let vm = vms.get(k);
      if (!vm) vms.set(k, (vm = { name: dom(u).name, hosts: [], uses: [] }));
      vm.uses.push(u);
      if (vm.hosts.includes(u.host)) continue; // a machine is defined on a few hosts at most
      vm.hosts.push(u.host);
      vmsOnHost.set(u.host, (vmsOnHost.get(u.host) ?? 0) + 1);
      pairs++;
    }
    // One machine defined on several hosts (failover) is not sharing; one host alone is the single-host rule's.
    if (vms.size < 2 || vmsOnHost.size < 2) continue;
    const list = [...vms.values()];
    const label = (vm: Vm) => `${vm.name} (defined on ${someHosts(vm.hosts.map(hostName))})`;
    for (const u of uses) {
      const x = disk(u);
      if (x.shareable) continue;
      const own = vms.get(vmKey(dom(u)))!;
      // Pairs (another machine, another host): all pairs, less the own machine's, less this host's, plus the one counted twice.
      if (pairs - own.hosts.length - vmsOnHost.get(u.host)! + 1 <= 0) continue;
      const away: Vm[] = [];
      const here: Vm[] = [];
      for (let i = 0; i < list.length && i < SCAN && away.length < NAMED; i++) {
        const vm = list[i];
        if (vm === own) continue;
        (vm.hosts.some((h) => h !== u.host) ? away : here).push(vm);
      }
      const named = [...away, ...here].slice(0, NAMED);
      const more = vms.size - 1 - named.length;
      const elsewhere: RelatedElsewhere[] = [];
      for (const vm of named) {
        for (const o of vm.uses) {
          if (elsewhere.length >= MAX_ELSEWHERE) break;
          const od = dom(o);
          const ox = disk(o);
          const l = linesOf(od);
          elsewhere.push({
            message: `${od.name}${ox.target ? ` (${ox.target})` : ''} on ${hostName(o.host)} maps the same LUN${ox.shareable ? ' (shareable)' : ''}`,
            uri: auditUri(hostName(o.host), od.name),
            range: { start: l.positionAt(ox.start), end: l.positionAt(ox.end) },
          });
        }
      }
      add(
        dom(u),
        finding('shared-without-shareable', {
          message:
            `The LUN behind ${x.value} (${x.words}) is also used by ${more > 0 ? `${named.map(label).join(', ')} and ${more} more` : hostList(named.map(label))}, and this disk lacks <shareable/>. ` +
            `Domains on different hosts writing one LUN corrupt it unless they are a cluster built for it: add <shareable/> to every domain's disk where sharing is intended; otherwise use another LUN.`,
          start: x.start,
          end: x.end,
          elsewhere,
        }),
      );
    }
  }

  // 2. Domains by UUID: each copy's disks against the other copies' disks of the same target.
  const byUuid = new Map<string, Use[]>();
  hosts.forEach((h, hi) =>
    h.domains.forEach((d, di) => {
      if (d.uuid) push(byUuid, d.uuid, { host: hi, domain: di, disk: -1 });
    }),
  );
  const keyOf = (x: AuditDisk, k: number) => (x.target ? `t\0${x.target}` : `#\0${k}`);
  for (const copies of byUuid.values()) {
    if (copies.length < 2) continue;
    // Per target: what it reaches on each copy's host (variants, first-seen order), and the hosts lacking it.
    const perKey = new Map<string, Map<string, { value: string; words: string; hosts: string[] }>>();
    for (const c of copies) {
      dom(c).disks.forEach((x, k) => {
        const key = keyOf(x, k);
        let variants = perKey.get(key);
        if (!variants) perKey.set(key, (variants = new Map()));
        let v = variants.get(x.reaches);
        if (!v) variants.set(x.reaches, (v = { value: x.value, words: x.words, hosts: [] }));
        v.hosts.push(hostName(c.host));
      });
    }
    const lacking = new Map<string, string[]>();
    for (const [key, variants] of perKey) {
      const having = new Set([...variants.values()].flatMap((v) => v.hosts));
      lacking.set(
        key,
        copies.map((c) => hostName(c.host)).filter((h) => !having.has(h)),
      );
    }
    for (const c of copies) {
      const d = dom(c);
      d.disks.forEach((x, k) => {
        const key = keyOf(x, k);
        const variants = perKey.get(key)!;
        if (variants.get(x.reaches)!.hosts.length === copies.length) return;
        const parts: string[] = [];
        for (const [r, v] of variants) {
          if (parts.length >= NAMED) break;
          if (r !== x.reaches) parts.push(`on ${someHosts(v.hosts)} it is ${v.value} (${v.words})`);
        }
        const missing = lacking.get(key)!;
        if (missing.length)
          parts.push(`${someHosts(missing)} ${missing.length > 1 ? 'define' : 'defines'} it without ${x.target ?? 'this disk'}`);
        add(
          d,
          finding('inconsistent-across-hosts', {
            message:
              `${d.name} (UUID ${d.uuid}) is defined on ${copies.length} hosts, and its disk${x.target ? ` ${x.target}` : ''} is not the same disk on all of them: ` +
              `here (${hostName(c.host)}) ${x.value} is ${x.words}; ${parts.join('; ')}. Migration or failover would attach another disk, or fail.`,
            start: x.start,
            end: x.end,
          }),
        );
      });
    }
  }

  for (const [d, list] of added) {
    const fleet = silenced(d, list);
    if (!fleet.length) continue;
    const replaced = new Set(fleet.filter((f) => f.code === 'shared-without-shareable').map((f) => `${f.start}:${f.end}`));
    const kept = d.findings.filter((f) => f.code !== 'shared-without-shareable' || !replaced.has(`${f.start}:${f.end}`));
    d.findings = [...kept, ...fleet].sort((a, b) => a.start - b.start || a.end - b.end);
  }
}

/** The fleet's findings that the definition's disable directives leave (libvirt drops comments, so rarely any). */
function silenced(d: AuditDomain, findings: Finding[]): Finding[] {
  if (!d.xml.includes('libvirt-domain-lint-disable')) return findings;
  const lines = new LineIndex(d.xml);
  // rulesRan false: the single-host analysis already reported the directives that silence nothing.
  return applyDirectives(d.xml, lines, findings, scanDirectives(d.xml, lines, d.doctype), { rulesRan: false, hosts: 2, schema: false });
}
