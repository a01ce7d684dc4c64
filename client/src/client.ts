/**
 * The language client: starts dist/server.js over IPC for XML documents (files and untitled),
 * passes host access (workspace trust), resolves relative paths in the settings, and shows the
 * server's work-done progress as a cancellable notification.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as vscode from 'vscode';
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
import { progressTitle } from './notices';
import { resolveSettings, SECTION } from './settings';

function firstFolder(): string | undefined {
  const f = vscode.workspace.workspaceFolders?.find((x) => x.uri.scheme === 'file');
  return f?.uri.fsPath;
}

/** The README that documents each finding code: README.md in the repository, readme.md in an installed .vsix. */
function docsUri(extensionPath: string): string | undefined {
  for (const name of ['README.md', 'readme.md']) {
    const p = path.join(extensionPath, name);
    if (fs.existsSync(p)) return pathToFileURL(p).toString();
  }
  return undefined;
}

export function createClient(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, hostAccess: boolean): LanguageClient {
  const module = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { language: 'xml', scheme: 'file' },
      { language: 'xml', scheme: 'untitled' },
    ],
    // No `synchronize.configurationSection`: the server registers for workspace/didChangeConfiguration
    // itself (and pulls the section); both together would notify it twice per change.
    outputChannel: log,
    initializationOptions: { hostAccess, docsUri: docsUri(context.extensionPath) },
    middleware: {
      workspace: {
        configuration: async (params, token, next) => {
          const result = await next(params, token);
          if (!Array.isArray(result)) return result;
          return result.map((r, i) => (params.items[i]?.section === SECTION ? resolveSettings(r, firstFolder()) : r));
        },
      },
    },
  };
  const client = new LanguageClient('libvirtDomain', 'Libvirt Domain XML', serverOptions, clientOptions);
  return client;
}

/** A fetch that ends sooner than this never shows a notification (no flashing toasts). */
const PROGRESS_DELAY_MS = 400;

/**
 * Replaces the client's default progress (a status-bar entry without a cancel button) with a
 * notification that has one; cancelling sends window/workDoneProgress/cancel, which the server
 * turns into aborting the ssh fetch. The notification appears only when the work takes longer than
 * PROGRESS_DELAY_MS, and concurrent progress with the same title shares one notification. Call after start().
 */
export function showProgressAsNotification(client: LanguageClient, onEvent?: (kind: string, detail: string) => void): vscode.Disposable {
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
    onEvent?.('create', String(token));
    let title: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    let shown: Shown | undefined;
    const sub = client.onProgress(WorkDoneProgress.type, token, (value) => {
      onEvent?.(
        value.kind,
        value.kind === 'begin'
          ? (value as WorkDoneProgressBegin).title
          : value.kind === 'report'
            ? ((value as WorkDoneProgressReport).message ?? '')
            : '',
      );
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
