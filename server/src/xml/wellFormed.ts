/**
 * XML 1.0 well-formedness as libxml2 judges it (and so `virsh define`): one linear pass over the
 * decoded text, no regular expression over the input, no recursion on the document's depth.
 *
 * What counts is what makes `xmllint --noout` fail: namespace errors (undeclared prefixes, …) and
 * warnings (XML 1.1, `<?xml-…?>` targets) do not; libxml2's default limits (a name part over 50,000
 * characters, an attribute value or a text node over 10,000,000) do. Entities declared in an internal
 * subset are never expanded: a reference to one is checked the way libxml2 checks it (declared, not
 * external in an attribute, no `<` in an attribute, replacement text well-formed content, no loop),
 * each entity once.
 */

import { NO_CHILDREN, PositionedElement } from './element';

export interface WellFormedError {
  message: string;
  offset: number;
}

const MAX_NAME = 50_000;
const MAX_VALUE = 10_000_000;
/**
 * Open elements the tree holds at most: a non-empty element inside more is refused as the former
 * parse (fast-xml-parser's maxNestedTags) refused it, so no verdict changed with the one pass.
 */
const MAX_TREE_DEPTH = 100;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** A code unit that is allowed as is (surrogates are judged in pairs by the caller). */
function isCharUnit(c: number): boolean {
  if (c >= 0x20) return c < 0xfffe;
  return c === 0x09 || c === 0x0a || c === 0x0d;
}

function isCodePoint(c: number): boolean {
  return (
    c === 0x09 || c === 0x0a || c === 0x0d || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff)
  );
}

function isNameStart(c: number): boolean {
  if (c < 0x80) return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x3a;
  return (
    (c >= 0xc0 && c <= 0xd6) ||
    (c >= 0xd8 && c <= 0xf6) ||
    (c >= 0xf8 && c <= 0x2ff) ||
    (c >= 0x370 && c <= 0x37d) ||
    (c >= 0x37f && c <= 0x1fff) ||
    c === 0x200c ||
    c === 0x200d ||
    (c >= 0x2070 && c <= 0x218f) ||
    (c >= 0x2c00 && c <= 0x2fef) ||
    (c >= 0x3001 && c <= 0xd7ff) ||
    (c >= 0xf900 && c <= 0xfdcf) ||
    (c >= 0xfdf0 && c <= 0xfffd) ||
    (c >= 0x10000 && c <= 0xeffff)
  );
}

function isNameChar(c: number): boolean {
  if (c < 0x80)
    return (
      (c >= 0x61 && c <= 0x7a) ||
      (c >= 0x41 && c <= 0x5a) ||
      (c >= 0x30 && c <= 0x39) ||
      c === 0x5f ||
      c === 0x3a ||
      c === 0x2d ||
      c === 0x2e
    );
  return isNameStart(c) || c === 0xb7 || (c >= 0x300 && c <= 0x36f) || c === 0x203f || c === 0x2040;
}

class Fail extends Error {
  constructor(
    readonly msg: string,
    readonly at: number,
  ) {
    super(msg);
  }
}

interface Entity {
  name: string;
  /** Literal value (internal entities), character references already replaced. */
  value?: string;
  external: boolean;
  unparsed: boolean;
  /** 0 unchecked, 1 being checked, 2 fine as content. */
  contentState: 0 | 1 | 2;
  /** 0 unchecked, 1 being checked, 2 fine in attributes. */
  attrState: 0 | 1 | 2;
}

const NON_SPACE = /\S/;

// Runs of characters that need no decision one by one, matched natively (a cold process runs the
// per-character loops in the interpreter: these runs are most of a document). Each class holds only
// characters XML allows, minus the ones the loops below must look at; anything else, a surrogate
// pair included, takes the character-by-character path.
/** Text: not '<', '&' or ']' (for ']]>'). */
const PLAIN_TEXT = /[\t\n\r\x20-\x25\x27-\x3b\x3d-\x5c\x5e-\ud7ff\ue000-\ufffd]+/y;
/** XML whitespace, to find whether a run of text has anything else. */
const SPACES = /[\t\n\r ]*/y;
/** An attribute value in double quotes: not '"', '&' or '<'. */
const PLAIN_VALUE_DQ = /[\t\n\r\x20\x21\x23-\x25\x27-\x3b\x3d-\ud7ff\ue000-\ufffd]+/y;
/** An attribute value in single quotes: not "'", '&' or '<'. */
const PLAIN_VALUE_SQ = /[\t\n\r\x20-\x25\x28-\x3b\x3d-\ud7ff\ue000-\ufffd]+/y;
/** A comment's characters other than '-'. */
const PLAIN_COMMENT = /[\t\n\r\x20-\x2c\x2e-\ud7ff\ue000-\ufffd]+/y;
/** An ASCII name (the usual case); a longer one, or one followed by a non-ASCII character, is read one code point at a time. */
const ASCII_NAME = /[A-Za-z_:][A-Za-z0-9_:.-]*/y;

