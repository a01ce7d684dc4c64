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
export interface Libxml {
  XmlDocument: { fromString(source: string, options?: { url?: string }): LibxmlDoc };
  RelaxNGValidator: { fromDoc(rng: LibxmlDoc): { validate(doc: LibxmlDoc): void; dispose(): void } };
  xmlRegisterFsInputProviders(): boolean;
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
    const lib = { ...index, xmlRegisterFsInputProviders: node.xmlRegisterFsInputProviders } as unknown as Libxml;
    lib.xmlRegisterFsInputProviders(); // <include href="…"/> in the schema reads the neighbouring .rng files
    return lib;
  })();
  return loading;
}
