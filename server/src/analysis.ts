/** Parse → model → rules, for one document and one host group. Pure: no I/O, no LSP. */
import { buildDomainModel, DomainModel } from './domain/model';
import type { HostIndex } from './inventory/resolver';
import { DOMAIN_RULES } from './rules';
import type { Finding, PeerDomain } from './rules/types';
import { xmlFindings } from './rules/xmlWellFormed';
import { parseXml, XmlDocument } from './xml/parse';
import type { SchemaValidator } from './schema/validator';

export interface Analysis {
  doc: XmlDocument;
  /** Whether the document is a libvirt domain (root `<domain>`; for broken XML, its first tag). */
  isDomain: boolean;
  model?: DomainModel;
  findings: Finding[];
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

/** The rules, and the schema when a validator is given (the editor's and the CLI's one path). */
export function runRules(parsed: ParsedDocument, hosts: HostIndex[] = [], peers: PeerDomain[] = [], schema?: SchemaValidator): Analysis {
  const { doc, isDomain, model } = parsed;
  if (!isDomain) return { doc, isDomain, findings: [] };
  const findings = xmlFindings(doc);
  if (model) {
    const ctx = { doc, model, hosts, peers };
    for (const rule of DOMAIN_RULES) findings.push(...rule(ctx));
    if (schema) findings.push(...schema.validate(doc));
    findings.sort((a, b) => a.start - b.start || a.end - b.end);
  }
  return { doc, isDomain, model, findings };
}

export function analyzeDocument(text: string, hosts: HostIndex[] = [], peers: PeerDomain[] = [], schema?: SchemaValidator): Analysis {
  return runRules(parseDomainDocument(text), hosts, peers, schema);
}