/** Line ends as the former parse (fast-xml-parser) gave them in text: CRLF and CR as LF. */
function lf(s: string): string {
  return s.indexOf('\r') < 0 ? s : s.replace(/\r\n?/g, '\n');
}

/**
 * An element's direct text, built as the content is read: the runs of text between its tags, CDATA
 * sections and processing instructions (a comment does not end a run), each kept only when it is
 * not all whitespace (indentation), CDATA content as is, entities as written.
 */
class TextRun {
  /** The run's text before the comments in it. */
  private pending = '';

  constructor(private readonly s: string) {}

  /** A comment at `at` interrupts the run (its part since `start`, -1: none) without ending it. */
  pause(start: number, at: number): void {
    if (start >= 0) this.pending += lf(this.s.slice(start, at));
  }

  /**
   * Markup at `at` ends the run (its last part since `start`): its text goes to `el`. `solid`: the run
   * has a character other than XML whitespace (then it is tested as JavaScript's \S).
   */
  flush(el: PositionedElement, start: number, solid: boolean, at: number): void {
    if (solid) {
      const t = start >= 0 ? this.pending + lf(this.s.slice(start, at)) : this.pending;
      if (NON_SPACE.test(t)) el.text += t;
    }
    this.pending = '';
  }

  /** A CDATA section from `at` to `end`, after the run before it. */
  cdata(el: PositionedElement, start: number, solid: boolean, at: number, end: number): void {
    this.flush(el, start, solid, at);
    const t = lf(this.s.slice(at + 9, end - 3));
    if (NON_SPACE.test(t)) el.text += t;
  }
}

const PREDEFINED = new Set(['lt', 'gt', 'amp', 'apos', 'quot']);

