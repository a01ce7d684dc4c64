/**
 * Libvirt Domain XML: starts the language server for XML documents (the server decides by the root
 * element whether a document is a libvirt domain), wires trust, status bar, commands and
 * notifications. `activate` returns a small API the editor tests use.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { terminalText } from '../../server/src/encode';
import { createClient, showProgressAsNotification } from './client';
import { registerCommands } from './commands';
import { inventoryErrorNotice } from './notices';
import type { InventoryState } from './status';
import { DomainStatusBar, type StatusSnapshot } from './statusBar';
import { hostAccessAllowed, noticeRestrictedOnce, onTrustGranted } from './trust';
import { logIgnoredWorkspaceSettings } from './workspaceSettings';

export interface Notice {
  kind: 'information' | 'error';
  message: string;
  at: number;
}

/** What `activate` returns (for tests and other extensions). */
export interface LibvirtDomainApi {
  readonly client: LanguageClient;
  /** The last `libvirtDomain/inventoryState` from the server. */
  inventoryState(): InventoryState | undefined;
  /** What the status bar item shows now. */
  statusBar(): StatusSnapshot;
  /** Recomputes the status bar for the active editor and returns it. */
  updateStatusBar(): Promise<StatusSnapshot>;
  /** Notifications this extension showed in this session. */
  readonly notices: readonly Notice[];
  /** The server's work-done progress as it arrived: create, begin (title), report (message), end. */
  readonly progress: readonly { kind: string; detail: string; at: number }[];
  /** Settings a workspace sets that are not used from there (logged once each), e.g. `libvirtDomain.ssh.configFile`. */
  readonly ignoredWorkspaceSettings: readonly string[];
}

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<LibvirtDomainApi> {
  const log = vscode.window.createOutputChannel('Libvirt Domain XML', { log: true });
  context.subscriptions.push(log);
  const notices: Notice[] = [];
  const note = (kind: Notice['kind'], message: string) => {
    notices.push({ kind, message, at: Date.now() });
    if (notices.length > 200) notices.splice(0, notices.length - 200);
  };
  const progress: { kind: string; detail: string; at: number }[] = [];

  const hostAccess = hostAccessAllowed();
  client = createClient(context, log, hostAccess);
  const status = new DomainStatusBar(client);
  context.subscriptions.push(status);

  client.onNotification('libvirtDomain/inventoryState', (s: InventoryState) => status.setState(s));

  // One notification per host at a time: a host that keeps failing does not stack them up.
  // The notification never carries host text (VS Code renders links in notifications and runs
  // `command:` links): a fixed template naming the host; the details, encoded, go to the log.
  const openErrors = new Set<string>();
  client.onNotification('libvirtDomain/inventoryError', (e: { message?: unknown; host?: unknown; notice?: unknown }) => {
    const host = typeof e.host === 'string' ? e.host : '';
    const details = typeof e.message === 'string' ? e.message : '';
    log.error(terminalText(details));
    const message = inventoryErrorNotice(host, e.notice);
    note('error', message);
    if (openErrors.has(host)) return;
    openErrors.add(host);
    void vscode.window.showErrorMessage(message, 'Open log', 'Retry').then((choice) => {
      openErrors.delete(host);
      if (choice === 'Open log') log.show(true);
      else if (choice === 'Retry') void vscode.commands.executeCommand('libvirtDomain.refreshInventory', { all: true });
    });
  });

  registerCommands(context, { client, status, log });

  // Settings a repository must not decide: say once in the log when a workspace sets one that is not used.
  const ignoredWorkspaceSettings: string[] = [];
  const checkIgnored = () =>
    void logIgnoredWorkspaceSettings(log, ignoredWorkspaceSettings).catch((e: unknown) =>
      log.warn(`checking the workspace settings: ${terminalText(String(e))}`),
    );
  checkIgnored();
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('libvirtDomain')) checkIgnored();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(checkIgnored),
  );

  log.info(`starting the language server (host access ${hostAccess ? 'allowed' : 'off: Restricted Mode, offline rules only'})`);
  await client.start();
  context.subscriptions.push(
    showProgressAsNotification(client, (kind, detail) => {
      progress.push({ kind, detail, at: Date.now() });
      if (progress.length > 200) progress.splice(0, progress.length - 200);
    }),
  );
  context.subscriptions.push(
    onTrustGranted(client, () => {
      log.info('workspace trusted: host access allowed');
      void status.update();
    }),
  );
  if (
    noticeRestrictedOnce(context, (m, ...items) => {
      note('information', m);
      return vscode.window.showInformationMessage(m, ...items);
    })
  )
    log.info('Restricted Mode: offline rules only');
  void status.update();

  return {
    client,
    inventoryState: () => status.inventoryState,
    statusBar: () => status.snapshot(),
    updateStatusBar: async () => {
      await status.update();
      return status.snapshot();
    },
    notices,
    progress,
    ignoredWorkspaceSettings,
  };
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
