/**
 * The server's behaviour, independent of the transport: document lifecycle, debounced
 * diagnostics, requests. Talks to the editor only through LspClient, so tests can drive it in-process.
 */
import type { CodeAction, Diagnostic, Hover, Position, Range } from 'vscode-languageserver';
import type { HostIndex } from '../inventory/resolver';
import { LanguageService } from '../languageService';
import type { SeverityOverrides } from '../features/diagnostics';

export interface LspClient {
  publishDiagnostics(uri: string, version: number | undefined, diagnostics: Diagnostic[]): void;
  log(message: string): void;
}

export interface ServerCoreOptions {
  docsUri?: string;
  debounceMs?: number;
}

interface OpenDoc {
  uri: string;
  version: number;
  text: string;
  timer?: NodeJS.Timeout;
}

export class ServerCore {
  readonly service: LanguageService;
  private readonly docs = new Map<string, OpenDoc>();
  private hostsFor: (uri: string) => HostIndex[] = () => [];
  private overrides: SeverityOverrides | undefined;
  readonly debounceMs: number;

  constructor(private readonly client: LspClient, options: ServerCoreOptions = {}) {
    this.debounceMs = options.debounceMs ?? 100;
    this.service = new LanguageService({
      hostsFor: (uri) => this.hostsFor(uri),
      docsUri: options.docsUri,
      severityOverrides: () => this.overrides,
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
    d.timer = setTimeout(() => {
      d.timer = undefined;
      this.publish(uri);
    }, this.debounceMs);
  }

  close(uri: string): void {
    const d = this.docs.get(uri);
    if (d?.timer) clearTimeout(d.timer);
    this.docs.delete(uri);
    this.service.forget(uri);
    this.client.publishDiagnostics(uri, undefined, []);
  }

  dispose(): void {
    for (const d of this.docs.values()) if (d.timer) clearTimeout(d.timer);
  }

  private publish(uri: string): void {
    const d = this.docs.get(uri);
    if (!d) return;
    try {
      this.client.publishDiagnostics(uri, d.version, this.service.diagnostics(d));
    } catch (e) {
      this.client.log(`analysis of ${uri} failed: ${(e as Error).stack ?? e}`);
    }
  }

  revalidateAll(): void {
    for (const uri of this.docs.keys()) this.publish(uri);
  }

  hover(uri: string, position: Position): Hover | null {
    const d = this.docs.get(uri);
    return d ? this.service.hover(d, position) : null;
  }

  codeActions(uri: string, range: Range, only?: string[]): CodeAction[] {
    const d = this.docs.get(uri);
    return d ? this.service.codeActions(d, range, only) : [];
  }
}
