/**
 * Loads libxml2-wasm (an ES module with top-level await) from a CommonJS bundle: from a copy next
 * to the bundle (dist/libxml2-wasm, made by scripts/build.mjs) or from node_modules.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** An element or attribute node of a parsed document (the few members used here). */
export interface LibxmlNode {
  readonly name: string;
  readonly namespaceUri?: string;
  /** An attribute's value. */
  readonly value?: string;
}
export interface LibxmlDoc {
  dispose(): void;
  /** The root element (a parsed document always has one). */
  readonly root: LibxmlNode;
  /** The nodes an XPath selects; `namespaces` maps the prefixes it uses. */
  find(xpath: string, namespaces?: Record<string, string>): LibxmlNode[];
}
export interface LibxmlValidateError extends Error {
  details?: { message: string; line: number; col: number; xpath?: string }[];
}
/** A pointer into libxml2's memory (a document, a node, an attribute, a context); 0 is null. */
export type Ptr = number;

/**
 * libxml2's own functions, as libxml2-wasm's internal module exports them: used by the schema
 * validator to parse a document once and validate it (and variants of it, edited in place) without
 * the wrapper objects and exceptions the public API creates per call.
 */
export interface LibxmlRaw {
  xmlNewParserCtxt(): Ptr;
  xmlFreeParserCtxt(ctxt: Ptr): void;
  xmlCtxtSetErrorHandler(ctxt: Ptr, handler: Ptr, data: Ptr): void;
  /** Copies `bytes` into libxml2's memory and parses them. */
  xmlReadMemory(ctxt: Ptr, bytes: Uint8Array, url: string | null, encoding: string | null, options: number): Ptr;
  xmlFreeDoc(doc: Ptr): void;
  xmlDocGetRootElement(doc: Ptr): Ptr;
  xmlRelaxNGNewValidCtxt(schema: Ptr): Ptr;
  xmlRelaxNGFreeValidCtxt(ctxt: Ptr): void;
  xmlRelaxNGSetValidStructuredErrors(ctxt: Ptr, handler: Ptr, data: Ptr): void;
  xmlRelaxNGValidateDoc(ctxt: Ptr, doc: Ptr): number;
  xmlUnlinkNode(node: Ptr): void;
  xmlAddChild(parent: Ptr, node: Ptr): Ptr;
  xmlAddPrevSibling(next: Ptr, node: Ptr): Ptr;
  xmlAddNextSibling(prev: Ptr, node: Ptr): Ptr;
  xmlRemoveProp(attr: Ptr): number;
  xmlSetNsProp(node: Ptr, ns: Ptr, name: string, value: string): Ptr;
  xmlNodeGetContent(node: Ptr): string;
  xmlGetNodePath(node: Ptr): string | null;
  addFunction(fn: (...args: number[]) => void, signature: string): Ptr;
  XmlTreeCommonStruct: Record<'type' | 'children' | 'next' | 'parent', (p: Ptr) => number> & { name_(p: Ptr): string };
  XmlNodeStruct: { properties(p: Ptr): Ptr };
  XmlNamedNodeStruct: { namespace(p: Ptr): Ptr };
  XmlErrorStruct: { message(e: Ptr): string; level(e: Ptr): number; line(e: Ptr): number; node(e: Ptr): Ptr };
}

export interface Libxml {
  XmlDocument: { fromString(source: string, options?: { url?: string }): LibxmlDoc };
  RelaxNGValidator: { fromDoc(rng: LibxmlDoc): { validate(doc: LibxmlDoc): void; dispose(): void } };
  xmlRegisterFsInputProviders(): boolean;
  raw: LibxmlRaw;
}

let loading: Promise<Libxml> | undefined;

// A real dynamic import that the bundler leaves alone (the module is ESM with top-level await).
const importEsm = new Function('url', 'return import(url)') as (url: string) => Promise<Record<string, unknown>>;

function moduleDir(): string {
  const beside = join(__dirname, 'libxml2-wasm');
  if (existsSync(join(beside, 'index.mjs'))) return beside;
  // Not bundled (ESM with top-level await): resolved at run time from node_modules.
  return join(createRequire(__filename).resolve('libxml2-wasm/package.json'), '..', 'lib');
}

export function loadLibxml(): Promise<Libxml> {
  loading ??= (async () => {
    const dir = moduleDir();
    const index = await importEsm(pathToFileURL(join(dir, 'index.mjs')).href);
    const node = await importEsm(pathToFileURL(join(dir, 'nodejs.mjs')).href);
    // The same module instance index.mjs uses (one wasm memory): its pointers are valid here.
    const raw = (await importEsm(pathToFileURL(join(dir, 'libxml2.mjs')).href)) as unknown as LibxmlRaw;
    const lib = { ...index, xmlRegisterFsInputProviders: node.xmlRegisterFsInputProviders, raw } as unknown as Libxml;
    lib.xmlRegisterFsInputProviders(); // <include href="…"/> in the schema reads the neighbouring .rng files
    return lib;
  })();
  return loading;
}
