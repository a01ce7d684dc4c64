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
  type CompletionList,
  type CompletionParams,
  type DidChangeConfigurationParams,
  type Hover,
  type HoverParams,
  type InitializeParams,
  type InitializeResult,
  type NotificationType,
} from 'vscode-languageserver';
import { terminalText } from '../encode';
import { inventoryMarkdown } from '../features/inventoryView';
import type { HostIndex } from '../inventory/resolver';
import type { InventorySnapshot } from '../inventory/snapshot';
import {
  InventoryErrorNotification,
  InventoryStateNotification,
  SETTINGS_SECTION,
  type ChooseHostGroupParams,
  type FixAllEditsParams,
  type FixAllEditsResult,
  type HostAccessParams,
  type HostGroupsParams,
  type HostGroupsResult,
  type HostParams,
  type InitializationOptions,
  type RefreshInventoryParams,
} from '../protocol';
import { HostManager, type ProgressHandle } from './hostManager';
import { SchemaManager } from './schemaManager';
import { ServerCore, type LspClient } from './serverCore';
import { normalizeSettings } from './settings';
import { scanWorkspace } from './workspaceIndex';

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
  private readonly log: (message: string) => void;
  private hostAccess = false;
  private canPullConfiguration = false;
  /** The settings last pushed with didChangeConfiguration (used when the client cannot be asked). */
  private pushedSettings: unknown;
  /** Counts configuration changes: an older one still waiting for the client is not applied over a newer one. */
  private configurations = 0;
  private workspaceFolders: string[] = [];
  private initInventoryFiles: string[] = [];
  private stopped = false;
  /** The inventory view last built per index, and what it was built from (its source and the peers' version). */
  private readonly views = new WeakMap<HostIndex, { key: string; markdown: string }>();

  constructor(private readonly client: LanguageServerClient) {
    this.log = (message) => client.log(logText(message));
    this.schemas = new SchemaManager({ log: this.log, changed: () => this.core.revalidateAll() });
    this.core = new ServerCore(
      { publishDiagnostics: (uri, version, diagnostics) => client.publishDiagnostics(uri, version, diagnostics), log: this.log },
      { schemaFor: (uri) => this.schemas.validatorFor(this.hosts.groupFor(uri)?.hosts ?? []) },
    );
    this.hosts = new HostManager(
      {
        log: this.log,
        // `message` (details, host text) is for the log; `notice` is the only text a notification may show.
        error: (message, host, notice) => client.sendNotification(InventoryErrorNotification, { message, host, notice }),
        inventoryChanged: () => this.core.revalidateAll(),
        state: (s) => client.sendNotification(InventoryStateNotification, s),
        progress: (title) => client.progress(title),
      },
      this.schemas,
    );
    this.core.setHostsProvider((uri) => this.hosts.hostsFor(uri));
  }

  // ---- lifecycle and settings ----

  initialize(params: InitializeParams): InitializeResult {
    const init = (params.initializationOptions ?? {}) as Fields<InitializationOptions>;
    this.hostAccess = init.hostAccess === true;
    this.initInventoryFiles = strings(init.inventoryFiles) ?? [];
    this.core.setDocsUri(str(init.docsUri));
    this.canPullConfiguration = params.capabilities?.workspace?.configuration === true;
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
    // The first diagnostics wait for the first settings (one round trip to the client).
    // A client that never answers the settings request must not keep them back for good.
    this.core.hold();
    const fallback = setTimeout(() => this.core.release(), 2000);
    fallback.unref?.();
    void this.reconfigure().finally(() => {
      clearTimeout(fallback);
      this.core.release();
    });
    const started = Date.now();
    scanWorkspace(
      this.workspaceFolders,
      (uri, peer) => this.core.addWorkspacePeer(uri, peer),
      undefined,
      () => this.stopped,
    ).then(
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
    void this.reconfigure();
  }

  /** Workspace trust changed: hosts may (or may no longer) be contacted. */
  setHostAccess(params: Received<HostAccessParams>): void {
    this.hostAccess = params?.allowed === true;
    void this.reconfigure();
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
    this.hosts.configure(settings, this.hostAccess, this.workspaceFolders);
    this.fetchDue(this.core.openUris());
  }

  /** Fetches the due inventories of these documents' hosts, in the background. */
  private fetchDue(uris: string[]): void {
    this.hosts.refresh(uris, false).catch((e: Error) => this.log(`inventory: refresh failed: ${e.message}`));
  }

  shutdown(): void {
    this.stopped = true;
    this.hosts.cancel();
    this.core.dispose();
  }

  // ---- documents ----

  /** Fired for the opening version too: the first publish is immediate, later ones debounced. */
  documentChanged(uri: string, version: number, text: string): void {
    if (this.core.isOpen(uri)) this.core.change(uri, version, text);
    else {
      this.core.open(uri, version, text);
      this.fetchDue([uri]);
    }
  }

  /** The document is closed; what its file on disk defines still counts for the others (ServerCore.close). */
  documentClosed(uri: string): void {
    this.core.close(uri);
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

  // ---- the extension's own requests (server/src/protocol.ts; bound in customRequests.ts) ----

  async refreshInventory(params: Received<RefreshInventoryParams>): Promise<null> {
    await this.hosts.refresh(strings(params?.uris) ?? 'all', params?.force !== false);
    this.hosts.report();
    return null;
  }

  hostGroups(params: Received<HostGroupsParams>): HostGroupsResult {
    const uri = str(params?.uri);
    return {
      groups: this.hosts.groups.map((g) => ({ name: g.name, hosts: g.hosts })),
      current: uri !== undefined ? this.hosts.groupFor(uri)?.name : undefined,
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

  /** `host`, else the first host the document `uri` is checked against: the inventory the document uses, else the live one, else a snapshot's. */
  private inventoryFor(params: Received<HostParams>): HostIndex | undefined {
    const uri = str(params?.uri);
    const host = str(params?.host) ?? (uri !== undefined ? this.hosts.hostsFor(uri)[0]?.host : undefined);
    return host !== undefined ? this.hosts.inventoryOf(host, uri) : undefined;
  }
}
