/**
 * The server's behaviour, independent of the transport: document lifecycle, debounced
 * diagnostics, requests. Talks to the editor only through LspClient, so tests can drive it in-process.
 */
import { lstatSync, realpathSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  FileChangeType,
  type CodeAction,
  type CompletionList,
  type Diagnostic,
  type FileEvent,
  type Hover,
  type Position,
  type Range,
} from 'vscode-languageserver';
import { parseDomainDocument } from '../analysis';
import { readFileText } from '../files';
import { terminalText } from '../encode';
import { identityKey, type HostIndex } from '../inventory/resolver';
import { peerOf, samePeer } from '../domain/peer';
import type { FixAllEditsResult } from '../protocol';
import { peersUsing, peersWithout } from '../rules/lunUsers';
import type { PeerDomain } from '../rules/types';
import type { SchemaSource, SchemaValidator } from '../schema/validator';
import { SchemaPrefetch } from './schemaPrefetch';
import { LanguageService, type LanguageServiceOptions } from '../languageService';
import type { SeverityOverrides } from '../features/diagnostics';
import { documentKind, firstElementName } from '../xml/rootElement';
import { keptDiagnostics } from './keptDiagnostics';
import { watchedPath } from './watchedFiles';
import { WorkspaceDiagnostics } from './workspaceDiagnostics';
import { DEFAULT_SCAN_LIMITS } from './workspaceIndex';

export interface LspClient {
  publishDiagnostics(uri: string, version: number | undefined, diagnostics: Diagnostic[]): void;
  log(message: string): void;
}

export interface ServerCoreOptions {
  /** Where each finding code is documented (diagnostics link to `#<code>`); see also setDocsUri. */
  docsUri?: string;
  debounceMs?: number;
  /** The schema validator for a document, when one is ready. */
  schemaFor?: (uri: string) => SchemaValidator | undefined;
  /** The schema a document is checked against (known before its validator is compiled). */
  schemaSourceFor?: (uri: string) => SchemaSource | undefined;
  /**
   * The server bundle, entered again on a worker thread to validate the workspace pass's files
   * ahead of it (see SchemaPrefetch); without it the main thread validates them.
   */
  schemaWorker?: string;
}

/**
 * Diagnostics of another source for documents that are not workspace files (the fleet audit's, on
 * host definition documents): added to an open document's own, shown alone once it is closed.
 */
export interface DiagnosticsOverlay {
  /** What to add to the open document's own diagnostics (`own`), for its text now. */
  forOpen(uri: string, text: string, own: readonly Diagnostic[]): Diagnostic[];
  /** What to show for the document once closed; undefined: nothing of the overlay's. */
  forClosed(uri: string): Diagnostic[] | undefined;
}

/** The domain `text` (the file behind `uri`) defines, if it holds one. */
function textPeer(uri: string, text: string): PeerDomain | undefined {
  const parsed = parseDomainDocument(text);
  return parsed.model ? peerOf(uri, parsed.model, 'workspace', parsed.doc.lines) : undefined;
}

/** The domain the file behind `uri` defines on disk, if it is a readable file holding one. */
function filePeer(uri: string): PeerDomain | undefined {
  try {
    return textPeer(uri, readFileText(fileURLToPath(uri)).text);
  } catch {
    return undefined; // untitled, deleted or unreadable: nothing to compare against
  }
}

/** Whether the real path `p` is `root` or inside it (both real paths). */
function isInside(p: string, root: string): boolean {
  return p === root || p.startsWith(root.endsWith(sep) ? root : root + sep);
}

interface OpenDoc {
  uri: string;
  version: number;
  text: string;
  timer?: NodeJS.Timeout;
  warmTimer?: NodeJS.Timeout;
  /** What was last published for a well-formed version: kept, mapped, while the text is briefly broken. */
  kept?: { text: string; diagnostics: Diagnostic[] };
}

