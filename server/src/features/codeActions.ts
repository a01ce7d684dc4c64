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

/** The quick-fix menu's copy of the source.fixAll action, offered where a fixable finding is and fix-all does more than one edit. */
export const FIX_ALL_QUICK_FIX_TITLE = 'Fix all unstable disk sources in this file';

/**
 * Quick fixes for findings touching [start, end] (their fixes, then "Ignore CODE on this line", then,
 * where there are at least two edits to make, fix-all), and a source.fixAll action for the document.
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
    // No "ignore" while the document is broken: its findings (and their edits' places) are the last good version's.
    const ignores: { f: Finding; diag?: Diagnostic }[] = [];
    const broken = findings.some((f) => f.code === 'xml-not-well-formed');
    let fixable = false;
    for (const f of findings) {
      if (out.length >= MAX_QUICK_FIXES) break;
      if (!overlaps(f, start, end)) continue;
      const diag = toDiagnostic(f);
      if (f.ignore && !broken) ignores.push({ f, diag });
      fixable ||= f.fixes.some((x) => x.preferred);
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
    for (const { f, diag } of ignores) {
      if (out.length >= MAX_QUICK_FIXES) break;
      const edit = f.ignore!;
      const key = JSON.stringify([edit]);
      const seen = byEdit.get(key);
      if (seen) {
        if (diag) (seen.diagnostics ??= []).push(diag);
        continue;
      }
      // The code is a fixed identifier from CODES: the title and the inserted comment never hold document text.
      const action: CodeAction = {
        title: `Ignore ${f.code} on this line`,
        kind: CodeActionKind.QuickFix,
        diagnostics: diag ? [diag] : undefined,
        isPreferred: false,
        edit: { changes: { [uri]: toLspEdits(lines, [edit]) } },
      };
      byEdit.set(key, action);
      out.push(action);
    }
    if (fixable) {
      const edits = preferredEdits(findings);
      if (edits.length > 1) {
        out.push({
          title: FIX_ALL_QUICK_FIX_TITLE,
          kind: CodeActionKind.QuickFix,
          isPreferred: false,
          edit: { changes: { [uri]: toLspEdits(lines, edits) } },
        });
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
