import { diskDrift, type DiskDrift } from '../domain/compare';
import type { DomainModel } from '../domain/model';
import { cap, terminalText } from '../encode';
import type { HostDomain } from '../inventory/snapshot';
import { child, type XmlDocument } from '../xml/parse';
import { finding } from './finding';
import type { Finding, Rule } from './types';

/** Added or removed disks named per finding at most. */
const MAX_NAMED = 4;

const uuidKey = (u: string) => u.replace(/[-\s]/g, '').toLowerCase();

/**
 * The host's definition of this document's domain: the one with its `<uuid>` (case-insensitive), else
 * the one with its `<name>`, unless both have a UUID and they differ (then it is another domain).
 */
export function hostDomainOf(model: DomainModel, domains: readonly HostDomain[]): HostDomain | undefined {
  const uuid = model.uuid ? uuidKey(model.uuid) : undefined;
  if (uuid) {
    const d = domains.find((x) => typeof x.uuid === 'string' && uuidKey(x.uuid) === uuid);
    if (d) return d;
  }
  if (model.name === undefined) return undefined;
  return domains.find((x) => x.name === model.name && (!uuid || !x.uuid));
}

/** The span of the domain's `<name>` text, else of the root's tag name. */
function nameSpan(doc: XmlDocument): { start: number; end: number } {
  const root = doc.root!;
  const n = child(root, 'name');
  if (n) {
    const raw = doc.text.slice(n.contentStart, n.contentEnd);
    const lead = raw.length - raw.trimStart().length;
    const t = raw.trim();
    if (t && !t.includes('<')) return { start: n.contentStart + lead, end: n.contentStart + lead + t.length };
  }
  return { start: root.start + 1, end: root.start + 1 + root.name.length };
}

const v = (s: string) => cap(s, 256);

function diskLabel(d: { target?: string; source: string }): string {
  return d.target !== undefined ? `disk ${v(d.target)} (${v(d.source)})` : `hostdev ${v(d.source)}`;
}

function listed(items: string[]): string {
  const shown = items.slice(0, MAX_NAMED).join(', ');
  return items.length > MAX_NAMED ? `${shown} and ${items.length - MAX_NAMED} more` : shown;
}

const RESOLVE = "Compare with the host's definition, then pull it or define this file.";

interface Group {
  start: number;
  end: number;
  /** The message after "Differs from the definition on HOSTS: ". */
  detail: string;
  hosts: string[];
}

/** What one drift entry says, and where; undefined for added/removed (said on the root). */
function detailOf(d: DiskDrift): { start: number; end: number; detail: string } | undefined {
  if (d.kind === 'source') {
    const there = d.target !== undefined ? `disk ${v(d.target)}` : 'this hostdev';
    return { start: d.file.start, end: d.file.end, detail: `there ${there} has source ${v(d.host)}` };
  }
  if (d.kind === 'target')
    return { start: d.file.start, end: d.file.end, detail: `there the disk with source ${v(d.source)} is at target ${v(d.host)}` };
  return undefined;
}

/**
 * differs-from-host: the document's domain is defined on a checked host (by UUID, else name) and its
 * disks differ from that definition: on each differing disk source (or target), and on `<name>` for
 * disks added or removed. Hosts that say the same about the same place are named in one finding.
 */
export const differsFromHost: Rule = (ctx) => {
  const groups = new Map<string, Group>();
  const add = (start: number, end: number, detail: string, host: string) => {
    const k = `${start}\0${end}\0${detail}`;
    const g = groups.get(k);
    if (g) g.hosts.push(host);
    else groups.set(k, { start, end, detail, hosts: [host] });
  };
  for (const h of ctx.hosts) {
    const domains = h.snapshot.domains;
    if (!Array.isArray(domains)) continue; // the host's domain list is not known
    const d = hostDomainOf(ctx.model, domains);
    // The host's own definition, checked as it is (the fleet audit, a host document): nothing differs.
    if (!d || d.xml === ctx.doc.text) continue;
    const host = d.name === ctx.model.name ? cap(h.host, 64) : `${cap(h.host, 64)} (as ${v(d.name)})`;
    const added: string[] = [];
    const removed: string[] = [];
    for (const x of diskDrift(ctx.model, d)) {
      const one = detailOf(x);
      if (one) add(one.start, one.end, one.detail, host);
      else if (x.kind === 'added') added.push(diskLabel(x));
      else if (x.kind === 'removed') removed.push(diskLabel(x));
    }
    if (added.length || removed.length) {
      const parts: string[] = [];
      if (added.length) parts.push(`this file adds ${listed(added)}`);
      if (removed.length) parts.push(`the host's definition has ${listed(removed)}, which this file lacks`);
      const span = nameSpan(ctx.doc);
      add(span.start, span.end, parts.join('; '), host);
    }
  }
  const out: Finding[] = [];
  for (const g of groups.values())
    out.push(
      finding('differs-from-host', {
        message: terminalText(`Differs from the definition on ${g.hosts.join(', ')}: ${g.detail}. ${RESOLVE}`),
        start: g.start,
        end: g.end,
      }),
    );
  return out;
};
