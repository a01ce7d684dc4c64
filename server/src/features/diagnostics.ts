import { Diagnostic, DiagnosticSeverity, DiagnosticTag } from 'vscode-languageserver';
import type { Analysis } from '../analysis';
import { cap, terminalText } from '../encode';
import type { LineIndex } from '../xml/lineIndex';
import { codeAnchor, FindingCode } from '../rules/codes';
import type { Finding, Severity } from '../rules/types';

export const DIAGNOSTIC_SOURCE = 'libvirt-domain';

const LSP_SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export type SeverityOverrides = Partial<Record<FindingCode, Severity | 'off'>>;

export function effectiveSeverity(f: Finding, overrides?: SeverityOverrides): Severity | 'off' {
  return overrides?.[f.code] ?? f.severity;
}

/** `uri`: the document's, for related information pointing into it. */
export function findingToDiagnostic(
  analysis: Analysis,
  f: Finding,
  docsUri: string | undefined,
  overrides?: SeverityOverrides,
  uri?: string,
): Diagnostic | undefined {
  return findingDiagnostic(analysis.doc.lines, f, docsUri, overrides, uri);
}

/** The same from the document's lines alone (the fleet audit's findings come without an analysis). */
export function findingDiagnostic(
  lines: LineIndex,
  f: Finding,
  docsUri: string | undefined,
  overrides?: SeverityOverrides,
  uri?: string,
): Diagnostic | undefined {
  const sev = effectiveSeverity(f, overrides);
  if (sev === 'off') return undefined;
  const d: Diagnostic = {
    range: { start: lines.positionAt(f.start), end: lines.positionAt(f.end) },
    severity: LSP_SEVERITY[sev],
    code: f.code,
    source: DIAGNOSTIC_SOURCE,
    // Plain text in the Problems panel: a line break or control character from a host or a document
    // must not start a forged line; bounded like hovers.
    message: terminalText(cap(f.message, 4096)),
  };
  if (f.related?.length && uri) {
    d.relatedInformation = f.related.map((r) => ({
      location: { uri, range: { start: lines.positionAt(r.start), end: lines.positionAt(r.end) } },
      message: terminalText(cap(r.message, 1024)),
    }));
  }
  if (f.elsewhere?.length) {
    d.relatedInformation = [
      ...(d.relatedInformation ?? []),
      ...f.elsewhere.map((r) => ({ location: { uri: r.uri, range: r.range }, message: terminalText(cap(r.message, 1024)) })),
    ];
  }
  // An unused disable directive is shown faded, as editors show unused code.
  if (f.code === 'unused-disable') d.tags = [DiagnosticTag.Unnecessary];
  if (docsUri) d.codeDescription = { href: `${docsUri}#${codeAnchor(f.code)}` };
  return d;
}

export function diagnostics(analysis: Analysis, docsUri: string | undefined, overrides?: SeverityOverrides, uri?: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const f of analysis.findings) {
    const d = findingToDiagnostic(analysis, f, docsUri, overrides, uri);
    if (d) out.push(d);
  }
  return out;
}
