/**
 * Domain XML kept as a template (an Ansible role's `vm.xml.j2`, a Vagrant plugin's `domain.xml.erb`, a
 * Go `text/template`): its template syntax masked so the XML around it can be read, with every offset
 * unchanged, so a finding's range points into the original file.
 *
 * - **Tags.** Jinja `{{ }}`, `{% %}`, `{# #}`; ERB `<% %>`, `<%= %>`, `<%# %>`, `<%- -%>`; Go `{{ }}`,
 *   `{{- -}}`, `{{/* *\/}}`. A tag is its opening delimiter to the first closing one (`}}`, `%}`, `#}`,
 *   `%>`); an opener without a closer is text. `{% raw %}…{% endraw %}` content is text. A text whose
 *   tags are all in XML comments or free text (`<description>`, `<title>`, `<metadata>`) is not read as
 *   a template: a host's definition may quote one there.
 * - **Masking.** Each tag is replaced by text of the same length (line breaks kept): a tag that prints
 *   a value (`{{ x }}`, `<%= x %>`) by `x…x` where the XML has a value there (an attribute value,
 *   element content, an element name), by spaces elsewhere (between attributes, before or after the
 *   root); statements and comments by spaces. A value that holds a tag is never judged (the caller
 *   drops findings and fixes that touch a tag: `touchesTemplate`). An XML declaration after a tag
 *   (a `{# header #}` first) is blanked too: XML allows nothing before it.
 * - **Branches.** `{% if %}…{% elif %}…{% else %}…{% endif %}` (and `{% for %}…{% else %}`, ERB
 *   `if/elsif/else/when … end`, Go `{{ if }}…{{ else }}…{{ end }}`): the masked text keeps every branch,
 *   which is not the XML any rendering produces (two alternative opening tags, two `<source>` in one
 *   disk). So the text is also read as *variants*: in each, one branch of every conditional block is
 *   kept and the others blanked; the variants are chosen so that every branch (nested ones included)
 *   is kept in at least one of them (at most MAX_VARIANTS, and VARIANT_BUDGET characters in all; blocks
 *   nested deeper than MAX_DEPTH keep all their branches). Loops are read once.
 * - **Tolerant read.** A variant that is still not well-formed (tags that print markup, a macro
 *   defined before the root, …) is read element by element: `tolerantDomainDocument` parses each
 *   `<disk>`, `<hostdev>`, `<blkiotune>`, `<name>` and `<uuid>` element on its own and hangs them under
 *   a `<domain><devices>` of its own making, with their own offsets.
 *
 * Linear in the text; no recursion deeper than MAX_DEPTH.
 */
import { LineIndex } from './lineIndex';
import { parseXml, type XmlAttribute, type XmlDocument, type XmlElement, type XmlSyntaxError } from './parse';

export type TemplateSyntax = 'jinja' | 'erb' | 'go';

/** How messages name each syntax. */
export const TEMPLATE_SYNTAX_NAMES: Record<TemplateSyntax, string> = { jinja: 'Jinja', erb: 'ERB', go: 'Go' };

/** The tags of each syntax, as messages list them. */
export const TEMPLATE_TAG_NAMES: Record<TemplateSyntax, string> = {
  jinja: '{{ }}, {% %} and {# #}',
  erb: '<% %> and <%= %>',
  go: '{{ }}',
};

export interface TemplateTag {
  start: number;
  end: number;
  /** `output` prints a value (`{{ x }}`, `<%= x %>`); a `statement` (`{% if %}`, `<% end %>`, `{{ range }}`) or a `comment` prints nothing. */
  kind: 'output' | 'statement' | 'comment';
  delimiter: '{{' | '{%' | '{#' | '<%';
  /** The first word of the code (`if`, `endfor`, `else`, …); empty when it has none. */
  word: string;
  /** The code between the delimiters, without whitespace-control marks, trimmed. */
  code: string;
}

export interface TemplateRead {
  syntax: TemplateSyntax;
  /** Every tag, in order. */
  tags: TemplateTag[];
  /** The text with every tag masked (same length, same line breaks). */
  masked: string;
  /** The masked text with one branch of each conditional block kept (see the module comment); at least one. */
  variants: string[];
  /** Conditional blocks with more than one branch. */
  branching: number;
  /** Some branch is kept in no variant (more than MAX_VARIANTS were needed). */
  truncated: boolean;
}

