/** Parse → model → rules, for one document and one host group. Pure: no I/O, no LSP. */
import { buildDomainModel, DomainModel } from './domain/model';
import { buildPoolModel, PoolModel } from './domain/poolModel';
import type { HostIndex } from './inventory/resolver';
import { DOMAIN_RULES } from './rules';
import { applyDirectives, scanDirectives } from './rules/directives';
import { POOL_RULES } from './rules/poolRules';
import type { Finding, PeerDomain } from './rules/types';
import { xmlFindings } from './rules/xmlWellFormed';
import { parseXml, XmlDocument } from './xml/parse';
import { documentKind, firstElementName, type DocumentKind } from './xml/rootElement';

import type { SchemaValidator } from './schema/validator';

export interface Analysis {
  doc: XmlDocument;
  /** Whether the document is a libvirt domain (root `<domain>`; for broken XML, its first tag). */
  isDomain: boolean;
  /** What the document is, by its root (for broken XML, its first tag); undefined for other XML, which is not linted. */
  kind?: DocumentKind;
  model?: DomainModel;
  /** The storage pool model, for a well-formed `<pool>` document. */
  pool?: PoolModel;
  findings: Finding[];
}

/** A parsed document: the XML and, when it is a domain or a pool, its model. Rules can run on it any number of times. */
export interface ParsedDocument {
  doc: XmlDocument;
  isDomain: boolean;
  kind?: DocumentKind;
  model?: DomainModel;
  pool?: PoolModel;
}

/** Parses a document and builds the model its root asks for (`<domain>` or `<pool>`; other XML gets none). */
export function parseDomainDocument(text: string): ParsedDocument {
  const doc = parseXml(text);
  if (!doc.root) {
    const kind = documentKind(firstElementName(text));
    return { doc, isDomain: kind === 'domain', kind };
  }
  const model = buildDomainModel(doc);
  if (model) return { doc, isDomain: true, kind: 'domain', model };
  const pool = buildPoolModel(doc);
  return pool ? { doc, isDomain: false, kind: 'pool', pool } : { doc, isDomain: false };
}

/** The same, under the name that says what it does now. */
export const parseDocument = parseDomainDocument;

/**
 * The document's disable directives applied to its findings (rules/directives.ts): silenced findings
 * dropped, unused directives reported, each finding given its "ignore on this line" edit.
 */
function withDirectives(doc: XmlDocument, findings: Finding[], rulesRan: boolean, hosts: number, schema: boolean): Finding[] {
  if (doc.text.indexOf('<!--') < 0 && !findings.length) return findings;
  const scan = scanDirectives(doc.text, doc.lines, doc.doctype);
  return applyDirectives(doc.text, doc.lines, findings, scan, { rulesRan, hosts, schema });
}

/**
 * The rules, and the schema when a validator is given (the editor's and the CLI's one path), then the
 * document's disable directives.
 */
export function runRules(parsed: ParsedDocument, hosts: HostIndex[] = [], peers: PeerDomain[] = [], schema?: SchemaValidator): Analysis {
  const { doc, isDomain, model, kind, pool } = parsed;
  if (kind === 'pool') {
    // libvirt's pool schema (storagepool.rng) is not used: the validator is keyed on domain.rng.
    const findings = xmlFindings(doc);
    if (pool) {
      const ctx = { doc, pool, hosts };
      for (const rule of POOL_RULES) findings.push(...rule(ctx));
      findings.sort((a, b) => a.start - b.start || a.end - b.end);
    }
    // Pools are never schema-validated.
    return { doc, isDomain, kind, pool, findings: withDirectives(doc, findings, !!pool, hosts.length, false) };
  }
  if (!isDomain) return { doc, isDomain, findings: [] };
  const findings = xmlFindings(doc);
  if (model) {
    const ctx = { doc, model, hosts, peers };
    for (const rule of DOMAIN_RULES) findings.push(...rule(ctx));
    if (schema) findings.push(...schema.validate(doc));
    findings.sort((a, b) => a.start - b.start || a.end - b.end);
  }
  return { doc, isDomain, kind: 'domain', model, findings: withDirectives(doc, findings, !!model, hosts.length, !!schema) };
}

export function analyzeDocument(text: string, hosts: HostIndex[] = [], peers: PeerDomain[] = [], schema?: SchemaValidator): Analysis {
  return runRules(parseDomainDocument(text), hosts, peers, schema);
}
