/**
 * Refresh Host Inventory (also the status bar item's command): the active libvirt document's hosts,
 * else every configured host; `{ all: true }` every host, a Uri that document's. Resolves when fetched.
 */
import * as vscode from 'vscode';
import { RefreshInventoryRequest } from '../../../server/src/protocol';
import { offerSettings, offerTrust, type CommandFactory } from './context';

export const refreshInventory: CommandFactory = (ctx) => async (arg?: { all?: boolean } | vscode.Uri) => {
  const client = await ctx.server();
  if (!client) return;
  const state = ctx.status.inventoryState;
  if (state && !state.hostAccess) {
    offerTrust('fetch inventories');
    return;
  }
  if (state && !state.groups.length) {
    void offerSettings('Libvirt Domain XML: no host configured. Set libvirtDomain.hosts (ssh destinations).', 'hosts');
    return;
  }
  const doc = arg instanceof vscode.Uri ? undefined : ctx.status.activeLibvirtDocument();
  const uris = arg instanceof vscode.Uri ? [arg.toString()] : arg?.all || !doc ? undefined : [doc.uri.toString()];
  await client.sendRequest(RefreshInventoryRequest, { uris, force: true });
};

/** The Libvirt Hosts view's refresh button: every configured host. */
export const refreshHosts: CommandFactory = (ctx) => {
  const refresh = refreshInventory(ctx) as (arg?: { all?: boolean }) => Promise<void>;
  return () => refresh({ all: true });
};
