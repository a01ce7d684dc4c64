import type { Finding, TextEdit } from './types';

/**
 * The preferred fix of every finding, as non-overlapping edits (first wins on overlap). A value that
 * is not the same disk on every host of the group (an `inconsistent-across-hosts` finding without a
 * preferred fix of its own) is never rewritten here, whatever another finding on it prefers: which
 * host's LUN was meant is the author's call, so fix-all and --fix leave it alone.
 */
export function preferredEdits(findings: Finding[]): TextEdit[] {
  const held: { start: number; end: number }[] = [];
  for (const f of findings) {
    if (f.code === 'inconsistent-across-hosts' && !f.fixes.some((x) => x.preferred)) held.push({ start: f.start, end: f.end });
  }
  // Sorted by start with a running maximum of ends: an edit overlaps a held span iff, among the spans
  // starting before its end, the furthest end lies past its start (a binary search per edit).
  held.sort((a, b) => a.start - b.start);
  const maxEnd: number[] = [];
  for (const h of held) maxEnd.push(Math.max(h.end, maxEnd.length ? maxEnd[maxEnd.length - 1] : -1));
  const isHeld = (e: TextEdit) => {
    let lo = 0;
    let hi = held.length; // first span with start >= e.end
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (held[mid].start < e.end) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 && maxEnd[lo - 1] > e.start;
  };
  const edits: TextEdit[] = [];
  for (const f of findings) {
    const fix = f.fixes.find((x) => x.preferred);
    if (!fix) continue;
    if (held.length && fix.edits.some(isHeld)) continue;
    edits.push(...fix.edits);
  }
  edits.sort((a, b) => a.start - b.start || a.end - b.end);
  const out: TextEdit[] = [];
  let lastEnd = -1;
  for (const e of edits) {
    if (e.start < lastEnd) continue;
    out.push(e);
    lastEnd = e.end;
  }
  return out;
}

/** Applies non-overlapping edits; every byte outside the edited spans is kept. */
export function applyEdits(text: string, edits: TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => a.start - b.start);
  let out = '';
  let pos = 0;
  for (const e of sorted) {
    if (e.start < pos) throw new Error('overlapping edits');
    out += text.slice(pos, e.start) + e.newText;
    pos = e.end;
  }
  return out + text.slice(pos);
}
