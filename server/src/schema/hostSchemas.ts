/**
 * The domain schema of the libvirt a host runs: fetched over the same ssh transport as the inventory
 * (a second read-only script), checked to be RelaxNG grammars that libxml2 compiles, and cached by
 * content:
 *
 *   <cache>/by-hash/<sha256>/*.rng     the files, in a directory named by the hash of their names and contents
 *   <cache>/hosts/<host>-<id>.json     per host, its last good fetch: { host, version, sha256, fetchedAt }
 *
 * A schema is the host's own: a libvirt version names no schema (a host may serve doctored files
 * for a version another host serves genuinely), so nothing is looked up by version, a snapshot never
 * uses a fetched schema, and a host whose copy changed gets its new copy on the next fetch.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { InventoryError } from '../inventory/errors';
import { fetchCollectorOutput, TransportOptions } from '../inventory/transport';
import { readFileBounded } from '../safeRead';
import { Libxml, loadLibxml } from './libxml';
import {
  hostSchemaLabel,
  MAX_SCHEMA_FILES,
  SCHEMA_FILE_NAME,
  schemaDirHash,
  schemaFilesHash,
  schemaLabelText,
  SchemaSource,
  schemaValidator,
} from './validator';
import script from './schemas.sh';

export const SCHEMA_SCRIPT: string = script;

export const RELAXNG_NS = 'http://relaxng.org/ns/structure/1.0';
/** One .rng file (libvirt's largest, domaincommon.rng, is about 230 KB). */
export const MAX_SCHEMA_FILE_BYTES = 4 * 1024 * 1024;
/** The whole fetch (all files of a host). */
const MAX_FETCH_BYTES = 16 * 1024 * 1024;

export function defaultSchemaCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'libvirt-domain-xml', 'schemas');
}

/** A host's schema: its files in the cache, checked and compiled. */
export interface HostSchema {
  host: string;
  version: string;
  /** The content hash (see schemaFilesHash); the cache directory is named by it. */
  sha256: string;
  dir: string;
  /** For validation: the label names host, version and hash prefix. */
  source: SchemaSource;
  /** The hash of the host's previous fetch, when this fetch brought different files. */
  previous?: string;
}

/** The cache directory of the files hashing to `sha256`. */
export function schemaHashDir(cacheDir: string, sha256: string): string {
  return join(cacheDir, 'by-hash', sha256);
}

/** The per-host pointer file: a readable part of the name plus a hash of the whole (no two hosts share one). */
export function hostPointerPath(cacheDir: string, host: string): string {
  const id = createHash('sha256').update(host, 'utf8').digest('hex').slice(0, 16);
  return join(cacheDir, 'hosts', `${host.replace(/[^\w.@-]/g, '_').slice(0, 64)}-${id}.json`);
}

interface HostPointer {
  host: string;
  version: string;
  sha256: string;
  fetchedAt: string;
}

function readPointer(cacheDir: string, host: string): HostPointer | undefined {
  try {
    const p = JSON.parse(
      readFileBounded(hostPointerPath(cacheDir, host), { maxBytes: 64 * 1024 }).data.toString('utf8'),
    ) as Partial<HostPointer>;
    if (p.host !== host || typeof p.version !== 'string' || typeof p.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(p.sha256))
      return undefined;
    return { host, version: p.version, sha256: p.sha256, fetchedAt: String(p.fetchedAt ?? '') };
  } catch {
    return undefined;
  }
}

