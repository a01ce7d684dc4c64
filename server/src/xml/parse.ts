import { XMLParser } from 'fast-xml-parser';
import { decodeXmlEntities } from './entities';
import { LineIndex } from './lineIndex';
import { checkWellFormed } from './wellFormed';

/** An attribute with the exact offsets of its value (inside the quotes). */
export interface XmlAttribute {
  name: string;
  /** The value as written, entities not expanded. */
  raw: string;
  /** The value with predefined entities and character references decoded. */
  value: string;
  nameStart: number;
  valueStart: number;
  valueEnd: number;
  quote: '"' | "'";
}

export interface XmlElement {
  readonly name: string;
  /** Offset of `<` of the start tag. */
  readonly start: number;
  /** Offset just past the end tag (or past `/>`). */
  readonly end: number;
  /** Offset just past the `>` of the start tag. */
  readonly startTagEnd: number;
  /** Content span (empty for a self-closing element). */
  readonly contentStart: number;
  readonly contentEnd: number;
  readonly attributes: XmlAttribute[];
  children: XmlElement[];
  /** Direct text content, entities as written. */
  text: string;
}

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

const parser = new XMLParser({
  preserveOrder: true,
  captureMetaData: true,
  ignoreAttributes: false,
  processEntities: false,
  htmlEntities: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  allowBooleanAttributes: true,
});
const META = XMLParser.getMetaDataSymbol() as unknown as symbol;

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

interface DoctypeScan {
  /** Every DOCTYPE declaration outside comments, CDATA sections and processing instructions. */
  spans: { start: number; end: number }[];
  /** Offset of the first one that is not in the prolog (after the root element started), if any. */
  misplaced?: number;
  unterminated?: number;
}

