import { CodeAction, CodeActionKind, Diagnostic, TextEdit as LspTextEdit } from 'vscode-languageserver';
import { FIX_ALL_KIND } from '../protocol';
import { preferredEdits } from '../rules/applyFixes';
import type { Finding, TextEdit } from '../rules/types';
import type { LineIndex } from '../xml/lineIndex';

export function toLspEdits(lines: LineIndex, edits: TextEdit[]): LspTextEdit[] {
  return edits.map((e) => ({ range: { start: lines.positionAt(e.start), end: lines.positionAt(e.end) }, newText: e.newText }));
}

/**
 * Quick fixes returned per request at most. Each value offers a bounded few (MAX_FIXES), but a range over
 * a whole document of many findings must not produce thousands of actions.
 */
export const MAX_QUICK_FIXES = 100;

function overlaps(f: Finding, start: number, end: number): boolean {
  return f.start <= end && start <= f.end;
}

/**
 * Quick fixes for findings touching [start, end], and a source.fixAll action for the document.
 * `findings` may come from an earlier analysis as long as their spans still hold the same text.
 */
export function codeActions(
  uri: string,
  lines: LineIndex,
  findings: Finding[],
  start: number,
  end: number,
  only: string[] | undefined,
  toDiagnostic: (f: Finding) => Diagnostic | undefined,
): CodeAction[] {
  const wants = (kind: string) => !only || only.some((o) => kind === o || kind.startsWith(o + '.'));
  const out: CodeAction[] = [];
  if (wants(CodeActionKind.QuickFix)) {
    // Several findings on one value offer the same replacements: one action each, carrying every diagnostic it fixes.
    const byEdit = new Map<string, CodeAction>();
    for (const f of findings) {
      if (out.length >= MAX_QUICK_FIXES) break;
      if (!overlaps(f, start, end)) continue;
      const diag = toDiagnostic(f);
      for (const fix of f.fixes) {
        const key = JSON.stringify(fix.edits);
        const seen = byEdit.get(key);
        if (seen) {
          if (diag) (seen.diagnostics ??= []).push(diag);
          seen.isPreferred ||= fix.preferred;
          continue;
        }
        const action: CodeAction = {
          title: fix.title,
          kind: CodeActionKind.QuickFix,
          diagnostics: diag ? [diag] : undefined,
          isPreferred: fix.preferred,
          edit: { changes: { [uri]: toLspEdits(lines, fix.edits) } },
        };
        byEdit.set(key, action);
        out.push(action);
        if (out.length >= MAX_QUICK_FIXES) break;
      }
    }
  }
  if (wants(FIX_ALL_KIND)) {
    const edits = preferredEdits(findings);
    if (edits.length) {
      out.push({
        title: `Fix all unstable disk sources (${edits.length})`,
        kind: FIX_ALL_KIND,
        edit: { changes: { [uri]: toLspEdits(lines, edits) } },
      });
    }
  }
  return out;
}
