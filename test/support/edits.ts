import type { TextEdit } from 'vscode-languageserver';

/** Applies LSP text edits to a text (edits do not overlap). */
export function applyLspEdits(text: string, edits: TextEdit[]): string {
  const lines = text.split('\n');
  const off = (l: number, c: number) => lines.slice(0, l).reduce((n, s) => n + s.length + 1, 0) + c;
  const sorted = edits
    .map((e) => ({ s: off(e.range.start.line, e.range.start.character), e: off(e.range.end.line, e.range.end.character), t: e.newText }))
    .sort((a, b) => b.s - a.s);
  let out = text;
  for (const e of sorted) out = out.slice(0, e.s) + e.t + out.slice(e.e);
  return out;
}
