/** Parse → model → rules, for one document and one host group. Pure: no I/O, no LSP. */
import { buildDomainModel, DomainModel } from './domain/model';
import type { HostIndex } from './inventory/resolver';
import { DOMAIN_RULES } from './rules';
import type { Finding } from './rules/types';
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

export function analyzeDocument(text: string, hosts: HostIndex[] = []): Analysis {
  const doc = parseXml(text);
  if (!doc.root) {
    const isDomain = firstElementName(text) === 'domain';
    return { doc, isDomain, findings: isDomain ? xmlFindings(doc) : [] };
  }
  const model = buildDomainModel(doc);
  if (!model) return { doc, isDomain: false, findings: [] };
  const findings = xmlFindings(doc);
  const ctx = { doc, model, hosts };
  for (const rule of DOMAIN_RULES) findings.push(...rule(ctx));
  findings.sort((a, b) => a.start - b.start || a.end - b.end);
  return { doc, isDomain: true, model, findings };
}
