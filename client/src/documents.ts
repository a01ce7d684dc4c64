/**
 * Which documents are the extension's business: XML in a file, an untitled editor or a host's definition (what the
 * language client hands the server), and among those the libvirt documents, by their root element
 * (server/src/xml/rootElement.ts, the same answer the server and the workspace scan use). The status
 * bar shows for a libvirt document, and the first one to open starts the language server. Pure (no `vscode`).
 */
import { HOST_DOCUMENT_SCHEME } from '../../server/src/hostDocument';
import { documentKind, firstElementName, type DocumentKind } from '../../server/src/xml/rootElement';

/**
 * The URI schemes the language client serves (its document selector, with language `xml`): files,
 * untitled editors, and a host's definitions (`libvirt-domain://HOST/NAME.xml`, checked against that host).
 */
export const SERVED_SCHEMES: readonly string[] = ['file', 'untitled', HOST_DOCUMENT_SCHEME];

/**
 * The languages the client serves: XML, and templates that render it (`jinja-xml`: `*.xml.j2`, this
 * extension's own association or a Jinja extension's; `erb`: a Ruby extension's `*.erb`). A template is
 * read with its tags masked (server/src/xml/template.ts); its root element is found past them.
 */
export const SERVED_LANGUAGES: readonly string[] = ['xml', 'jinja-xml', 'erb'];

/** The language client's document selector: each served language on each served scheme. */
export const DOCUMENT_SELECTOR: readonly { language: string; scheme: string }[] = SERVED_SCHEMES.flatMap((scheme) =>
  SERVED_LANGUAGES.map((language) => ({ language, scheme })),
);

/** How much of a document is read to find its root element (firstElementName reads no further either). */
export const ROOT_SNIFF_CHARS = 1 << 20;

/** Whether the language client hands a document with this language and URI scheme to the server. */
export function servedXml(languageId: string, scheme: string): boolean {
  return SERVED_LANGUAGES.includes(languageId) && SERVED_SCHEMES.includes(scheme);
}

/** The libvirt document kind (`domain`, `pool`) of a served XML document from its text, else undefined. */
export function libvirtKind(languageId: string, scheme: string, text: string): DocumentKind | undefined {
  return servedXml(languageId, scheme) ? documentKind(firstElementName(text)) : undefined;
}
