/**
 * Diagnostics kept while a document is briefly not well-formed: the findings last published for
 * its well-formed text, carried over to the new text where it is unchanged. The change is taken as
 * one region (the common prefix and suffix of the old and new text): a range entirely before it
 * keeps its offsets, one entirely after it moves by the difference in length, one touching it is
 * dropped (what it pointed at may be gone). Related places in the same document are mapped the same
 * way (dropped when they touch the change); places in other documents are kept as they are.
 */
import type { Diagnostic, Position, Range } from 'vscode-languageserver';

/** Offsets of the start of every line (after `\n`, `\r\n` or a lone `\r`, as LSP counts lines). */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 13 /* \r */) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    } else if (c === 10 /* \n */) starts.push(i + 1);
  }
  return starts;
}

class Lines {
  private readonly starts: number[];
  constructor(private readonly text: string) {
    this.starts = lineStarts(text);
  }

  offsetAt(p: Position): number {
    if (p.line >= this.starts.length) return this.text.length;
    const start = this.starts[Math.max(0, p.line)];
    const end = p.line + 1 < this.starts.length ? this.starts[p.line + 1] : this.text.length;
    return Math.min(start + Math.max(0, p.character), end);
  }

  positionAt(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: o - this.starts[lo] };
  }
}

/** The changed region: `[start, oldEnd)` in the old text became `[start, oldEnd + delta)` in the new one. */
export interface Change {
  start: number;
  oldEnd: number;
  delta: number;
}

export function changeBetween(oldText: string, newText: string): Change {
  const max = Math.min(oldText.length, newText.length);
  let p = 0;
  while (p < max && oldText.charCodeAt(p) === newText.charCodeAt(p)) p++;
  let s = 0;
  while (s < max - p && oldText.charCodeAt(oldText.length - 1 - s) === newText.charCodeAt(newText.length - 1 - s)) s++;
  return { start: p, oldEnd: oldText.length - s, delta: newText.length - oldText.length };
}

/** Where `[start, end)` of the old text is in the new one, or undefined when it touches the change. */
export function mapSpan(c: Change, start: number, end: number): [number, number] | undefined {
  if (end <= c.start) return [start, end];
  if (start >= c.oldEnd) return [start + c.delta, end + c.delta];
  return undefined;
}

/**
 * `diagnostics`, published for `oldText` of the document `uri`, mapped onto `newText`: those of
 * unchanged regions, shifted; the others dropped.
 */
export function keptDiagnostics(oldText: string, diagnostics: readonly Diagnostic[], newText: string, uri: string): Diagnostic[] {
  if (!diagnostics.length) return [];
  const c = changeBetween(oldText, newText);
  const before = new Lines(oldText);
  const after = new Lines(newText);
  const map = (r: Range): Range | undefined => {
    const span = mapSpan(c, before.offsetAt(r.start), before.offsetAt(r.end));
    return span && { start: after.positionAt(span[0]), end: after.positionAt(span[1]) };
  };
  const out: Diagnostic[] = [];
  for (const d of diagnostics) {
    const range = map(d.range);
    if (!range) continue;
    const kept: Diagnostic = { ...d, range };
    if (d.relatedInformation) {
      kept.relatedInformation = d.relatedInformation.flatMap((r) => {
        if (r.location.uri !== uri) return [r];
        const at = map(r.location.range);
        return at ? [{ ...r, location: { uri, range: at } }] : [];
      });
    }
    out.push(kept);
  }
  return out;
}
