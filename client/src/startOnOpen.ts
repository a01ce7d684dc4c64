/**
 * The extension activates on any XML file (cheap: no process), and the language server starts with
 * the first libvirt document, as the root element says (documents.ts): one open at activation,
 * opened later, or an XML document edited into one (a domain pasted into an untitled editor).
 * Commands that need the server start it themselves (serverStart.ts).
 */
import * as vscode from 'vscode';
import type { DocumentKind } from '../../server/src/xml/rootElement';
import { libvirtKind, ROOT_SNIFF_CHARS, servedXml } from './documents';

/** The libvirt kind of an editor document (`domain`, `pool`), or undefined: not one the extension lints. */
export function libvirtKindOf(doc: vscode.TextDocument): DocumentKind | undefined {
  // Language and scheme first: the text of other documents is never read.
  if (!servedXml(doc.languageId, doc.uri.scheme)) return undefined;
  const head = doc.getText(new vscode.Range(new vscode.Position(0, 0), doc.positionAt(ROOT_SNIFF_CHARS)));
  return libvirtKind(doc.languageId, doc.uri.scheme, head);
}

/**
 * Calls `start` once, for the first libvirt document among the open ones or those opened or edited
 * later, then stops watching. Returns the watch (disposed when done).
 */
export function startWithFirstLibvirtDocument(start: (kind: DocumentKind, doc: vscode.TextDocument) => void): vscode.Disposable {
  const subscriptions: vscode.Disposable[] = [];
  let done = false;
  const stop = () => {
    done = true;
    for (const s of subscriptions.splice(0)) s.dispose();
  };
  const check = (doc: vscode.TextDocument) => {
    const kind = done ? undefined : libvirtKindOf(doc);
    if (!kind) return;
    stop();
    start(kind, doc);
  };
  subscriptions.push(
    vscode.workspace.onDidOpenTextDocument(check),
    vscode.workspace.onDidChangeTextDocument((e) => check(e.document)),
  );
  for (const doc of vscode.workspace.textDocuments) check(doc);
  return { dispose: stop };
}
