/**
 * Choose Host Group for This File: a quick pick of the configured groups (and "Automatic", by the
 * groups' file patterns); `{ group, uri }` chooses without it (`group: null` back to automatic).
 * Resolves to the group chosen.
 */
import * as vscode from 'vscode';
import { ChooseHostGroupRequest, HostGroupsRequest } from '../../../server/src/protocol';
import { activeXml, offerSettings, pickText, type CommandFactory } from './context';

export const chooseHostGroup: CommandFactory = (ctx) => async (arg?: { group?: string | null; uri?: vscode.Uri }) => {
  const doc = arg?.uri ? await vscode.workspace.openTextDocument(arg.uri) : activeXml();
  if (!doc) {
    void vscode.window.showInformationMessage('Libvirt Domain XML: open a domain XML file first.');
    return;
  }
  const client = await ctx.server();
  if (!client) return;
  const uri = doc.uri.toString();
  let group: string | undefined;
  if (arg && 'group' in arg) group = arg.group ?? undefined;
  else {
    const r = await client.sendRequest(HostGroupsRequest, { uri });
    if (!r.groups.length) {
      offerSettings('Libvirt Domain XML: no host group configured. Set libvirtDomain.hosts.', 'libvirtDomain.hosts');
      return;
    }
    type Item = vscode.QuickPickItem & { group?: string };
    const items: Item[] = r.groups.map((g) => ({
      label: pickText(g.name),
      description: pickText(g.hosts.join(', '), 400),
      detail: g.name === r.current ? 'current' : undefined,
      group: g.name,
    }));
    items.push({ label: 'Automatic', description: "by the groups' file patterns", group: undefined });
    const pick = await vscode.window.showQuickPick(items, {
      title: `Host group for ${pickText(vscode.workspace.asRelativePath(doc.uri))}`,
      placeHolder: r.current ? `Current: ${pickText(r.current)}` : 'Host group',
    });
    if (!pick) return;
    group = pick.group;
  }
  await client.sendRequest(ChooseHostGroupRequest, { uri, group });
  await ctx.status.update();
  return group;
};