/** At most this many variants are read, */
export const MAX_VARIANTS = 16;
/** and at most this many characters of them all (a large template is read in fewer combinations). */
export const VARIANT_BUDGET = 4 << 20;
/** Blocks nested deeper than this keep all their branches. */
export const MAX_DEPTH = 64;

/** What a masked output tag becomes where the XML has a value. */
const FILLER = 'x';

/** Whether the text has something that may be a template tag (cheap: no scan). */
export function mayBeTemplate(text: string): boolean {
  // Most XML has no '{' at all: two scans.
  if (text.indexOf('{') < 0) return text.includes('<%');
  return text.includes('{{') || text.includes('{%') || text.includes('{#') || text.includes('<%');
}

/** Go actions that print nothing (Jinja has no statements in `{{ }}`). */
const GO_STATEMENTS = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'block', 'break', 'continue']);

const WORD = /^[A-Za-z_]\w*/;

const CLOSERS: Record<TemplateTag['delimiter'], string> = { '{{': '}}', '{%': '%}', '{#': '#}', '<%': '%>' };

/** The tag starting at `i` (`{{`, `{%`, `{#`, `<%`), or undefined. `noClose` remembers closers that do not occur again (linear on hostile input). */
function readTag(text: string, i: number, noClose: Set<string>): TemplateTag | undefined {
  const c1 = text[i + 1];
  let delimiter: TemplateTag['delimiter'];
  if (text[i] === '{') {
    if (c1 === '{' || c1 === '%' || c1 === '#') delimiter = `{${c1}`;
    else return undefined;
  } else {
    if (c1 !== '%' || text[i + 2] === '%') return undefined; // `<%%` is ERB's literal `<%`
    delimiter = '<%';
  }
  const closer = CLOSERS[delimiter];
  if (noClose.has(closer)) return undefined;
  const e = text.indexOf(closer, i + 2);
  if (e < 0) {
    noClose.add(closer);
    return undefined;
  }
  const end = e + 2;
  let inner = text.slice(i + 2, e);
  let kind: TemplateTag['kind'] = 'statement';
  if (delimiter === '{#') kind = 'comment';
  else if (delimiter === '<%') {
    if (inner.startsWith('#')) kind = 'comment';
    else if (inner.startsWith('=')) {
      kind = 'output';
      inner = inner.replace(/^==?/, '');
    } else inner = inner.replace(/^-/, '');
    inner = inner.replace(/-$/, '');
  } else {
    // Whitespace control: Jinja `{%- -%}`, `{%+`, `{{- -}}`; Go `{{- -}}`.
    inner = inner.replace(/^[-+]/, '').replace(/[-+]$/, '');
  }
  const code = inner.trim();
  const word = WORD.exec(code)?.[0] ?? '';
  if (delimiter === '{{') {
    if (code.startsWith('/*')) kind = 'comment';
    else if (GO_STATEMENTS.has(word) || /^\$\w*\s*:?=/.test(code)) kind = 'statement';
    else kind = 'output';
  }
  return { start: i, end, kind, delimiter, word: kind === 'comment' ? '' : word, code };
}

const enum Xml {
  Content,
  Tag,
  Comment,
  Cdata,
  Pi,
  Decl,
}

/** Same-length text of `c` (line breaks kept). */
function fill(text: string, c: string): string {
  if (text.indexOf('\n') < 0 && text.indexOf('\r') < 0) return c.repeat(text.length);
  return text
    .split(/(\r\n|\r|\n)/)
    .map((part, i) => (i % 2 ? part : c.repeat(part.length)))
    .join('');
}

/** Elements of free text in libvirt XML: tags only there (or in XML comments) do not make a template. */
const FREE_TEXT = new Set(['description', 'title', 'metadata']);

const TAG_NAME = /[^\s/>]*/y;

/**
 * Finds the tags and masks them, following the XML around them to choose each output tag's filler.
 * Undefined when the text has no tag, or has them only in XML comments and free text (a domain whose
 * `<description>` quotes a template is a domain, not a template).
 */