/** Finds DOCTYPE declarations in one linear pass (never expanded, only located). */
function scanDoctypes(text: string): DoctypeScan {
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

/** Replaces a span with spaces, keeping line breaks, so offsets stay valid. */
function blank(text: string, start: number, end: number): string {
  return text.slice(0, start) + text.slice(start, end).replace(/[^\r\n]/g, ' ') + text.slice(end);
}

function scanStartTag(text: string, start: number, name: string): { startTagEnd: number; attributes: XmlAttribute[] } {
  let quote = '';
  let j = start + 1 + name.length;
  const n = text.length;
  for (; j < n; j++) {
    const c = text[j];
    if (quote) {
      if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '>') break;
  }
  const startTagEnd = Math.min(j + 1, n);
  const attributes: XmlAttribute[] = [];
  // name = "value" | name = 'value', scanned by hand: a regex backtracks quadratically on a huge
  // attribute name without '=' (a fuzzer found it).
  let k = start + 1 + name.length;
  const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;
  while (k < j) {
    while (k < j && isSpace(text.charCodeAt(k))) k++;
    const nameStart = k;
    while (k < j) {
      const c = text.charCodeAt(k);
      if (isSpace(c) || c === 61 || c === 47 || c === 62) break; // space = / >
      k++;
    }
    const attrName = text.slice(nameStart, k);
    let p = k;
    while (p < j && isSpace(text.charCodeAt(p))) p++;
    if (!attrName || text.charCodeAt(p) !== 61) {
      k = Math.max(p, nameStart + 1); // a boolean attribute or stray character: move on
      continue;
    }
    p++;
    while (p < j && isSpace(text.charCodeAt(p))) p++;
    const q = text[p];
    if (q !== '"' && q !== "'") {
      k = p + 1;
      continue;
    }
    const close = text.indexOf(q, p + 1);
    if (close < 0 || close > j) break;
    const raw = text.slice(p + 1, close);
    attributes.push({ name: attrName, raw, value: decodeXmlEntities(raw), nameStart, valueStart: p + 1, valueEnd: close, quote: q });
    k = close + 1;
  }
  return { startTagEnd, attributes };
}

type FxpNode = Record<string, unknown>;

/**
 * An element with positions. The start tag is scanned for attributes only when they are asked for:
 * most elements (drivers, addresses, …) are never looked at by the rules.
 */
class PositionedElement implements XmlElement {
  children: XmlElement[] = [];
  text = '';
  private scanned?: { startTagEnd: number; attributes: XmlAttribute[] };

  constructor(
    readonly name: string,
    readonly start: number,
    readonly end: number,
    private readonly source: string,
  ) {}

  private scan() {
    return (this.scanned ??= scanStartTag(this.source, this.start, this.name));
  }

  get attributes(): XmlAttribute[] {
    return this.scan().attributes;
  }

  get startTagEnd(): number {
    return this.scan().startTagEnd;
  }

  get contentStart(): number {
    return this.startTagEnd;
  }

  get contentEnd(): number {
    const ste = this.startTagEnd;
    if (this.source.charCodeAt(ste - 2) === 47) return ste; // self-closing '/>'
    const close = this.source.lastIndexOf('</', this.end - 1);
    return close >= ste ? close : ste;
  }
}

function buildElement(text: string, node: FxpNode, name: string): XmlElement {
  const meta = (node as Record<symbol, { startIndex: number; endIndex: number } | undefined>)[META];
  return new PositionedElement(name, meta?.startIndex ?? 0, meta?.endIndex ?? text.length, text);
}

const NON_SPACE = /\S/;

function elementName(node: FxpNode): string | undefined {
  for (const k in node) if (k !== ':@') return k; // no key array per node
  return undefined;
}

/** Converts fast-xml-parser's ordered output into positioned elements, iteratively (deep documents must not overflow the stack). */
function toElements(text: string, nodes: FxpNode[]): XmlElement | undefined {
  let root: XmlElement | undefined;
  for (const node of nodes) {
    const name = elementName(node);
    if (!name || name.startsWith('?') || name.startsWith('#')) continue;
    root = buildElement(text, node, name);
    const stack: Array<[XmlElement, FxpNode[]]> = [[root, node[name] as FxpNode[]]];
    while (stack.length) {
      const [el, kids] = stack.pop()!;
      if (!Array.isArray(kids)) continue;
      for (const kid of kids) {
        const kn = elementName(kid);
        if (!kn) continue;
        if (kn === '#text') {
          // Indentation between child elements is most of the text nodes: not worth concatenating.
          const t = String(kid[kn] ?? '');
          if (NON_SPACE.test(t)) el.text += t;
          continue;
        }
        if (kn.startsWith('?') || kn.startsWith('#')) continue;
        const child = buildElement(text, kid, kn);
        el.children.push(child);
        stack.push([child, kid[kn] as FxpNode[]]);
      }
    }
    break;
  }
  return root;
}

/**
 * Parses XML with positions. Checks well-formedness first (parse alone accepts mis-nested tags);
 * a DOCTYPE in the prolog is recorded and blanked out so no entity is ever declared or expanded.
 */
export function parseXml(text: string): XmlDocument {
  // The line table is built on first use: pure analysis needs offsets only.
  let lineIndex: LineIndex | undefined;
  const doc = { text } as XmlDocument;
  Object.defineProperty(doc, 'lines', { get: () => (lineIndex ??= new LineIndex(text)), enumerable: true });
  let input = text;
  const dts = scanDoctypes(text);
  if (dts.unterminated !== undefined) doc.doctype = { start: dts.unterminated, end: text.length };
  else if (dts.spans.length) {
    doc.doctype = dts.misplaced !== undefined ? dts.spans.find((x) => x.start === dts.misplaced)! : dts.spans[0];
    for (const sp of dts.spans) input = blank(input, sp.start, sp.end);
  }
  // Well-formedness is judged as libxml2 (and so libvirt) judges it, on the text as written.
  const wf = checkWellFormed(text);
  if (wf) {
    const p = doc.lines.positionAt(wf.offset);
    doc.error = { message: wf.message, offset: wf.offset, line: p.line + 1, column: p.character + 1 };
    return doc;
  }
  try {
    doc.root = toElements(input, parser.parse(input) as FxpNode[]);
  } catch (e) {
    doc.error = { message: `XML could not be parsed: ${(e as Error).message}`, offset: 0, line: 1, column: 1 };
  }
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
