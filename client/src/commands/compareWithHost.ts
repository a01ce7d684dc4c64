/**
 * Compare with Host Definition: VS Code's diff editor between a host's persistent definition of the
 * active file's domain (`libvirt-domain://HOST/NAME.xml`) and the file. The domain is the one the
 * server matches (by UUID, else name) on the hosts the file is checked against; a pick when several
 * have it. The code lens passes `{ uri, host, name }` (shown where `differs-from-host` is reported).
 * Resolves to the host document's URI, or undefined.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { notificationLabel } from '../../../server/src/encode';
import { DefinedOnRequest } from '../../../server/src/protocol';
import { hostDocumentUri } from '../hostDefinitions';
import { plainLabel } from '../hostsViewItems';
import { activeXml, type CommandFactory } from './context';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

export const compareWithHost: CommandFactory = (ctx) => async (arg?: { uri?: unknown; host?: unknown; name?: unknown } | vscode.Uri) => {
  const client = await ctx.server();
  if (!client) return undefined;
  let file: vscode.Uri | undefined;
  if (arg instanceof vscode.Uri) file = arg;
  else if (str(arg?.uri)) {
    try {
      file = vscode.Uri.parse(str(arg?.uri)!, true);
    } catch {
      file = undefined;
    }
  } else file = activeXml()?.uri;
  if (!file) {
    void vscode.window.showInformationMessage('Libvirt Domain XML: open a domain XML file to compare it with a host’s definition.');
    return undefined;
  }
  let host = arg instanceof vscode.Uri ? undefined : str(arg?.host);
  let name = arg instanceof vscode.Uri ? undefined : str(arg?.name);
  if (!host || !name) {
    // The server has the document open (its editor is, or was just now): it knows its domain and hosts.
    await vscode.workspace.openTextDocument(file);
    const r = await client.sendRequest(DefinedOnRequest, { uri: file.toString() });
    const candidates = r.hosts.filter((h) => !host || h.host === host);
    if (!candidates.length) {
      void vscode.window.showInformationMessage(
        r.name === undefined
          ? 'Libvirt Domain XML: this file has no domain <name> to look for on the hosts.'
          : `Libvirt Domain XML: ${notificationLabel(r.name)} is not defined on the hosts this file is checked against (or their inventory has no definition).`,
      );
      return undefined;
    }
    let chosen = candidates[0];
    if (candidates.length > 1) {
      const picked = await vscode.window.showQuickPick(
        candidates.map((c) => ({ label: plainLabel(c.host), description: c.name === r.name ? undefined : `as ${plainLabel(c.name)}`, c })),
        { title: 'Compare with the definition on', placeHolder: 'Host' },
      );
      if (!picked) return undefined;
      chosen = picked.c;
    }
    host = chosen.host;
    name = chosen.name;
  }
  const left = hostDocumentUri(host, name);
  const title = `${plainLabel(name)} on ${plainLabel(host)} ↔ ${plainLabel(path.posix.basename(file.path))}`;
  await vscode.commands.executeCommand('vscode.diff', left, file, title);
  return left;
};
