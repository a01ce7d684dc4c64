/** Parse → model → rules, for one document and one host group. Pure: no I/O, no LSP. */
import { buildDomainModel, DiskModel, DomainModel } from './domain/model';
import { parseDomainXml } from './domain/parsedDomain';
import { buildPoolModel, PoolModel } from './domain/poolModel';
import type { HostIndex } from './inventory/resolver';
import { DOMAIN_RULES } from './rules';
import { applyDirectives, scanDirectives } from './rules/directives';
import { POOL_RULES } from './rules/poolRules';
import type { Finding, PeerDomain } from './rules/types';
import { xmlFindings } from './rules/xmlWellFormed';
import { finding } from './rules/finding';
import { LineIndex } from './xml/lineIndex';
import { child, parseXml, XmlDocument, type XmlSyntaxError } from './xml/parse';
import { documentKind, firstElementName, type DocumentKind } from './xml/rootElement';
import {
  readTemplate,
  TEMPLATE_SYNTAX_NAMES,
  TEMPLATE_TAG_NAMES,
  tolerantDomainDocument,
  touchesTemplate,
  type TemplateRead,
  type TemplateSyntax,
  type TemplateTag,
} from './xml/template';

/** What the rules need of a schema validator (schema/validator.ts's SchemaValidator, or a view of it). */
export interface SchemaCheck {
  validate(doc: XmlDocument): Finding[];
}

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
  /** Set when the document was read as a template (xml/template.ts): its syntax. */
  template?: { syntax: TemplateSyntax };
}

/** A parsed document: the XML and, when it is a domain or a pool, its model. Rules can run on it any number of times. */
export interface ParsedDocument {
  doc: XmlDocument;
  isDomain: boolean;
  kind?: DocumentKind;
  /** For a template, the disks of all its branches (values that hold a template tag have no path). */
  model?: DomainModel;
  pool?: PoolModel;
  /** Set when the text has template syntax: what the rules run on. */
  template?: TemplateDocument;
}

/** A template read as XML: each variant (one branch of every conditional block kept) parsed. */
export interface TemplateDocument {
  read: TemplateRead;
  variants: TemplateVariant[];
  /** The first variant's XML error when some variant was read element by element (the masked XML is not well-formed). */
  tolerant?: XmlSyntaxError;
}

interface TemplateVariant {
  doc: XmlDocument;
  model?: DomainModel;
  pool?: PoolModel;
}

/** Parses a document and builds the model its root asks for (`<domain>` or `<pool>`; other XML gets none). */
export function parseDomainDocument(text: string): ParsedDocument {
  const read = readTemplate(text);
  if (read) return parseTemplate(read);
  const { doc, model } = parseDomainXml(text);
  if (!doc.root) {
    const kind = documentKind(firstElementName(text));
    return { doc, isDomain: kind === 'domain', kind };
  }
  if (model) return { doc, isDomain: true, kind: 'domain', model };
  const pool = buildPoolModel(doc);
  return pool ? { doc, isDomain: false, kind: 'pool', pool } : { doc, isDomain: false };
}

/** A value span that holds a template tag: never judged. */
function touches(tags: readonly TemplateTag[], r: { start: number; end: number } | undefined): boolean {
  return !!r && touchesTemplate(tags, r.start, r.end);
}

/** The model without the values that hold a template tag (a placeholder is not a path, a name or a UUID). */
function literalModel(model: DomainModel, doc: XmlDocument, tags: readonly TemplateTag[]): DomainModel {
  const content = (name: string) => {
    const el = doc.root && child(doc.root, name);
    return el && { start: el.contentStart, end: el.contentEnd };
  };
  const disk = (d: DiskModel): DiskModel => {
    const volume = d.volumeRef && (touches(tags, d.volumeRef) || touches(tags, d.volumeRef.pool));
    // `file=` is judged against the disk's type (source-type-mismatch, reported on the type).
    const file = touches(tags, d.source.file);
    if (!touches(tags, d.hostPath) && !volume && !file) return d;
    const { volumeRef, ...rest } = d;
    const { file: _file, ...source } = d.source;
    return {
      ...rest,
      source: file ? source : d.source,
      hostPath: touches(tags, d.hostPath) ? undefined : d.hostPath,
      ...(volumeRef && !volume ? { volumeRef } : {}),
    };
  };
  return {
    ...model,
    name: touches(tags, content('name')) ? undefined : model.name,
    uuid: touches(tags, content('uuid')) ? undefined : model.uuid,
    disks: model.disks.map(disk),
    ...(model.blkiotune ? { blkiotune: model.blkiotune.map(disk) } : {}),
  };
}

/**
 * The disks of every variant in document order, each once: one element is one disk unless its branches
 * give it different sources (then one per source, so hover and links find each branch's path).
 */
function unionBySpan<T extends { start: number; end: number; hostPath?: { start: number }; volumeRef?: { start: number } }>(
  lists: (T[] | undefined)[],
): T[] {
  const seen = new Map<string, T>();
  for (const l of lists)
    for (const x of l ?? []) {
      const key = `${x.start}:${x.end}:${x.hostPath?.start ?? ''}:${x.volumeRef?.start ?? ''}`;
      if (!seen.has(key)) seen.set(key, x);
    }
  return [...seen.values()].sort((a, b) => a.start - b.start || a.end - b.end || (a.hostPath?.start ?? 0) - (b.hostPath?.start ?? 0));
}

