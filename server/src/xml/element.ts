/**
 * The positioned element tree: what the parse (xml/wellFormed.ts, one pass) builds and the rules read.
 * Attributes are scanned from the start tag only when asked for.
 */
import { decodeXmlEntities } from './entities';

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

export function scanStartTag(text: string, start: number, name: string): { startTagEnd: number; attributes: XmlAttribute[] } {
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

/**
 * One attribute of a start tag already judged well-formed: whitespace, a name, '=', a quoted value
 * (the judgement guarantees the shape, so one native match reads it; scanStartTag reads any text).
 * A name never holds '/' or '>', so no match reaches past the tag into the content that follows
 * (text such as `x ='y'` there is not an attribute).
 */
const WELL_FORMED_ATTRIBUTE = /[\t\n\r ]+([^\t\n\r =/>]+)[\t\n\r ]*=[\t\n\r ]*(?:"([^"]*)"|'([^']*)')/y;

function wellFormedAttributes(text: string, start: number, name: string): XmlAttribute[] {
  const attributes: XmlAttribute[] = [];
  WELL_FORMED_ATTRIBUTE.lastIndex = start + 1 + name.length;
  for (let m; (m = WELL_FORMED_ATTRIBUTE.exec(text));) {
    const double = m[2] !== undefined;
    const raw = double ? m[2] : m[3];
    const valueEnd = WELL_FORMED_ATTRIBUTE.lastIndex - 1;
    attributes.push({
      name: m[1],
      raw,
      value: decodeXmlEntities(raw),
      nameStart: m.index + m[0].indexOf(m[1]),
      valueStart: valueEnd - raw.length,
      valueEnd,
      quote: double ? '"' : "'",
    });
  }
  return attributes;
}

/** The children of an element that has none (shared: only the parse adds children, and it replaces this). */
export const NO_CHILDREN: XmlElement[] = Object.freeze([]) as unknown as XmlElement[];

/**
 * An element with positions, built by the well-formedness pass as it reads the start tag (its end is
 * set at its end tag). The start tag is scanned for attributes only when they are asked for: most
 * elements (drivers, addresses, …) are never looked at by the rules.
 */
export class PositionedElement implements XmlElement {
  children: XmlElement[] = NO_CHILDREN;
  text = '';
  /** Offset just past the end tag (or past `/>`); set when the element is closed. */
  end: number;
  private attrs?: XmlAttribute[];

  constructor(
    readonly name: string,
    readonly start: number,
    readonly startTagEnd: number,
    private readonly source: string,
  ) {
    this.end = startTagEnd;
  }

  get attributes(): XmlAttribute[] {
    return (this.attrs ??= wellFormedAttributes(this.source, this.start, this.name));
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