function writeAtomic(path: string, dir: string, text: string): void {
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** A host's schema that is not used: one line naming the host and why. */
export class SchemaRefusedError extends InventoryError {
  constructor(host: string, reason: string) {
    super(host, 'unparseable', `${schemaLabelText(host, 80)}: schema refused: ${reason}; the host's documents are not checked against it`);
    this.name = 'SchemaRefusedError';
  }
}

/** libxml2's first line about a text, one line and capped (it may quote the text). */
function libxmlMessage(e: unknown): string {
  return schemaLabelText(
    String((e as Error).message ?? e)
      .trim()
      .split('\n')[0],
    160,
  );
}

/**
 * Why these files are not a usable RelaxNG schema, or undefined when they are: every file a plain
 * *.rng name of bounded size, well-formed, without a DOCTYPE or xml:base, its root <grammar> in the
 * RelaxNG namespace, and every <include>/<externalRef> naming another file of the set (so compiling
 * reads nothing outside the schema's own directory).
 */
export function schemaFilesProblem(files: readonly { name: string; body: string }[], lib: Libxml): string | undefined {
  if (files.length > MAX_SCHEMA_FILES) return `more than ${MAX_SCHEMA_FILES} .rng files`;
  const names = new Set(files.map((f) => f.name));
  for (const f of files) {
    if (!SCHEMA_FILE_NAME.test(f.name)) return `a file name that is not a plain *.rng name (${schemaLabelText(f.name, 80)})`;
    if (Buffer.byteLength(f.body, 'utf8') > MAX_SCHEMA_FILE_BYTES)
      return `${f.name} is larger than ${MAX_SCHEMA_FILE_BYTES / (1024 * 1024)} MiB`;
    if (/<!DOCTYPE/i.test(f.body)) return `${f.name} has a DOCTYPE (libvirt's schemas have none)`;
    let doc;
    try {
      doc = lib.XmlDocument.fromString(f.body);
    } catch (e) {
      return `${f.name} is not well-formed XML (${libxmlMessage(e)})`;
    }
    try {
      const root = doc.root;
      if (root.name !== 'grammar' || root.namespaceUri !== RELAXNG_NS) {
        return `${f.name} is not a RelaxNG grammar (root element <${schemaLabelText(root.name, 40)}>${root.namespaceUri ? ` in namespace ${schemaLabelText(root.namespaceUri, 80)}` : ' in no namespace'})`;
      }
      if (doc.find('//@*[local-name()="base" and namespace-uri()="http://www.w3.org/XML/1998/namespace"]').length)
        return `${f.name} uses xml:base`;
      for (const href of doc.find('//rng:include/@href | //rng:externalRef/@href', { rng: RELAXNG_NS })) {
        const v = href.value ?? '';
        if (!SCHEMA_FILE_NAME.test(v) || !names.has(v))
          return `${f.name} refers to ${schemaLabelText(v, 80)}, which is not one of the fetched schema files`;
      }
    } finally {
      doc.dispose();
    }
  }
  return undefined;
}

/** Stores the files under by-hash/<sha256> (atomically; an existing entry that still hashes right is kept). */
function storeSchemaFiles(cacheDir: string, sha256: string, files: readonly { name: string; body: string }[]): string {
  const dir = schemaHashDir(cacheDir, sha256);
  if (existsSync(dir) && schemaDirHash(dir) === sha256) return dir;
  const root = join(cacheDir, 'by-hash');
  mkdirSync(root, { recursive: true });
  const tmp = join(root, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    mkdirSync(tmp);
    for (const f of files) writeFileSync(join(tmp, f.name), f.body);
    rmSync(dir, { recursive: true, force: true }); // a damaged entry (it did not hash right)
    try {
      renameSync(tmp, dir);
    } catch (e) {
      if (schemaDirHash(dir) !== sha256) throw e; // else another process stored the same files meanwhile
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return dir;
}

/**
 * Fetches the host's schemas, checks them (see schemaFilesProblem) and that libxml2 compiles
 * domain.rng, stores them by content hash and points the host at them. A schema that fails a check
 * is refused (SchemaRefusedError, one line): the caller validates that host's documents against no
 * host schema, never against another host's.
 */
export async function fetchHostSchemas(dest: string, cacheDir: string, opts: TransportOptions = {}): Promise<HostSchema> {
  const { output } = await fetchCollectorOutput(dest, { ...opts, script: SCHEMA_SCRIPT, maxBytes: MAX_FETCH_BYTES });
  const version = /\b\d{1,6}\.\d{1,6}\.\d{1,6}\b/.exec(output.sections.get('libvirt-version')?.body ?? '')?.[0];
  if (!version) throw new InventoryError(dest, 'tool-missing', 'virsh --version printed no version; libvirt is not installed there');
  const files = [...output.sections.values()]
    .filter((s) => s.name.startsWith('rng ') && s.rc === 0)
    .map((s) => ({ name: s.name.slice(4), body: s.body }));
  if (!files.some((f) => f.name === 'domain.rng'))
    throw new InventoryError(dest, 'tool-missing', '/usr/share/libvirt/schemas/domain.rng is not there');
  const problem = schemaFilesProblem(files, await loadLibxml());
  if (problem) throw new SchemaRefusedError(dest, problem);

  const sha256 = schemaFilesHash(files);
  const dir = storeSchemaFiles(cacheDir, sha256, files);
  const source: SchemaSource = { dir, label: hostSchemaLabel(dest, version, sha256) };
  try {
    await schemaValidator(source);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true }); // nothing points at it
    throw new SchemaRefusedError(dest, libxmlMessage(e).replace(/^.*?domain\.rng: /, 'domain.rng: '));
  }
  const before = readPointer(cacheDir, dest);
  const pointer: HostPointer = { host: dest, version, sha256, fetchedAt: new Date().toISOString() };
  writeAtomic(hostPointerPath(cacheDir, dest), join(cacheDir, 'hosts'), `${JSON.stringify(pointer, null, 2)}\n`);
  return { host: dest, version, sha256, dir, source, previous: before && before.sha256 !== sha256 ? before.sha256 : undefined };
}