export class ServerCore {
  readonly service: LanguageService;
  private readonly docs = new Map<string, OpenDoc>();
  private hostsFor: (uri: string) => HostIndex[] = () => [];
  private overrides: SeverityOverrides | undefined;
  readonly debounceMs: number;
  /** Domains of open documents and workspace files, by URI: what cross-document rules compare against. */
  private readonly peers = new Map<string, PeerDomain>();
  private peersVersion = 0;
  /** The peers as one list (and each URI's place in it) for `peersVersion`: every document's peers are taken from it. */
  private peersListed?: { version: number; all: PeerDomain[]; at: Map<string, number> };
  /** Every host any document may be checked against (see setHostsProvider), when the provider can say. */
  private everyHost?: () => HostIndex[];
  /** Peers changed (what they were and are) whose LUNs' other users are not re-checked yet. */
  private readonly peerChanges: { uri: string; peers: (PeerDomain | undefined)[] }[] = [];
  private peerChangesTimer?: NodeJS.Timeout;
  /** When an open document last changed (the workspace pass gives way to typing). */
  private lastChangeAt = 0;
  private workspaceFolders: string[] = [];
  private held = false;
  private peersTimer?: NodeJS.Timeout;
  /** What the service was built with; it reads `docsUri` from here whenever it builds diagnostics. */
  private readonly serviceOptions: LanguageServiceOptions;
  /** Diagnostics of the workspace's domain and pool files that are not open. */
  readonly workspace: WorkspaceDiagnostics;
  /** The workspace pass's schema check on a second thread, when the bundle to run there is known. */
  private readonly schemaPrefetch?: SchemaPrefetch;
  private scanned = false;
  private overlay?: DiagnosticsOverlay;

  constructor(
    private readonly client: LspClient,
    options: ServerCoreOptions = {},
  ) {
    this.debounceMs = options.debounceMs ?? 100;
    this.serviceOptions = {
      hostsFor: (uri) => this.hostsFor(uri),
      docsUri: options.docsUri,
      severityOverrides: () => this.overrides,
      schemaFor: (uri) => {
        const v = options.schemaFor?.(uri);
        return v && this.schemaPrefetch ? this.schemaPrefetch.view(v) : v;
      },
      peersFor: (uri) => {
        const list = this.peerList();
        const at = list.at.get(uri);
        return { version: this.peersVersion, peers: at === undefined ? list.all : peersWithout(list.all, at) };
      },
    };
    if (options.schemaWorker) this.schemaPrefetch = new SchemaPrefetch(options.schemaWorker, (m) => this.client.log(m));
    this.service = new LanguageService(this.serviceOptions);
    this.workspace = new WorkspaceDiagnostics(
      {
        isOpen: (uri) => this.docs.has(uri),
        diagnose: (uri, text) => {
          try {
            return this.service.diagnostics({ uri, text });
          } finally {
            this.service.forget(uri); // a closed file's analysis is not kept
          }
        },
        publish: (uri, diagnostics) => this.client.publishDiagnostics(uri, undefined, diagnostics),
        log: (m) => this.client.log(m),
        prefetch: (uri, text) => this.schemaPrefetch?.request(text, options.schemaSourceFor?.(uri)),
        prefetched: (uri, text) => this.schemaPrefetch?.settled(text, options.schemaSourceFor?.(uri)),
        schemaOnWorker: () => this.schemaPrefetch?.taken ?? 0,
        // An edit waiting for its diagnostics, or one so recent that the next keystroke may follow.
        editPending: () => {
          if (Date.now() - this.lastChangeAt < 2 * this.debounceMs) return true;
          for (const d of this.docs.values()) if (d.timer) return true;
          return false;
        },
      },
      { delayMs: this.debounceMs * 3, maxFileBytes: DEFAULT_SCAN_LIMITS.maxFileBytes },
    );
  }

  setOverlay(overlay: DiagnosticsOverlay): void {
    this.overlay = overlay;
  }

  /** Publishes an open document's diagnostics again now (the overlay's changed). */
  republish(uri: string): void {
    this.publish(uri);
  }

  /** Uses one host group for every document and re-checks the open ones. */
  setHosts(hosts: HostIndex[]): void {
    this.setHostsProvider(
      () => hosts,
      () => hosts,
    );
  }

  /**
   * Chooses the host group per document (see HostManager) and re-checks the open ones. `everyHost`:
   * the hosts of every group (a superset serves), for finding the files a changed document's LUNs
   * concern without asking each file's group.
   */
  setHostsProvider(provider: (uri: string) => HostIndex[], everyHost?: () => HostIndex[]): void {
    this.hostsFor = provider;
    this.everyHost = everyHost;
    this.revalidateAll();
  }

  get docsUri(): string | undefined {
    return this.serviceOptions.docsUri;
  }

  /** Where the finding codes are documented (known once the client has initialized); re-checks the open documents. */
  setDocsUri(uri: string | undefined): void {
    this.serviceOptions.docsUri = uri;
    this.revalidateAll();
  }

  openUris(): string[] {
    return [...this.docs.keys()];
  }

  /** The severity settings (`libvirtDomain.severity`). */
  get severityOverrides(): SeverityOverrides | undefined {
    return this.overrides;
  }