function scan(text: string): { tags: TemplateTag[]; masked: string } | undefined {
  const n = text.length;
  const tags: TemplateTag[] = [];
  const pieces: string[] = [];
  const noClose = new Set<string>();
  let last = 0;
  let state = Xml.Content;
  let quote = 0;
  let depth = 0;
  let endTag = false;
  let inName = false;
  let slash = false;
  let rawEnd = -1;
  let nameStart = 0;
  /** The depth of the free-text element the scan is in, else -1. */
  let freeDepth = -1;
  let judged = 0;
  for (let i = 0; i < n;) {
    const c = text.charCodeAt(i);
    if (i >= rawEnd && (c === 0x7b || (c === 0x3c && text.charCodeAt(i + 1) === 0x25))) {
      const tag = readTag(text, i, noClose);
      if (tag) {
        tags.push(tag);
        if (state !== Xml.Comment && freeDepth < 0) judged++;
        let filler = ' ';
        if (tag.kind === 'output') {
          if (state === Xml.Tag) filler = quote || inName ? FILLER : ' ';
          else if (state === Xml.Content) filler = depth > 0 ? FILLER : ' ';
        }
        pieces.push(text.slice(last, i), fill(text.slice(i, tag.end), filler));
        last = tag.end;
        if (tag.delimiter === '{%' && tag.word === 'raw') {
          const m = /\{%[-+]?\s*endraw\s*[-+]?%\}/g;
          m.lastIndex = tag.end;
          rawEnd = m.exec(text)?.index ?? n;
        }
        i = tag.end;
        continue;
      }
    }
    switch (state) {
      case Xml.Content:
        if (c === 0x3c) {
          if (text.startsWith('<!--', i)) {
            state = Xml.Comment;
            i += 4;
          } else if (text.startsWith('<![CDATA[', i)) {
            state = Xml.Cdata;
            i += 9;
          } else if (text[i + 1] === '?' || text[i + 1] === '!') {
            state = text[i + 1] === '?' ? Xml.Pi : Xml.Decl;
            i += 2;
          } else {
            state = Xml.Tag;
            endTag = text[i + 1] === '/';
            inName = true;
            slash = false;
            quote = 0;
            i += endTag ? 2 : 1;
            nameStart = i;
          }
          continue;
        }
        break;
      case Xml.Tag:
        if (quote) {
          if (c === quote) quote = 0;
        } else if (c === 0x22 || c === 0x27) {
          quote = c;
          inName = false;
          slash = false;
        } else if (c === 0x3e) {
          if (endTag) {
            depth = Math.max(0, depth - 1);
            if (depth <= freeDepth) freeDepth = -1;
          } else if (!slash) {
            TAG_NAME.lastIndex = nameStart;
            if (freeDepth < 0 && FREE_TEXT.has(TAG_NAME.exec(text)?.[0] ?? '')) freeDepth = depth;
            depth++;
          }
          state = Xml.Content;
        } else if (c === 0x2f) {
          slash = true;
          inName = false;
        } else if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) inName = false;
        else {
          slash = false;
          if (c === 0x3d) inName = false;
        }
        break;
      case Xml.Comment:
        if (c === 0x2d && text.startsWith('-->', i)) {
          state = Xml.Content;
          i += 3;
          continue;
        }
        break;
      case Xml.Cdata:
        if (c === 0x5d && text.startsWith(']]>', i)) {
          state = Xml.Content;
          i += 3;
          continue;
        }
        break;
      case Xml.Pi:
        if (c === 0x3f && text[i + 1] === '>') {
          state = Xml.Content;
          i += 2;
          continue;
        }
        break;
      case Xml.Decl:
        if (c === 0x3e) state = Xml.Content;
        break;
    }
    i++;
  }
  if (!judged) return undefined;
  pieces.push(text.slice(last));
  return { tags, masked: pieces.join('') };
}

