/** LSP glue: the connection, document sync and configuration, delegating to ServerCore and HostManager. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CodeActionKind,
  createConnection,
  DidChangeConfigurationNotification,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { parseDomainDocument } from '../analysis';
import { readFileText } from '../files';
import { peerOf } from '../domain/peer';
import { terminalText } from '../encode';
import { inventoryMarkdown } from '../features/inventoryView';
import type { HostIndex } from '../inventory/resolver';
import { HostManager } from './hostManager';
import { SchemaManager } from './schemaManager';
import { ServerCore } from './serverCore';
import { normalizeSettings } from './settings';
import { scanWorkspace } from './workspaceIndex';

/** What the client tells the server at start. */
interface InitOptions {
  /** Whether the server may contact hosts (false in an untrusted workspace: offline rules only). */
  hostAccess?: boolean;
  inventoryFiles?: string[];
  docsUri?: string;
}

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);

/**
 * The log channel: every line as terminal text (no control sequence reaches the channel). Host text
 * is encoded where it is put into a message (so its newlines cannot start a line of their own);
 * this keeps the messages' own line breaks.
 */
function log(message: string): void {
  connection.console.log(message.split('\n').map(terminalText).join('\n'));
}

/** The README next to the bundle documents every finding code. */
function defaultDocsUri(): string | undefined {
  // vsce stores the README as readme.md inside the .vsix.
  for (const name of ['README.md', 'readme.md']) {
    const readme = join(__dirname, '..', name);
    if (existsSync(readme)) return pathToFileURL(readme).toString();
  }
  return undefined;
}

let core: ServerCore;
let hosts: HostManager;
let schemas: SchemaManager;
let hostAccess = false;
let canPullConfiguration = false;
let workspaceFolders: string[] = [];
let initInventoryFiles: string[] = [];

async function reconfigure(pushed?: unknown): Promise<void> {
  let raw = pushed;
  if (canPullConfiguration) raw = await connection.workspace.getConfiguration('libvirtDomain');
  const settings = normalizeSettings(raw);
  if (!settings.inventorySnapshots.length) settings.inventorySnapshots = initInventoryFiles;
  core.setSeverityOverrides(settings.severityOverrides);
  schemas.configure(settings.schemaEnabled, settings.schemaPath);
  hosts.configure(settings, hostAccess, workspaceFolders);
  void hosts.refresh(core.openUris(), false);
}

connection.onInitialize((params) => {
  const init = (params.initializationOptions ?? {}) as InitOptions;
  hostAccess = init.hostAccess === true;
  initInventoryFiles = init.inventoryFiles ?? [];
  canPullConfiguration = !!params.capabilities.workspace?.configuration;
  workspaceFolders = (params.workspaceFolders ?? []).flatMap((f) => {
    try {
      return [fileURLToPath(f.uri)];
    } catch {
      return [];
    }
  });
  schemas = new SchemaManager({ log, changed: () => core.revalidateAll() });
  core = new ServerCore(
    {
      publishDiagnostics: (uri, version, diagnostics) => void connection.sendDiagnostics({ uri, version, diagnostics }),
      log,
    },
    { docsUri: init.docsUri ?? defaultDocsUri(), schemaFor: (uri) => schemas.validatorFor(hosts.groupFor(uri)?.hosts ?? []) },
  );
  hosts = new HostManager(
    {
      log,
      // `message` (details, host text) is for the log; `notice` is the only text a notification may show.
      error: (message, host, notice) => void connection.sendNotification('libvirtDomain/inventoryError', { message, host, notice }),
      inventoryChanged: () => core.revalidateAll(),
      state: (s) => void connection.sendNotification('libvirtDomain/inventoryState', s),
      progress: async (title) => {
        const p = await connection.window.createWorkDoneProgress();
        p.begin(title, 0, undefined, true);
        return {
          report: (message, pct) => p.report(pct ?? 0, message),
          done: () => p.done(),
          onCancel: (l) => void p.token.onCancellationRequested(l),
        };
      },
    },
    schemas,
  );
  core.setHostsProvider((uri) => hosts.hostsFor(uri));
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      hoverProvider: true,
      completionProvider: { triggerCharacters: ['/', '"', "'", '<', ' '] },
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.SourceFixAll] },
    },
    serverInfo: { name: 'libvirt-domain-xml' },
  };
});

