/**
 * Validation against libvirt's own RelaxNG schema with libxml2 (the validator virt-xml-validate
 * uses), and localisation of each error to the smallest element or attribute of our parse.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { finding } from '../rules/finding';
import type { Finding } from '../rules/types';
import type { XmlDocument, XmlElement } from '../xml/parse';
import { Libxml, loadLibxml, LibxmlValidateError } from './libxml';
import { DISK_ELEMENTS } from '../domain/diskVocabulary';
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

interface Culprit {
  /** The range to report. */
  start: number;
  end: number;
  /** The text with this culprit neutralised, to look for the next one. */
  next: string;
  what: string;
  /** What would be valid, when known. */
  hint?: string;
}

interface RawError {
  message: string;
  line: number;
  xpath?: string;
}

/** A compiled domain.rng: one per schema directory, shared by every label that names it. */
interface CompiledSchema {
  lib: Libxml;
  validator: { validate(doc: unknown): void; dispose(): void };
}

async function compileSchema(dir: string): Promise<CompiledSchema> {
  const rng = join(dir, 'domain.rng');
  if (!existsSync(rng)) throw new Error(`${terminalText(dir)}: no domain.rng (libvirt's schemas are not there)`);
  const lib = await loadLibxml();
  const text = readSchemaFile(rng);
  try {
    const doc = lib.XmlDocument.fromString(text, { url: rng });
    return { lib, validator: lib.RelaxNGValidator.fromDoc(doc) };
  } catch (e) {
    throw new Error(`${terminalText(rng)}: the schema does not compile (${schemaLabelText((e as Error).message.trim(), 200)})`, {
      cause: e,
    });
  }
}

export class SchemaValidator {
  private readonly lib: Libxml;
  private readonly validator: CompiledSchema['validator'];

  private constructor(
    compiled: CompiledSchema,
    readonly source: SchemaSource,
  ) {
    this.lib = compiled.lib;
    this.validator = compiled.validator;
  }

  static async load(source: SchemaSource): Promise<SchemaValidator> {
    return new SchemaValidator(await compiled(source.dir), source);
  }

  /** libxml2's verdict on a text: its errors, or [] when valid; a text libxml2 cannot parse yields one error. */
  check(text: string): RawError[] {
    let doc;
    try {
      doc = this.lib.XmlDocument.fromString(text);
    } catch (e) {
      return [{ message: `not parseable: ${(e as Error).message.trim()}`, line: 0 }];
    }
    try {
      this.validator.validate(doc);
      return [];
    } catch (e) {
      const details = (e as LibxmlValidateError).details ?? [];
      return details.length
        ? details.map((d) => ({ message: d.message.trim(), line: d.line, xpath: d.xpath }))
        : [{ message: (e as Error).message.trim(), line: 0 }];
    } finally {
      doc.dispose();
    }
  }

