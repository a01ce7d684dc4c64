/**
 * Validation against libvirt's own RelaxNG schema with libxml2 (the validator virt-xml-validate
 * uses), and localisation of each error to the smallest element or attribute of our parse.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CODES } from '../rules/codes';
import type { Finding } from '../rules/types';
import type { XmlDocument, XmlElement } from '../xml/parse';
import { Libxml, loadLibxml, LibxmlValidateError } from './libxml';
import { DISK_ELEMENTS } from '../domain/diskVocabulary';

export interface SchemaSource {
  /** Directory holding domain.rng and the files it includes. */
  dir: string;
  /** What to call it in messages, e.g. "libvirt 9.0.0 (kvm-a)" or "/usr/share/libvirt/schemas". */
  label: string;
}

export const LOCAL_SCHEMA_DIR = '/usr/share/libvirt/schemas';

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

export class SchemaValidator {
  private constructor(
    private readonly lib: Libxml,
    private readonly validator: { validate(doc: unknown): void; dispose(): void },
    readonly source: SchemaSource,
  ) {}

  static async load(source: SchemaSource): Promise<SchemaValidator> {
    const rng = join(source.dir, 'domain.rng');
    if (!existsSync(rng)) throw new Error(`${source.dir}: no domain.rng (libvirt's schemas are not there)`);
    const lib = await loadLibxml();
    const doc = lib.XmlDocument.fromString(readFileSync(rng, 'utf8'), { url: rng });
    try {
      return new SchemaValidator(lib, lib.RelaxNGValidator.fromDoc(doc), source);
    } catch (e) {
      throw new Error(`${rng}: the schema does not compile (${(e as Error).message.trim()})`);
    }
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
      return details.length ? details.map((d) => ({ message: d.message.trim(), line: d.line, xpath: d.xpath })) : [{ message: (e as Error).message.trim(), line: 0 }];
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
    return {
      code: 'schema',
      severity: CODES.schema.severity,
      message: `${what} is not valid under the ${this.source.label} schema; ${detail}`,
      start,
      end: Math.max(end, start + 1),
      fixes: [],
    };
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
          return attributeCulprit(c) ?? search(c) ?? { start: c.start + 1, end: c.start + 1 + c.name.length, next: without(c.start, c.end), what: `<${c.name}>`, hint: `<${c.name}> is not allowed here (inside <${el.name}>)` };
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

  dispose(): void {
    this.validator.dispose();
  }
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

const cache = new Map<string, Promise<SchemaValidator>>();

/** One compiled validator per schema directory. */
export function schemaValidator(source: SchemaSource): Promise<SchemaValidator> {
  let v = cache.get(source.dir);
  if (!v) {
    v = SchemaValidator.load(source);
    v.catch(() => cache.delete(source.dir));
    cache.set(source.dir, v);
  }
  return v;
}
