/**
 * Comment directives that silence findings, read from the document's XML comments:
 *
 *   <!-- libvirt-domain-lint-disable-next-line CODE[, CODE]... -->   the line after the comment's end
 *   <!-- libvirt-domain-lint-disable CODE[, CODE]... -->             the whole file
 *
 * Codes are separated by commas and/or whitespace; a directive that names no code silences every code.
 * `xml-not-well-formed` and `unused-disable` cannot be silenced. A directive (or one code of it) that
 * silences nothing, names an unknown code or a code that cannot be silenced is an `unused-disable` hint.
 * Applied once, by the analysis (analysis.ts), so the editor and the CLI (every format, `--fix`) agree.
 */
import type { LineIndex } from '../xml/lineIndex';
import { ALL_CODES, codeInfo, type FindingCode } from './codes';
import { finding } from './finding';
import type { Finding, TextEdit } from './types';

declare module './types' {
  interface Finding {
    /**
     * The edit that silences this finding with a disable-next-line directive (the editor's "Ignore CODE
     * on this line"), where one can be inserted without changing the document's meaning. Never a fix:
     * neither fix-all nor `--fix` applies it. Set by the analysis (applyDirectives), never by a rule.
     */
    ignore?: TextEdit;
  }
}

export const DISABLE = 'libvirt-domain-lint-disable';
export const DISABLE_NEXT_LINE = 'libvirt-domain-lint-disable-next-line';

/** A comment longer than this (from `<!--` to `-->`) is not read as a directive. */
export const MAX_DIRECTIVE_LENGTH = 4096;

/** Codes no directive silences. */
export const UNSILENCEABLE: ReadonlySet<string> = new Set<FindingCode>(['xml-not-well-formed', 'unused-disable']);

export interface DirectiveCode {
  /** As written (may be unknown). */
  code: string;
  start: number;
  end: number;
}

export interface Directive {
  scope: 'file' | 'next-line';
  /** The comment, `<!--` to past `-->`. */
  start: number;
  end: number;
  /** next-line: the 0-based line it silences. */
  line: number;
  /** Empty: every code. */
  codes: DirectiveCode[];
  /** Where another code is appended (just past the keyword or the last code). */
  appendAt: number;
}

export interface DirectiveScan {
  directives: Directive[];
  /** Comments, CDATA sections, processing instructions and the DOCTYPE, in order: where no comment may be inserted. */
  opaque: { start: number; end: number }[];
}

const KEYWORD = /^\s*(libvirt-domain-lint-disable(?:-next-line)?)(?=\s|$)/;
const CODE_TOKEN = /[^\s,]+/g;

function readDirective(text: string, lines: LineIndex, start: number, close: number): Directive | undefined {
  const end = close + 3;
  if (end - start > MAX_DIRECTIVE_LENGTH) return undefined;
  const body = text.slice(start + 4, close);
  const m = KEYWORD.exec(body);
  if (!m) return undefined;
  const scope = m[1] === DISABLE_NEXT_LINE ? 'next-line' : 'file';
  const restStart = start + 4 + m[0].length;
  const codes: DirectiveCode[] = [];
  let appendAt = restStart;
  for (const t of text.slice(restStart, close).matchAll(CODE_TOKEN)) {
    const s = restStart + (t.index ?? 0);
    codes.push({ code: t[0], start: s, end: s + t[0].length });
    appendAt = s + t[0].length;
  }
  return { scope, start, end, line: lines.positionAt(end).line + 1, codes, appendAt };
}

/**
 * Every directive of the text, in one linear pass over its markup: comments are read; CDATA sections,
 * processing instructions and the DOCTYPE (`doctype`, whose internal subset may quote anything) are skipped.
 * An unterminated comment, CDATA section or processing instruction ends the scan.
 */
export function scanDirectives(text: string, lines: LineIndex, doctype?: { start: number; end: number }): DirectiveScan {
  const directives: Directive[] = [];
  const opaque: { start: number; end: number }[] = [];
  let i = text.indexOf('<');
  while (i >= 0) {
    let next: number;
    if (doctype && i === doctype.start) {
      next = doctype.end;
    } else if (text.startsWith('<!--', i)) {
      const close = text.indexOf('-->', i + 4);
      if (close < 0) {
        opaque.push({ start: i, end: text.length });
        break;
      }
      const d = readDirective(text, lines, i, close);
      if (d) directives.push(d);
      next = close + 3;
    } else if (text.startsWith('<![CDATA[', i)) {
      const close = text.indexOf(']]>', i + 9);
      next = close < 0 ? text.length : close + 3;
    } else if (text.startsWith('<?', i)) {
      const close = text.indexOf('?>', i + 2);
      next = close < 0 ? text.length : close + 2;
    } else {
      i = text.indexOf('<', i + 1);
      continue;
    }
    opaque.push({ start: i, end: next });
    i = text.indexOf('<', next);
  }
  return { directives, opaque };
}

