/**
 * Show Host Inventory (the read-only Markdown view the server builds, every host string encoded;
 * the client only shows it) and Save Inventory Snapshot (the host's snapshot JSON, to lint offline).
 * `{ host }` skips the host pick; `{ preview: false }` opens the Markdown source, `{ target }` skips the save dialog.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { jsonText, terminalText } from '../../../server/src/encode';
import { HostInventoryRequest, InventoryViewRequest } from '../../../server/src/protocol';
import { notificationLabel } from '../notices';
import { activeXml, noInventory, pickHost, pickText, type CommandFactory } from './context';

export const showHostInventory: CommandFactory = (ctx) => async (arg?: { host?: string; preview?: boolean }) => {
  const client = await ctx.server();
  if (!client) return undefined;
  const host = await pickHost(ctx, client, arg?.host, 'Show the inventory of');
  if (!host) return undefined;
  const markdown = await client.sendRequest(InventoryViewRequest, { uri: activeXml()?.uri.toString(), host });
  if (typeof markdown !== 'string') {
    noInventory(host);
    return undefined;
  }
  const uri = ctx.inventoryDocuments.set(host, markdown);
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.languages.setTextDocumentLanguage(doc, 'markdown');
  if (arg?.preview === false) await vscode.window.showTextDocument(doc, { preview: false });
  else {
    try {
      await vscode.commands.executeCommand('markdown.showPreview', uri);
    } catch {
      await vscode.window.showTextDocument(doc, { preview: false });
    }
  }
  return uri;
};

export const saveInventorySnapshot: CommandFactory = (ctx) => async (arg?: { host?: string; target?: vscode.Uri }) => {
  const client = await ctx.server();
  if (!client) return undefined;
  const host = await pickHost(ctx, client, arg?.host, 'Save the inventory snapshot of');
  if (!host) return undefined;
  const snap = await client.sendRequest(HostInventoryRequest, { uri: activeXml()?.uri.toString(), host });
  if (!snap) {
    noInventory(host);
    return undefined;
  }
  let target = arg?.target;
  if (!target) {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const name = `${host.replace(/[^\w.@-]+/g, '_')}.inventory.json`;
    target = await vscode.window.showSaveDialog({
      title: `Save the inventory snapshot of ${pickText(host)}`,
      defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
      filters: { 'Inventory snapshot': ['json'] },
      saveLabel: 'Save Snapshot',
    });
    if (!target) return undefined;
  }
  await vscode.workspace.fs.writeFile(target, Buffer.from(jsonText(snap, 2) + '\n', 'utf8'));
  if (!arg?.target) {
    const where = notificationLabel(path.posix.basename(target.path));
    void vscode.window.showInformationMessage(
      `Libvirt Domain XML: saved the inventory of ${notificationLabel(host)} to ${where}. Point libvirtDomain.inventorySnapshot at it to lint offline.`,
    );
    ctx.log.info(`saved the inventory of ${terminalText(host)} to ${terminalText(target.fsPath)}`);
  }
  return target;
};
