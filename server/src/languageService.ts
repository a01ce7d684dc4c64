/**
 * The language service: one object answering diagnostics, hover and code actions for a document,
 * with one analysis per (text, host group) reused by every request. No LSP connection here.
 */
import {
  DiagnosticSeverity,
  type CodeAction,
  type CodeLens,
  type CompletionList,
  type Diagnostic,
  type DocumentLink,
  type DocumentSymbol,
  type Hover,
  type InlayHint,
  type Position,
  type Range,
  type TextEdit,
} from 'vscode-languageserver';
import { completion } from './features/completion';
import { preferredEdits } from './rules/applyFixes';
import { Analysis, analyzeDocument, type SchemaCheck } from './analysis';
import type { DiskModel } from './domain/model';
import { poolAsDisks } from './domain/poolModel';
import { codeActions, toLspEdits } from './features/codeActions';
import { diagnostics, findingToDiagnostic, SeverityOverrides } from './features/diagnostics';
import { hoverForPath } from './features/hover';
import { codeLenses, type LensInput } from './features/codeLens';
import { poolReferenceAt } from './features/definition';
import { documentLinks } from './features/documentLinks';
import { inlayHints } from './features/inlayHints';
import { documentSymbols } from './features/symbols';
import { diskDrift } from './domain/compare';
import { isHostDocumentUri } from './hostDocument';
import type { HostIndex } from './inventory/resolver';
import { hostDomainOf } from './rules/differsFromHost';
import type { Finding, PeerDomain } from './rules/types';

export interface DocumentInput {
  uri: string;
  text: string;
}

export interface LanguageServiceOptions {
  /** The host group a document is checked against. */
  hostsFor(uri: string): HostIndex[];
  /** The schema validator for a document, when one is loaded (see schema/validator.ts). */
  schemaFor?(uri: string): SchemaCheck | undefined;
  /** Other domain definitions (open or workspace documents) that may share LUNs; `version` changes when they do. */
  peersFor?(uri: string): { version: number; peers: PeerDomain[] };
  /** Base URI of the findings documentation (README); diagnostics link to `#<code>`. */
  docsUri?: string;
  severityOverrides?(): SeverityOverrides | undefined;
}

interface Entry {
  text: string;
  hosts: HostIndex[];
  peersVersion: number;
  schema: SchemaCheck | undefined;
  analysis: Analysis;
}

/** The host paths of an analysis that hover and stale fixes work with: a domain's disks, a pool's source devices. */
function valueDisks(a: Analysis): DiskModel[] | undefined {
  if (a.model) return a.model.disks;
  if (a.pool) return poolAsDisks(a.pool);
  return undefined;
}

function sameHosts(a: HostIndex[], b: HostIndex[]): boolean {
  return a.length === b.length && a.every((h, i) => h === b[i]);
}

/** Whether `text` still holds, at [start, end), what `old` held there. */
function spanUnchanged(old: string, text: string, start: number, end: number): boolean {
  return end <= text.length && text.slice(start, end) === old.slice(start, end);
}

export class LanguageService {
  private readonly current = new Map<string, Entry>();
  private readonly lastGood = new Map<string, Entry>();

  constructor(private readonly options: LanguageServiceOptions) {}

  analyze(doc: DocumentInput): Analysis {
    const hosts = this.options.hostsFor(doc.uri);
    const peers = this.options.peersFor?.(doc.uri) ?? { version: 0, peers: [] };
    const schema = this.options.schemaFor?.(doc.uri);
    const cached = this.current.get(doc.uri);
    if (
      cached &&
      cached.text === doc.text &&
      cached.peersVersion === peers.version &&
      cached.schema === schema &&
      sameHosts(cached.hosts, hosts)
    )
      return cached.analysis;
    const analysis = analyzeDocument(doc.text, hosts, peers.peers, schema);
    const entry = { text: doc.text, hosts, peersVersion: peers.version, schema, analysis };
    this.current.set(doc.uri, entry);
    if (analysis.model || analysis.pool) this.lastGood.set(doc.uri, entry);
    return analysis;
  }

  forget(uri: string): void {
    this.current.delete(uri);
    this.lastGood.delete(uri);
  }

  diagnostics(doc: DocumentInput): Diagnostic[] {
    const a = this.analyze(doc);
    if (!a.kind) return [];
    return diagnostics(a, this.options.docsUri, this.options.severityOverrides?.(), doc.uri);
  }

  /** Disks and findings usable for `doc`: from its analysis, or from the last good parse where the text there is unchanged. */
  private usable(doc: DocumentInput): { disks: DiskModel[]; findings: Finding[]; analysis: Analysis } {
    const a = this.analyze(doc);
    const own = valueDisks(a);
    if (own) return { disks: own, findings: a.findings, analysis: a };
    const good = this.lastGood.get(doc.uri);
    const goodDisks = good && good.analysis.kind === a.kind ? valueDisks(good.analysis) : undefined;
    if (!a.kind || !good || !goodDisks) return { disks: [], findings: a.findings, analysis: a };
    const old = good.text;
    const disks = goodDisks.filter((d) => d.hostPath && spanUnchanged(old, doc.text, d.hostPath.start, d.hostPath.end));
    const stale = good.analysis.findings.filter(
      (f) => f.fixes.length > 0 && f.fixes.every((x) => x.edits.every((e) => spanUnchanged(old, doc.text, e.start, e.end))),
    );
    return { disks, findings: [...a.findings, ...stale], analysis: a };
  }

