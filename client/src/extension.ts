/**
 * Libvirt Domain XML: activates on XML (cheap: no process), starts the language server with the
 * first libvirt document (root `<domain>` or `<pool>`) or a command that needs it, and wires trust,
 * status bar, commands and the server's notifications. Once started, the server gets every XML
 * document and decides per document. `activate` returns a small API (other extensions, the editor tests).
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { terminalText } from '../../server/src/encode';
import { HOST_DOCUMENT_SCHEME } from '../../server/src/hostDocument';
import {
  InventoryErrorNotification,
  InventoryStateNotification,
  SETTINGS_SECTION,
  type HostDomainsResult,
} from '../../server/src/protocol';
import { createClient, showProgressAsNotification, type ProgressEvent } from './client';
import { FindingDocs, InventoryDocuments, registerCommands } from './commands';
import { HostDefinitions, HOST_NOW_SCHEME } from './hostDefinitions';
import { HostsView } from './hostsView';
import { inventoryErrorNotice } from './notices';
import { ServerStarter, START_FAILED_NOTICE } from './serverStart';
import { startWithFirstLibvirtDocument } from './startOnOpen';
import type { InventoryState } from './status';
import { DomainStatusBar, type StatusSnapshot } from './statusBar';
import { hostAccessAllowed, noticeRestrictedOnce, onTrustGranted } from './trust';
import { logIgnoredWorkspaceSettings } from './workspaceSettings';

export type { ProgressEvent } from './client';

/** A notification this extension showed. */
export interface Notice {
  kind: 'information' | 'error';
  message: string;
}

/** What `activate` returns (for other extensions and the editor tests). */
export interface LibvirtDomainApi {
  /** The language client (started with the first libvirt document, or by a command). */
  readonly client: LanguageClient;
  /** Whether the language server runs. */
  isRunning(): boolean;
  /** The last inventory state the server reported (InventoryStateNotification). */
  inventoryState(): InventoryState | undefined;
  /** What the status bar item shows now. */
  statusBar(): StatusSnapshot;
  /** Recomputes the status bar for the active editor and returns it. */
  updateStatusBar(): Promise<StatusSnapshot>;
  /** Fires for each notification this extension shows (inventory errors, the Restricted Mode notice, a failed start). */
  readonly onDidShowNotice: vscode.Event<Notice>;
  /** Fires for each step of the server's work-done progress as it arrives: create, begin (title), report (message), end. */
  readonly onDidReportProgress: vscode.Event<ProgressEvent>;
  /** Settings a workspace sets that are not used from there (logged once each), e.g. `libvirtDomain.ssh.configFile`. */
  readonly ignoredWorkspaceSettings: readonly string[];
  /** What the Libvirt Hosts view shows now (the server's last answer), and when it changes. */
  hostsView(): HostDomainsResult | undefined;
  readonly onDidLoadHostsView: vscode.Event<HostDomainsResult>;
}

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<LibvirtDomainApi> {
  const log = vscode.window.createOutputChannel('Libvirt Domain XML', { log: true });
  const noticeShown = new vscode.EventEmitter<Notice>();
  const progressReported = new vscode.EventEmitter<ProgressEvent>();
  context.subscriptions.push(log, noticeShown, progressReported);
  const note = (kind: Notice['kind'], message: string) => noticeShown.fire({ kind, message });

  const languageClient = createClient(context, log);
  client = languageClient;

  // Nothing runs yet: the server starts with the first libvirt document or a command that needs it.
  const starter = new ServerStarter(languageClient, {
    started: () => {
      context.subscriptions.push(showProgressAsNotification(languageClient, (e) => progressReported.fire(e)));
      if (
        noticeRestrictedOnce(context, (m, ...items) => {
          note('information', m);
          return vscode.window.showInformationMessage(m, ...items);
        })
      )
        log.info('Restricted Mode: offline rules only');
      void status.update();
    },
    failed: (reason) =>
      log.error(`the language server did not start: ${terminalText(reason instanceof Error ? reason.message : String(reason))}`),
    notify: () => {
      note('error', START_FAILED_NOTICE);
      void vscode.window.showErrorMessage(START_FAILED_NOTICE, 'Show Log').then((c) => {
        if (c) log.show(true);
      });
    },
  });
  const start = (why: string) => {
    if (starter.requested) return;
    log.info(
      `starting the language server: ${why} (host access ${hostAccessAllowed() ? 'allowed' : 'off: Restricted Mode, offline rules only'})`,
    );
    void starter.start();
  };

  // The status bar asks the server only once it was started (never starts it).
  const status = new DomainStatusBar(() => starter.started());
  context.subscriptions.push(
    status,
    onTrustGranted(languageClient, () => {
      log.info('workspace trusted: host access allowed');
      void status.update();
    }),
  );

  // A host's definitions as files (`libvirt-domain://HOST/NAME.xml`), and the Libvirt Hosts view.
  const server = () => {
    start('a command needs it');
    return starter.ready();
  };
  const hostDefinitions = new HostDefinitions({ server, log });
  const hostsView = new HostsView({ server, log });
  context.subscriptions.push(
    hostDefinitions,
    vscode.workspace.registerFileSystemProvider(HOST_DOCUMENT_SCHEME, hostDefinitions, { isCaseSensitive: true }),
    vscode.workspace.registerTextDocumentContentProvider(HOST_NOW_SCHEME, hostDefinitions.hostNow),
    hostsView,
  );

  // Handlers registered before the start are installed when the connection is up (one per method: the
  // status bar and the hosts view both follow the inventory state).
  languageClient.onNotification(InventoryStateNotification, (s) => {
    status.setState(s);
    hostsView.refresh();
  });

  // One notification per host at a time: a host that keeps failing does not stack them up.
  // The notification never carries host text (VS Code renders links in notifications and runs
  // `command:` links): a fixed template naming the host; the details, encoded, go to the log.
  const openErrors = new Set<string>();
  languageClient.onNotification(InventoryErrorNotification, (e) => {
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

  registerCommands(context, {
    server,
    status,
    log,
    inventoryDocuments: new InventoryDocuments(),
    findingDocs: new FindingDocs(),
  });

  // Settings a repository must not decide: say once in the log when a workspace sets one that is not used.
  const ignoredWorkspaceSettings: string[] = [];
  const checkIgnored = () =>
    void logIgnoredWorkspaceSettings(log, ignoredWorkspaceSettings).catch((e: unknown) =>
      log.warn(`checking the workspace settings: ${terminalText(String(e))}`),
    );
  checkIgnored();
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(SETTINGS_SECTION)) checkIgnored();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(checkIgnored),
    startWithFirstLibvirtDocument((kind) => start(`a ${kind} document is open`)),
  );
  void status.update();

  return {
    client: languageClient,
    isRunning: () => languageClient.isRunning(),
    inventoryState: () => status.inventoryState,
    statusBar: () => status.snapshot(),
    updateStatusBar: async () => {
      await status.update();
      return status.snapshot();
    },
    onDidShowNotice: noticeShown.event,
    onDidReportProgress: progressReported.event,
    ignoredWorkspaceSettings,
    hostsView: () => hostsView.current,
    onDidLoadHostsView: hostsView.onDidLoad,
  };
}

export async function deactivate(): Promise<void> {
  if (client?.needsStop()) await client.stop();
  client = undefined;
}
