/**
 * What every command gets (CommandContext) and what several share: text for quick picks, the active
 * XML document, the host to act on, the usual "nothing configured" answers.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { cap, terminalText } from '../../../server/src/encode';
import { HostGroupsRequest } from '../../../server/src/protocol';
import { notificationLabel } from '../notices';
import { settingsTarget } from '../settingsScope';
import type { DomainStatusBar } from '../statusBar';
import type { FindingDocs } from './findingDocs';
import type { InventoryDocuments } from './inventoryDocuments';

export interface CommandContext {
  /** The language client, started if need be; undefined when the server did not start (the user has been told). */
  server(): Promise<LanguageClient | undefined>;
  readonly status: DomainStatusBar;
  readonly log: vscode.LogOutputChannel;
  /** The read-only inventory views (`libvirt-domain-inventory:` documents). */
  readonly inventoryDocuments: InventoryDocuments;
  /** The findings' documentation (`libvirt-domain-docs:` document). */
  readonly findingDocs: FindingDocs;
}

/**
 * A command: given the context, its handler. A handler takes an optional argument object so it can be
 * scripted (and tested) without dialogs; from the palette the dialogs are shown.
 */
export type CommandFactory = (ctx: CommandContext) => (...args: never[]) => unknown;

/** Host or file text in a quick pick, a dialog title or a placeholder: visible escapes, one line, capped. */
export function pickText(s: string, max = 200): string {
  // `$(name)` would render as an icon in quick pick labels.
  return terminalText(cap(s, max)).replace(/\$\(/g, '$\u200b(');
}

/** The active editor's document when it is XML. */
export function activeXml(): vscode.TextDocument | undefined {
  const d = vscode.window.activeTextEditor?.document;
  return d && d.languageId === 'xml' ? d : undefined;
}

/** The extension's id (publisher.name), for the settings editor's `@ext:` filter. */
export const EXTENSION_ID = 'libvirt-domain-xml.libvirt-domain-xml';

/**
 * Opens the settings editor on the extension's settings (narrowed by `words`), on the tab that shows
 * them: Remote in a remote window (machine-scoped settings are not on the User tab there), else User.
 * Resolves to the command it ran.
 */
export async function openExtensionSettings(words?: string): Promise<string> {
  const target = settingsTarget(vscode.env.remoteName, EXTENSION_ID, words);
  await vscode.commands.executeCommand(target.command, target.args);
  return target.command;
}

/** An information message with one button that opens the extension's settings (narrowed by `words`). */
export function offerSettings(message: string, words?: string): Thenable<string | undefined> {
  return vscode.window.showInformationMessage(message, 'Open Settings').then((c) => (c ? openExtensionSettings(words) : undefined));
}

/**
 * Hosts to choose from: the active document's group, else every host the server knows (asked of the
 * server, which may have started just now: its state notification need not have arrived).
 */
export async function pickHost(
  ctx: CommandContext,
  client: LanguageClient,
  host: string | undefined,
  purpose: string,
): Promise<string | undefined> {
  if (host) return host;
  const state = ctx.status.inventoryState;
  const r = await client.sendRequest(HostGroupsRequest, { uri: activeXml()?.uri.toString() });
  let candidates: string[] = r.groups.find((g) => r.current !== undefined && g.name === r.current)?.hosts ?? [];
  if (!candidates.length) candidates = [...new Set([...r.groups.flatMap((g) => g.hosts), ...(state?.hosts.map((h) => h.host) ?? [])])];
  if (!candidates.length) {
    void offerSettings('Libvirt Domain XML: no host configured. Set libvirtDomain.hosts or libvirtDomain.inventorySnapshot.');
    return undefined;
  }
  if (candidates.length === 1) return candidates[0];
  // Host names come from settings and snapshot files: shown encoded, the real name kept beside.
  const items = candidates.map((h) => {
    const st = state?.hosts.find((x) => x.host === h);
    return { label: pickText(h), description: st ? `${st.source}${st.error ? ' · failed' : ''}` : undefined, host: h };
  });
  return (await vscode.window.showQuickPick(items, { title: purpose, placeHolder: 'Host' }))?.host;
}

/** A command that contacts hosts, in Restricted Mode: says so (`what` it would do), offers to manage trust. */
export function offerTrust(what: string): void {
  void vscode.window
    .showInformationMessage(
      `Libvirt Domain XML: hosts are not contacted in Restricted Mode. Trust the workspace to ${what}.`,
      'Manage Workspace Trust',
    )
    .then((c) => {
      if (c) void vscode.commands.executeCommand('workbench.trust.manage');
    });
}

/** The server has no inventory of `host`: offers a refresh. */
export function noInventory(host: string): void {
  void vscode.window
    .showWarningMessage(`Libvirt Domain XML: no inventory of ${notificationLabel(host)} yet. Refresh the host inventory first.`, 'Refresh')
    .then((c) => {
      if (c) void vscode.commands.executeCommand('libvirtDomain.refreshInventory');
    });
}
