/**
 * A host's persistent domain definitions as files: `libvirt-domain://HOST/NAME.xml` (server/src/hostDocument.ts),
 * read from the host's inventory (the server's), checked against that host alone like any domain
 * document, and saved by defining them on the host, with the CLI's `define` checks and confirmations:
 *
 *   1. the server fetches the host again and checks the text (planDefine): a conflict (another domain's
 *      name or UUID) refuses the save; error-level findings ask "Define anyway"; a definition that
 *      changed on the host since the document was opened asks Compare / Overwrite;
 *   2. the diff editor shows the host's definition now beside yours, and a notification asks "Define NAME on HOST?";
 *   3. the server defines (checking all of it again), reads the definition back and says what libvirt
 *      dropped or rewrote (the log lists it); the document then shows the read-back definition.
 *
 * Anything declined or refused fails the save (the editor stays dirty) with a message naming why.
 * Read-only outside a trusted workspace; an auto save never defines. The questions are notifications
 * with buttons (as VS Code asks Compare / Overwrite when a file changed on disk), not modal dialogs;
 * closed without an answer, the save fails. The host's text never reaches a notification (a fixed
 * template with names as notificationLabel; the details go to the log), a tree or diff title as one line.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { notificationLabel, terminalText } from '../../server/src/encode';
import { domainNameOfFile, HOST_DOCUMENT_SCHEME, hostDocumentPath } from '../../server/src/hostDocument';
import {
  DefineRequest,
  HostDefinitionRequest,
  PlanDefineRequest,
  type DefineResult,
  type PlanDefineResult,
} from '../../server/src/protocol';
import { blockingDetail, definedNotice, dialogText, notSavedMessage, plainLabel, unchangedNotice } from './hostsViewItems';
import { hostAccessAllowed } from './trust';

/** Read-only documents with a host's definition as it is now (the left side of the review diff). */
export const HOST_NOW_SCHEME = 'libvirt-domain-host';

/** The document of `name` on `host`. */
export function hostDocumentUri(host: string, name: string): vscode.Uri {
  return vscode.Uri.from({ scheme: HOST_DOCUMENT_SCHEME, authority: host, path: hostDocumentPath(name) });
}

/** The host and domain of a host definition URI, else undefined. */
export function hostDocumentOf(uri: vscode.Uri): { host: string; name: string } | undefined {
  if (uri.scheme !== HOST_DOCUMENT_SCHEME || !uri.authority) return undefined;
  const m = /^\/([^/]+)$/.exec(uri.path);
  const name = m ? domainNameOfFile(m[1]) : undefined;
  return name === undefined ? undefined : { host: uri.authority, name };
}

/** The host's definitions now, for the review diff (kept per URI, replaced on each save). */
export class HostNowDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.emitter.event;

  set(host: string, name: string, text: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: HOST_NOW_SCHEME, authority: host, path: hostDocumentPath(name) });
    this.texts.set(uri.toString(), text);
    this.emitter.fire(uri);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '';
  }

  dispose(): void {
    this.emitter.dispose();
  }
}

interface Entry {
  /** What the editor was given (the host's definition when read, or the readback after a define). */
  text: string;
  mtime: number;
  /** The readback to show once the save is over (a change while VS Code still saves is not reloaded). */
  pending?: string;
  pendingTimer?: NodeJS.Timeout;
}

/** A save that did not define: the message VS Code shows ("Failed to save …: MESSAGE"). */
class NotDefined extends Error {}

export interface HostDefinitionsContext {
  /** The language client, started if need be; undefined when it did not start. */
  server(): Promise<LanguageClient | undefined>;
  readonly log: vscode.LogOutputChannel;
}

export class HostDefinitions implements vscode.FileSystemProvider, vscode.Disposable {
  private readonly entries = new Map<string, Entry>();
  private readonly emitter = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.emitter.event;
  readonly hostNow = new HostNowDocuments();
  /** Why each host document is being saved (onWillSaveTextDocument comes before writeFile). */
  private readonly saveReasons = new Map<string, vscode.TextDocumentSaveReason>();
  private readonly disposables: vscode.Disposable[] = [];
  private clock = 0;

  constructor(private readonly ctx: HostDefinitionsContext) {
    this.disposables.push(
      this.emitter,
      this.hostNow,
      vscode.workspace.onWillSaveTextDocument((e) => {
        if (e.document.uri.scheme === HOST_DOCUMENT_SCHEME) this.saveReasons.set(e.document.uri.toString(), e.reason);
      }),
      vscode.workspace.onDidSaveTextDocument((d) => {
        if (d.uri.scheme === HOST_DOCUMENT_SCHEME) this.deliver(d.uri.toString());
      }),
    );
  }