  setSeverityOverrides(o: SeverityOverrides | undefined): void {
    this.overrides = o;
    this.revalidateAll();
  }

  isOpen(uri: string): boolean {
    return this.docs.has(uri);
  }

  open(uri: string, version: number, text: string): void {
    this.docs.set(uri, { uri, version, text });
    this.workspace.opened(uri);
    this.publish(uri);
  }

  change(uri: string, version: number, text: string): void {
    this.lastChangeAt = Date.now();
    const d = this.docs.get(uri) ?? { uri, version, text };
    d.version = version;
    d.text = text;
    this.docs.set(uri, d);
    if (d.timer) clearTimeout(d.timer);
    if (d.warmTimer) clearTimeout(d.warmTimer);
    // The analysis runs once typing pauses briefly; the publish waits for the full debounce and then
    // finds it done (cached), so a large document costs max(debounce, analysis), not their sum.
    d.warmTimer = setTimeout(
      () => {
        d.warmTimer = undefined;
        try {
          this.service.analyze(d);
        } catch {
          // reported by publish
        }
      },
      Math.round(this.debounceMs / 4),
    );
    d.timer = setTimeout(() => {
      d.timer = undefined;
      this.publish(uri);
    }, this.debounceMs);
  }

  /**
   * The document is closed: its unsaved text no longer counts for the other documents, but the file
   * on disk still defines its domain (read as a workspace file is; nothing when it is untitled,
   * deleted, unreadable or not a domain). A workspace file's findings on disk are shown again (with
   * workspace diagnostics on); other documents' are cleared.
   */
  close(uri: string): void {
    const d = this.docs.get(uri);
    if (d?.timer) clearTimeout(d.timer);
    if (d?.warmTimer) clearTimeout(d.warmTimer);
    this.docs.delete(uri);
    this.service.forget(uri);
    this.setPeer(uri, filePeer(uri));
    this.workspace.closed(uri);
    const shown = this.overlay?.forClosed(uri);
    if (shown) this.client.publishDiagnostics(uri, undefined, shown);
  }

  dispose(): void {
    for (const d of this.docs.values()) {
      if (d.timer) clearTimeout(d.timer);
      if (d.warmTimer) clearTimeout(d.warmTimer);
    }
    if (this.peersTimer) clearTimeout(this.peersTimer);
    if (this.peerChangesTimer) clearTimeout(this.peerChangesTimer);
    this.workspace.dispose();
    this.schemaPrefetch?.dispose();
  }

  /**
   * Holds diagnostics until `release`: the server's first settings (host groups, snapshots, severities) are
   * not applied yet, and findings published before would be replaced moments later (a flicker of wrong fixes).
   */
  hold(): void {
    this.held = true;
  }

  /** Publishes every open document held back by `hold`; then the workspace files' (once scanned). */
  release(): void {
    if (!this.held) return;
    this.held = false;
    for (const uri of this.docs.keys()) this.publish(uri);
    if (this.scanned) this.workspace.start();
  }

  /**
   * The open document's diagnostics. While its text is not well-formed, the findings last published
   * for a well-formed version are kept beside the parse error where the text is unchanged (shifted
   * with the edit; see keptDiagnostics): no flicker while typing. They are only shown: code actions
   * come from the service, which offers a stale fix only where its edit's text is unchanged in place.
   */
  private publish(uri: string): void {
    const d = this.docs.get(uri);
    if (!d || this.held) return;
    try {
      const diagnostics = this.service.diagnostics(d);
      const analysis = this.service.analyze(d);
      let shown = diagnostics;
      if (analysis.model || analysis.pool) d.kept = { text: d.text, diagnostics };
      else if (analysis.kind && d.kept) shown = [...diagnostics, ...keptDiagnostics(d.kept.text, d.kept.diagnostics, d.text, uri)];
      else d.kept = undefined;
      const extra = this.overlay?.forOpen(uri, d.text, shown);
      if (extra?.length) shown = [...shown, ...extra];
      this.client.publishDiagnostics(uri, d.version, shown);
      const model = analysis.model;
      if (model) this.setPeer(uri, peerOf(uri, model, 'open', analysis.doc.lines));
    } catch (e) {
      this.client.log(`analysis of ${uri} failed: ${(e as Error).stack ?? e}`);
    }
  }

