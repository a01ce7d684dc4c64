/**
 * Validation against libvirt's own RelaxNG schema with libxml2 (the validator virt-xml-validate
 * uses), and localisation of each error to the smallest element or attribute of our parse.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { finding } from '../rules/finding';
import type { Finding } from '../rules/types';
import type { XmlDocument } from '../xml/parse';
import { Libxml, loadLibxml, Ptr } from './libxml';
import { LibxmlDoc } from './libxmlDoc';
import { localise, SearchLimits, TrialBudget } from './localise';
import { readFileBounded } from '../safeRead';
import { cap, terminalText } from '../encode';

export interface SchemaSource {
  /** Directory holding domain.rng and the files it includes. */
  dir: string;
  /**
   * Which schema this is, for messages (one line): "libvirt 9.0.0 schema from kvm-a, sha256 1a2b3c4d5e6f",
   * "local schema /usr/share/libvirt/schemas, sha256 …", "configured schema DIR, sha256 …".
   */
  label: string;
}

export const LOCAL_SCHEMA_DIR = '/usr/share/libvirt/schemas';

/** libvirt's domain.rng is about 200 KB; the files it includes are read by libxml2 itself. */
const MAX_SCHEMA_BYTES = 16 * 1024 * 1024;

/** The one place a .rng file is read by this program (libxml2 reads the files domain.rng includes itself). */
export function readSchemaFile(path: string): string {
  // A regular file of bounded size (the directory may come from a setting): never a device or a FIFO.
  return readFileBounded(path, { maxBytes: MAX_SCHEMA_BYTES, what: 'schema' }).data.toString('utf8');
}

/** A schema file's name: a plain name ending in .rng (never a path). */
export const SCHEMA_FILE_NAME = /^[\w.-]+\.rng$/;
/** At most this many .rng files make one schema (libvirt ships about 30). */
export const MAX_SCHEMA_FILES = 256;

/**
 * The content hash of a set of schema files: sha256 over the files sorted by name, each framed as
 * "NAME\nBYTES\n" followed by its UTF-8 bytes. Two sets hash alike only when names and contents match.
 */
export function schemaFilesHash(files: readonly { name: string; body: string }[]): string {
  const h = createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const bytes = Buffer.from(f.body, 'utf8');
    h.update(`${f.name}\n${bytes.length}\n`);
    h.update(bytes);
  }
  return h.digest('hex');
}

/** The .rng files of a directory (names that are not plain *.rng names are left out). */
export function readSchemaDir(dir: string): { name: string; body: string }[] {
  const names = readdirSync(dir)
    .filter((n) => SCHEMA_FILE_NAME.test(n))
    .sort();
  if (names.length > MAX_SCHEMA_FILES) throw new Error(`${terminalText(dir)}: more than ${MAX_SCHEMA_FILES} .rng files`);
  return names.map((name) => ({ name, body: readSchemaFile(join(dir, name)) }));
}

/** The content hash of a directory's .rng files (undefined when they cannot be read). */
export function schemaDirHash(dir: string): string | undefined {
  try {
    return schemaFilesHash(readSchemaDir(dir));
  } catch {
    return undefined;
  }
}

/** A host name (or a directory) as it may appear in a one-line message: controls escaped, capped. */
export function schemaLabelText(s: string, max = 120): string {
  return terminalText(cap(s.replace(/\s+/g, ' '), max));
}

/** The source for this machine's schemas ('local') or a directory from a setting or --schema DIR ('configured'). */
export function dirSchemaSource(dir: string, kind: 'local' | 'configured'): SchemaSource {
  const hash = schemaDirHash(dir);
  return { dir, label: `${kind} schema ${schemaLabelText(dir)}${hash ? `, sha256 ${hash.slice(0, 12)}` : ''}` };
}

/** The label of a schema fetched from a host. */
export function hostSchemaLabel(host: string, version: string, sha256: string): string {
  return `libvirt ${schemaLabelText(version, 40)} schema from ${schemaLabelText(host, 80)}, sha256 ${sha256.slice(0, 12)}`;
}

interface RawError {
  message: string;
  line: number;
  xpath?: string;
}

/** A compiled domain.rng: one per schema directory, shared by every label that names it. */
interface CompiledSchema {
  lib: Libxml;
  /** The grammar in libxml2's memory (xmlRelaxNGPtr). */
  grammar: Ptr;
}

async function compileSchema(dir: string): Promise<CompiledSchema> {
  const rng = join(dir, 'domain.rng');
  if (!existsSync(rng)) throw new Error(`${terminalText(dir)}: no domain.rng (libvirt's schemas are not there)`);
  const lib = await loadLibxml();
  const text = readSchemaFile(rng);
  try {
    const doc = lib.XmlDocument.fromString(text, { url: rng });
    // Kept for the life of the process (one per schema directory, see compiled()).
    const validator = lib.RelaxNGValidator.fromDoc(doc) as unknown as { _ptr: Ptr };
    return { lib, grammar: validator._ptr };
  } catch (e) {
    throw new Error(`${terminalText(rng)}: the schema does not compile (${schemaLabelText((e as Error).message.trim(), 200)})`, {
      cause: e,
    });
  }
}

