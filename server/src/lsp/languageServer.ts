/**
 * The language server behind the connection: owns ServerCore (documents, diagnostics, fixes),
 * HostManager (host groups and inventories), SchemaManager, and the state the client sets (settings,
 * workspace trust, workspace folders, where the finding codes are documented). Every message main.ts
 * receives is one call of a method here; everything the server sends goes through
 * LanguageServerClient, so tests drive the whole server in-process with a recording fake.
 */
import { fileURLToPath } from 'node:url';
import {
  CodeActionKind,
  TextDocumentSyncKind,
  type CodeAction,
  type CodeActionParams,
  type CodeLens,
  type CodeLensParams,
  type DefinitionParams,
  type DocumentLink,
  type DocumentLinkParams,
  type DocumentSymbol,
  type DocumentSymbolParams,
  type InlayHint,
  type InlayHintParams,
  type Location,
  type CompletionList,
  type CompletionParams,
  type DidChangeConfigurationParams,
  type DidChangeWatchedFilesParams,
  type FileEvent,
  type Hover,
  type HoverParams,
  type InitializeParams,
  type InitializeResult,
  type NotificationType,
} from 'vscode-languageserver';
import { terminalText } from '../encode';
import { isHostDocumentUri } from '../hostDocument';
import { inventoryMarkdown } from '../features/inventoryView';
import { findingsDocument } from '../rules/codesDoc';
import type { HostIndex } from '../inventory/resolver';
import type { InventorySnapshot } from '../inventory/snapshot';
import {
  InventoryErrorNotification,
  InventoryStateNotification,
  SETTINGS_SECTION,
  type InventoryStateReport,
  type AuditHostsParams,
  type AuditHostsResult,
  type ChooseHostGroupParams,
  type DefinedOnParams,
  type DefinedOnResult,
  type DefineParams,
  type DefineResult,
  type HostDefinitionParams,
  type HostDomainsResult,
  type PlanDefineParams,
  type PlanDefineResult,
  type FixAllEditsParams,
  type FixAllEditsResult,
  type HostAccessParams,
  type HostGroupsParams,
  type HostGroupsResult,
  type HostParams,
  type InitializationOptions,
  type RefreshInventoryParams,
} from '../protocol';
import { FleetAudit, type Cancellation } from './fleetAudit';
import { HostEditing } from './hostEditing';
import { HostManager, type ProgressHandle } from './hostManager';
import { SchemaManager } from './schemaManager';
import { ServerCore, type LspClient } from './serverCore';
import { PoolIndex } from './poolIndex';
import { normalizeSettings } from './settings';
import { FILE_WATCHERS, filesOfCreatedFolders, withDeletedFolderContents, type FileWatcher } from './watchedFiles';
import { DEFAULT_SCAN_LIMITS, scanWorkspace } from './workspaceIndex';

/** How the server reaches the editor: ServerCore's diagnostics and log, plus notifications, progress and settings. */
export interface LanguageServerClient extends LspClient {
  /** A line (or lines) for the log channel: already terminal text (see logText). */
  log(message: string): void;
  sendNotification<P>(type: NotificationType<P>, params: P): void;
  /** Cancellable work-done progress. */
  progress(title: string): Promise<ProgressHandle>;
  /** Pulls a settings section (`workspace/configuration`); asked only of a client that said it can answer. */
  configuration(section: string): Promise<unknown>;
  /** Asks to be told when a settings section changes (registers `workspace/didChangeConfiguration`). */
  registerForConfiguration(section: string): Promise<void>;
  /** Asks the editor to ask for inlay hints again (`workspace/inlayHint/refresh`); called only when it said it can. */
  refreshInlayHints?(): void;
  /** Asks to be told of changes to files matching these globs (registers `workspace/didChangeWatchedFiles`). */
  registerFileWatchers?(watchers: readonly FileWatcher[]): Promise<void>;
}

/**
 * The log channel's text: every line as terminal text (no control sequence reaches the channel). Host
 * text is encoded where it is put into a message (so its newlines cannot start a line of their own);
 * this keeps the messages' own line breaks. Everything the server logs goes through here.
 */