function show(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

function describeChar(c: number): string {
  return `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
}

class Checker {
  private i = 0;
  readonly n: number;
  private entities = new Map<string, Entity>();
  /** Parameter entities declared: name → external (an external one is never loaded, as xmllint does not). */
  private parameterEntities = new Map<string, boolean>();
  /** Undeclared entities are not an error when declarations may come from elsewhere (external subset, PE references) and the document is not standalone. */
  private declarationsUnknown = false;
  private standalone = false;
  /** Set by startTag: whether the tag just read was empty ('/>'). */
  private emptyTag = false;
  /** Attribute names of the start tag being read (a Set only for tags with many). */
  private attrNames: string[] = [];
  /** The document element, when the tree is built (`build`): the same pass that judges the text. */
  root?: PositionedElement;
  /** An element nested deeper than the tree holds (see MAX_TREE_DEPTH). */
  tooDeep = false;

  constructor(
    private readonly s: string,
    private readonly inEntity?: string,
    private readonly build = false,
  ) {
    this.n = s.length;
  }

  private fail(msg: string, at = this.i): never {
    throw new Fail(msg, at);
  }

  private code(k: number): number {
    return this.s.charCodeAt(k);
  }

  private starts(lit: string, k = this.i): boolean {
    return this.s.startsWith(lit, k);
  }

  /** Checks the character at k (a code unit, or a surrogate pair) and returns its length. */
  private charAt(k: number, where: string): number {
    const c = this.code(k);
    if (isCharUnit(c) && (c < 0xd800 || c > 0xdfff)) return 1;
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = this.code(k + 1);
      if (d >= 0xdc00 && d <= 0xdfff) return 2;
    }
    this.fail(`character ${describeChar(c)} is not allowed in XML (${where})`, k);
  }

  private skipSpace(): boolean {
    const from = this.i;
    while (this.i < this.n && isSpace(this.code(this.i))) this.i++;
    return this.i > from;
  }

  private requireSpace(what: string): void {
    if (!this.skipSpace()) this.fail(`whitespace expected ${what}`);
  }

  /** 1-based line of offset k (for messages about a construct that starts earlier than where it fails). */
  private lineOf(k: number): number {
    let line = 1;
    for (let j = this.s.indexOf('\n'); j >= 0 && j < k; j = this.s.indexOf('\n', j + 1)) line++;
    return line;
  }

  private codePointAt(k: number): number {
    return this.s.codePointAt(k) ?? 0;
  }

  /** Reads a Name at i; fails with `what` when there is none. */
  private name(what: string): string {
    const start = this.i;
    ASCII_NAME.lastIndex = start;
    if (ASCII_NAME.test(this.s)) {
      const end = ASCII_NAME.lastIndex;
      if (end - start <= MAX_NAME && !(this.code(end) >= 0x80)) {
        this.i = end;
        return this.s.slice(start, end);
      }
    }
    let cp = this.codePointAt(this.i);
    if (this.i >= this.n || !isNameStart(cp)) this.fail(`${what}: a name must start with a letter, '_' or ':'`);
    let part = 0;
    while (this.i < this.n) {
      cp = this.codePointAt(this.i);
      if (!isNameChar(cp)) break;
      if (cp === 0x3a) part = 0;
      else if (++part > MAX_NAME) this.fail('name too long (libxml2 accepts at most 50,000 characters)', start);
      this.i += cp > 0xffff ? 2 : 1;
    }
    return this.s.slice(start, this.i);
  }

  /** A character reference at i ('&#'); returns the code point. */
  private charRef(): number {
    const start = this.i;
    this.i += 2;
    let v = 0;
    let digits = 0;
    const hex = this.code(this.i) === 0x78; // x
    if (hex) this.i++;
    for (; this.i < this.n; this.i++, digits++) {
      const c = this.code(this.i);
      let d: number;
      if (c >= 0x30 && c <= 0x39) d = c - 0x30;
      else if (hex && c >= 0x61 && c <= 0x66) d = c - 0x57;
      else if (hex && c >= 0x41 && c <= 0x46) d = c - 0x37;
      else break;
      v = Math.min(v * (hex ? 16 : 10) + d, 0x7fffffff);
    }
    if (!digits || this.code(this.i) !== 0x3b)
      this.fail(`malformed character reference (expected ${hex ? 'hex digits' : 'digits'} and ';')`, start);
    this.i++;
    if (!isCodePoint(v)) this.fail(`character reference ${this.s.slice(start, this.i)} is to a character XML does not allow`, start);
    return v;
  }

  /** An entity reference at i ('&' not followed by '#'); returns its name. */
  private entityRefName(): string {
    const start = this.i;
    this.i++;
    if (!isNameStart(this.codePointAt(this.i))) this.fail("'&' must start an entity or character reference (write &amp;)", start);
    const nm = this.name('entity reference');
    if (this.code(this.i) !== 0x3b) this.fail(`entity reference &${show(nm)} is missing its ';' (write &amp; for a literal '&')`, start);
    this.i++;
    return nm;
  }

  private undeclared(nm: string, at: number): void {
    if (this.declarationsUnknown && !this.standalone) return;
    this.fail(`entity '${show(nm)}' is not defined (only &lt; &gt; &amp; &apos; &quot; and character references are)`, at);
  }

  private lookup(nm: string): Entity | undefined {
    return this.entities.get(nm);
  }

  /** A general entity referenced in content: its replacement text must be well-formed content. */
  private checkEntityContent(e: Entity, at: number): void {
    if (e.unparsed) this.fail(`reference to the unparsed entity '${show(e.name)}'`, at);
    if (e.external || e.contentState === 2) return;
    if (e.contentState === 1) this.fail(`entity '${show(e.name)}' refers to itself (entity reference loop)`, at);
    e.contentState = 1;
    const sub = new Checker(e.value ?? '', e.name);
    sub.entities = this.entities;
    sub.declarationsUnknown = this.declarationsUnknown;
    sub.standalone = this.standalone;
    try {
      sub.content(0);
      if (sub.i < sub.n) sub.fail('the replacement text is not balanced content');
    } catch (err) {
      if (err instanceof Fail) this.fail(`entity '${show(e.name)}' is not well-formed: ${err.msg}`, at);
      throw err;
    }
    e.contentState = 2;
  }

  /** A general entity referenced in an attribute value: internal, and no '<' in its replacement text. */
  private checkEntityAttr(e: Entity, at: number): void {
    if (e.unparsed) this.fail(`reference to the unparsed entity '${show(e.name)}'`, at);
    if (e.external) this.fail(`attribute value refers to the external entity '${show(e.name)}'`, at);
    if (e.attrState === 2) return;
    if (e.attrState === 1) this.fail(`entity '${show(e.name)}' refers to itself (entity reference loop)`, at);
    e.attrState = 1;
    const v = e.value ?? '';
    for (let k = 0; k < v.length; k++) {
      const c = v.charCodeAt(k);
      if (c === 0x3c) this.fail(`'<' in entity '${show(e.name)}' is not allowed in attribute values`, at);
      if (c === 0x26 && v.charCodeAt(k + 1) !== 0x23) {
        let j = k + 1;
        while (j < v.length && v.charCodeAt(j) !== 0x3b) j++;
        const nm = v.slice(k + 1, j);
        if (!PREDEFINED.has(nm)) {
          const inner = this.lookup(nm);
          if (!inner) this.undeclared(nm, at);
          else this.checkEntityAttr(inner, at);
        }
        k = j;
      }
    }
    e.attrState = 2;
  }

  /** An attribute value at i (at its quote). */
  private attValue(attr: string): void {
    const q = this.code(this.i);
    if (q !== 0x22 && q !== 0x27) this.fail(`the value of attribute '${show(attr)}' must be in quotes`);
    const start = ++this.i;
    const plain = q === 0x22 ? PLAIN_VALUE_DQ : PLAIN_VALUE_SQ;
    for (;;) {
      plain.lastIndex = this.i;
      if (plain.test(this.s)) this.i = plain.lastIndex;
      if (this.i >= this.n) this.fail(`the value of attribute '${show(attr)}' has no closing quote`, start - 1);
      const c = this.code(this.i);
      if (c === q) break;
      if (c === 0x3c) this.fail(`unescaped '<' in the value of attribute '${show(attr)}' (write &lt;)`);
      if (c === 0x26) {
        if (this.code(this.i + 1) === 0x23) this.charRef();
        else {
          const at = this.i;
          const nm = this.entityRefName();
          if (!PREDEFINED.has(nm)) {
            const e = this.lookup(nm);
            if (!e) this.undeclared(nm, at);
            else this.checkEntityAttr(e, at);
          }
        }
        continue;
      }
      // The message is built only for a character that is refused (not once per character).
      if (isCharUnit(c) && (c < 0xd800 || c > 0xdfff)) this.i++;
      else this.i += this.charAt(this.i, `in the value of attribute '${show(attr)}'`);
    }
    if (this.i - start > MAX_VALUE)
      this.fail(`the value of attribute '${show(attr)}' is too long (libxml2 accepts at most 10,000,000 characters)`, start);
    this.i++;
  }

  private comment(): void {
    const start = this.i;
    this.i += 4;
    for (;;) {
      PLAIN_COMMENT.lastIndex = this.i;
      if (PLAIN_COMMENT.test(this.s)) this.i = PLAIN_COMMENT.lastIndex;
      if (this.i >= this.n) this.fail(`the comment started on line ${this.lineOf(start)} is not terminated (no -->)`, this.n);
      if (this.code(this.i) === 0x2d && this.code(this.i + 1) === 0x2d) {
        if (this.code(this.i + 2) === 0x3e) {
          this.i += 3;
          return;
        }
        this.fail("'--' is not allowed inside a comment");
      }
      this.i += this.charAt(this.i, 'in a comment');
    }
  }

  private pi(): void {
    const start = this.i;
    this.i += 2;
    const target = this.name('processing instruction');
    if (target === 'xml') this.fail('the XML declaration is allowed only at the very start of the document', start);
    if (target.length === 3 && target.toLowerCase() === 'xml')
      this.fail(`invalid processing instruction target '${target}' (reserved)`, start + 2);
    if (this.starts('?>')) {
      this.i += 2;
      return;
    }
    this.requireSpace(`after the processing instruction target '${show(target)}'`);
    for (;;) {
      if (this.i >= this.n) this.fail(`the processing instruction started on line ${this.lineOf(start)} is not terminated (no ?>)`, this.n);
      if (this.code(this.i) === 0x3f && this.code(this.i + 1) === 0x3e) {
        this.i += 2;
        return;
      }
      this.i += this.charAt(this.i, 'in a processing instruction');
    }
  }

  private cdata(): void {
    const start = this.i;
    this.i += 9;
    for (;;) {
      if (this.i >= this.n) this.fail(`the CDATA section started on line ${this.lineOf(start)} is not terminated (no ]]>)`, this.n);
      if (this.code(this.i) === 0x5d && this.starts(']]>')) {
        this.i += 3;
        return;
      }
      this.i += this.charAt(this.i, 'in a CDATA section');
    }
  }

  /** A start tag at i ('<' + name start); returns the name and sets `emptyTag` ('/>'). */
  private startTag(): string {
    this.i++;
    const nm = this.name('element');
    const names = this.attrNames;
    names.length = 0;
    let seen: Set<string> | undefined;
    for (;;) {
      const hadSpace = this.skipSpace();
      if (this.i >= this.n) this.fail(`start tag <${show(nm)}> is not terminated`);
      const c = this.code(this.i);
      if (c === 0x3e) {
        this.i++;
        this.emptyTag = false;
        return nm;
      }
      if (c === 0x2f) {
        if (this.code(this.i + 1) !== 0x3e) this.fail(`expected '/>' to end the start tag <${show(nm)}>`);
        this.i += 2;
        this.emptyTag = true;
        return nm;
      }
      if (!hadSpace) {
        if (isNameStart(this.codePointAt(this.i))) this.fail('whitespace expected between attributes');
        this.fail(`unexpected character in the start tag <${show(nm)}>`);
      }
      if (!isNameStart(this.codePointAt(this.i))) this.fail(`unexpected character in the start tag <${show(nm)}>`);
      const at = this.i;
      const an = this.name('attribute');
      // A linear search while there are few attributes (the usual case: no Set per element).
      if (seen) {
        if (seen.has(an)) this.fail(`attribute '${show(an)}' is given twice`, at);
        seen.add(an);
      } else {
        if (names.includes(an)) this.fail(`attribute '${show(an)}' is given twice`, at);
        names.push(an);
        if (names.length > 16) seen = new Set(names);
      }
      this.skipSpace();
      if (this.code(this.i) !== 0x3d) this.fail(`attribute '${show(an)}' has no value (expected '=')`);
      this.i++;
      this.skipSpace();
      this.attValue(an);
    }
  }

  /**
   * Content (of the document element, or an entity's replacement text), iteratively.
   * Returns at the end of input, or after the end tag that closes the element open at `depth0` levels.
   * With `build`, it also builds the positioned tree as it goes (see `TextRun` for the text).
   */
  content(depth0: number): void {
    const stack: string[] = [];
    let build = this.build;
    const els: PositionedElement[] = [];
    const run = new TextRun(this.s);
    // The current text run (TextRun): where its part since the last comment started (-1: none), and
    // whether it has a character other than XML whitespace. Locals: they change with every character.
    let tStart = -1;
    let tSolid = false;
    let textRun = 0;
    let runStart = 0;
    while (this.i < this.n) {
      const c = this.code(this.i);
      if (c === 0x3c) {
        textRun = 0;
        const d = this.code(this.i + 1);
        if (d === 0x2f) {
          const at = this.i;
          if (build && els.length) run.flush(els[els.length - 1], tStart, tSolid, at);
          tStart = -1;
          tSolid = false;
          this.i += 2;
          const nm = this.name('end tag');
          this.skipSpace();
          if (this.code(this.i) !== 0x3e) this.fail(`end tag </${show(nm)}> is not terminated by '>'`);
          this.i++;
          const open = stack.pop();
          if (open === undefined) {
            if (depth0 > 0 && !this.inEntity) return void (this.i = at); // the caller's end tag
            this.fail(`end tag </${show(nm)}> has no matching start tag`, at);
          }
          if (open !== nm) this.fail(`end tag </${show(nm)}> does not match the start tag <${show(open)}>`, at);
          if (build) els.pop()!.end = this.i;
          if (!stack.length && depth0 === 0 && !this.inEntity) return;
          continue;
        }
        if (d === 0x21) {
          const at = this.i;
          if (this.starts('<!--')) {
            if (build) run.pause(tStart, at);
            tStart = -1;
            this.comment();
          } else if (this.starts('<![CDATA[')) {
            this.cdata();
            if (build && els.length) run.cdata(els[els.length - 1], tStart, tSolid, at, this.i);
            tStart = -1;
            tSolid = false;
          } else if (this.starts('<!DOCTYPE')) this.fail('a DOCTYPE declaration is only allowed before the root element');
          else this.fail("unexpected '<!' (not a comment or CDATA section)");
          continue;
        }
        if (d === 0x3f) {
          if (build && els.length) run.flush(els[els.length - 1], tStart, tSolid, this.i);
          tStart = -1;
          tSolid = false;
          this.pi();
          continue;
        }
        if (!isNameStart(this.codePointAt(this.i + 1)))
          this.fail("unescaped '<' in text, or a tag name that does not start with a letter, '_' or ':' (write &lt;)");
        const at = this.i;
        if (build && els.length) run.flush(els[els.length - 1], tStart, tSolid, at);
        tStart = -1;
        tSolid = false;
        const nm = this.startTag();
        if (build) {
          this.place(els, new PositionedElement(nm, at, this.i, this.s));
          if (this.tooDeep) build = false; // refused: only the judgement goes on
        }
        if (!this.emptyTag) stack.push(nm);
        else if (!stack.length && depth0 === 0 && !this.inEntity) return;
        continue;
      }
      if (!stack.length && depth0 === 0 && !this.inEntity) this.fail('content outside the root element');
      if (textRun === 0) runStart = this.i;
      if (tStart < 0) tStart = this.i;
      PLAIN_TEXT.lastIndex = this.i;
      if (PLAIN_TEXT.test(this.s)) {
        const end = PLAIN_TEXT.lastIndex;
        if (!tSolid) {
          SPACES.lastIndex = this.i;
          SPACES.test(this.s);
          tSolid = SPACES.lastIndex < end;
        }
        textRun += end - this.i;
        this.i = end;
        if (textRun > MAX_VALUE) this.fail('text node too long (libxml2 accepts at most 10,000,000 characters)', runStart);
        continue;
      }
      if (c > 0x20) tSolid = true; // not XML whitespace (the other controls are refused)
      if (c === 0x26) {
        const at = this.i;
        if (this.code(this.i + 1) === 0x23) this.charRef();
        else {
          const nm = this.entityRefName();
          if (!PREDEFINED.has(nm)) {
            const e = this.lookup(nm);
            if (!e) this.undeclared(nm, at);
            else this.checkEntityContent(e, at);
          }
        }
        textRun += this.i - at;
        continue;
      }
      if (c === 0x5d && this.starts(']]>')) this.fail("']]>' is not allowed in text (write ]]&gt;)");
      const len = isCharUnit(c) && (c < 0xd800 || c > 0xdfff) ? 1 : this.charAt(this.i, 'in text');
      this.i += len;
      textRun += len;
      if (textRun > MAX_VALUE) this.fail('text node too long (libxml2 accepts at most 10,000,000 characters)', runStart);
    }
    if (stack.length) this.fail(`element <${show(stack[stack.length - 1])}> is not closed`, this.n);
  }

  /** Puts a new element in the tree (the root, or the open element's last child), and opens it unless it was empty. */
  private place(els: PositionedElement[], el: PositionedElement): void {
    if (els.length) {
      const parent = els[els.length - 1];
      if (parent.children === NO_CHILDREN) parent.children = [el];
      else parent.children.push(el);
    } else this.root ??= el;
    if (!this.emptyTag) {
      if (els.length > MAX_TREE_DEPTH) this.tooDeep = true;
      els.push(el);
    }
  }

  private quoted(what: string): string {
    const q = this.code(this.i);
    if (q !== 0x22 && q !== 0x27) this.fail(`${what}: expected a quoted string`);
    const start = this.i + 1;
    const end = this.s.indexOf(String.fromCharCode(q), start);
    if (end < 0) this.fail(`${what}: the string has no closing quote`);
    for (let k = start; k < end;) k += this.charAt(k, what);
    this.i = end + 1;
    return this.s.slice(start, end);
  }

  private externalId(what: string, optionalSystem: boolean): boolean {
    if (this.starts('SYSTEM')) {
      this.i += 6;
      this.requireSpace(`after SYSTEM in ${what}`);
      this.quoted(`${what} SYSTEM literal`);
      return true;
    }
    if (this.starts('PUBLIC')) {
      this.i += 6;
      this.requireSpace(`after PUBLIC in ${what}`);
      const pub = this.quoted(`${what} PUBLIC literal`);
      for (let k = 0; k < pub.length; k++) {
        const c = pub.charCodeAt(k);
        const ok =
          (c >= 0x61 && c <= 0x7a) ||
          (c >= 0x41 && c <= 0x5a) ||
          (c >= 0x30 && c <= 0x39) ||
          c === 0x20 ||
          c === 0x0d ||
          c === 0x0a ||
          "-'()+,./:=?;!*#@$_%".includes(pub[k]);
        if (!ok) this.fail(`${what}: character '${pub[k]}' is not allowed in a PUBLIC identifier`);
      }
      const sp = this.skipSpace();
      const q = this.code(this.i);
      if (q === 0x22 || q === 0x27) {
        if (!sp) this.fail(`whitespace expected before the SYSTEM literal in ${what}`);
        this.quoted(`${what} SYSTEM literal`);
      } else if (!optionalSystem) this.fail(`${what}: SYSTEM literal expected after the PUBLIC identifier`);
      return true;
    }
    return false;
  }

  /** An entity value literal: returns it with character references replaced (PE references make declarations unknown). */
  private entityValue(what: string): string {
    const q = this.code(this.i);
    if (q !== 0x22 && q !== 0x27) this.fail(`${what}: expected a quoted value or SYSTEM/PUBLIC`);
    this.i++;
    let out = '';
    let from = this.i;
    for (;;) {
      if (this.i >= this.n) this.fail(`${what}: the value has no closing quote`);
      const c = this.code(this.i);
      if (c === q) break;
      if (c === 0x25) this.fail(`${what}: parameter entity references are not allowed inside declarations in the internal subset`);
      if (c === 0x26) {
        if (this.code(this.i + 1) === 0x23) {
          out += this.s.slice(from, this.i);
          out += String.fromCodePoint(this.charRef());
          from = this.i;
        } else this.entityRefName();
        continue;
      }
      this.i += this.charAt(this.i, what);
    }
    out += this.s.slice(from, this.i);
    this.i++;
    return out;
  }

  private entityDecl(): void {
    const start = this.i;
    this.i += 8;
    this.requireSpace('after <!ENTITY');
    let pe = false;
    if (this.code(this.i) === 0x25) {
      pe = true;
      this.i++;
      this.requireSpace("after '%' in <!ENTITY");
    }
    const nm = this.name('entity declaration');
    this.requireSpace(`after the entity name '${show(nm)}'`);
    const what = `entity '${show(nm)}'`;
    const e: Entity = { name: nm, external: false, unparsed: false, contentState: 0, attrState: 0 };
    if (this.externalId(what, false)) {
      e.external = true;
      const sp = this.skipSpace();
      if (!pe && this.starts('NDATA')) {
        if (!sp) this.fail(`whitespace expected before NDATA in ${what}`);
        this.i += 5;
        this.requireSpace(`after NDATA in ${what}`);
        this.name(`${what} notation`);
        e.unparsed = true;
      }
    } else e.value = this.entityValue(what);
    this.skipSpace();
    if (this.code(this.i) !== 0x3e) this.fail(`${what}: declaration is not terminated by '>'`, start);
    this.i++;
    if (pe) {
      if (!this.parameterEntities.has(nm)) this.parameterEntities.set(nm, e.external);
    } else if (!this.entities.has(nm) && !PREDEFINED.has(nm)) this.entities.set(nm, e);
  }

  /** ELEMENT, ATTLIST, NOTATION declarations: located (quotes respected), not parsed further. */
  private otherDecl(): void {
    const start = this.i;
    for (this.i += 2; this.i < this.n;) {
      const c = this.code(this.i);
      if (c === 0x3e) {
        this.i++;
        return;
      }
      if (c === 0x22 || c === 0x27) {
        this.quoted('declaration');
        continue;
      }
      if (c === 0x3c) break;
      this.i += this.charAt(this.i, 'in a declaration');
    }
    this.fail('markup declaration is not terminated', start);
  }

  private doctype(): void {
    const start = this.i;
    let hasExternalSubset = false;
    this.i += 9;
    this.requireSpace('after <!DOCTYPE');
    this.name('DOCTYPE');
    const sp = this.skipSpace();
    if (this.starts('SYSTEM') || this.starts('PUBLIC')) {
      if (!sp) this.fail('whitespace expected after the DOCTYPE name');
      this.externalId('DOCTYPE', false);
      this.declarationsUnknown = hasExternalSubset = true;
      this.skipSpace();
    }
    if (this.code(this.i) === 0x5b) {
      this.i++;
      for (;;) {
        this.skipSpace();
        if (this.i >= this.n) this.fail('DOCTYPE declaration is not terminated', start);
        const c = this.code(this.i);
        if (c === 0x5d) {
          this.i++;
          break;
        }
        if (c === 0x25) {
          const at = this.i;
          this.i++;
          const nm = this.name('parameter entity reference');
          if (this.code(this.i) !== 0x3b) this.fail(`parameter entity reference %${show(nm)} is missing its ';'`, at);
          this.i++;
          const pe = this.parameterEntities.get(nm);
          if (pe === undefined) {
            if (!hasExternalSubset || this.standalone) this.fail(`parameter entity %${show(nm)}; is not defined`, at);
          } else if (!pe) this.declarationsUnknown = true; // an internal one may declare entities (never expanded here)
          continue;
        }
        if (this.starts('<!--')) this.comment();
        else if (this.starts('<?')) this.pi();
        else if (this.starts('<!ENTITY')) this.entityDecl();
        else if (this.starts('<!ELEMENT') || this.starts('<!ATTLIST') || this.starts('<!NOTATION')) this.otherDecl();
        else this.fail('unexpected content in the DOCTYPE internal subset');
      }
      this.skipSpace();
    }
    if (this.code(this.i) !== 0x3e) this.fail('DOCTYPE declaration is not terminated', start);
    this.i++;
  }

  private xmlDecl(): void {
    this.i += 5;
    const pseudo = (nm: string, required: boolean): string | undefined => {
      const before = this.i;
      const sp = this.skipSpace();
      if (!this.starts(nm)) {
        this.i = before;
        if (required) this.fail(`the XML declaration must give the version first (version="1.0")`);
        return undefined;
      }
      if (!sp) this.fail(`whitespace expected before '${nm}' in the XML declaration`);
      this.i += nm.length;
      this.skipSpace();
      if (this.code(this.i) !== 0x3d) this.fail(`expected '=' after '${nm}' in the XML declaration`);
      this.i++;
      this.skipSpace();
      const at = this.i;
      const q = this.code(this.i);
      if (q !== 0x22 && q !== 0x27) this.fail(`the ${nm} in the XML declaration must be quoted`);
      const end = this.s.indexOf(String.fromCharCode(q), this.i + 1);
      const lt = this.s.indexOf('?>', this.i + 1);
      if (end < 0 || (lt >= 0 && lt < end)) this.fail(`the ${nm} in the XML declaration has no closing quote`, at);
      this.i = end + 1;
      return this.s.slice(at + 1, end);
    };
    const atVersion = this.i;
    const version = pseudo('version', true)!;
    if (!/^1\.[0-9]+$/.test(version)) {
      this.fail(`unsupported XML version '${show(version)}' (libvirt documents are version 1.0)`, atVersion);
    }
    const atEnc = this.i;
    const enc = pseudo('encoding', false);
    if (enc !== undefined) {
      let ok = enc.length > 0 && enc.length < 100;
      for (let k = 0; ok && k < enc.length; k++) {
        const c = enc.charCodeAt(k);
        const alpha = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
        ok = k === 0 ? alpha : alpha || (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x5f || c === 0x2d;
      }
      if (!ok) this.fail(`invalid encoding name '${show(enc)}' in the XML declaration`, atEnc);
    }
    const atSd = this.i;
    const sd = pseudo('standalone', false);
    if (sd !== undefined) {
      if (sd !== 'yes' && sd !== 'no') this.fail(`standalone must be 'yes' or 'no', not '${show(sd)}'`, atSd);
      this.standalone = sd === 'yes';
    }
    this.skipSpace();
    if (!this.starts('?>'))
      this.fail(
        "expected '?>' to end the XML declaration (version, encoding and standalone are the only pseudo-attributes, in that order)",
      );
    this.i += 2;
  }

  /** Misc* (comments, PIs, whitespace); a DOCTYPE too when `doctypeAllowed`. */
  private misc(doctypeAllowed: boolean): void {
    let sawDoctype = false;
    while (this.i < this.n) {
      if (this.skipSpace()) continue;
      if (this.starts('<!--')) this.comment();
      else if (this.starts('<?')) this.pi();
      else if (this.starts('<!DOCTYPE')) {
        if (!doctypeAllowed) this.fail('a DOCTYPE declaration is only allowed before the root element');
        if (sawDoctype) this.fail('only one DOCTYPE declaration is allowed');
        this.doctype();
        sawDoctype = true;
      } else return;
    }
  }

  document(): void {
    if (this.code(0) === 0xfeff) this.i = 1;
    if (this.starts('<?xml') && (isSpace(this.code(this.i + 5)) || this.starts('?>', this.i + 5))) this.xmlDecl();
    this.misc(true);
    if (this.i >= this.n)
      this.fail(this.n === 0 || this.s.trim() === '' ? 'the document is empty' : 'the document has no root element', this.n);
    if (this.code(this.i) !== 0x3c || !isNameStart(this.codePointAt(this.i + 1))) {
      this.fail(
        this.code(this.i) === 0x3c
          ? "a tag name must start with a letter, '_' or ':'"
          : 'the document must start with an element (text before the root element)',
      );
    }
    this.content(0);
    this.misc(false);
    if (this.i < this.n) {
      this.fail(
        this.code(this.i) === 0x3c && isNameStart(this.codePointAt(this.i + 1))
          ? 'only one root element is allowed (another element after it)'
          : 'content after the end of the root element',
      );
    }
  }
}

/** The first well-formedness error libxml2 would reject the document for, or undefined when it is well-formed. */
export function checkWellFormed(text: string): WellFormedError | undefined {
  return judge(new Checker(text));
}

function judge(c: Checker): WellFormedError | undefined {
  try {
    c.document();
    return undefined;
  } catch (e) {
    if (e instanceof Fail) return { message: e.msg, offset: Math.max(0, Math.min(e.at, c.n)) };
    throw e;
  }
}

/** The message (at offset 0) of a well-formed document nested deeper than the tree holds. */
export const TOO_DEEP = 'XML could not be parsed: Maximum nested tags exceeded';

/**
 * The same judgement, and in the same pass the positioned tree of a well-formed document (its root
 * element); `error` is set instead when it is not well-formed, or nested too deep for the tree.
 */
export function parseWellFormed(text: string): { root?: PositionedElement; error?: WellFormedError } {
  const c = new Checker(text, undefined, true);
  const error = judge(c);
  if (error) return { error };
  if (c.tooDeep) return { error: { message: TOO_DEEP, offset: 0 } };
  return { root: c.root };
}