  hover(doc: DocumentInput, position: Position): Hover | null {
    const { disks, analysis } = this.usable(doc);
    const offset = analysis.doc.lines.offsetAt(position);
    const disk = disks.find((d) => d.hostPath && d.hostPath.start <= offset && offset <= d.hostPath.end);
    if (!disk?.hostPath) return null;
    const peers = this.options.peersFor?.(doc.uri).peers ?? [];
    return hoverForPath(disk.hostPath, this.options.hostsFor(doc.uri), analysis.doc.lines, peers, analysis.model?.name);
  }

  completion(doc: DocumentInput, position: Position): CompletionList {
    const a = this.analyze(doc);
    if (!a.isDomain) return { isIncomplete: false, items: [] };
    return completion({
      text: doc.text,
      offset: a.doc.lines.offsetAt(position),
      lines: a.doc.lines,
      hosts: this.options.hostsFor(doc.uri),
      model: a.model ?? this.lastGood.get(doc.uri)?.analysis.model,
      peers: this.options.peersFor?.(doc.uri).peers ?? [],
    });
  }

  /** The preferred fix of every finding in the document, as LSP edits (empty when there is nothing to fix). */
  fixAllEdits(doc: DocumentInput): TextEdit[] {
    const a = this.analyze(doc);
    return a.kind ? toLspEdits(a.doc.lines, preferredEdits(a.findings)) : [];
  }

  codeActions(doc: DocumentInput, range: Range, only?: string[]): CodeAction[] {
    const { findings, analysis } = this.usable(doc);
    const lines = analysis.doc.lines;
    const overrides = this.options.severityOverrides?.();
    return codeActions(doc.uri, lines, findings, lines.offsetAt(range.start), lines.offsetAt(range.end), only, (f) =>
      findingToDiagnostic(analysis, f, this.options.docsUri, overrides, doc.uri),
    );
  }

  // ---- the LSP surface: outline, inlay hints, code lens, links, definition (features/*) ----

  documentSymbols(doc: DocumentInput): DocumentSymbol[] {
    return documentSymbols(this.analyze(doc));
  }

  /** What each disk source in `range` resolves to on the document's hosts. */
  inlayHints(doc: DocumentInput, range: Range): InlayHint[] {
    const { disks, analysis } = this.usable(doc);
    const lines = analysis.doc.lines;
    return inlayHints(disks, this.options.hostsFor(doc.uri), lines, lines.offsetAt(range.start), lines.offsetAt(range.end));
  }

  /**
   * The lens on the root element: `hosts` etc. from the server's state; counts, fixability and the hosts
   * to compare with (where `differs-from-host` is reported; not for a host's own definition) from the analysis.
   */
  codeLenses(doc: DocumentInput, context: Omit<LensInput, 'uri' | 'range' | 'errors' | 'warnings' | 'fixable' | 'compare'>): CodeLens[] {
    const a = this.analyze(doc);
    const root = a.doc.root;
    if (!a.kind || !root) return [];
    const diags = this.diagnostics(doc);
    const model = a.model;
    const compare =
      model && !isHostDocumentUri(doc.uri) && diags.some((d) => d.code === 'differs-from-host')
        ? this.options.hostsFor(doc.uri).flatMap((h) => {
            const d = Array.isArray(h.snapshot.domains) ? hostDomainOf(model, h.snapshot.domains) : undefined;
            // Only where the host's definition is known (it is what the diff editor shows).
            return d?.xml !== undefined && diskDrift(model, d).length ? [{ host: h.host, name: d.name }] : [];
          })
        : [];
    return codeLenses({
      compare,
      ...context,
      uri: doc.uri,
      range: { start: a.doc.lines.positionAt(root.start), end: a.doc.lines.positionAt(root.startTagEnd) },
      errors: diags.filter((d) => d.severity === DiagnosticSeverity.Error).length,
      warnings: diags.filter((d) => d.severity === DiagnosticSeverity.Warning).length,
      fixable: this.fixAllEdits(doc).length > 0,
    });
  }

  documentLinks(doc: DocumentInput): DocumentLink[] {
    const { disks, analysis } = this.usable(doc);
    return documentLinks(disks, this.options.hostsFor(doc.uri), analysis.doc.lines);
  }

  /** The storage pool a `<source pool>` value at `position` names (Go to Definition looks it up). */
  poolReferenceAt(doc: DocumentInput, position: Position): string | undefined {
    return poolReferenceAt(this.analyze(doc), position);
  }
}
