/** The server process: the connection and its documents, each message bound to a LanguageServer method. */
import { createConnection, ProposedFeatures, TextDocuments } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { connectionClient } from './connectionClient';
import { bindCustomMessages } from './customRequests';
import { LanguageServer } from './languageServer';

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const server = new LanguageServer(connectionClient(connection));

connection.onInitialize((p) => server.initialize(p));
connection.onInitialized(() => server.initialized());
connection.onDidChangeConfiguration((p) => server.didChangeConfiguration(p));
documents.onDidChangeContent((e) => server.documentChanged(e.document.uri, e.document.version, e.document.getText()));
documents.onDidClose((e) => server.documentClosed(e.document.uri));
connection.onHover((p) => server.hover(p));
connection.onCompletion((p) => server.completion(p));
connection.onCodeAction((p) => server.codeActions(p));
bindCustomMessages(connection, server);
connection.onShutdown(() => server.shutdown());

documents.listen(connection);
connection.listen();
