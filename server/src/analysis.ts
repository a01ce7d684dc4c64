/** Parse → model → rules, for one document and one host group. Pure: no I/O, no LSP. */
import { buildDomainModel, DomainModel } from './domain/model';
import { buildPoolModel, PoolModel } from './domain/poolModel';
import type { HostIndex } from './inventory/resolver';
import { DOMAIN_RULES } from './rules';
import { POOL_RULES } from './rules/poolRules';
import type { Finding, PeerDomain } from './rules/types';
import { xmlFindings } from './rules/xmlWellFormed';
import { parseXml, XmlDocument } from './xml/parse';
import type { SchemaValidator } from './schema/validator';

/** The documents that are linted, by root element: libvirt domains and storage pool definitions. */
export type DocumentKind = 'domain' | 'pool';

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

/** The kind of document a root element name makes (undefined: not linted). */
export function documentKind(rootName: string | undefined): DocumentKind | undefined {
  return rootName === 'domain' ? 'domain' : rootName === 'pool' ? 'pool' : undefined;
}

/**
 * The name of the first element, read past the prolog (used when the XML does not parse).
 * A linear scan: hostile input (thousands of unterminated `<?` or `<!DOCTYPE`) must not make it quadratic.
 */
export function firstElementName(text: string): string | undefined {
  let i = 0;
  const n = Math.min(text.length, 1 << 20);
  while (i < n) {
    const lt = text.indexOf('<', i);
    if (lt < 0 || lt >= n) return undefined;
    const skipTo = (close: string): number => {
      const e = text.indexOf(close, lt + 2);
      return e < 0 ? n : e + close.length;
    };
    if (text.startsWith('<!--', lt)) i = skipTo('-->');
    else if (text.startsWith('<?', lt)) i = skipTo('?>');
    else if (text.startsWith('<!', lt)) {
      // A declaration: to its '>' outside an internal subset.
      let j = lt + 2;
      let depth = 0;
      for (; j < n; j++) {
        const c = text[j];
        if (c === '[') depth++;
        else if (c === ']') depth = Math.max(0, depth - 1);
        else if (c === '>' && depth === 0) break;
      }
      i = j + 1;
    } else {
      const m = /^[A-Za-z_][\w.:-]*/.exec(text.slice(lt + 1, lt + 257));
      return m ? m[0] : undefined;
    }
  }
  return undefined;
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

/** The rules, and the schema when a validator is given (the editor's and the CLI's one path). */
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
    return { doc, isDomain, kind, pool, findings };
  }
  if (!isDomain) return { doc, isDomain, findings: [] };
  const findings = xmlFindings(doc);
  if (model) {
    const ctx = { doc, model, hosts, peers };
    for (const rule of DOMAIN_RULES) findings.push(...rule(ctx));
    if (schema) findings.push(...schema.validate(doc));
    findings.sort((a, b) => a.start - b.start || a.end - b.end);
  }
  return { doc, isDomain, kind: 'domain', model, findings };
}

export function analyzeDocument(text: string, hosts: HostIndex[] = [], peers: PeerDomain[] = [], schema?: SchemaValidator): Analysis {
  return runRules(parseDomainDocument(text), hosts, peers, schema);
}
