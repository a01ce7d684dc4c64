/** LSP glue: the connection, document sync and configuration, delegating to ServerCore. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CodeActionKind, createConnection, DidChangeConfigurationNotification, ProposedFeatures, TextDocuments, TextDocumentSyncKind,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { loadInventoryFile } from '../inventory/load';
import type { HostIndex } from '../inventory/resolver';
import { ServerCore } from './serverCore';

interface InitOptions {
  inventoryFiles?: string[];
  docsUri?: string;
}

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);

/** The README next to the bundle documents every finding code. */
function defaultDocsUri(): string | undefined {
  const readme = join(__dirname, '..', 'README.md');
  return existsSync(readme) ? pathToFileURL(readme).toString() : undefined;
}

let core: ServerCore;

function loadHosts(files: string[]): HostIndex[] {
  const hosts: HostIndex[] = [];
  for (const f of files) {
    try {
      hosts.push(loadInventoryFile(f));
    } catch (e) {
      connection.window.showErrorMessage((e as Error).message);
    }
  }
  return hosts;
}

connection.onInitialize((params) => {
  const init = (params.initializationOptions ?? {}) as InitOptions;
  core = new ServerCore(
    {
      publishDiagnostics: (uri, version, diagnostics) => void connection.sendDiagnostics({ uri, version, diagnostics }),
      log: (m) => connection.console.log(m),
    },
    { docsUri: init.docsUri ?? defaultDocsUri() },
  );
  if (init.inventoryFiles?.length) core.setHosts(loadHosts(init.inventoryFiles));
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      hoverProvider: true,
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.SourceFixAll] },
    },
    serverInfo: { name: 'libvirt-domain-xml' },
  };
});

connection.onInitialized(() => {
  void connection.client.register(DidChangeConfigurationNotification.type, { section: 'libvirtDomain' }).catch(() => undefined);
});

connection.onDidChangeConfiguration((change) => {
  const s = (change.settings as { libvirtDomain?: { inventorySnapshot?: string | string[] } } | undefined)?.libvirtDomain;
  if (!s) return;
  const files = Array.isArray(s.inventorySnapshot) ? s.inventorySnapshot : s.inventorySnapshot ? [s.inventorySnapshot] : [];
  core.setHosts(loadHosts(files));
});

// Fired for the opening version too: the first publish is immediate, later ones debounced.
documents.onDidChangeContent((e) => {
  const { uri, version } = e.document;
  if (core.isOpen(uri)) core.change(uri, version, e.document.getText());
  else core.open(uri, version, e.document.getText());
});
documents.onDidClose((e) => core.close(e.document.uri));
connection.onHover((p) => core.hover(p.textDocument.uri, p.position));
connection.onCodeAction((p) => core.codeActions(p.textDocument.uri, p.range, p.context.only));
connection.onShutdown(() => core?.dispose());

documents.listen(connection);
connection.listen();
