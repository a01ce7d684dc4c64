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

/**
 * The name of the first element, read past the prolog (used when the XML does not parse).
 * A linear scan: hostile input (thousands of unterminated `<?` or `<!DOCTYPE`) must not make it quadratic.
 */
export function firstElementName(text: string): string | undefined {
  let i = 0;
  const n = Math.min(text.length, 1 << 20);
  while (i < n) {
    const lt = text.indexOf('<', i);
    if (lt < 0 || lt >= n) return undefined;
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
