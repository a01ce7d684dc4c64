/** Decodes the five predefined XML entities and numeric character references; anything else is kept as written. */
export function decodeXmlEntities(raw: string): string {
  if (raw.indexOf('&') < 0) return raw;
  return raw.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (m, e: string) => {
    switch (e) {
      case 'amp': return '&';
      case 'lt': return '<';
      case 'gt': return '>';
      case 'quot': return '"';
      case 'apos': return "'";
    }
    const code = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
  });
}

/** Escapes a value for an attribute delimited by `quote` (or for element text when quote is undefined). */
export function escapeXmlValue(value: string, quote?: '"' | "'"): string {
  // '>' too: "]]>" is not allowed in text, and escaping it everywhere is harmless.
  let s = value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  if (quote === '"') s = s.replace(/"/g, '&quot;');
  if (quote === "'") s = s.replace(/'/g, '&apos;');
  return s;
}