/** The syntax the tags are written in. */
function syntaxOf(tags: TemplateTag[]): TemplateSyntax {
  if (tags.some((t) => t.delimiter === '<%')) return 'erb';
  if (tags.some((t) => t.delimiter === '{%' || t.delimiter === '{#')) return 'jinja';
  // Only `{{ }}`: Go when an action is Go's own (a control word, `.Field`, `$var`, a comment).
  const go = tags.some(
    (t) => (t.kind !== 'output' && t.word !== '') || t.code.startsWith('/*') || /(^|[\s(|])[.$]/.test(t.code) || t.code === '.',
  );
  return go ? 'go' : 'jinja';
}

type Role = 'open' | 'branch' | 'close' | undefined;

const JINJA_OPEN = new Set(['if', 'for', 'macro', 'call', 'filter', 'block', 'with', 'autoescape', 'trans']);
const GO_OPEN = new Set(['if', 'range', 'with', 'block', 'define']);
const ERB_OPEN = new Set(['if', 'unless', 'case', 'while', 'until', 'for', 'begin']);

/** What a statement does to the block structure. */
function roleOf(t: TemplateTag): Role {
  if (t.kind !== 'statement') return undefined;
  const w = t.word;
  if (t.delimiter === '{%') {
    if (JINJA_OPEN.has(w) || (w === 'set' && !t.code.includes('='))) return 'open';
    if (w === 'elif' || w === 'else') return 'branch';
    return w.startsWith('end') ? 'close' : undefined;
  }
  if (t.delimiter === '{{') {
    if (GO_OPEN.has(w)) return 'open';
    if (w === 'else') return 'branch';
    return w === 'end' ? 'close' : undefined;
  }
  // ERB: Ruby.
  if (w === 'end' || t.code === '}') return 'close';
  if (w === 'else' || w === 'elsif' || w === 'when') return 'branch';
  if (ERB_OPEN.has(w) && !/\bend\s*$/.test(t.code)) return 'open';
  if (/\bdo\s*(\|[^|]*\|)?$/.test(t.code) || /\{\s*(\|[^|]*\|)?$/.test(t.code)) return 'open';
  return undefined;
}

/** A template block: its opening tag, the tags between its branches, its closing tag. */
interface Block {
  open: TemplateTag;
  seps: TemplateTag[];
  closeStart: number;
  /** The blocks in each branch. */
  children: Block[][];
  /** Branches kept in some variant already. */
  covered: boolean[];
}

/** The block tree of the statements (blocks nested deeper than MAX_DEPTH are left out: all their text is kept). */
function blockTree(tags: TemplateTag[], n: number): Block[] {
  const roots: Block[] = [];
  const stack: { block: Block; kept: boolean }[] = [];
  for (const t of tags) {
    const role = roleOf(t);
    if (role === 'open') {
      const block: Block = { open: t, seps: [], closeStart: n, children: [[]], covered: [] };
      const parent = stack.at(-1);
      const kept = stack.length < MAX_DEPTH && (!parent || parent.kept);
      if (kept) (parent ? parent.block.children[parent.block.seps.length] : roots).push(block);
      stack.push({ block, kept });
    } else if (role === 'branch') {
      const top = stack.at(-1)?.block;
      if (top) {
        top.seps.push(t);
        top.children.push([]);
      }
    } else if (role === 'close') {
      const top = stack.pop()?.block;
      if (top) top.closeStart = t.start;
    }
  }
  return roots;
}

/** Branch `k` of a block: [start, end). */
function branchSpan(b: Block, k: number): [number, number] {
  const start = k === 0 ? b.open.end : b.seps[k - 1].end;
  const end = k < b.seps.length ? b.seps[k].start : b.closeStart;
  return [start, end];
}

/** Blanks the spans (any order, may overlap) of `text`, keeping line breaks. */
function blankSpans(text: string, spans: [number, number][]): string {
  if (!spans.length) return text;
  spans.sort((a, b) => a[0] - b[0]);
  const out: string[] = [];
  let last = 0;
  for (const [s0, e] of spans) {
    const s = Math.max(s0, last);
    if (e <= s) continue;
    out.push(text.slice(last, s), fill(text.slice(s, e), ' '));
    last = e;
  }
  out.push(text.slice(last));
  return out.join('');
}

/**
 * The variants of the masked text: each keeps one branch of every block it reaches, choosing branches
 * not kept before (or leading to nested ones not kept before), until every branch was kept once.
 */
function variantsOf(masked: string, roots: Block[]): { variants: string[]; branching: number; truncated: boolean } {
  let branching = 0;
  const all: Block[] = [];
  for (const stack = [...roots]; stack.length;) {
    const b = stack.pop()!;
    all.push(b);
    b.covered = b.children.map(() => false);
    if (b.seps.length) branching++;
    for (const kids of b.children) stack.push(...kids);
  }
  if (!branching) return { variants: [masked], branching, truncated: false };
  // Whether a block or one below it has a branch not kept yet (memo per round; depth <= MAX_DEPTH).
  const pending = (b: Block, memo: Map<Block, boolean>): boolean => {
    let r = memo.get(b);
    if (r === undefined) {
      r = b.covered.includes(false) || b.children.some((kids) => kids.some((k) => pending(k, memo)));
      memo.set(b, r);
    }
    return r;
  };
  const variants: string[] = [];
  const limit = Math.max(1, Math.min(MAX_VARIANTS, Math.floor(VARIANT_BUDGET / Math.max(1, masked.length))));
  for (;;) {
    const memo = new Map<Block, boolean>();
    if (!roots.some((b) => pending(b, memo))) return { variants, branching, truncated: false };
    if (variants.length >= limit) return { variants, branching, truncated: true };
    const blanks: [number, number][] = [];
    const visit = (blocks: Block[]): void => {
      for (const b of blocks) {
        let k = b.covered.indexOf(false);
        if (k < 0)
          k = Math.max(
            0,
            b.children.findIndex((kids) => kids.some((x) => pending(x, memo))),
          );
        b.covered[k] = true;
        for (let j = 0; j < b.children.length; j++) if (j !== k) blanks.push(branchSpan(b, j));
        visit(b.children[k]);
      }
    };
    visit(roots);
    variants.push(blankSpans(masked, blanks));
  }
}

/** Reads a text as a template: undefined when it has no template tag. */
export function readTemplate(text: string): TemplateRead | undefined {
  if (!mayBeTemplate(text)) return undefined;
  const s = scan(text);
  if (!s) return undefined;
  let masked = s.masked;
  // A tag before the XML declaration (a `{# header #}`, `<% if %>` trimmed by `-%>`) leaves blanks
  // before it, where XML allows none; the declaration says nothing the decoded text needs.
  const lead = /^\s*/.exec(masked)![0].length;
  if (lead > 0 && s.tags[0].start < lead && /^<\?xml[\s?]/.test(masked.slice(lead, lead + 6))) {
    const e = masked.indexOf('?>', lead);
    if (e > 0) masked = blankSpans(masked, [[lead, e + 2]]);
  }
  const v = variantsOf(masked, blockTree(s.tags, text.length));
  return { syntax: syntaxOf(s.tags), tags: s.tags, masked, ...v };
}

/** Whether [start, end) (a point when empty) overlaps a tag. `tags` in order, as readTemplate gives them. */
export function touchesTemplate(tags: readonly TemplateTag[], start: number, end: number): boolean {
  // The first tag that ends after `start`.
  let lo = 0;
  let hi = tags.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tags[mid].end <= start) lo = mid + 1;
    else hi = mid;
  }
  const t = tags[lo];
  if (!t) return false;
  return end > start ? t.start < end : t.start < start;
}

