import type { XmlAttribute, XmlElement } from './element';
import { LineIndex } from './lineIndex';
import { parseWellFormed } from './wellFormed';

export type { XmlAttribute, XmlElement } from './element';

export interface XmlSyntaxError {
  message: string;
  offset: number;
  line: number; // 1-based, as the validator reports it
  column: number;
}

export interface XmlDocument {
  text: string;
  lines: LineIndex;
  root?: XmlElement;
  error?: XmlSyntaxError;
  /** Span of a `<!DOCTYPE …>` declaration in the prolog; it is never expanded. */
  doctype?: { start: number; end: number };
}

/** The end (just past '>') of the DOCTYPE declaration starting at `i`, or -1 when it is not terminated. */
function doctypeEnd(text: string, i: number): number {
  const n = text.length;
  let depth = 0;
  let quote = '';
  for (let j = i + 9; j < n; j++) {
    const d = text[j];
    if (quote) {
      if (d === quote) quote = '';
      continue;
    }
    // Comments and processing instructions inside the internal subset may hold quotes of their own.
    if (depth > 0 && d === '<' && text.startsWith('<!--', j)) {
      const e = text.indexOf('-->', j + 4);
      if (e < 0) return -1;
      j = e + 2;
      continue;
    }
    if (depth > 0 && d === '<' && text.startsWith('<?', j)) {
      const e = text.indexOf('?>', j + 2);
      if (e < 0) return -1;
      j = e + 1;
      continue;
    }
    if (d === '"' || d === "'") quote = d;
    else if (d === '[') depth++;
    else if (d === ']') depth = Math.max(0, depth - 1);
    else if (d === '>' && depth === 0) return j + 1;
  }
  return -1;
}

export interface DoctypeScan {
  /** Every DOCTYPE declaration outside comments, CDATA sections and processing instructions. */
  spans: { start: number; end: number }[];
  /** Offset of the first one that is not in the prolog (after the root element started), if any. */
  misplaced?: number;
  unterminated?: number;
}

/** Finds DOCTYPE declarations in one linear pass (never expanded, only located). */
export function scanDoctypes(text: string): DoctypeScan {
  const scan: DoctypeScan = { spans: [] };
  if (text.indexOf('<!DOCTYPE') < 0) return scan;
  let rootSeen = false;
  let i = text.indexOf('<');
  while (i >= 0 && i < text.length) {
    let next = i + 1;
    if (text.startsWith('<!--', i)) next = (text.indexOf('-->', i + 4) + 1 || text.length) + 2;
    else if (text.startsWith('<![CDATA[', i)) next = (text.indexOf(']]>', i + 9) + 1 || text.length) + 2;
    else if (text.startsWith('<?', i)) next = (text.indexOf('?>', i + 2) + 1 || text.length) + 1;
    else if (text.startsWith('<!DOCTYPE', i)) {
      const end = doctypeEnd(text, i);
      if (end < 0) {
        scan.unterminated = i;
        return scan;
      }
      scan.spans.push({ start: i, end });
      if (rootSeen && scan.misplaced === undefined) scan.misplaced = i;
      next = end;
    } else if (/[A-Za-z_]/.test(text[i + 1] ?? '')) rootSeen = true;
    i = text.indexOf('<', next);
  }
  return scan;
}

/**
 * Parses XML with positions, in one pass that judges well-formedness as libxml2 (and so libvirt)
 * judges it, on the text as written, and builds the tree of a well-formed document. A DOCTYPE is
 * only located (recorded), never expanded.
 */
export function parseXml(text: string): XmlDocument {
  // The line table is built on first use: pure analysis needs offsets only.
  let lineIndex: LineIndex | undefined;
  const doc = { text } as XmlDocument;
  Object.defineProperty(doc, 'lines', { get: () => (lineIndex ??= new LineIndex(text)), enumerable: true });
  const dts = scanDoctypes(text);
  if (dts.unterminated !== undefined) doc.doctype = { start: dts.unterminated, end: text.length };
  else if (dts.spans.length) doc.doctype = dts.misplaced !== undefined ? dts.spans.find((x) => x.start === dts.misplaced)! : dts.spans[0];
  const { root, error } = parseWellFormed(text);
  if (error) {
    const p = doc.lines.positionAt(error.offset);
    doc.error = { message: error.message, offset: error.offset, line: p.line + 1, column: p.character + 1 };
  } else if (root) doc.root = root;
  return doc;
}

export function attr(el: XmlElement, name: string): XmlAttribute | undefined {
  for (const a of el.attributes) if (a.name === name) return a;
  return undefined;
}

export function child(el: XmlElement, name: string): XmlElement | undefined {
  for (const c of el.children) if (c.name === name) return c;
  return undefined;
}

export function childrenNamed(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}
