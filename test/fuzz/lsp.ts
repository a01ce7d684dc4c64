// A minimal LSP client for driving dist/server.js over stdio in tests, fuzz and soak runs:
// records diagnostics, log messages and notifications, answers the server's requests, and
// always ends the server process (shutdown/exit, then SIGKILL).
import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createMessageConnection,
  MessageConnection,
  NotificationType,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-jsonrpc/node';
import type { Diagnostic, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { ROOT } from '../support/examples';

export interface ServerOptions {
  initializationOptions?: Record<string, unknown>;
  /** What `workspace/configuration` answers for the `libvirtDomain` section (pulled by the server). */
  settings?: () => unknown;
  workDoneProgress?: boolean;
  env?: NodeJS.ProcessEnv;
  workspaceFolders?: { uri: string; name: string }[];
}

export interface Published {
  uri: string;
  version?: number;
  diagnostics: Diagnostic[];
  at: number;
  seq: number;
}

export class LspSession {
  readonly proc: ChildProcess;
  readonly conn: MessageConnection;
  /** Every publishDiagnostics, in order. */
  readonly published: Published[] = [];
  /** The last publish per URI. */
  readonly latest = new Map<string, Published>();
  readonly logs: string[] = [];
  readonly notifications: { method: string; params: unknown }[] = [];
  readonly progressTokens: (string | number)[] = [];
  stderr = '';
  exited = false;
  exitCode: number | null = null;
  private seq = 0;

  constructor(private readonly opts: ServerOptions = {}) {
    this.proc = spawn(process.execPath, [join(ROOT, 'dist/server.js'), '--stdio'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: opts.env ?? process.env,
    });
    this.proc.stderr!.setEncoding('utf8');
    this.proc.stderr!.on('data', (s: string) => {
      if (this.stderr.length < 1e6) this.stderr += s;
    });
    this.proc.on('exit', (code) => {
      this.exited = true;
      this.exitCode = code;
    });
    this.conn = createMessageConnection(new StreamMessageReader(this.proc.stdout!), new StreamMessageWriter(this.proc.stdin!));
    this.conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      const rec = { uri: p.uri, version: p.version, diagnostics: p.diagnostics, at: Date.now(), seq: this.seq++ };
      this.published.push(rec);
      this.latest.set(p.uri, rec);
      if (this.published.length > 200_000) this.published.splice(0, 100_000);
    });
    this.conn.onNotification('window/logMessage', (p: { message: string }) => {
      this.logs.push(p.message);
      if (this.logs.length > 20_000) this.logs.splice(0, 10_000);
    });
    this.conn.onNotification((method: string, params: unknown) => {
      this.notifications.push({ method, params });
      if (this.notifications.length > 20_000) this.notifications.splice(0, 10_000);
    });
    this.conn.onRequest('client/registerCapability', () => null);
    this.conn.onRequest('client/unregisterCapability', () => null);
    this.conn.onRequest('window/workDoneProgress/create', (p: { token: string | number }) => {
      this.progressTokens.push(p.token);
      return null;
    });
    this.conn.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => opts.settings?.() ?? {}));
    this.conn.onError(() => undefined);
    this.conn.onClose(() => undefined);
    this.conn.listen();
  }

  /** The params of every notification of `type` received so far, in order. */
  notificationsOf<P>(type: NotificationType<P>): P[] {
    return this.notifications.filter((n) => n.method === type.method).map((n) => n.params as P);
  }

  get pid(): number {
    return this.proc.pid!;
  }

  async initialize(): Promise<void> {
    await this.conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri: null,
      workspaceFolders: this.opts.workspaceFolders ?? null,
      capabilities: {
        workspace: { configuration: !!this.opts.settings },
        window: { workDoneProgress: this.opts.workDoneProgress ?? !!this.opts.settings },
      },
      initializationOptions: this.opts.initializationOptions ?? {},
    });
    await this.conn.sendNotification('initialized', {});
  }

  open(uri: string, text: string, version = 1): Promise<void> {
    return this.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'xml', version, text } });
  }

  /** A full-text change (or incremental ones when `changes` is given). */
  change(
    uri: string,
    version: number,
    text: string | { range: { start: { line: number; character: number }; end: { line: number; character: number } }; text: string }[],
  ): Promise<void> {
    const contentChanges = typeof text === 'string' ? [{ text }] : text;
    return this.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges });
  }

  close(uri: string): Promise<void> {
    return this.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  hover(uri: string, position: { line: number; character: number }): Promise<unknown> {
    return this.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position });
  }

  codeActions(
    uri: string,
    range: { start: { line: number; character: number }; end: { line: number; character: number } },
  ): Promise<unknown> {
    return this.conn.sendRequest('textDocument/codeAction', { textDocument: { uri }, range, context: { diagnostics: [] } });
  }

  /** Resolves when `probe` returns a value other than undefined; polls until the deadline. */
  async until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = probe();
      if (v !== undefined && v !== false) return v;
      if (this.exited)
        throw new Error(`the server exited (code ${this.exitCode}) while waiting for ${what}; stderr: ${this.stderr.slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Log lines that report an analysis the server caught failing (ServerCore.publish). */
  failureLogs(): string[] {
    return this.logs.filter((l) => /analysis of .* failed|Unhandled|TypeError|RangeError|ReferenceError/.test(l));
  }

  /** RSS of the server process in kB (from /proc). */
  rssKb(): number {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
    return m ? Number(m[1]) : NaN;
  }

  /** shutdown + exit, then SIGKILL if it is still there; resolves once the process is gone. */
  async stop(timeoutMs = 5000): Promise<void> {
    if (!this.exited) {
      try {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([this.conn.sendRequest('shutdown'), new Promise((r) => (timer = setTimeout(r, timeoutMs)))]).finally(() =>
          clearTimeout(timer),
        );
        await this.conn.sendNotification('exit');
      } catch {
        // the connection may already be gone
      }
    }
    const deadline = Date.now() + timeoutMs;
    while (!this.exited && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    if (!this.exited) {
      this.proc.kill('SIGKILL');
      while (!this.exited) await new Promise((r) => setTimeout(r, 10));
    }
    this.conn.dispose();
  }
}
