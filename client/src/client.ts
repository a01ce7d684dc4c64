/**
 * The language client: runs dist/server.js over IPC for XML documents (files and untitled; the
 * server decides per document by its root element), passes host access (workspace trust, read when
 * the server starts), resolves relative paths in the settings, and shows the server's work-done
 * progress as a cancellable notification. Creating the client starts nothing (see serverStart.ts).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { terminalText } from '../../server/src/encode';
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  TransportKind,
  WorkDoneProgress,
  WorkDoneProgressCancelNotification,
  WorkDoneProgressCreateRequest,
  type WorkDoneProgressBegin,
  type WorkDoneProgressReport,
} from 'vscode-languageclient/node';
import { SETTINGS_SECTION, type InitializationOptions } from '../../server/src/protocol';
import { FINDING_DOCS_URI, withFindingDocLink } from './commands/findingDocs';
import { DOCUMENT_SELECTOR } from './documents';
import { progressTitle } from './notices';
import { resolveSettings } from './settings';
import { hostAccessAllowed } from './trust';

function firstFolder(): string | undefined {
  const f = vscode.workspace.workspaceFolders?.find((x) => x.uri.scheme === 'file');
  return f?.uri.fsPath;
}

/** The inspector port of the server in a debug session (the launch configuration attaches to it). */
export const SERVER_INSPECT_PORT = 6009;

/**
 * A LanguageClient whose failure to start shows no notification of its own (the library's would
 * carry the error's text): the extension shows a fixed one with "Show Log" (serverStart.ts). The
 * library's messages and the error still go to the log.
 */
class QuietStartClient extends LanguageClient {
  private starting = 0;

  override async start(): Promise<void> {
    this.starting++;
    try {
      await super.start();
    } finally {
      this.starting--;
    }
  }

  override error(message: string, data?: unknown, showNotification: boolean | 'force' = true): void {
    super.error(message, data, this.starting > 0 ? false : showNotification);
  }
}

export function createClient(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): LanguageClient {
  const module = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    // Extension development (F5): the server also listens for a debugger on that port (without waiting for one).
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', `--inspect=${SERVER_INSPECT_PORT}`] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [...DOCUMENT_SELECTOR],
    // No `synchronize.configurationSection`: the server registers for workspace/didChangeConfiguration
    // itself (and pulls the section); both together would notify it twice per change.
    outputChannel: log,
    // Read when the server starts (trust may have been granted since activation).
    initializationOptions: (): InitializationOptions => ({
      hostAccess: hostAccessAllowed(),
      // Code links point into the findings' documentation, which the client shows (commands/findingDocs.ts).
      docsUri: FINDING_DOCS_URI.toString(),
      // Fetched inventories are kept there: a window reload within the maximum age fetches nothing.
      cacheDir: context.globalStorageUri.fsPath,
    }),
    // The server's error text goes to the log; the start fails and the extension says so (no raw text in a notification).
    initializationFailedHandler: (error: unknown) => {
      log.error(`the language server failed to initialize: ${terminalText(error instanceof Error ? error.message : String(error))}`);
      return false;
    },
    middleware: {
      handleDiagnostics: (uri, diagnostics, next) => next(uri, diagnostics.map(withFindingDocLink)),
      workspace: {
        configuration: async (params, token, next) => {
          const result = await next(params, token);
          if (!Array.isArray(result)) return result;
          return result.map((r, i) => (params.items[i]?.section === SETTINGS_SECTION ? resolveSettings(r, firstFolder()) : r));
        },
      },
    },
  };
  return new QuietStartClient('libvirtDomain', 'Libvirt Domain XML', serverOptions, clientOptions);
}

/** One step of the server's work-done progress: created (the token), begin (the title), report (the message), end. */
export interface ProgressEvent {
  kind: 'create' | 'begin' | 'report' | 'end';
  detail: string;
}

/** A fetch that ends sooner than this never shows a notification (no flashing toasts). */
const PROGRESS_DELAY_MS = 400;

/**
 * Replaces the client's default progress (a status-bar entry without a cancel button) with a
 * notification that has one; cancelling sends window/workDoneProgress/cancel, which the server
 * turns into aborting the ssh fetch. The notification appears only when the work takes longer than
 * PROGRESS_DELAY_MS, and concurrent progress with the same title shares one notification. Call after start().
 */
export function showProgressAsNotification(client: LanguageClient, onEvent?: (event: ProgressEvent) => void): vscode.Disposable {
  interface Shown {
    tokens: Set<string | number>;
    progress?: vscode.Progress<{ message?: string; increment?: number }>;
    finish?: () => void;
    reported: number;
  }
  const byTitle = new Map<string, Shown>();
  const cancel = (shown: Shown) => {
    for (const token of shown.tokens) void client.sendNotification(WorkDoneProgressCancelNotification.type, { token });
  };
  return client.onRequest(WorkDoneProgressCreateRequest.type, ({ token }) => {
    onEvent?.({ kind: 'create', detail: String(token) });
    let title: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    let shown: Shown | undefined;
    const sub = client.onProgress(WorkDoneProgress.type, token, (value) => {
      onEvent?.({
        kind: value.kind,
        detail: value.kind === 'begin' ? value.title : value.kind === 'report' ? (value.message ?? '') : '',
      });
      if (value.kind === 'begin') {
        const begin = value as WorkDoneProgressBegin;
        title = begin.title;
        const existing = byTitle.get(title);
        if (existing) {
          existing.tokens.add(token);
          shown = existing;
          return;
        }
        shown = { tokens: new Set([token]), reported: 0 };
        byTitle.set(title, shown);
        const s = shown;
        timer = setTimeout(() => {
          if (byTitle.get(begin.title) !== s) return;
          void vscode.window.withProgress(
            { location: vscode.ProgressLocation.Notification, title: progressTitle(begin.title), cancellable: begin.cancellable === true },
            (p, cancelToken) => {
              s.progress = p;
              cancelToken.onCancellationRequested(() => cancel(s));
              return new Promise<void>((resolve) => {
                s.finish = resolve;
                if (!s.tokens.size) resolve();
              });
            },
          );
        }, PROGRESS_DELAY_MS);
      } else if (value.kind === 'report' && shown) {
        const r = value as WorkDoneProgressReport;
        const pct = typeof r.percentage === 'number' ? Math.max(0, Math.min(100, r.percentage)) : undefined;
        const increment = pct !== undefined && pct > shown.reported ? pct - shown.reported : undefined;
        if (pct !== undefined) shown.reported = Math.max(shown.reported, pct);
        shown.progress?.report({ message: r.message === undefined ? undefined : progressTitle(r.message), increment });
      } else if (value.kind === 'end') {
        sub.dispose();
        if (!shown) return;
        shown.tokens.delete(token);
        if (!shown.tokens.size) {
          clearTimeout(timer);
          if (title !== undefined && byTitle.get(title) === shown) byTitle.delete(title);
          shown.finish?.();
        }
      }
    });
  });
}