// ---- the tolerant read ----

/** An element of a fragment parsed on its own, at its place in the whole text. */
class ShiftedElement implements XmlElement {
  private kids?: XmlElement[];
  private attrs?: XmlAttribute[];
  readonly text: string;

  constructor(
    private readonly el: XmlElement,
    private readonly off: number,
  ) {
    this.text = el.text;
  }

  get name(): string {
    return this.el.name;
  }
  get start(): number {
    return this.el.start + this.off;
  }
  get end(): number {
    return this.el.end + this.off;
  }
  get startTagEnd(): number {
    return this.el.startTagEnd + this.off;
  }
  get contentStart(): number {
    return this.el.contentStart + this.off;
  }
  get contentEnd(): number {
    return this.el.contentEnd + this.off;
  }
  get attributes(): XmlAttribute[] {
    const o = this.off;
    return (this.attrs ??= this.el.attributes.map((a) => ({
      ...a,
      nameStart: a.nameStart + o,
      valueStart: a.valueStart + o,
      valueEnd: a.valueEnd + o,
    })));
  }
  get children(): XmlElement[] {
    return (this.kids ??= this.el.children.map((c) => new ShiftedElement(c, this.off)));
  }
}

/** The end (past `>`) of the start tag at `start`, quotes respected; -1 when unterminated. */
function startTagEnd(text: string, start: number): number {
  let quote = 0;
  for (let j = start + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (quote) {
      if (c === quote) quote = 0;
    } else if (c === 0x22 || c === 0x27) quote = c;
    else if (c === 0x3e) return j + 1;
    else if (c === 0x3c) return -1;
  }
  return -1;
}

const NAME = /[A-Za-z_][\w.:-]*/y;