  /** A modification time after every one given out before (VS Code reloads a file whose time or size changed). */
  private tick(): number {
    this.clock = Math.max(this.clock + 1, Date.now());
    return this.clock;
  }

  private parts(uri: vscode.Uri): { host: string; name: string } {
    const p = hostDocumentOf(uri);
    if (!p) throw vscode.FileSystemError.FileNotFound(uri);
    return p;
  }

  private async client(uri: vscode.Uri): Promise<LanguageClient> {
    const client = await this.ctx.server();
    if (!client) throw vscode.FileSystemError.Unavailable(uri);
    return client;
  }

  /** Reads the definition from the server (the host's inventory); keeps the entry's time when the text is the same. */
  private async load(uri: vscode.Uri): Promise<Entry> {
    const { host, name } = this.parts(uri);
    const text = await (await this.client(uri)).sendRequest(HostDefinitionRequest, { host, name });
    if (typeof text !== 'string') throw vscode.FileSystemError.FileNotFound(uri);
    const key = uri.toString();
    const old = this.entries.get(key);
    if (old && old.text === text && old.pending === undefined) return old;
    if (old?.pendingTimer) clearTimeout(old.pendingTimer);
    const entry: Entry = { text, mtime: this.tick() };
    this.entries.set(key, entry);
    return entry;
  }

  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    if (uri.path === '/' || uri.path === '') return { type: vscode.FileType.Directory, ctime: 0, mtime: 0, size: 0 };
    const key = uri.toString();
    const entry = this.entries.get(key) ?? (await this.load(uri));
    const stat: vscode.FileStat = {
      type: vscode.FileType.File,
      ctime: 0,
      mtime: entry.mtime,
      size: Buffer.byteLength(entry.text, 'utf8'),
      ...(hostAccessAllowed() ? {} : { permissions: vscode.FilePermission.Readonly }),
    };
    return stat;
  }

  /** Shows the read-back definition: a new time and text, and a change event (the editor reloads an unmodified file). */
  private deliver(key: string): void {
    const entry = this.entries.get(key);
    if (!entry || entry.pending === undefined) return;
    clearTimeout(entry.pendingTimer);
    this.entries.set(key, { text: entry.pending, mtime: this.tick() });
    this.emitter.fire([{ type: vscode.FileChangeType.Changed, uri: vscode.Uri.parse(key) }]);
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    const entry = await this.load(uri);
    return Buffer.from(entry.text, 'utf8');
  }

  readDirectory(): [string, vscode.FileType][] {
    return [];
  }

  createDirectory(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  delete(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  rename(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  async writeFile(uri: vscode.Uri, content: Uint8Array): Promise<void> {
    const { host, name } = this.parts(uri);
    if (!hostAccessAllowed())
      throw vscode.FileSystemError.NoPermissions('Restricted Mode: a host definition is defined only in a trusted workspace');
    const key = uri.toString();
    const reason = this.saveReasons.get(key);
    this.saveReasons.delete(key);
    if (reason !== undefined && reason !== vscode.TextDocumentSaveReason.Manual)
      throw new NotDefined(notSavedMessage(name, host, 'an auto save never defines on a host; save it yourself (File: Save)'));
    const text = new TextDecoder('utf-8').decode(content);
    try {
      const readback = await this.save(uri, host, name, text);
      // VS Code takes the stat of the file right after this write, and then ends the save: the stat is of
      // what it wrote; the readback follows once the document is saved (a change event while it is still
      // saving is not reloaded), or after a while when the write did not come from a document's save.
      const entry: Entry = { text, mtime: this.tick(), pending: readback };
      entry.pendingTimer = setTimeout(() => this.deliver(key), 5000);
      this.entries.set(key, entry);
    } catch (e) {
      if (e instanceof NotDefined) {
        this.ctx.log.warn(terminalText(e.message));
        throw e;
      }
      this.ctx.log.error(
        `define of ${terminalText(name)} on ${terminalText(host)}: ${terminalText(e instanceof Error ? e.message : String(e))}`,
      );
      throw new NotDefined(notSavedMessage(name, host, 'the define did not complete (details in the log)'));
    }
  }

  /** The save flow (see the top of this file); resolves to the host's definition afterwards, throws NotDefined. */
  private async save(uri: vscode.Uri, host: string, name: string, text: string): Promise<string> {
    const client = await this.client(uri);
    const base = this.entries.get(uri.toString())?.text;
    const what = `${plainLabel(name)} on ${plainLabel(host)}`;
    /** The same in a notification (which renders links): labels only. */
    const shown = `${notificationLabel(name)} on ${notificationLabel(host)}`;
    const fail = (why: string): never => {
      throw new NotDefined(notSavedMessage(name, host, why));
    };
    const plan: PlanDefineResult = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `Checking ${what}` },
      () => client.sendRequest(PlanDefineRequest, { host, text, uri: uri.toString(), ...(base !== undefined ? { base } : {}) }),
    );
    if (plan.unavailable !== undefined) {
      this.ctx.log.warn(`cannot define ${what}: ${dialogText(plan.unavailable)}`);
      fail('the host could not be read or is not available (details in the log)');
    }
    if (plan.conflict !== undefined) {
      this.ctx.log.warn(`not defined: ${what}: ${dialogText(plan.conflict)}`);
      fail('it would replace or rename another domain (details in the log)');
    }
    let force = false;
    if (plan.blocking.length) {
      const n = plan.blocking.length;
      this.ctx.log.warn(`errors that block defining ${what}:\n${blockingDetail(plan.blocking, 50)}`);
      const choice = await this.ask(
        'warning',
        `${n} error${n === 1 ? '' : 's'} would block defining ${shown} (see Problems).`,
        'Define anyway',
      );
      if (choice !== 'Define anyway') fail(`${n} error${n === 1 ? '' : 's'} (not defined anyway)`);
      force = true;
    }
    const hostNow = this.hostNow.set(host, name, plan.hostText ?? '');
    let overwrite = false;
    if (plan.changedOnHost) {
      const choice = await this.ask(
        'warning',
        `The definition of ${shown} changed on the host since you opened it. Compare (then save again), or Overwrite it with yours?`,
        'Compare',
        'Overwrite',
      );
      if (choice === 'Compare') {
        await this.showDiff(hostNow, uri, what);
        fail('its definition changed on the host since you opened it; compare, then save again');
      }
      if (choice !== 'Overwrite') fail('its definition changed on the host since you opened it (cancelled)');
      overwrite = true;
    }
    if (!plan.diff) {
      void vscode.window.showInformationMessage(unchangedNotice(name, host));
      return plan.hostText ?? text;
    }
    await this.showDiff(hostNow, uri, what);
    this.ctx.log.info(`define ${what}? it runs ${dialogText(plan.command.join(' '))} there with the text on its standard input`);
    const confirm = await this.ask(
      'information',
      `Define ${shown}${plan.hostText !== null ? ', replacing its definition' : ' (a new domain)'}` +
        `${force ? `, despite ${plan.blocking.length} error${plan.blocking.length === 1 ? '' : 's'}` : ''}? The diff editor shows what changes; virsh define reads it on the host.`,
      'Define',
    );
    if (confirm !== 'Define') fail('cancelled');
    const result: DefineResult = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `Defining ${what}` },
      () =>
        client.sendRequest(DefineRequest, { host, text, uri: uri.toString(), ...(base !== undefined ? { base } : {}), overwrite, force }),
    );
    this.ctx.log.info(`define ${terminalText(name)} on ${terminalText(host)}: ${result.outcome}: ${terminalText(result.message)}`);
    for (const c of result.changes)
      this.ctx.log.warn(`${terminalText(name)} on ${terminalText(host)}: line ${c.line + 1}: ${terminalText(c.message)}`);
    if (result.outcome === 'refused' || result.outcome === 'failed') {
      const detail =
        result.reason === 'blocking' && result.blocking
          ? `${dialogText(result.message)}\n${blockingDetail(result.blocking, 50)}`
          : dialogText(result.message);
      this.ctx.log.error(`not defined: ${what}: ${detail}`);
      fail(result.outcome === 'failed' ? 'virsh define failed (details in the log)' : `refused (${result.reason ?? 'see the log'})`);
    }
    if (result.outcome === 'unchanged') {
      void vscode.window.showInformationMessage(unchangedNotice(name, host));
      return typeof result.text === 'string' ? result.text : text;
    }
    void vscode.window
      .showInformationMessage(definedNotice(name, host, result.changes.length), ...(result.changes.length ? ['Show Log'] : []))
      .then((c) => {
        if (c) this.ctx.log.show(true);
      });
    return typeof result.text === 'string' ? result.text : text;
  }

  /** A question as a notification with buttons (`message` a fixed template with labels only); undefined when closed unanswered. */
  private ask(kind: 'warning' | 'information', message: string, ...buttons: string[]): Promise<string | undefined> {
    const show = kind === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    return Promise.resolve(show(message, ...buttons));
  }

  private async showDiff(hostNow: vscode.Uri, yours: vscode.Uri, what: string): Promise<void> {
    await vscode.commands.executeCommand('vscode.diff', hostNow, yours, `${what}: host now ↔ yours`, { preview: true });
  }

  dispose(): void {
    for (const e of this.entries.values()) clearTimeout(e.pendingTimer);
    for (const d of this.disposables) d.dispose();
  }
}
