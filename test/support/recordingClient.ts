/** A LanguageServerClient for in-process server tests: it records what the server sends. */
import type { Diagnostic } from 'vscode-languageserver-protocol';
import type { LanguageServerClient } from '../../server/src/lsp/languageServer';

export interface Published {
  uri: string;
  version?: number;
  diagnostics: Diagnostic[];
}

/**
 * The client, what it recorded (every publication in order, the log, the file watchers registered)
 * and the latest publication per URI. `settings()` is what a configuration pull answers.
 */
export function recordingClient(settings: () => unknown) {
  const rec = { published: [] as Published[], logs: [] as string[], watchers: [] as string[] };
  const latest = new Map<string, Published>();
  const client: LanguageServerClient = {
    publishDiagnostics: (uri, version, diagnostics) => {
      const p = { uri, version, diagnostics };
      rec.published.push(p);
      latest.set(uri, p);
    },
    log: (m) => void rec.logs.push(m),
    sendNotification: () => undefined,
    progress: async () => ({ report: () => undefined, done: () => undefined, onCancel: () => undefined }),
    configuration: async () => settings(),
    registerForConfiguration: async () => undefined,
    registerFileWatchers: async (watchers) =>
      void rec.watchers.push(...watchers.map((w) => `${w.globPattern}${w.kind ? ` kind ${w.kind}` : ''}`)),
  };
  const last = (uri: string): Published | undefined => latest.get(uri);
  return { client, rec, last };
}