/**
 * The localisation's bounds, in work, never in time (the same input gives the same findings on any
 * machine): a trial is one validation of the whole document, costing its number of elements.
 * Per document: at most DOCUMENT_TRIALS trials and DOCUMENT_WORK elements validated (a 1,000-disk
 * document gets a couple of trials, a usual one all 32). Per process (a run over many files: the
 * CLI, define): PROCESS_WORK; past it, invalid documents get libxml2's own message at the element
 * it names. The editor's validator (perDocument()) has no per-process bound: it re-validates one
 * document per edit.
 */
export const DOCUMENT_TRIALS = 32;
export const DOCUMENT_WORK = 8_000;
export const PROCESS_WORK = 50_000;

export class SchemaValidator {
  private readonly lib: Libxml;
  private readonly grammar: Ptr;
  private view: SchemaValidator | undefined;

  private constructor(
    private readonly compiled: CompiledSchema,
    readonly source: SchemaSource,
    private readonly budget: TrialBudget,
  ) {
    this.lib = compiled.lib;
    this.grammar = compiled.grammar;
  }

  static async load(source: SchemaSource): Promise<SchemaValidator> {
    return new SchemaValidator(await compiled(source.dir), source, new TrialBudget(PROCESS_WORK));
  }

  /**
   * The same grammar and label with a localisation budget of its own: `work` elements validated over
   * all the documents it judges (the CLI gives each run of files an equal share of PROCESS_WORK).
   */
  withWork(work: number): SchemaValidator {
    return new SchemaValidator(this.compiled, this.source, new TrialBudget(work));
  }

  /**
   * The same grammar and label, its localisation bounded per document only (the editor's: a
   * long-lived process must not lose precision after many edits). The same object each time.
   */
  perDocument(): SchemaValidator {
    this.view ??= new SchemaValidator(this.compiled, this.source, new TrialBudget(Infinity));
    return this.view;
  }

  private open(text: string) {
    return LibxmlDoc.open(this.lib.raw, this.grammar, text);
  }

  /** libxml2's verdict on a text: its errors, or [] when valid; a text libxml2 cannot parse yields one error. */
  check(text: string): RawError[] {
    const opened = this.open(text);
    if ('error' in opened) return [{ message: `not parseable: ${opened.error}`, line: 0 }];
    const d = opened.doc;
    try {
      return d.diagnostics().map((e) => ({ message: e.message, line: e.line, xpath: e.node ? d.path(e.node) : undefined }));
    } finally {
      d.dispose();
    }
  }

  /**
   * Findings for a parsed document: none when libxml2 accepts it (one parse, one validation);
   * otherwise where it goes wrong, as far as trials within `limits` establish (localise.ts), else
   * libxml2's own message at the element it names.
   */
  validate(doc: XmlDocument, limits: SearchLimits = { trials: DOCUMENT_TRIALS, work: DOCUMENT_WORK }): Finding[] {
    const opened = this.open(doc.text);
    if ('error' in opened) return doc.root ? [this.atLine(doc, 0, `libxml2 reports: not parseable: ${opened.error}`)] : [];
    const d = opened.doc;
    try {
      const diags = d.diagnostics();
      if (!diags.length || !doc.root) return [];
      const found = localise(d, doc.root, diags, this.budget, limits);
      if (found) return [this.finding(found.start, found.end, found.what, found.detail)];
      // No element of ours pairs with the one libxml2 names: its line.
      const e = diags.find((x) => x.line) ?? diags[0];
      return [this.atLine(doc, e.line, `libxml2 reports: ${e.message}`)];
    } finally {
      d.dispose();
    }
  }

  private atLine(doc: XmlDocument, line1: number, detail: string): Finding {
    const line = Math.max(0, line1 - 1);
    const start = doc.lines.offsetAt({ line, character: 0 });
    const end = doc.lines.offsetAt({ line: line + 1, character: 0 });
    const lineText = doc.text.slice(start, end);
    const lead = lineText.length - lineText.trimStart().length;
    return this.finding(start + lead, start + lineText.trimEnd().length, `line ${Math.max(1, line1)}`, detail);
  }

  private finding(start: number, end: number, what: string, detail: string): Finding {
    return finding('schema', {
      // Which schema (host, libvirt version, hash prefix) ends the message; the parts quoting the
      // document are capped so that it always fits (diagnostics are capped at 4096).
      message: `${cap(what, 300)} is not valid under libvirt's schema; ${cap(detail, 1500)} (${this.source.label})`,
      start,
      end: Math.max(end, start + 1),
    });
  }

  /** The compiled grammar is shared (see compiled()): nothing of its own to release. */
  dispose(): void {}
}

const grammars = new Map<string, Promise<CompiledSchema>>();

/** One compiled grammar per schema directory (a fetched schema's directory is named by its content hash). */
function compiled(dir: string): Promise<CompiledSchema> {
  let g = grammars.get(dir);
  if (!g) {
    g = compileSchema(dir);
    g.catch(() => grammars.delete(dir));
    grammars.set(dir, g);
  }
  return g;
}

const validators = new Map<string, Promise<SchemaValidator>>();

/**
 * The validator for a source: one per directory and label (the same validator object each time, so
 * cached analyses stay valid), sharing the grammar compiled for the directory. Two hosts serving
 * identical files share a grammar, yet each finding names the schema of the host it was checked for.
 */
export function schemaValidator(source: SchemaSource): Promise<SchemaValidator> {
  const key = `${source.dir}\0${source.label}`;
  let v = validators.get(key);
  if (!v) {
    v = SchemaValidator.load(source);
    v.catch(() => validators.delete(key));
    validators.set(key, v);
  }
  return v;
}
