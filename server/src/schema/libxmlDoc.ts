/**
 * A document parsed once into libxml2's memory and validated there, as often as the localisation
 * needs, with parts of it removed, emptied, moved or given another attribute value in place (each
 * edit undone before the next): no re-parse, no serialisation, no wrapper objects or exceptions per
 * validation.
 */
import type { LibxmlRaw, Ptr } from './libxml';

const ELEMENT = 1;

/** One libxml2 diagnostic: its message (trimmed), its line (0 when unknown), the node it names (0 when none), its level (2 and above: an error). */
export interface LibxmlDiag {
  message: string;
  line: number;
  node: Ptr;
  level: number;
}

/** libxml2 reports errors through one C callback per process; this is where they go while collected. */
let sink: LibxmlDiag[] | undefined;
let sinkRaw: LibxmlRaw | undefined;
const handlers = new WeakMap<LibxmlRaw, Ptr>();

function handler(raw: LibxmlRaw): Ptr {
  let h = handlers.get(raw);
  if (h === undefined) {
    h = raw.addFunction((_data: number, err: number) => {
      // Trials only need the verdict: their messages are not even read from memory.
      if (!sink || !sinkRaw) return;
      const e = sinkRaw.XmlErrorStruct;
      sink.push({ message: e.message(err).trim(), line: e.line(err), node: e.node(err), level: e.level(err) });
    }, 'vii');
    handlers.set(raw, h);
  }
  return h;
}

/** The parsed document, or why libxml2 could not parse it. */
export type Opened = { doc: LibxmlDoc } | { error: string };

export class LibxmlDoc {
  private constructor(
    private readonly raw: LibxmlRaw,
    private readonly schema: Ptr,
    readonly ptr: Ptr,
  ) {}

  /** Parses `text` (UTF-8, as libxml2-wasm's fromString does) into libxml2's memory. */
  static open(raw: LibxmlRaw, schema: Ptr, text: string): Opened {
    const ctxt = raw.xmlNewParserCtxt();
    const diags: LibxmlDiag[] = [];
    sink = diags;
    sinkRaw = raw;
    let ptr: Ptr;
    try {
      raw.xmlCtxtSetErrorHandler(ctxt, handler(raw), 0);
      ptr = raw.xmlReadMemory(ctxt, Buffer.from(text, 'utf8'), null, null, 0);
    } finally {
      sink = undefined;
      raw.xmlFreeParserCtxt(ctxt);
    }
    // Warnings (level 1) leave a usable document; errors do not.
    const fatal = diags.filter((d) => d.level >= 2);
    if (!ptr || fatal.length) {
      if (ptr) raw.xmlFreeDoc(ptr);
      return { error: fatal.map((d) => d.message).join('\n') || 'libxml2 could not parse it' };
    }
    return { doc: new LibxmlDoc(raw, schema, ptr) };
  }

  /** libxml2's diagnostics for the document as it now is ([] when valid). */
  diagnostics(): LibxmlDiag[] {
    const diags: LibxmlDiag[] = [];
    const ret = this.run(diags);
    if (ret !== 0 && !diags.length) diags.push({ message: ret < 0 ? 'internal error' : 'not valid', line: 0, node: 0, level: 2 });
    return diags;
  }

  /** Whether the document as it now is validates. */
  valid(): boolean {
    return this.run(undefined) === 0;
  }

  private run(diags: LibxmlDiag[] | undefined): number {
    const r = this.raw;
    const ctxt = r.xmlRelaxNGNewValidCtxt(this.schema);
    sink = diags;
    sinkRaw = r;
    try {
      // A handler is always set: without one libxml2 would print to stderr.
      r.xmlRelaxNGSetValidStructuredErrors(ctxt, handler(r), 0);
      return r.xmlRelaxNGValidateDoc(ctxt, this.ptr);
    } finally {
      sink = undefined;
      r.xmlRelaxNGFreeValidCtxt(ctxt);
    }
  }

  root(): Ptr {
    return this.raw.xmlDocGetRootElement(this.ptr);
  }

  elementChildren(el: Ptr): Ptr[] {
    const s = this.raw.XmlTreeCommonStruct;
    const out: Ptr[] = [];
    for (let c = s.children(el); c; c = s.next(c)) if (s.type(c) === ELEMENT) out.push(c);
    return out;
  }

  /** Every child node of `el` (elements, text, comments, …). */
  allChildren(el: Ptr): Ptr[] {
    const s = this.raw.XmlTreeCommonStruct;
    const out: Ptr[] = [];
    for (let c = s.children(el); c; c = s.next(c)) out.push(c);
    return out;
  }

  attributes(el: Ptr): Ptr[] {
    const out: Ptr[] = [];
    for (let a = this.raw.XmlNodeStruct.properties(el); a; a = this.raw.XmlTreeCommonStruct.next(a)) out.push(a);
    return out;
  }

  name(node: Ptr): string {
    return this.raw.XmlTreeCommonStruct.name_(node);
  }

  parent(node: Ptr): Ptr {
    return this.raw.XmlTreeCommonStruct.parent(node);
  }

  isElement(node: Ptr): boolean {
    return this.raw.XmlTreeCommonStruct.type(node) === ELEMENT;
  }

  path(node: Ptr): string | undefined {
    return this.raw.xmlGetNodePath(node) ?? undefined;
  }

  /** Takes `node` out of the tree; the returned function puts it back where it was. */
  detach(node: Ptr): () => void {
    const r = this.raw;
    const parent = r.XmlTreeCommonStruct.parent(node);
    const next = r.XmlTreeCommonStruct.next(node);
    r.xmlUnlinkNode(node);
    return () => {
      if (next) r.xmlAddPrevSibling(next, node);
      else r.xmlAddChild(parent, node);
    };
  }

  /** Moves `node` right after `prev` (or first in its parent when `prev` is 0); the returned function undoes it. */
  moveAfter(node: Ptr, prev: Ptr): () => void {
    const r = this.raw;
    const parent = r.XmlTreeCommonStruct.parent(node);
    const back = this.detach(node);
    if (prev) r.xmlAddNextSibling(prev, node);
    else {
      const first = r.XmlTreeCommonStruct.children(parent);
      if (first) r.xmlAddPrevSibling(first, node);
      else r.xmlAddChild(parent, node);
    }
    return () => {
      r.xmlUnlinkNode(node);
      back();
    };
  }

  /**
   * Sets (or, with `value` undefined, removes) attribute `attr` of `el`; the returned function
   * restores the old value and hands back the attribute's pointer from then on (a removed attribute
   * comes back as a new node, at the end of the list: their order means nothing to RelaxNG).
   */
  setAttribute(el: Ptr, attr: Ptr, value: string | undefined): () => Ptr {
    const r = this.raw;
    const ns = r.XmlNamedNodeStruct.namespace(attr);
    const name = r.XmlTreeCommonStruct.name_(attr);
    const old = r.xmlNodeGetContent(attr);
    if (value === undefined) r.xmlRemoveProp(attr);
    else r.xmlSetNsProp(el, ns, name, value);
    return () => r.xmlSetNsProp(el, ns, name, old);
  }

  /** Frees the document: no pointer into it may be used afterwards. */
  dispose(): void {
    this.raw.xmlFreeDoc(this.ptr);
  }
}