export function logText(message: string): string {
  return message.split('\n').map(terminalText).join('\n');
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function strings(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
}

/** Fields as received: the client is expected to follow the protocol's shapes, not relied on to. */
type Fields<P> = Partial<Record<keyof P, unknown>>;
type Received<P> = Fields<P> | null | undefined;

export class LanguageServer {
  readonly core: ServerCore;
  readonly hosts: HostManager;
  readonly schemas: SchemaManager;
  /** The Libvirt Hosts view, host definition documents and the define. */
  readonly editing: HostEditing;
  /** Audit Hosts: the fleet audit's diagnostics on host definition documents. */
  readonly audit: FleetAudit;
  private readonly log: (message: string) => void;
  private hostAccess = false;
  private canPullConfiguration = false;
  private canWatchFiles = false;
  /** The settings last pushed with didChangeConfiguration (used when the client cannot be asked). */
  private pushedSettings: unknown;
  /** Counts configuration changes: an older one still waiting for the client is not applied over a newer one. */
  private configurations = 0;
  private workspaceFolders: string[] = [];
  private initInventoryFiles: string[] = [];
  private stopped = false;
  /** The inventory view last built per index, and what it was built from (its source and the peers' version). */
  private readonly views = new WeakMap<HostIndex, { key: string; markdown: string }>();
  /** The open documents' texts, for the outline, inlay hints, code lens, links and definition. */
  private readonly texts = new Map<string, string>();
  /** Storage pool definitions by name (Go to Definition from `<source pool>`). */
  readonly pools = new PoolIndex(() => this.workspaceFolders);
  /** The last host state report (the code lens shows each inventory's age). */
  private hostState?: InventoryStateReport;
  private inlayHintsEnabled = true;
  private canRefreshInlayHints = false;

  /** `schemaWorker`: the server bundle, run again on a thread for the workspace pass's schema check (see SchemaPrefetch). */
  constructor(
    private readonly client: LanguageServerClient,
    options: { schemaWorker?: string } = {},
  ) {
    this.log = (message) => client.log(logText(message));
    this.schemas = new SchemaManager({ log: this.log, changed: () => this.core.revalidateAll() });
    this.core = new ServerCore(
      { publishDiagnostics: (uri, version, diagnostics) => client.publishDiagnostics(uri, version, diagnostics), log: this.log },
      {
        schemaFor: (uri) => this.schemas.validatorFor(this.hosts.groupFor(uri)?.hosts ?? []),
        schemaSourceFor: (uri) => this.schemas.sourceFor(this.hosts.groupFor(uri)?.hosts ?? []),
        schemaWorker: options.schemaWorker,
      },
    );
    this.hosts = new HostManager(
      {
        log: this.log,
        // `message` (details, host text) is for the log; `notice` is the only text a notification may show.
        error: (message, host, notice) => client.sendNotification(InventoryErrorNotification, { message, host, notice }),
        inventoryChanged: () => {
          this.audit.inventoryChanged();
          this.core.revalidateAll();
          this.refreshInlayHints();
        },
        state: (s) => {
          this.hostState = s;
          client.sendNotification(InventoryStateNotification, s);
        },
        progress: (title) => client.progress(title),
      },
      this.schemas,
    );
    this.core.setHostsProvider(
      (uri) => this.hosts.hostsFor(uri),
      () => this.hosts.allHosts().flatMap((h) => this.hosts.inventoryOf(h) ?? []),
    );
    this.editing = new HostEditing({
      hosts: this.hosts,
      schemas: this.schemas,
      log: this.log,
      hostAccess: () => this.hostAccess,
      severityOverrides: () => this.core.severityOverrides,
      analysisOf: (uri) => {
        const d = this.doc(uri);
        return d && this.core.service.analyze(d);
      },
    });
    this.audit = new FleetAudit({
      hosts: this.hosts,
      hostAccess: () => this.hostAccess,
      log: this.log,
      publish: (uri, diagnostics) => client.publishDiagnostics(uri, undefined, diagnostics),
      openUris: () => this.core.openUris(),
      republish: (uri) => this.core.republish(uri),
      progress: (title) => client.progress(title),
      error: (message, host, notice) => client.sendNotification(InventoryErrorNotification, { message, host, notice }),
      docsUri: () => this.core.docsUri,
      severityOverrides: () => this.core.severityOverrides,
    });
    this.core.setOverlay(this.audit);
  }

  // ---- lifecycle and settings ----

  initialize(params: InitializeParams): InitializeResult {
    const init = (params.initializationOptions ?? {}) as Fields<InitializationOptions>;
    this.hostAccess = init.hostAccess === true;
    this.initInventoryFiles = strings(init.inventoryFiles) ?? [];
    this.core.setDocsUri(str(init.docsUri));
    this.hosts.setCacheDir(str(init.cacheDir));
    this.canPullConfiguration = params.capabilities?.workspace?.configuration === true;
    this.canRefreshInlayHints = params.capabilities?.workspace?.inlayHint?.refreshSupport === true;
    this.canWatchFiles = params.capabilities?.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    this.workspaceFolders = (params.workspaceFolders ?? []).flatMap((f) => {
      try {
        return [fileURLToPath(f.uri)];
      } catch {
        return [];
      }
    });
    this.core.setWorkspaceFolders(this.workspaceFolders);
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        completionProvider: { triggerCharacters: ['/', '"', "'", '<', ' '] },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.SourceFixAll] },
        documentSymbolProvider: { label: 'Libvirt' },
        inlayHintProvider: true,
        codeLensProvider: { resolveProvider: false },
        documentLinkProvider: { resolveProvider: false },
        definitionProvider: true,
      },
      serverInfo: { name: 'libvirt-domain-xml' },
    };
  }

  /** Settings, then the workspace scan (domains in files that are not open, for rules that compare documents) in the background. */
  initialized(): void {
    if (this.canPullConfiguration)
      this.client
        .registerForConfiguration(SETTINGS_SECTION)
        .catch((e: Error) => this.log(`settings: cannot register for changes: ${e.message}`));
    // Files created, changed or deleted on disk after the scan (workspace diagnostics, peers).
    if (this.canWatchFiles && this.client.registerFileWatchers)
      this.client.registerFileWatchers(FILE_WATCHERS).catch((e: Error) => this.log(`workspace: cannot watch files: ${e.message}`));
    // The first diagnostics wait for the first settings (one round trip to the client).
    // A client that never answers the settings request must not keep them back for good.
    this.core.hold();
    const fallback = setTimeout(() => this.core.release(), 2000);
    fallback.unref?.();
    void this.reconfigureNow().finally(() => {
      clearTimeout(fallback);
      this.core.release();
    });
    const started = Date.now();
    scanWorkspace(
      this.workspaceFolders,
      (uri, peer) => this.core.addWorkspacePeer(uri, peer),
      undefined,
      () => this.stopped,
      (uri, _kind, text) => this.core.addWorkspaceFile(uri, text),
    )
      .finally(() => this.core.workspaceScanned())
      .then(
        (r) =>
          this.log(
            `workspace: ${r.domains} domain definitions in ${r.filesRead} XML files (${Date.now() - started} ms)${r.truncated ? '; stopped at the file limit' : ''}`,
          ),
        (e: Error) => this.log(`workspace: scan failed: ${e.message}`),
      );
  }

  didChangeConfiguration(params: DidChangeConfigurationParams): void {
    const pushed = (params?.settings as Record<string, unknown> | null | undefined)?.[SETTINGS_SECTION];
    if (pushed !== undefined) this.pushedSettings = pushed;
    void this.reconfigureNow();
  }

  /** Workspace trust changed: hosts may (or may no longer) be contacted. */
  setHostAccess(params: Received<HostAccessParams>): void {
    this.hostAccess = params?.allowed === true;
    void this.reconfigureNow();
  }

  /** The last settings change being applied (a request that reads the hosts waits for it). */
  private settling: Promise<void> = Promise.resolve();

  private reconfigureNow(): Promise<void> {
    this.settling = this.reconfigure();
    return this.settling;
  }

  /** Applies the settings (pulled when the client can answer, else the last pushed) and fetches what is due. */
  private async reconfigure(): Promise<void> {
    const seq = ++this.configurations;
    let raw = this.pushedSettings;
    if (this.canPullConfiguration) {
      try {
        raw = await this.client.configuration(SETTINGS_SECTION);
      } catch (e) {
        this.log(`settings: cannot read them from the client: ${(e as Error).message}`);
      }
    }
    if (seq !== this.configurations || this.stopped) return;
    const settings = normalizeSettings(raw);
    if (!settings.inventorySnapshots.length) settings.inventorySnapshots = this.initInventoryFiles;
    this.core.setSeverityOverrides(settings.severityOverrides);
    this.schemas.configure(settings.schemaEnabled, settings.schemaPath);
    if (settings.inlayHintsEnabled !== this.inlayHintsEnabled) {
      this.inlayHintsEnabled = settings.inlayHintsEnabled;
      this.refreshInlayHints();
    }
    this.core.setWorkspaceDiagnostics(settings.workspaceDiagnostics);
    this.hosts.configure(settings, this.hostAccess, this.workspaceFolders);
    this.fetchDue(this.core.openUris());
  }

  /** Fetches the due inventories of these documents' hosts, in the background. */
  private fetchDue(uris: string[]): void {
    this.hosts.refresh(uris, false).catch((e: Error) => this.log(`inventory: refresh failed: ${e.message}`));
  }

  shutdown(): void {
    this.stopped = true;
    this.audit.cancel();
    this.hosts.cancel();
    this.core.dispose();
  }

  // ---- documents ----

  /** Fired for the opening version too: the first publish is immediate, later ones debounced. */
  documentChanged(uri: string, version: number, text: string): void {
    this.texts.set(uri, text);
    this.pools.documentChanged(uri, text);
    if (this.core.isOpen(uri)) this.core.change(uri, version, text);
    else {
      this.core.open(uri, version, text);
      this.fetchDue([uri]);
    }
  }

  /** The document is closed; what its file on disk defines still counts for the others (ServerCore.close). */
  documentClosed(uri: string): void {
    this.texts.delete(uri);
    this.pools.documentClosed(uri);
    this.core.close(uri);
  }

  /**
   * Files created, changed or deleted on disk (see ServerCore.watchedFilesChanged), for the workspace
   * files and the pool index. A folder is one event: deleted, it stands for the files known below
   * it; created (moved in), it is walked as the scan walks. Resolves once those walks are done.
   */
  async didChangeWatchedFiles(params: Received<DidChangeWatchedFilesParams>): Promise<void> {
    const received = Array.isArray(params?.changes) ? params.changes : [];
    const changes = received.filter(
      (c): c is { uri: string; type: 1 | 2 | 3 } => typeof c?.uri === 'string' && [1, 2, 3].includes(c?.type),
    );
    const apply = (events: FileEvent[]) => {
      this.core.watchedFilesChanged(events);
      this.pools.watchedFilesChanged(events);
    };
    apply(withDeletedFolderContents(changes, [...this.core.workspace.uris(), ...this.pools.uris()]));
    try {
      const walkLimits = { maxFiles: DEFAULT_SCAN_LIMITS.maxFiles, cancelled: () => this.stopped };
      const found = await filesOfCreatedFolders(changes, this.workspaceFolders, walkLimits);
      if (found.length && !this.stopped) apply(found);
    } catch (e) {
      this.log(`workspace: cannot read a folder created: ${(e as Error).message}`);
    }
  }

  hover(params: HoverParams): Hover | null {
    return this.core.hover(params.textDocument.uri, params.position);
  }

  completion(params: CompletionParams): CompletionList {
    return this.core.completion(params.textDocument.uri, params.position);
  }

  codeActions(params: CodeActionParams): CodeAction[] {
    return this.core.codeActions(params.textDocument.uri, params.range, params.context.only);
  }

  // ---- the LSP surface: outline, inlay hints, code lens, links, definition ----

  /** An open document as the language service takes it. */
  private doc(uri: string): { uri: string; text: string } | undefined {
    const text = this.texts.get(uri);
    return text === undefined ? undefined : { uri, text };
  }

  /** Asks the editor for inlay hints again (inventory or setting changed), when it can be asked. */
  private refreshInlayHints(): void {
    if (this.canRefreshInlayHints && !this.stopped) this.client.refreshInlayHints?.();
  }

  documentSymbols(params: DocumentSymbolParams): DocumentSymbol[] {
    const d = this.doc(params.textDocument.uri);
    return d ? this.core.service.documentSymbols(d) : [];
  }

  inlayHints(params: InlayHintParams): InlayHint[] {
    const d = this.inlayHintsEnabled ? this.doc(params.textDocument.uri) : undefined;
    return d ? this.core.service.inlayHints(d, params.range) : [];
  }

  /** The lens on the root element: host group and inventory age (from the last state report), counts, actions. */
  codeLenses(params: CodeLensParams): CodeLens[] {
    const d = this.doc(params.textDocument.uri);
    if (!d) return [];
    const reported = new Map((this.hostState?.hosts ?? []).map((h) => [h.host, h]));
    const group = this.hosts.groupFor(d.uri);
    const indexes = this.hosts.hostsFor(d.uri);
    const hosts = (group?.hosts ?? []).map((host) => {
      const idx = indexes.find((i) => i.host === host);
      const source = idx ? this.hosts.sourceOf(host) : 'none';
      const collected = idx ? Date.parse(idx.snapshot.collectedAt) : NaN;
      return {
        host,
        source,
        fetchedAt: source === 'ssh' || source === 'local' ? reported.get(host)?.fetchedAt : undefined,
        collectedAt: source === 'snapshot' && Number.isFinite(collected) ? collected : undefined,
      };
    });
    return this.core.service.codeLenses(d, {
      // A host definition document's group is its host alone: not a group to name.
      group: isHostDocumentUri(d.uri) ? undefined : group?.name,
      hosts,
      hostAccess: this.hostAccess,
      now: Date.now(),
    });
  }

  documentLinks(params: DocumentLinkParams): DocumentLink[] {
    const d = this.doc(params.textDocument.uri);
    return d ? this.core.service.documentLinks(d) : [];
  }

  /** From `<source pool='NAME'>` to the `<name>` of the pool documents (open or in the workspace) named NAME. */
  async definition(params: DefinitionParams): Promise<Location[]> {
    const d = this.doc(params.textDocument.uri);
    const name = d ? this.core.service.poolReferenceAt(d, params.position) : undefined;
    return name === undefined ? [] : this.pools.lookup(name);
  }

  // ---- the extension's own requests (server/src/protocol.ts; bound in customRequests.ts) ----

  async refreshInventory(params: Received<RefreshInventoryParams>): Promise<null> {
    await this.hosts.refresh(strings(params?.uris) ?? 'all', params?.force !== false);
    this.hosts.report();
    return null;
  }

  hostGroups(params: Received<HostGroupsParams>): HostGroupsResult {
    const uri = str(params?.uri);
    const current = uri !== undefined ? this.hosts.groupFor(uri) : undefined;
    return {
      groups: this.hosts.groups.map((g) => ({ name: g.name, hosts: g.hosts })),
      current: current?.name,
      ...(current && isHostDocumentUri(uri!) ? { currentHosts: current.hosts } : {}),
    };
  }

  chooseHostGroup(params: Received<ChooseHostGroupParams>): null {
    const uri = str(params?.uri);
    if (uri === undefined) return null;
    this.hosts.chooseGroup(uri, str(params?.group));
    this.fetchDue([uri]);
    return null;
  }

  /** Fix-all across files (the workspace command): only files inside the workspace folders (real paths; see ServerCore.fixAllEdits). */
  fixAllEdits(params: Received<FixAllEditsParams>): FixAllEditsResult {
    return this.core.fixAllEdits(strings(params?.uris) ?? [], strings(params?.folders) ?? this.workspaceFolders);
  }

  /**
   * The inventory view: Markdown built here from the host index (the client only shows it). Its
   * "Used by" counts every domain known (open documents and workspace files), so the view is rebuilt
   * when those change, as when the inventory or its source does.
   */
  inventoryView(params: Received<HostParams>): string | null {
    const idx = this.inventoryFor(params);
    if (!idx) return null;
    const src = this.hosts.sourceOf(idx.host);
    const source = src === 'none' ? undefined : src;
    const { version, peers } = this.core.allPeers();
    const key = `${source ?? ''}\0${version}`;
    const cached = this.views.get(idx);
    if (cached?.key === key) return cached.markdown;
    const started = Date.now();
    const markdown = inventoryMarkdown(idx, { source, peers });
    this.views.set(idx, { key, markdown });
    this.log(`inventory view of ${terminalText(idx.host)}: ${idx.allLuns().length} LUNs in ${Date.now() - started} ms`);
    return markdown;
  }

  /** A host's inventory snapshot (what Save Snapshot writes). */
  hostInventory(params: Received<HostParams>): InventorySnapshot | null {
    return this.inventoryFor(params)?.snapshot ?? null;
  }

  // ---- host definitions (hostEditing.ts) ----

  hostDomains(): HostDomainsResult {
    return this.editing.hostDomains();
  }

  hostDefinition(params: Received<HostDefinitionParams>): Promise<string | null> {
    return this.editing.hostDefinition(params);
  }

  planDefine(params: Received<PlanDefineParams>): Promise<PlanDefineResult> {
    return this.editing.planDefine(params);
  }

  define(params: Received<DefineParams>): Promise<DefineResult> {
    return this.editing.define(params);
  }

  definedOn(params: Received<DefinedOnParams>): DefinedOnResult {
    return this.editing.definedOn(params);
  }

  // ---- the fleet audit (fleetAudit.ts) ----

  /** After the settings being applied (a command may have started the server just now). */
  async auditHosts(params: Received<AuditHostsParams>, token?: Cancellation): Promise<AuditHostsResult> {
    // A newer change supersedes an older one still waiting for the client (which then applies nothing).
    for (let p = this.settling; ; p = this.settling) {
      await p;
      if (p === this.settling) break;
    }
    return this.audit.run(strings(params?.hosts), token);
  }

  /** The findings' documentation (the client shows it when a diagnostic's code link is clicked). */
  findingDocs(): string {
    return findingsDocument();
  }

  /** `host`, else the first host the document `uri` is checked against: the inventory the document uses, else the live one, else a snapshot's. */
  private inventoryFor(params: Received<HostParams>): HostIndex | undefined {
    const uri = str(params?.uri);
    const host = str(params?.host) ?? (uri !== undefined ? this.hosts.hostsFor(uri)[0]?.host : undefined);
    return host !== undefined ? this.hosts.inventoryOf(host, uri) : undefined;
  }
}
