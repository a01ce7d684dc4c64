/** Offset <-> LSP position (0-based line, UTF-16 character) for one text. */
export interface Position {
  line: number;
  character: number;
}

export class LineIndex {
  private readonly lineStarts: number[];

  constructor(private readonly text: string) {
    const starts = [0];
    // Line ends found natively (indexOf), not character by character: a large document's table is
    // built once per analysis, mostly in a cold process. CR is looked for only when the text has one.
    let cr = text.indexOf('\r');
    for (let lf = text.indexOf('\n'); lf >= 0 || cr >= 0;) {
      if (cr >= 0 && (lf < 0 || cr < lf)) {
        // CR alone, or CR LF: one line end either way.
        const end = text.charCodeAt(cr + 1) === 10 ? cr + 2 : cr + 1;
        starts.push(end);
        if (end === cr + 2) lf = text.indexOf('\n', end);
        cr = text.indexOf('\r', end);
      } else {
        starts.push(lf + 1);
        lf = text.indexOf('\n', lf + 1);
      }
    }
    this.lineStarts = starts;
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  positionAt(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: o - this.lineStarts[lo] };
  }

  offsetAt(pos: Position): number {
    if (pos.line < 0) return 0;
    if (pos.line >= this.lineStarts.length) return this.text.length;
    const start = this.lineStarts[pos.line];
    const next = pos.line + 1 < this.lineStarts.length ? this.lineStarts[pos.line + 1] : this.text.length;
    return Math.min(start + Math.max(0, pos.character), next);
  }

  /** 1-based line/column (as XML validators report them) to an offset. */
  offsetAtLineCol(line1: number, col1: number): number {
    return this.offsetAt({ line: line1 - 1, character: col1 - 1 });
  }
}
