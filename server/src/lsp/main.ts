/** The server process: the connection and its documents, each message bound to a LanguageServer method. */
import { createConnection, DidChangeWatchedFilesNotification, ProposedFeatures, TextDocuments } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { connectionClient } from './connectionClient';
import { bindCustomMessages } from './customRequests';
import { LanguageServer } from './languageServer';
import { isSchemaPrefetchWorker, serveSchemaPrefetch } from './schemaPrefetch';

if (isSchemaPrefetchWorker()) serveSchemaPrefetch();
else serve();

function serve(): void {
  const connection = createConnection(ProposedFeatures.all);
  const documents = new TextDocuments(TextDocument);
  const server = new LanguageServer(
    {
      ...connectionClient(connection),
      refreshInlayHints: () => void connection.languages.inlayHint.refresh().catch(() => undefined),
      registerFileWatchers: async (watchers) =>
        void (await connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [...watchers] })),
    },
    // This bundle is also the validation thread's entry point.
    { schemaWorker: __filename },
  );

  connection.onInitialize((p) => server.initialize(p));
  connection.onInitialized(() => server.initialized());
  connection.onDidChangeConfiguration((p) => server.didChangeConfiguration(p));
  documents.onDidChangeContent((e) => server.documentChanged(e.document.uri, e.document.version, e.document.getText()));
  documents.onDidClose((e) => server.documentClosed(e.document.uri));
  connection.onDidChangeWatchedFiles((p) => server.didChangeWatchedFiles(p));
  connection.onHover((p) => server.hover(p));
  connection.onCompletion((p) => server.completion(p));
  connection.onCodeAction((p) => server.codeActions(p));
  connection.onDocumentSymbol((p) => server.documentSymbols(p));
  connection.languages.inlayHint.on((p) => server.inlayHints(p));
  connection.onCodeLens((p) => server.codeLenses(p));
  connection.onDocumentLinks((p) => server.documentLinks(p));
  connection.onDefinition((p) => server.definition(p));
  bindCustomMessages(connection, server);
  connection.onShutdown(() => server.shutdown());

  documents.listen(connection);
  connection.listen();
}
