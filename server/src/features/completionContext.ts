/**
 * Where the cursor is, for completion: inside an attribute value, at an attribute name, at an
 * element name, or in element text — read from the text around the cursor, so it works while the
 * document is being typed and is not well-formed.
 */
export type CompletionContext =
  | {
      kind: 'attribute-value';
      element: string;
      attribute: string;
      valueStart: number;
      valueEnd: number;
      partial: string;
      parents: string[];
    }
  | { kind: 'attribute-name'; element: string; start: number; present: string[]; parents: string[] }
  | { kind: 'element-name'; start: number; parents: string[] }
  | { kind: 'text'; element: string; start: number; end: number; partial: string; parents: string[] }
  | { kind: 'none' };

const NAME = /^[A-Za-z_][\w.:-]*/;

/*
 * Everything here is a linear scan: the text is a document from anywhere, and a regular expression
 * that backtracks over a 40 KB tag or a run of unclosed comments took seconds per request.
 */

const isNameStart = (c: string | undefined) => c !== undefined && /[A-Za-z_]/.test(c);
const isNameChar = (c: string | undefined) => c !== undefined && /[\w.:-]/.test(c);
const isSpace = (c: string | undefined) => c !== undefined && /\s/.test(c);

/** `text.indexOf(needle, from)` for non-decreasing `from`, remembering the last answer (each character is read once). */
function forwardFinder(text: string, needle: string): (from: number) => number {
  let at = -2; // -2: not searched yet; -1: no occurrence at or after the last search start
  let searchedFrom = 0;
  return (from: number) => {
    if (at === -1 && from >= searchedFrom) return -1;
    if (at === -2 || at < from) {
      searchedFrom = from;
      at = text.indexOf(needle, from);
    }
    return at;
  };
}

/**
 * The attribute whose value the tag text ends in: `name = "partial` (an open quote with no quote after it).
 * The name is the run of name characters before the `=`, from its first letter or underscore.
 */
function openValue(tag: string): { attribute: string; quote: string; partial: string } | undefined {
  const q = Math.max(tag.lastIndexOf('"'), tag.lastIndexOf("'"));
  if (q < 0) return undefined;
  let j = q - 1;
  while (j >= 0 && isSpace(tag[j])) j--;
  if (tag[j] !== '=') return undefined;
  j--;
  while (j >= 0 && isSpace(tag[j])) j--;
  const end = j + 1;
  while (j >= 0 && isNameChar(tag[j])) j--;
  let start = j + 1;
  while (start < end && !isNameStart(tag[start])) start++;
  if (start >= end) return undefined;
  return { attribute: tag.slice(start, end), quote: tag[q], partial: tag.slice(q + 1) };
}

/** Names followed by `=` in the tag text (the attributes present). */
function attributeNames(tag: string): string[] {
  const names: string[] = [];
  for (let eq = tag.indexOf('='); eq >= 0; eq = tag.indexOf('=', eq + 1)) {
    let j = eq - 1;
    while (j >= 0 && isSpace(tag[j])) j--;
    const end = j + 1;
    while (j >= 0 && isNameChar(tag[j])) j--;
    let start = j + 1;
    while (start < end && !isNameStart(tag[start])) start++;
    if (start < end) names.push(tag.slice(start, end));
  }
  return names;
}

/** The names of the elements open at `offset`, innermost last (a tolerant scan of the text before it). */
export function openElements(text: string, offset: number): string[] {
  const stack: string[] = [];
  const commentEnd = forwardFinder(text, '-->');
  const cdataEnd = forwardFinder(text, ']]>');
  const piEnd = forwardFinder(text, '?>');
  const gt = forwardFinder(text, '>');
  const lt = forwardFinder(text, '<');
  for (let i = lt(0); i >= 0 && i < offset;) {
    // A comment, CDATA section or processing instruction up to its end; a start, end or empty-element tag.
    let end = -1;
    if (text.startsWith('<!--', i)) {
      const e = commentEnd(i + 4);
      if (e >= 0) end = e + 3;
    } else if (text.startsWith('<![CDATA[', i)) {
      const e = cdataEnd(i + 9);
      if (e >= 0) end = e + 3;
    } else if (text[i + 1] === '?') {
      const e = piEnd(i + 2);
      if (e >= 0) end = e + 2;
    } else {
      const closing = text[i + 1] === '/';
      let j = i + 1 + (closing ? 1 : 0);
      if (isNameStart(text[j])) {
        const nameStart = j;
        while (isNameChar(text[j])) j++;
        const g = gt(j);
        const l = lt(j);
        if (g >= 0 && (l < 0 || g < l)) {
          if (g + 1 > offset) break;
          const name = text.slice(nameStart, j);
          if (closing) {
            const k = stack.lastIndexOf(name);
            if (k >= 0) stack.length = k;
          } else if (text[g - 1] !== '/' || g - 1 < j) stack.push(name);
          i = lt(g + 1);
          continue;
        }
      }
    }
    if (end >= 0) {
      if (end > offset) break;
      i = lt(end);
    } else i = lt(i + 1);
  }
  return stack;
}

export function completionContext(text: string, offset: number): CompletionContext {
  const lt = text.lastIndexOf('<', offset - 1);
  const gt = text.lastIndexOf('>', offset - 1);
  if (lt > gt) {
    // Inside a tag.
    const tag = text.slice(lt + 1, offset);
    if (tag.startsWith('/') || tag.startsWith('!') || tag.startsWith('?')) return { kind: 'none' };
    const parents = openElements(text, lt);
    const nameMatch = NAME.exec(tag);
    if (!nameMatch || nameMatch[0].length === tag.length) return { kind: 'element-name', start: lt + 1, parents };
    const element = nameMatch[0];
    const value = openValue(tag);
    if (value) {
      const valueStart = offset - value.partial.length;
      let valueEnd = text.indexOf(value.quote, offset);
      const nextLt = text.indexOf('<', offset);
      if (valueEnd < 0 || (nextLt >= 0 && nextLt < valueEnd)) valueEnd = offset;
      return { kind: 'attribute-value', element, attribute: value.attribute, valueStart, valueEnd, partial: value.partial, parents };
    }
    // Between attributes: only when not inside a quoted value (an even number of quotes so far).
    let quotes = 0;
    for (let i = 0; i < tag.length; i++) if (tag[i] === '"' || tag[i] === "'") quotes++;
    let word = tag.length;
    while (word > 0 && isNameChar(tag[word - 1])) word--;
    if (quotes % 2 === 0 && word > 0 && isSpace(tag[word - 1])) {
      return { kind: 'attribute-name', element, start: offset - (tag.length - word), present: attributeNames(tag), parents };
    }
    return { kind: 'none' };
  }
  // In content.
  const parents = openElements(text, offset);
  const element = parents[parents.length - 1];
  if (!element) return { kind: 'none' };
  const start = gt + 1;
  let end = text.indexOf('<', offset);
  if (end < 0) end = offset;
  const content = text.slice(start, end);
  const lead = content.length - content.trimStart().length;
  return {
    kind: 'text',
    element,
    start: start + lead,
    end: start + content.trimEnd().length,
    partial: text.slice(start + lead, offset),
    parents,
  };
}
