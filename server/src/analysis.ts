/** Parse → model → rules, for one document and one host group. Pure: no I/O, no LSP. */
import { buildDomainModel, DomainModel } from './domain/model';
import type { HostIndex } from './inventory/resolver';
import { DOMAIN_RULES } from './rules';
import type { Finding, PeerDomain } from './rules/types';
import { xmlFindings } from './rules/xmlWellFormed';
import { parseXml, XmlDocument } from './xml/parse';

export interface Analysis {
  doc: XmlDocument;
  /** Whether the document is a libvirt domain (root `<domain>`; for broken XML, its first tag). */
  isDomain: boolean;
  model?: DomainModel;
  findings: Finding[];
}

/** The name of the first element, read past the prolog (used when the XML does not parse). */
export function firstElementName(text: string): string | undefined {
  const re = /<(!--[\s\S]*?-->|\?[\s\S]*?\?>|!DOCTYPE[^[>]*(?:\[[\s\S]*?\])?\s*>|([A-Za-z_][\w.:-]*))/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    if (m[2]) return m[2];
    if (re.lastIndex > 65536) break;
  }
  return undefined;
}

/** A parsed document: the XML and, when it is a domain, its model. Rules can run on it any number of times. */
export interface ParsedDocument {
  doc: XmlDocument;
  isDomain: boolean;
  model?: DomainModel;
}

export function parseDomainDocument(text: string): ParsedDocument {
  const doc = parseXml(text);
  if (!doc.root) return { doc, isDomain: firstElementName(text) === 'domain' };
  const model = buildDomainModel(doc);
  return { doc, isDomain: !!model, model };
}

export function runRules(parsed: ParsedDocument, hosts: HostIndex[] = [], peers: PeerDomain[] = []): Analysis {
  const { doc, isDomain, model } = parsed;
  if (!isDomain) return { doc, isDomain, findings: [] };
  const findings = xmlFindings(doc);
  if (model) {
    const ctx = { doc, model, hosts, peers };
    for (const rule of DOMAIN_RULES) findings.push(...rule(ctx));
    findings.sort((a, b) => a.start - b.start || a.end - b.end);
  }
  return { doc, isDomain, model, findings };
}

export function analyzeDocument(text: string, hosts: HostIndex[] = [], peers: PeerDomain[] = []): Analysis {
  return runRules(parseDomainDocument(text), hosts, peers);
}
