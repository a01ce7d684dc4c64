/**
 * A host's persistent domain definition as a document: `libvirt-domain://HOST/FILE.xml`, where FILE is
 * the domain's name with every character but `A-Z a-z 0-9 . _ -` written as `~XX` (its UTF-8 bytes in
 * hex). A libvirt name may hold any character but `/`: encoded so, no name can put markup, a link or a
 * control character into what the editor shows of the URI (tab titles, VS Code's own "Failed to save
 * 'FILE'" notification renders markdown links), and `~` never needs VS Code's percent encoding.
 * Pure (no `vscode`): the client builds these URIs, the server reads them back.
 */

/** The URI scheme of host definitions (the client's FileSystemProvider, the server's host group). */
export const HOST_DOCUMENT_SCHEME = 'libvirt-domain';

const SAFE = /[A-Za-z0-9._-]/;

/** The file name of a domain: its name encoded (see above), then `.xml`. */
export function domainFileName(name: string): string {
  let out = '';
  for (const ch of name) {
    if (SAFE.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += `~${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return `${out}.xml`;
}

/** The domain name of a file name made by domainFileName; undefined for anything else. */
export function domainNameOfFile(file: string): string | undefined {
  if (!file.endsWith('.xml') || file.length <= 4) return undefined;
  const body = file.slice(0, -4);
  if (!/^(?:[A-Za-z0-9._-]|~[0-9A-F]{2})+$/.test(body)) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < body.length;) {
    if (body[i] === '~') {
      bytes.push(parseInt(body.slice(i + 1, i + 3), 16));
      i += 3;
    } else bytes.push(body.charCodeAt(i++));
  }
  const name = Buffer.from(bytes).toString('utf8');
  // Only the canonical spelling (so one domain has one URI): valid UTF-8, safe characters never escaped.
  return domainFileName(name) === file ? name : undefined;
}

/** The path of a host definition document (`/FILE.xml`). */
export function hostDocumentPath(name: string): string {
  return `/${domainFileName(name)}`;
}

/** The URI of `name` on `host` as text (the server's form; the client builds it with vscode.Uri.from). */
export function hostDocumentUri(host: string, name: string): string {
  return `${HOST_DOCUMENT_SCHEME}://${encodeURIComponent(host).replace(/%40/g, '@').replace(/%3A/gi, ':').replace(/%5B/gi, '[').replace(/%5D/gi, ']')}${hostDocumentPath(name)}`;
}

/**
 * The host (as the URI spells it: VS Code writes the authority in lower case) and the domain name of a
 * host definition URI; undefined for any other URI.
 */
export function parseHostDocumentUri(uri: string): { authority: string; name: string } | undefined {
  if (!isHostDocumentUri(uri)) return undefined;
  const m = /^[^:]+:\/\/([^/?#]+)\/([^/?#]+)$/.exec(uri);
  if (!m) return undefined;
  let authority: string;
  let file: string;
  try {
    authority = decodeURIComponent(m[1]);
    file = decodeURIComponent(m[2]);
  } catch {
    return undefined;
  }
  const name = domainNameOfFile(file);
  return name === undefined || !authority ? undefined : { authority, name };
}

/** Whether a URI (text) is a host definition document's. */
export function isHostDocumentUri(uri: string): boolean {
  return uri.toLowerCase().startsWith(`${HOST_DOCUMENT_SCHEME}://`);
}