/** What the run had: a code that needs what it lacked is never reported as an unused directive code. */
export interface DirectiveInputs {
  /** Whether the rules ran (a well-formed domain or pool); without them every directive would look unused. */
  rulesRan: boolean;
  hosts: number;
  schema: boolean;
}

function couldReport(code: FindingCode, inputs: DirectiveInputs): boolean {
  const needs = codeInfo(code).needs;
  if (needs === 'host') return inputs.hosts > 0;
  if (needs === 'hosts') return inputs.hosts > 1;
  if (needs === 'schema') return inputs.schema;
  return true;
}

const KNOWN: ReadonlySet<string> = new Set(ALL_CODES);
const isCode = (c: string): c is FindingCode => KNOWN.has(c);

/** Removes the comment, with its whole line(s) when nothing else is on them. */
function removeComment(text: string, lines: LineIndex, d: Directive): TextEdit {
  const s = lines.positionAt(d.start);
  const e = lines.positionAt(d.end);
  const lineStart = d.start - s.character;
  const nextLine = lines.offsetAt({ line: e.line + 1, character: 0 });
  const lineEnd = e.line + 1 < lines.lineCount ? lineEndBefore(text, nextLine) : text.length;
  if (/^[ \t]*$/.test(text.slice(lineStart, d.start)) && /^[ \t]*$/.test(text.slice(d.end, lineEnd))) {
    return { start: lineStart, end: nextLine, newText: '' };
  }
  return { start: d.start, end: d.end, newText: '' };
}

/** The end of a line's content, given the start of the next line. */
function lineEndBefore(text: string, nextLine: number): number {
  let i = nextLine;
  if (text[i - 1] === '\n') i--;
  if (text[i - 1] === '\r') i--;
  return i;
}

/** Removes one code of a directive that keeps others, with the separator between it and a neighbour. */
function removeCode(d: Directive, k: number): TextEdit {
  const c = d.codes[k];
  if (k > 0) return { start: d.codes[k - 1].end, end: c.end, newText: '' };
  return { start: c.start, end: d.codes[1].start, newText: '' };
}

function unusedFinding(text: string, lines: LineIndex, d: Directive, reasons: string[]): Finding {
  const title = 'Remove this disable directive';
  return finding('unused-disable', {
    message: `This ${d.scope === 'file' ? DISABLE : DISABLE_NEXT_LINE} directive silences nothing: ${reasons.join('; ')}.`,
    start: d.start,
    end: d.end,
    fixes: [{ title, edits: [removeComment(text, lines, d)], preferred: false }],
  });
}

/**
 * The findings the directives leave, plus an `unused-disable` hint for each directive or code that
 * silenced nothing (when the rules ran), each finding with its `ignore` edit where one can be inserted.
 */
