/**
 * The server's behaviour, independent of the transport: document lifecycle, debounced
 * diagnostics, requests. Talks to the editor only through LspClient, so tests can drive it in-process.
 */
import type { CodeAction, CompletionList, Diagnostic, Hover, Position, Range } from 'vscode-languageserver';
import type { HostIndex } from '../inventory/resolver';
import { peerOf, samePeer } from '../domain/peer';
import type { PeerDomain } from '../rules/types';
import type { SchemaValidator } from '../schema/validator';
import { LanguageService } from '../languageService';
import type { SeverityOverrides } from '../features/diagnostics';

export interface LspClient {
  publishDiagnostics(uri: string, version: number | undefined, diagnostics: Diagnostic[]): void;
  log(message: string): void;
}

export interface ServerCoreOptions {
  docsUri?: string;
  debounceMs?: number;
  /** The schema validator for a document, when one is ready. */
  schemaFor?: (uri: string) => SchemaValidator | undefined;
}

interface OpenDoc {
  uri: string;
  version: number;
  text: string;
  timer?: NodeJS.Timeout;
  warmTimer?: NodeJS.Timeout;
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
  private peersTimer?: NodeJS.Timeout;

  constructor(private readonly client: LspClient, options: ServerCoreOptions = {}) {
    this.debounceMs = options.debounceMs ?? 100;
    this.service = new LanguageService({
      hostsFor: (uri) => this.hostsFor(uri),
      docsUri: options.docsUri,
      severityOverrides: () => this.overrides,
      schemaFor: options.schemaFor,
      peersFor: (uri) => ({ version: this.peersVersion, peers: [...this.peers].filter(([u]) => u !== uri).map(([, p]) => p) }),
    });
  }

  /** Uses one host group for every document and re-checks the open ones. */
  setHosts(hosts: HostIndex[]): void {
    this.setHostsProvider(() => hosts);
  }

  /** Chooses the host group per document (see HostManager) and re-checks the open ones. */
  setHostsProvider(provider: (uri: string) => HostIndex[]): void {
    this.hostsFor = provider;
    this.revalidateAll();
  }

  openUris(): string[] {
    return [...this.docs.keys()];
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
    this.publish(uri);
  }

  change(uri: string, version: number, text: string): void {
    const d = this.docs.get(uri) ?? { uri, version, text };
    d.version = version;
    d.text = text;
    this.docs.set(uri, d);
    if (d.timer) clearTimeout(d.timer);
    if (d.warmTimer) clearTimeout(d.warmTimer);
    // The analysis runs once typing pauses briefly; the publish waits for the full debounce and then
    // finds it done (cached), so a large document costs max(debounce, analysis), not their sum.
    d.warmTimer = setTimeout(() => {
      d.warmTimer = undefined;
      try {
        this.service.analyze(d);
      } catch {
        // reported by publish
      }
    }, Math.round(this.debounceMs / 4));
    d.timer = setTimeout(() => {
      d.timer = undefined;
      this.publish(uri);
    }, this.debounceMs);
  }

  close(uri: string): void {
    const d = this.docs.get(uri);
    if (d?.timer) clearTimeout(d.timer);
    if (d?.warmTimer) clearTimeout(d.warmTimer);
    this.docs.delete(uri);
    this.service.forget(uri);
    this.setPeer(uri, undefined); // its unsaved text no longer counts; the glue puts the file's own back
    this.client.publishDiagnostics(uri, undefined, []);
  }

  dispose(): void {
    for (const d of this.docs.values()) {
      if (d.timer) clearTimeout(d.timer);
      if (d.warmTimer) clearTimeout(d.warmTimer);
    }
    if (this.peersTimer) clearTimeout(this.peersTimer);
  }

  private publish(uri: string): void {
    const d = this.docs.get(uri);
    if (!d) return;
    try {
      this.client.publishDiagnostics(uri, d.version, this.service.diagnostics(d));
      const model = this.service.analyze(d).model;
      if (model) this.setPeer(uri, peerOf(uri, model));
    } catch (e) {
      this.client.log(`analysis of ${uri} failed: ${(e as Error).stack ?? e}`);
    }
  }

  /** Records what a document or workspace file opens; other open documents are re-checked (debounced) when it changed. */
  setPeer(uri: string, peer: PeerDomain | undefined): void {
    if (samePeer(this.peers.get(uri), peer)) return;
    if (peer) this.peers.set(uri, peer);
    else this.peers.delete(uri);
    this.peersVersion++;
    if (this.peersTimer) clearTimeout(this.peersTimer);
    this.peersTimer = setTimeout(() => {
      this.peersTimer = undefined;
      for (const other of this.docs.keys()) if (other !== uri) this.publish(other);
    }, this.debounceMs * 3);
  }

  /** Workspace files found on disk; an open document's own text wins over its file. */
  addWorkspacePeer(uri: string, peer: PeerDomain): void {
    if (!this.docs.has(uri)) this.setPeer(uri, peer);
  }

  get peerCount(): number {
    return this.peers.size;
  }

  revalidateAll(): void {
    for (const uri of this.docs.keys()) this.publish(uri);
  }

  hover(uri: string, position: Position): Hover | null {
    const d = this.docs.get(uri);
    return d ? this.service.hover(d, position) : null;
  }

  completion(uri: string, position: Position): CompletionList {
    const d = this.docs.get(uri);
    return d ? this.service.completion(d, position) : { isIncomplete: false, items: [] };
  }

  codeActions(uri: string, range: Range, only?: string[]): CodeAction[] {
    const d = this.docs.get(uri);
    return d ? this.service.codeActions(d, range, only) : [];
  }
}