  /** Records what a document or workspace file opens; other open documents are re-checked (debounced) when it changed. */
  setPeer(uri: string, found: PeerDomain | undefined): void {
    // Messages and the inventory view name a document by its path in the workspace, not its URI.
    const peer = found && { ...found, origin: this.originLabel(uri) };
    const old = this.peers.get(uri);
    if (samePeer(old, peer)) return;
    if (peer) this.peers.set(uri, peer);
    else this.peers.delete(uri);
    this.peersVersion++;
    // Only the workspace files sharing a LUN with it (before or now) can have other findings: found
    // once changes pause (not between an edit's diagnostics and the next keystroke).
    if (!this.workspace.coversAll()) {
      this.peerChanges.push({ uri, peers: [old, peer] });
      if (this.peerChangesTimer) clearTimeout(this.peerChangesTimer);
      this.peerChangesTimer = setTimeout(() => this.recheckSharingLuns(), this.debounceMs * 3);
    }
    if (this.peersTimer) clearTimeout(this.peersTimer);
    this.peersTimer = setTimeout(() => {
      this.peersTimer = undefined;
      for (const other of this.docs.keys()) if (other !== uri) this.publish(other);
    }, this.debounceMs * 3);
  }

  /** Schedules the workspace files sharing a LUN with a peer changed since the last time. */
  private recheckSharingLuns(): void {
    this.peerChangesTimer = undefined;
    const changes = this.peerChanges.splice(0);
    if (this.workspace.coversAll()) return;
    const uris = new Set<string>();
    for (const c of changes) for (const u of this.sharingLuns(c.uri, c.peers)) uris.add(u);
    this.workspace.schedule(uris);
  }

  /**
   * The documents (other than `uri`) with a disk reaching what a disk of `peers` reaches, on any host a
   * document is checked against: whose shared-LUN findings may change with them (the only findings
   * that depend on other documents).
   */
  private sharingLuns(uri: string, peers: (PeerDomain | undefined)[]): Set<string> {
    const out = new Set<string>();
    const all = this.peerList().all;
    for (const h of this.hostsInUse()) {
      for (const p of peers)
        for (const disk of p?.disks ?? []) {
          const key = identityKey(h.resolve(disk.path));
          if (key) for (const other of peersUsing(key, h, all)) if (other.uri && other.uri !== uri) out.add(other.uri);
        }
    }
    return out;
  }

  /** Every host some document or workspace file is checked against (a superset will do). */
  private hostsInUse(): HostIndex[] {
    // The groups' hosts and the open documents' (a host's own definition is checked against that host
    // alone); without the groups', every domain's (only domains use LUNs).
    const hosts = new Set(this.everyHost?.() ?? []);
    for (const uri of this.everyHost ? this.docs.keys() : this.peers.keys()) for (const h of this.hostsFor(uri)) hosts.add(h);
    return [...hosts];
  }

  /** Workspace files found on disk; an open document's own text wins over its file. */
  addWorkspacePeer(uri: string, peer: PeerDomain): void {
    if (!this.docs.has(uri)) this.setPeer(uri, { ...peer, from: 'workspace' });
  }

  /** A domain or pool file the workspace scan found (well-formed or not): it gets workspace diagnostics. */
  addWorkspaceFile(uri: string, text?: string): void {
    this.workspace.add(uri, text);
  }

  /** The workspace scan is done: the workspace files' diagnostics follow (after the first settings). */
  workspaceScanned(): void {
    this.scanned = true;
    if (!this.held) this.workspace.start();
  }

  /** `libvirtDomain.workspaceDiagnostics`: on, the files that are not open get diagnostics too; off, theirs are cleared. */
  setWorkspaceDiagnostics(on: boolean): void {
    this.workspace.setEnabled(on);
  }

  /**
   * Files created, changed or deleted on disk (the client's file watcher): `*.xml` files in the
   * workspace folders outside skipped directories (watchedPath) are read again, as the scan reads
   * them (regular files, not links, bounded), and update the peers and the workspace diagnostics.
   * An open document's text still wins over its file.
   */
  watchedFilesChanged(changes: readonly FileEvent[]): void {
    for (const { uri, type } of changes) {
      const path = watchedPath(uri, this.workspaceFolders);
      if (path === undefined) continue;
      let text: string | undefined;
      if (type !== FileChangeType.Deleted) {
        try {
          // The scan does not follow links below a workspace folder; neither does the watcher.
          if (!lstatSync(path).isSymbolicLink()) text = readFileText(path, { maxBytes: DEFAULT_SCAN_LIMITS.maxFileBytes }).text;
        } catch {
          text = undefined; // gone again, or unreadable: as if deleted
        }
      }
      const kind = text === undefined ? undefined : documentKind(firstElementName(text));
      if (text === undefined || (kind !== 'domain' && kind !== 'pool')) {
        this.workspace.remove(uri);
        if (!this.docs.has(uri)) this.setPeer(uri, undefined);
        continue;
      }
      if (!this.workspace.has(uri) && this.workspace.fileCount >= DEFAULT_SCAN_LIMITS.maxFiles) continue; // the scan's bound
      this.workspace.add(uri, text);
      if (!this.docs.has(uri)) this.setPeer(uri, kind === 'domain' ? textPeer(uri, text) : undefined);
      this.workspace.schedule([uri]);
    }
  }

