/**
 * The findings' documentation, as the server builds it from rules/codes.ts, in a read-only document
 * `libvirt-domain-docs:/findings.md` shown in the Markdown preview. A diagnostic's code link runs
 * Show Finding Documentation instead of opening a file: the packaged readme.md opened as text showed
 * its Markdown source beside the preview, and VS Code's extension-manifest linter then put warnings
 * about the README's images into the user's Problems panel.
 */
import * as vscode from 'vscode';
import { FindingDocsRequest } from '../../../server/src/protocol';
import type { CommandFactory } from './context';

export const FINDING_DOCS_SCHEME = 'libvirt-domain-docs';
/** What the server is told to link each code to (`#code` appended); the client turns it into a command link. */
export const FINDING_DOCS_URI = vscode.Uri.from({ scheme: FINDING_DOCS_SCHEME, path: '/findings.md' });
export const SHOW_FINDING_DOC = 'libvirtDomain.showFindingDoc';

/** A finding code as a heading anchor: only what codes are made of. */
function anchorOf(code: unknown): string | undefined {
  return typeof code === 'string' && /^[a-z0-9-]{1,80}$/.test(code) ? code : undefined;
}

export class FindingDocs implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private markdown: string | undefined;
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.emitter.event;

  set(markdown: string): void {
    this.markdown = markdown;
    this.emitter.fire(FINDING_DOCS_URI);
  }

  get loaded(): boolean {
    return this.markdown !== undefined;
  }

  provideTextDocumentContent(): string {
    return this.markdown ?? '# Findings\n\nRun **Libvirt Domain: Show Finding Documentation** again.\n';
  }

  dispose(): void {
    this.emitter.dispose();
  }
}

/**
 * A diagnostic whose code links into FINDING_DOCS_URI gets a `command:` link to Show Finding
 * Documentation instead (VS Code opens a code link with commands allowed, in the Problems panel and the hover).
 */
export function withFindingDocLink(d: vscode.Diagnostic): vscode.Diagnostic {
  const code = d.code;
  if (typeof code !== 'object' || code.target.scheme !== FINDING_DOCS_SCHEME) return d;
  const anchor = anchorOf(code.target.fragment);
  d.code = anchor
    ? { value: code.value, target: vscode.Uri.from({ scheme: 'command', path: SHOW_FINDING_DOC, query: JSON.stringify([anchor]) }) }
    : code.value;
  return d;
}

/** `code` (a string, as a command link passes it, or `{ code }`): the preview scrolls to its section. Resolves to the URI shown. */
export const showFindingDoc: CommandFactory = (ctx) => async (arg?: string | { code?: string }) => {
  const anchor = anchorOf(typeof arg === 'string' ? arg : arg?.code);
  if (!ctx.findingDocs.loaded) {
    const client = await ctx.server();
    if (!client) return undefined;
    ctx.findingDocs.set(await client.sendRequest(FindingDocsRequest, null));
  }
  const doc = await vscode.workspace.openTextDocument(FINDING_DOCS_URI);
  await vscode.languages.setTextDocumentLanguage(doc, 'markdown');
  const uri = anchor ? FINDING_DOCS_URI.with({ fragment: anchor }) : FINDING_DOCS_URI;
  try {
    await vscode.commands.executeCommand('markdown.showPreview', uri);
  } catch {
    await vscode.window.showTextDocument(doc, { preview: true });
  }
  return uri;
};