/** The elements the tolerant read looks for (each read whole, where it is). */
const READ_WHOLE = new Set(['disk', 'hostdev', 'blkiotune', 'name', 'uuid']);

/** An element of `text` parsed alone: [start, end) must hold exactly one element. */
function parseAlone(text: string, start: number, end: number): XmlElement | undefined {
  const root = parseXml(text.slice(start, end)).root;
  return root ? new ShiftedElement(root, start) : undefined;
}

/**
 * A domain read element by element from a text that is not well-formed XML: its root's start tag,
 * the first `<name>` and `<uuid>`, and every `<disk>`, `<hostdev>` and `<blkiotune>` element that is
 * well-formed on its own, under a made-up `<devices>`. Undefined when the first element other than
 * those is not `<domain>`.
 */
export function tolerantDomainDocument(text: string, error?: XmlSyntaxError): XmlDocument | undefined {
  const n = text.length;
  const found: XmlElement[] = [];
  const seen = new Set<string>();
  const closes = new Map<string, number>();
  let root: { start: number; startTagEnd: number; attributes: XmlAttribute[] } | undefined;
  let i = text.indexOf('<');
  while (i >= 0 && i < n) {
    let next = i + 1;
    if (text.startsWith('<!--', i)) next = (text.indexOf('-->', i + 4) + 1 || n) + 2;
    else if (text.startsWith('<![CDATA[', i)) next = (text.indexOf(']]>', i + 9) + 1 || n) + 2;
    else if (text.startsWith('<?', i)) next = (text.indexOf('?>', i + 2) + 1 || n) + 1;
    else if (text[i + 1] !== '/' && text[i + 1] !== '!') {
      NAME.lastIndex = i + 1;
      const name = NAME.exec(text)?.[0];
      const ste = name ? startTagEnd(text, i) : -1;
      // Read whole wherever they are (a macro that holds a <disk> may come before the root).
      if (name && ste > 0 && READ_WHOLE.has(name) && !((name === 'name' || name === 'uuid') && seen.has(name))) {
        let end = -1;
        if (text.charCodeAt(ste - 2) === 0x2f) end = ste;
        else {
          // The next end tag of that name (remembered: unclosed elements by the thousand stay linear).
          let close = closes.get(name);
          if (close === undefined || (close >= 0 && close < ste)) closes.set(name, (close = text.indexOf(`</${name}`, ste)));
          const gt = close < 0 ? -1 : text.indexOf('>', close);
          // Not when another element of that name starts first (this one is unclosed).
          const again = text.indexOf(`<${name}`, ste);
          if (gt > 0 && (again < 0 || again > close)) end = gt + 1;
        }
        const el = end > 0 ? parseAlone(text, i, end) : undefined;
        if (el) {
          found.push(el);
          seen.add(name);
          next = end;
        }
      }
      if (next === i + 1 && !root) {
        // The first other element is the root.
        if (name !== 'domain' || ste < 0) return undefined;
        const r = parseXml(text.slice(i, ste) + '</domain>').root;
        root = { start: i, startTagEnd: ste, attributes: r ? new ShiftedElement(r, i).attributes : [] };
      }
    }
    i = text.indexOf('<', next);
  }
  if (!root) return undefined;
  const r = root;
  const made = (name: string, children: XmlElement[], start: number, end: number, attributes: XmlAttribute[] = []): XmlElement => ({
    name,
    start,
    end,
    startTagEnd: start,
    contentStart: start,
    contentEnd: end,
    attributes,
    children,
    text: '',
  });
  const devices = found.filter((e) => e.name === 'disk' || e.name === 'hostdev');
  const top = found.filter((e) => e.name !== 'disk' && e.name !== 'hostdev');
  const domain: XmlElement = {
    ...made(
      'domain',
      [...top, made('devices', devices, devices[0]?.start ?? r.startTagEnd, devices.at(-1)?.end ?? r.startTagEnd)],
      r.start,
      n,
    ),
    startTagEnd: r.startTagEnd,
    contentStart: r.startTagEnd,
    attributes: r.attributes,
  };
  let lines: LineIndex | undefined;
  const doc = { text, root: domain, ...(error ? { error } : {}) } as XmlDocument;
  Object.defineProperty(doc, 'lines', { get: () => (lines ??= new LineIndex(text)), enumerable: true });
  return doc;
}
