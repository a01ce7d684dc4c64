import type { XmlDocument } from '../xml/parse';
import { CODES } from './codes';
import type { Finding } from './types';

/** xml-not-well-formed and xml-doctype: findings about the XML itself, before any model exists. */
export function xmlFindings(doc: XmlDocument): Finding[] {
  const out: Finding[] = [];
  if (doc.doctype) {
    out.push({
      code: 'xml-doctype',
      severity: CODES['xml-doctype'].severity,
      message: 'DOCTYPE declarations are not used by libvirt; it is ignored here and its entities are never expanded.',
      start: doc.doctype.start,
      end: Math.min(doc.doctype.end, doc.doctype.start + 9),
      fixes: [],
    });
  }
  if (doc.error) {
    const e = doc.error;
    // Underline the token at the reported position (to the end of the line at most).
    let end = e.offset;
    while (end < doc.text.length && !/[\s<>]/.test(doc.text[end]) && end - e.offset < 80) end++;
    out.push({
      code: 'xml-not-well-formed',
      severity: CODES['xml-not-well-formed'].severity,
      message: `XML is not well-formed: ${e.message}`,
      start: e.offset,
      end: Math.max(end, Math.min(e.offset + 1, doc.text.length)),
      fixes: [],
    });
  }
  return out;
}
