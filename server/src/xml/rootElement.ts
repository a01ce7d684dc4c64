/**
 * What kind of document a text is, by its root element, without parsing it: the one answer for the
 * server (broken XML), the workspace scan and the client (whether to start the server, whether to
 * show the status bar). Pure and dependency-free, so the client bundle can carry it.
 */

/** The documents that are linted, by root element: libvirt domains and storage pool definitions. */
export type DocumentKind = 'domain' | 'pool';

/** The kind of document a root element name makes (undefined: not linted). */
export function documentKind(rootName: string | undefined): DocumentKind | undefined {
  return rootName === 'domain' ? 'domain' : rootName === 'pool' ? 'pool' : undefined;
}

/** The closer of a template tag opening at `i` (Jinja/Go `{{ {% {#`, ERB `<%`), else undefined. */
function templateCloser(text: string, i: number): string | undefined {
  const c = text[i + 1];
  if (text[i] === '<') return c === '%' ? '%>' : undefined;
  return c === '{' ? '}}' : c === '%' ? '%}' : c === '#' ? '#}' : undefined;
}

/**
 * The name of the first element, read past the prolog (used when the XML does not parse) and past
 * template tags (a `vm.xml.j2` or `domain.xml.erb` that starts with `{% if %}` or `<% if %>`: see
 * xml/template.ts).
 * A linear scan: hostile input (thousands of unterminated `<?`, `<!DOCTYPE` or `{{`) must not make it quadratic.
 */
export function firstElementName(text: string): string | undefined {
  let i = 0;
  const n = Math.min(text.length, 1 << 20);
  /** Template closers not found once (so never found later). */
  const unclosed = new Set<string>();
  // The next '<' and '{' at or after i, each searched again only once passed.
  let lt = -1;
  let brace = -1;
  while (i < n) {
    if (lt < i) lt = text.indexOf('<', i);
    if (lt < 0 || lt > n) lt = n;
    // A template tag before it may hold a '<' of its own ({% if a < b %}).
    if (brace < i) brace = text.indexOf('{', i);
    if (brace < 0 || brace > n) brace = n;
    const at = Math.min(lt, brace);
    if (at >= n) return undefined;
    const closer = templateCloser(text, at);
    if (closer && !unclosed.has(closer)) {
      const e = text.indexOf(closer, at + 2);
      if (e >= 0) {
        i = e + 2;
        continue;
      }
      unclosed.add(closer);
    }
    if (at === brace) {
      i = at + 1;
      continue;
    }
    const skipTo = (close: string): number => {
      const e = text.indexOf(close, lt + 2);
      return e < 0 ? n : e + close.length;
    };
    if (text.startsWith('<!--', lt)) i = skipTo('-->');
    else if (text.startsWith('<?', lt)) i = skipTo('?>');
    else if (text.startsWith('<!', lt)) {
      // A declaration: to its '>' outside an internal subset.
      let j = lt + 2;
      let depth = 0;
      for (; j < n; j++) {
        const c = text[j];
        if (c === '[') depth++;
        else if (c === ']') depth = Math.max(0, depth - 1);
        else if (c === '>' && depth === 0) break;
      }
      i = j + 1;
    } else {
      const m = /^[A-Za-z_][\w.:-]*/.exec(text.slice(lt + 1, lt + 257));
      return m ? m[0] : undefined;
    }
  }
  return undefined;
}
