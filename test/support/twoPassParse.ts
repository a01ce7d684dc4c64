/**
 * The former parse, kept as the oracle of the one-pass parse (server/src/xml/parse.ts): the
 * well-formedness check alone, then fast-xml-parser over the text with any DOCTYPE blanked out,
 * converted to positioned elements. Tests compare the two over the corpus, injected defects and
 * crafted documents.
 */
import { XMLParser } from 'fast-xml-parser';
import { scanStartTag, type XmlAttribute, type XmlElement } from '../../server/src/xml/element';
import { LineIndex } from '../../server/src/xml/lineIndex';
import { scanDoctypes, type XmlDocument } from '../../server/src/xml/parse';
import { checkWellFormed } from '../../server/src/xml/wellFormed';

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

/** Replaces a span with spaces, keeping line breaks, so offsets stay valid. */
function blank(text: string, start: number, end: number): string {
  return text.slice(0, start) + text.slice(start, end).replace(/[^\r\n]/g, ' ') + text.slice(end);
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
export function parseXmlTwoPass(text: string): XmlDocument {
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
