/** LanguageServerClient over a vscode-languageserver connection: what the server sends, as LSP messages. */
import { DidChangeConfigurationNotification, type Connection } from 'vscode-languageserver/node';
import type { LanguageServerClient } from './languageServer';

export function connectionClient(connection: Connection): LanguageServerClient {
  return {
    publishDiagnostics: (uri, version, diagnostics) => void connection.sendDiagnostics({ uri, version, diagnostics }),
    log: (message) => connection.console.log(message),
    sendNotification: (type, params) => void connection.sendNotification(type.method, params),
    progress: async (title) => {
      const p = await connection.window.createWorkDoneProgress();
      p.begin(title, 0, undefined, true);
      return {
        report: (message, percentage) => p.report(percentage ?? 0, message),
        done: () => p.done(),
        onCancel: (listener) => void p.token.onCancellationRequested(listener),
      };
    },
    configuration: (section) => connection.workspace.getConfiguration(section),
    registerForConfiguration: async (section) => {
      await connection.client.register(DidChangeConfigurationNotification.type, { section });
    },
  };
}