connection.onInitialized(() => {
  if (canPullConfiguration)
    void connection.client.register(DidChangeConfigurationNotification.type, { section: 'libvirtDomain' }).catch(() => undefined);
  void reconfigure();
  // Domains in the workspace that are not open, for rules that compare documents; in the background.
  const started = Date.now();
  void scanWorkspace(workspaceFolders, (uri, peer) => core.addWorkspacePeer(uri, peer)).then((r) =>
    connection.console.log(
      `workspace: ${r.domains} domain definitions in ${r.filesRead} XML files (${Date.now() - started} ms)${r.truncated ? '; stopped at the file limit' : ''}`,
    ),
  );
});

connection.onDidChangeConfiguration((change) => {
  void reconfigure((change.settings as { libvirtDomain?: unknown } | undefined)?.libvirtDomain);
});

connection.onNotification('libvirtDomain/hostAccess', (p: { allowed: boolean }) => {
  hostAccess = p.allowed === true;
  void reconfigure();
});
connection.onRequest('libvirtDomain/refreshInventory', async (p: { uris?: string[]; force?: boolean }) => {
  await hosts.refresh(p.uris ?? 'all', p.force !== false);
  hosts.report();
  return null;
});
connection.onRequest('libvirtDomain/hostGroups', (p: { uri?: string }) => ({
  groups: hosts.groups.map((g) => ({ name: g.name, hosts: g.hosts })),
  current: p.uri ? hosts.groupFor(p.uri)?.name : undefined,
}));
connection.onRequest('libvirtDomain/chooseHostGroup', (p: { uri: string; group?: string }) => {
  hosts.chooseGroup(p.uri, p.group);
  void hosts.refresh([p.uri], false);
  return null;
});
// Fix-all across files (the workspace command): only files inside the workspace folders (real paths; see ServerCore.fixAllEdits).
connection.onRequest('libvirtDomain/fixAllEdits', (p: { uris: string[]; folders?: string[] }) => {
  const folders = Array.isArray(p.folders) ? p.folders.filter((f): f is string => typeof f === 'string') : workspaceFolders;
  return core.fixAllEdits(Array.isArray(p.uris) ? p.uris : [], folders);
});
// The inventory view (Markdown, built here from the host index; the client only shows it). Cached per index and source.
const views = new WeakMap<HostIndex, Map<string, string>>();
connection.onRequest('libvirtDomain/inventoryView', (p: { uri?: string; host?: string }) => {
  const host = typeof p.host === 'string' ? p.host : p.uri ? hosts.hostsFor(p.uri)[0]?.host : undefined;
  const idx = host !== undefined ? hosts.inventoryOf(host, p.uri) : undefined;
  if (!idx) return null;
  const src = hosts.sourceOf(idx.host);
  const source = src === 'none' ? '' : src;
  let byIndex = views.get(idx);
  if (!byIndex) views.set(idx, (byIndex = new Map()));
  let md = byIndex.get(source);
  if (md === undefined) {
    const started = Date.now();
    md = inventoryMarkdown(idx, { source: source || undefined });
    byIndex.set(source, md);
    log(`inventory view of ${terminalText(idx.host)}: ${idx.allLuns().length} LUNs in ${Date.now() - started} ms`);
  }
  return md;
});
connection.onRequest('libvirtDomain/hostInventory', (p: { uri?: string; host?: string }) => {
  const host = typeof p.host === 'string' ? p.host : p.uri ? hosts.hostsFor(p.uri)[0]?.host : undefined;
  const idx = host !== undefined ? hosts.inventoryOf(host, p.uri) : undefined;
  return idx ? idx.snapshot : null;
});

// Fired for the opening version too: the first publish is immediate, later ones debounced.
documents.onDidChangeContent((e) => {
  const { uri, version } = e.document;
  if (core.isOpen(uri)) core.change(uri, version, e.document.getText());
  else {
    core.open(uri, version, e.document.getText());
    void hosts.refresh([uri], false);
  }
});
documents.onDidClose((e) => {
  const uri = e.document.uri;
  core.close(uri);
  // A closed file still defines its domain: what is on disk counts for the other documents.
  try {
    const ft = readFileText(fileURLToPath(uri));
    const model = parseDomainDocument(ft.text).model;
    if (model) core.addWorkspacePeer(uri, peerOf(uri, model));
  } catch {
    // untitled, deleted or unreadable: nothing to compare against
  }
});
connection.onHover((p) => core.hover(p.textDocument.uri, p.position));
connection.onCompletion((p) => core.completion(p.textDocument.uri, p.position));
connection.onCodeAction((p) => core.codeActions(p.textDocument.uri, p.range, p.context.only));
connection.onShutdown(() => {
  hosts?.cancel();
  core?.dispose();
});

documents.listen(connection);
connection.listen();