/** Reads a template: each variant parsed (element by element where it is not well-formed XML), and one model of all branches. */
function parseTemplate(read: TemplateRead): ParsedDocument {
  const tags = read.tags;
  let tolerant: XmlSyntaxError | undefined;
  const variants = read.variants.map((text): TemplateVariant => {
    let doc = parseXml(text);
    if (!doc.root && doc.error) {
      const loose = tolerantDomainDocument(text, doc.error);
      if (!loose) return { doc };
      tolerant ??= doc.error;
      doc = loose;
    }
    const model = buildDomainModel(doc);
    if (model) return { doc, model: literalModel(model, doc, tags) };
    const pool = buildPoolModel(doc);
    return pool ? { doc, pool } : { doc };
  });
  const first = variants.find((v) => v.model || v.pool);
  const models = variants.flatMap((v) => (v.model ? [v.model] : []));
  const model: DomainModel | undefined = models.length
    ? {
        ...models[0],
        disks: unionBySpan(models.map((m) => m.disks)),
        blkiotune: unionBySpan(models.map((m) => m.blkiotune)),
        scsiHostdevs: unionBySpan(models.map((m) => m.scsiHostdevs)),
      }
    : undefined;
  // One document for the whole text (masked: every branch), with the first readable variant's tree.
  const masked = read.masked;
  let lines: LineIndex | undefined;
  const doc = {
    text: masked,
    ...(first?.doc.root ? { root: first.doc.root } : {}),
    ...(first?.doc.doctype ? { doctype: first.doc.doctype } : {}),
  } as XmlDocument;
  Object.defineProperty(doc, 'lines', { get: () => (lines ??= new LineIndex(masked)), enumerable: true });
  const kind: DocumentKind | undefined = model ? 'domain' : first?.pool ? 'pool' : documentKind(firstElementName(masked));
  const template: TemplateDocument = { read, variants, ...(tolerant ? { tolerant } : {}) };
  return { doc, isDomain: kind === 'domain', kind, model, pool: first?.pool, template };
}

/** The finding that says how a template was read (a hint on its first line). */
function templateNote(t: TemplateDocument, doc: XmlDocument): Finding {
  const { syntax, variants, branching, truncated } = t.read;
  const firstLine = /^[^\r\n]*/.exec(doc.text)![0].length;
  const name = TEMPLATE_SYNTAX_NAMES[syntax];
  let message = `Read as ${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name} template: its ${TEMPLATE_TAG_NAMES[syntax]} tags are masked, and a value that holds one is not judged.`;
  if (branching)
    message += ` Each branch of its ${branching} conditional block${branching > 1 ? 's' : ''} is judged (${variants.length} combination${variants.length > 1 ? 's' : ''} read${truncated ? '; not all branches: too many' : ''}).`;
  if (t.tolerant)
    message += ` With its tags masked the XML is not well-formed (line ${t.tolerant.line}: ${t.tolerant.message}), so its <disk>, <hostdev>, <blkiotune>, <name> and <uuid> elements were read one by one.`;
  return finding('read-as-template', { message, start: 0, end: firstLine });
}

/**
 * A template's findings: the rules on every variant, each finding once, none on (and no fix or related
 * place touching) a template tag; no well-formedness error (the rendered text is what libvirt reads)
 * and no schema; the note first.
 */
function runTemplateRules(parsed: ParsedDocument, t: TemplateDocument, hosts: HostIndex[], peers: PeerDomain[]): Analysis {
  const { doc, kind, model, pool } = parsed;
  const tags = t.read.tags;
  // The template's document has no XML error: only a DOCTYPE is reported here.
  const all: Finding[] = xmlFindings(doc);
  for (const v of t.variants) {
    if (kind === 'domain' && v.model) {
      const ctx = { doc: v.doc, model: v.model, hosts, peers };
      for (const rule of DOMAIN_RULES) all.push(...rule(ctx));
    } else if (kind === 'pool' && v.pool) {
      const ctx = { doc: v.doc, pool: v.pool, hosts };
      for (const rule of POOL_RULES) all.push(...rule(ctx));
    }
  }
  const seen = new Set<string>();
  const findings: Finding[] = [];
  for (const f of all) {
    const key = `${f.code}:${f.start}:${f.end}`;
    if (seen.has(key) || touches(tags, f)) continue;
    seen.add(key);
    const fixes = f.fixes.filter((x) => !x.edits.some((e) => touches(tags, e)));
    const related = f.related?.filter((r) => !touches(tags, r));
    findings.push({ ...f, fixes, ...(related ? { related } : {}) });
  }
  findings.sort((a, b) => a.start - b.start || a.end - b.end);
  findings.unshift(templateNote(t, doc));
  const rulesRan = t.variants.some((v) => v.model || v.pool);
  return {
    doc,
    isDomain: kind === 'domain',
    kind,
    model,
    pool,
    findings: withDirectives(doc, findings, rulesRan, hosts.length, false),
    template: { syntax: t.read.syntax },
  };
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
export function runRules(parsed: ParsedDocument, hosts: HostIndex[] = [], peers: PeerDomain[] = [], schema?: SchemaCheck): Analysis {
  const { doc, isDomain, model, kind, pool } = parsed;
  if (parsed.template && kind) return runTemplateRules(parsed, parsed.template, hosts, peers);
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

export function analyzeDocument(text: string, hosts: HostIndex[] = [], peers: PeerDomain[] = [], schema?: SchemaCheck): Analysis {
  return runRules(parseDomainDocument(text), hosts, peers, schema);
}