export function applyDirectives(
  text: string,
  lines: LineIndex,
  findings: Finding[],
  scan: DirectiveScan,
  inputs: DirectiveInputs,
): Finding[] {
  const { directives } = scan;
  const fileScope = directives.filter((d) => d.scope === 'file');
  const byLine = new Map<number, Directive[]>();
  for (const d of directives) {
    if (d.scope !== 'next-line') continue;
    const list = byLine.get(d.line);
    if (list) list.push(d);
    else byLine.set(d.line, [d]);
  }
  const used = new Set<Directive>();
  const usedCodes = new Set<DirectiveCode>();
  const silences = (d: Directive, code: string): boolean => {
    if (d.codes.length === 0) {
      used.add(d);
      return true;
    }
    let hit = false;
    for (const c of d.codes) {
      if (c.code === code) {
        usedCodes.add(c);
        hit = true;
      }
    }
    return hit;
  };
  const out: Finding[] = [];
  const memo = new Map<number, InsertPoint | null>();
  for (const f of findings) {
    if (UNSILENCEABLE.has(f.code)) {
      out.push(f);
      continue;
    }
    const line = lines.positionAt(f.start).line;
    let silenced = false;
    // Every directive that names it counts as used (none is then reported as unused).
    for (const d of fileScope) silenced = silences(d, f.code) || silenced;
    for (const d of byLine.get(line) ?? []) silenced = silences(d, f.code) || silenced;
    if (silenced) continue;
    // Set on the finding itself (a finding may compute its fixes lazily: a copy would lose them).
    const ignore = ignoreEdit(text, lines, scan, line, f.code, byLine.get(line), memo);
    if (ignore) f.ignore = ignore;
    else delete f.ignore;
    out.push(f);
  }
  if (!inputs.rulesRan) return out;
  const unused: Finding[] = [];
  for (const d of directives) {
    if (d.codes.length === 0) {
      const all = ALL_CODES.every((c) => UNSILENCEABLE.has(c) || couldReport(c, inputs));
      if (!used.has(d) && all)
        unused.push(unusedFinding(text, lines, d, [d.scope === 'file' ? 'no finding in this file' : `no finding on line ${d.line + 1}`]));
      continue;
    }
    const bad: { k: number; reason: string }[] = [];
    d.codes.forEach((c, k) => {
      if (usedCodes.has(c)) return;
      if (!isCode(c.code)) bad.push({ k, reason: `unknown code ${c.code}` });
      else if (UNSILENCEABLE.has(c.code)) bad.push({ k, reason: `${c.code} cannot be silenced` });
      else if (couldReport(c.code, inputs))
        bad.push({ k, reason: d.scope === 'file' ? `no ${c.code} finding in this file` : `no ${c.code} finding on line ${d.line + 1}` });
      // else: unused, but this run could not have reported it (no hosts, no schema): not reported either.
    });
    if (bad.length === 0) continue;
    if (bad.length === d.codes.length) {
      unused.push(
        unusedFinding(
          text,
          lines,
          d,
          bad.map((b) => b.reason),
        ),
      );
      continue;
    }
    for (const b of bad) {
      const c = d.codes[b.k];
      unused.push(
        finding('unused-disable', {
          message: `This code of the ${d.scope === 'file' ? DISABLE : DISABLE_NEXT_LINE} directive silences nothing: ${b.reason}.`,
          start: c.start,
          end: c.end,
          fixes: [{ title: 'Remove this code from the disable directive', edits: [removeCode(d, b.k)], preferred: false }],
        }),
      );
    }
  }
  if (unused.length === 0) return out;
  return [...out, ...unused].sort((a, b) => a.start - b.start || a.end - b.end);
}

function insideOpaque(opaque: { start: number; end: number }[], offset: number): boolean {
  let lo = 0;
  let hi = opaque.length; // first span starting at or after offset
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (opaque[mid].start < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 && opaque[lo - 1].end > offset;
}

/**
 * The edit "Ignore CODE on this line": appends the code to the disable-next-line directive that already
 * targets the line, else inserts `<!-- libvirt-domain-lint-disable-next-line CODE -->` on a line of its
 * own above it, indented as it is. Only where the line starts (after blanks) with markup outside any
 * comment, CDATA section, processing instruction or DOCTYPE and is not the XML declaration's: there a
 * comment changes no value. The inserted text is built from the code and blanks, never from document text.
 */
export function ignoreEdit(
  text: string,
  lines: LineIndex,
  scan: DirectiveScan,
  line: number,
  code: FindingCode,
  targeting: Directive[] = [],
  memo = new Map<number, InsertPoint | null>(),
): TextEdit | undefined {
  if (UNSILENCEABLE.has(code)) return undefined;
  const existing = targeting.find((d) => d.codes.length > 0);
  if (existing) return { start: existing.appendAt, end: existing.appendAt, newText: `, ${code}` };
  let at = memo.get(line);
  if (at === undefined) memo.set(line, (at = insertPoint(text, lines, scan, line)));
  if (!at) return undefined;
  return { start: at.offset, end: at.offset, newText: `${at.indent}<!-- ${DISABLE_NEXT_LINE} ${code} -->${at.eol}` };
}

interface InsertPoint {
  offset: number;
  /** Blanks only (spaces and tabs, as the line has them). */
  indent: string;
  eol: '\n' | '\r\n' | '\r';
}

/** Where a directive line can go above `line` (computed once per line: a hostile line may be long). */
function insertPoint(text: string, lines: LineIndex, scan: DirectiveScan, line: number): InsertPoint | null {
  const lineStart = lines.offsetAt({ line, character: 0 });
  let first = lineStart;
  let indent = '';
  while (text[first] === ' ' || text[first] === '\t') {
    indent += text[first] === '\t' ? '\t' : ' ';
    first++;
  }
  if (text[first] !== '<' || text.startsWith('<?xml', first)) return null;
  if (insideOpaque(scan.opaque, lineStart)) return null;
  return { offset: lineStart, indent, eol: eolOf(text, lines, line) };
}

/** The line break that ends `line` (or, for the last line, the one before it): one of three fixed strings. */
function eolOf(text: string, lines: LineIndex, line: number): '\n' | '\r\n' | '\r' {
  const l = line + 1 < lines.lineCount ? line : line - 1;
  if (l < 0) return '\n';
  const nextLine = lines.offsetAt({ line: l + 1, character: 0 });
  if (text[nextLine - 1] === '\r') return '\r';
  return text[nextLine - 2] === '\r' ? '\r\n' : '\n';
}
