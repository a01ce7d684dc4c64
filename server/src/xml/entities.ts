/** Decodes the five predefined XML entities and numeric character references; anything else is kept as written. */
export function decodeXmlEntities(raw: string): string {
  if (raw.indexOf('&') < 0) return raw;
  return raw.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (m, e: string) => {
    switch (e) {
      case 'amp':
        return '&';
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
    }
    const code = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
  });
}

/** A character XML 1.0 does not allow anywhere in a document, not even as a character reference. */
const XML_FORBIDDEN =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** True when `s` holds a character that XML 1.0 forbids (libxml2, and so libvirt, rejects the document). */
export function hasXmlForbiddenChar(s: string): boolean {
  return XML_FORBIDDEN.test(s);
}

/**
 * Escapes a value for an attribute delimited by `quote`, or for element text when quote is undefined:
 * `&`, `<`, `>` (so `]]>` cannot appear) and that quote as references; in attributes tab, LF and CR as
 * character references too (a parser would normalise them to spaces), in text CR. Undefined when the
 * value holds a character XML 1.0 forbids: such a value cannot be written at all.
 */
export function escapeXmlValue(value: string, quote?: '"' | "'"): string | undefined {
  if (hasXmlForbiddenChar(value)) return undefined;
  return value.replace(/[&<>'"\t\n\r]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '\r':
        return '&#13;';
      case '\t':
        return quote ? '&#9;' : c;
      case '\n':
        return quote ? '&#10;' : c;
      case '"':
        return quote === '"' ? '&quot;' : c;
      default:
        return quote === "'" ? '&apos;' : c;
    }
  });
}
