import type { XmlDocument } from '../xml/parse';
import { finding } from './finding';
import type { Finding } from './types';

/** xml-not-well-formed and xml-doctype: findings about the XML itself, before any model exists. */
export function xmlFindings(doc: XmlDocument): Finding[] {
  const out: Finding[] = [];
  if (doc.doctype) {
    out.push(
      finding('xml-doctype', {
        message: 'DOCTYPE declarations are not used by libvirt; it is ignored here and its entities are never expanded.',
        start: doc.doctype.start,
        end: Math.min(doc.doctype.end, doc.doctype.start + 9),
      }),
    );
  }
  if (doc.error) {
    const e = doc.error;
    // Underline the token at the reported position (to the end of the line at most).
    let end = e.offset;
    while (end < doc.text.length && !/[\s<>]/.test(doc.text[end]) && end - e.offset < 80) end++;
    out.push(
      finding('xml-not-well-formed', {
        message: `XML is not well-formed: ${e.message}`,
        start: e.offset,
        end: Math.max(end, Math.min(e.offset + 1, doc.text.length)),
      }),
    );
  }
  return out;
}
