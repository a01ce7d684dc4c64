/**
 * Where the cursor is, for completion: inside an attribute value, at an attribute name, at an
 * element name, or in element text — read from the text around the cursor, so it works while the
 * document is being typed and is not well-formed.
 */
export type CompletionContext =
  | { kind: 'attribute-value'; element: string; attribute: string; valueStart: number; valueEnd: number; partial: string; parents: string[] }
  | { kind: 'attribute-name'; element: string; start: number; present: string[]; parents: string[] }
  | { kind: 'element-name'; start: number; parents: string[] }
  | { kind: 'text'; element: string; start: number; end: number; partial: string; parents: string[] }
  | { kind: 'none' };

const NAME = /^[A-Za-z_][\w.:-]*/;

/** The names of the elements open at `offset`, innermost last (a tolerant scan of the text before it). */
export function openElements(text: string, offset: number): string[] {
  const stack: string[] = [];
  const re = /<(\/?)([A-Za-z_][\w.:-]*)[^<>]*?(\/?)>|<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<\?[\s\S]*?\?>/g;
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) && m.index < offset) {
    if (m.index + m[0].length > offset) break;
    if (!m[2]) continue;
    if (m[1]) {
      const i = stack.lastIndexOf(m[2]);
      if (i >= 0) stack.length = i;
    } else if (!m[3]) stack.push(m[2]);
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
    const value = /([A-Za-z_][\w.:-]*)\s*=\s*(["'])([^"']*)$/.exec(tag);
    if (value) {
      const quote = value[2];
      const valueStart = offset - value[3].length;
      let valueEnd = text.indexOf(quote, offset);
      const nextLt = text.indexOf('<', offset);
      if (valueEnd < 0 || (nextLt >= 0 && nextLt < valueEnd)) valueEnd = offset;
      return { kind: 'attribute-value', element, attribute: value[1], valueStart, valueEnd, partial: value[3], parents };
    }
    // Between attributes: only when not inside a quoted value (an even number of quotes so far).
    const quotes = (tag.match(/["']/g) ?? []).length;
    if (quotes % 2 === 0 && /\s[\w.:-]*$/.test(tag)) {
      const present = [...tag.matchAll(/([A-Za-z_][\w.:-]*)\s*=/g)].map((x) => x[1]);
      const start = offset - (/[\w.:-]*$/.exec(tag)?.[0].length ?? 0);
      return { kind: 'attribute-name', element, start, present, parents };
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
  return { kind: 'text', element, start: start + lead, end: start + content.trimEnd().length, partial: text.slice(start + lead, offset), parents };
}