  /**
   * Findings for a parsed document. libxml2's RelaxNG messages name the outermost element that failed;
   * to point at the real culprit, elements (then attributes) are removed one at a time, depth first
   * along the failing branch, until the document validates (bounded in trials).
   */
  validate(doc: XmlDocument, maxTrials = 200, maxMs = 150): Finding[] {
    const started = Date.now();
    const errors = this.check(doc.text);
    if (!errors.length || !doc.root) return [];
    const findings: Finding[] = [];
    let text = doc.text;
    let trials = 0;
    // Localisation costs one validation per trial: bounded in count and time (a large document
    // falls back to libxml2's own location).
    const inBudget = () => trials < maxTrials && Date.now() - started < maxMs;
    const valid = (t: string) => {
      trials++;
      return this.check(t).length === 0;
    };
    const without = (start: number, end: number) => text.slice(0, start) + ' '.repeat(end - start) + text.slice(end);
    const message = errors.map((e) => e.message).filter((m) => !/failed to validate content$/.test(m))[0] ?? errors[0].message;
    for (let round = 0; round < 5 && inBudget(); round++) {
      const culprit = this.localise(doc.root, text, without, valid, inBudget);
      if (!culprit) break;
      findings.push(this.finding(culprit.start, culprit.end, culprit.what, culprit.hint ?? `libxml2 reports: ${message}`));
      // A substituted value may shift later offsets: then stop looking (the next edit re-validates anyway).
      const shifted = culprit.next.length !== text.length;
      text = culprit.next;
      if (shifted || valid(text)) break;
    }
    if (!findings.length) {
      // Fall back to libxml2's own location: the element its xpath names, else its line.
      const e = errors.find((x) => x.xpath) ?? errors[0];
      const el = e.xpath ? elementAtXpath(doc.root, e.xpath) : undefined;
      if (el) findings.push(this.finding(el.start + 1, el.start + 1 + el.name.length, `<${el.name}>`, `libxml2 reports: ${e.message}`));
      else {
        const line = Math.max(0, e.line - 1);
        const start = doc.lines.offsetAt({ line, character: 0 });
        const end = doc.lines.offsetAt({ line: line + 1, character: 0 });
        const lineText = doc.text.slice(start, end);
        const lead = lineText.length - lineText.trimStart().length;
        findings.push(this.finding(start + lead, start + lineText.trimEnd().length, `line ${e.line}`, `libxml2 reports: ${e.message}`));
      }
    }
    return findings;
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

  private localise(
    root: XmlElement,
    text: string,
    without: (s: number, e: number) => string,
    valid: (t: string) => boolean,
    budget: () => boolean,
  ): Culprit | undefined {
    /** An attribute of `el` that is the culprit: removing it, or giving it a known-good value, validates. */
    const attributeCulprit = (el: XmlElement): Culprit | undefined => {
      for (const a of el.attributes) {
        if (!budget()) break;
        const known = DISK_ELEMENTS[el.name]?.attributes[a.name]?.values;
        const span = {
          start: a.nameStart,
          end: a.valueEnd + 1,
          what: `${a.name}='${a.value}' on <${el.name}>`,
          hint: known ? `expected one of: ${known.map((k) => k.value).join(', ')}` : `the attribute or its value is not allowed here`,
        };
        const removed = without(a.nameStart, a.valueEnd + 1);
        if (valid(removed)) return { ...span, next: removed };
        for (const k of known ?? []) {
          if (k.value === a.value || !budget()) continue;
          // Same length is not needed: only this trial's verdict is used, not its positions.
          const substituted = text.slice(0, a.valueStart) + k.value + text.slice(a.valueEnd);
          if (valid(substituted)) return { ...span, next: substituted };
        }
      }
      return undefined;
    };
    // Depth first: the deepest element whose removal makes the document valid.
    const search = (el: XmlElement): Culprit | undefined => {
      for (const c of el.children) {
        if (!budget()) return undefined;
        if (text.slice(c.start, c.end).trim() === '') continue; // already blanked
        if (valid(without(c.start, c.end))) {
          // The culprit is c or inside it: one of its attributes, or a child.
          return (
            attributeCulprit(c) ??
            search(c) ?? {
              start: c.start + 1,
              end: c.start + 1 + c.name.length,
              next: without(c.start, c.end),
              what: `<${c.name}>`,
              hint: `<${c.name}> is not allowed here (inside <${el.name}>)`,
            }
          );
        }
      }
      // No child can simply go: a required child may carry a bad attribute value.
      for (const c of el.children) {
        if (!budget()) return undefined;
        const a = attributeCulprit(c);
        if (a) return a;
      }
      return undefined;
    };
    return search(root) ?? attributeCulprit(root);
  }

  /** The compiled grammar is shared (see compiled()): nothing of its own to release. */
  dispose(): void {}
}

/** Follows an xpath such as /domain/devices/disk[2]/target in our parse. */
export function elementAtXpath(root: XmlElement, xpath: string): XmlElement | undefined {
  const steps = xpath.split('/').filter(Boolean);
  const first = /^([^[]+)/.exec(steps[0] ?? '')?.[1];
  if (first !== root.name) return undefined;
  let el: XmlElement = root;
  for (const step of steps.slice(1)) {
    const m = /^([^[]+)(?:\[(\d+)\])?$/.exec(step);
    if (!m) return el;
    const kids = el.children.filter((c) => c.name === m[1]);
    const next = kids[(m[2] ? Number(m[2]) : 1) - 1];
    if (!next) return el;
    el = next;
  }
  return el;
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