  /** The workspace folders (file system paths): documents inside one are named relative to it. */
  setWorkspaceFolders(folders: string[]): void {
    this.workspaceFolders = folders;
  }

  /** How a document is named to the user: its path relative to its workspace folder, else its path, else its URI. */
  originLabel(uri: string): string {
    let path: string;
    try {
      path = fileURLToPath(uri);
    } catch {
      return uri;
    }
    const folder = this.workspaceFolders.find((f) => isInside(path, f));
    return folder && path !== folder ? relative(folder, path) : path;
  }

  get peerCount(): number {
    return this.peers.size;
  }

  /** Every domain known (open documents and workspace files), and a version that changes whenever they do. */
  allPeers(): { version: number; peers: PeerDomain[] } {
    return { version: this.peersVersion, peers: this.peerList().all };
  }

  /** The peers of this version as one list, made once per version (lunUsers indexes a list once). */
  private peerList(): { all: PeerDomain[]; at: Map<string, number> } {
    if (this.peersListed?.version !== this.peersVersion) {
      const all = [...this.peers.values()];
      const at = new Map([...this.peers.keys()].map((uri, i) => [uri, i]));
      this.peersListed = { version: this.peersVersion, all, at };
    }
    return this.peersListed;
  }

  /** Re-checks the open documents now, and the workspace files in the background. */
  revalidateAll(): void {
    for (const uri of this.docs.keys()) this.publish(uri);
    this.workspace.schedule();
  }

  hover(uri: string, position: Position): Hover | null {
    const d = this.docs.get(uri);
    return d ? this.service.hover(d, position) : null;
  }

  completion(uri: string, position: Position): CompletionList {
    const d = this.docs.get(uri);
    return d ? this.service.completion(d, position) : { isIncomplete: false, items: [] };
  }

  /**
   * Fix-all across files (the workspace command). Only files whose real path (links followed) lies
   * inside the real path of a workspace folder are considered: a repository's symlink must not make
   * the editor rewrite a file elsewhere (in Restricted Mode too). Open documents use their editor
   * text; others are read from disk (regular files only, bounded), and skipped when the editor's own
   * encoding handling would be bypassed. Every skipped file is logged.
   */
  fixAllEdits(uris: string[], workspaceFolders: string[]): FixAllEditsResult {
    const roots: string[] = [];
    for (const f of workspaceFolders) {
      try {
        roots.push(realpathSync(f));
      } catch {
        // a folder that does not exist (any more) holds no file
      }
    }
    const result: FixAllEditsResult = { changes: {}, skipped: [] };
    const skip = (uri: string, reason: string) => result.skipped.push({ uri, reason });
    for (const uri of uris) {
      let path: string;
      try {
        path = fileURLToPath(uri);
      } catch {
        skip(uri, 'not a file');
        continue;
      }
      let real: string;
      try {
        real = realpathSync(path);
      } catch (e) {
        skip(uri, `cannot resolve its path (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
        continue;
      }
      if (!roots.some((r) => isInside(real, r))) {
        skip(uri, real === path ? 'outside the workspace folders' : `a link to ${real}, outside the workspace folders`);
        continue;
      }
      let text = this.docs.get(uri)?.text;
      if (text === undefined) {
        try {
          const ft = readFileText(real);
          if (!ft.lossless || ft.bom) continue; // the editor's own encoding handling would be bypassed: leave such files alone
          text = ft.text;
        } catch (e) {
          skip(uri, `not read (${(e as Error).message})`);
          continue;
        }
      }
      const edits = this.service.fixAllEdits({ uri, text });
      if (edits.length) result.changes[uri] = edits;
    }
    const shown = result.skipped.slice(0, 50);
    for (const s of shown) this.client.log(`fix all in the workspace: skipped ${terminalText(s.uri)}: ${terminalText(s.reason)}`);
    if (result.skipped.length > shown.length)
      this.client.log(`fix all in the workspace: skipped ${result.skipped.length - shown.length} more file(s)`);
    return result;
  }

  codeActions(uri: string, range: Range, only?: string[]): CodeAction[] {
    const d = this.docs.get(uri);
    return d ? this.service.codeActions(d, range, only) : [];
  }
}
