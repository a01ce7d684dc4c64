/**
 * The Libvirt Hosts view (Explorer): the configured hosts, each with its domains (state, disk count,
 * what opening it would show), asked of the server (HostDomainsRequest) and asked again whenever the
 * inventory state changes. A domain opens its persistent definition (`libvirt-domain://HOST/NAME.xml`,
 * hostDefinitions.ts). Item text comes from hostsViewItems.ts (names are data).
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { terminalText } from '../../server/src/encode';
import {
  HostDomainsRequest,
  RefreshInventoryRequest,
  type HostDomainsEntry,
  type HostDomainsResult,
  type HostDomainSummary,
} from '../../server/src/protocol';
import { hostDocumentUri } from './hostDefinitions';
import { domainItemText, hostItemText, type ItemText } from './hostsViewItems';
import { hostAccessAllowed } from './trust';

export const HOSTS_VIEW_ID = 'libvirtDomain.hosts';

export type HostsNode = { kind: 'host'; entry: HostDomainsEntry } | { kind: 'domain'; host: string; domain: HostDomainSummary };

export interface HostsViewContext {
  server(): Promise<LanguageClient | undefined>;
  readonly log: vscode.LogOutputChannel;
}

function treeItem(text: ItemText, collapsible: vscode.TreeItemCollapsibleState): vscode.TreeItem {
  const item = new vscode.TreeItem(text.label, collapsible);
  item.description = text.description;
  const tip = new vscode.MarkdownString(text.tooltip);
  tip.isTrusted = false;
  tip.supportHtml = false;
  item.tooltip = tip;
  item.iconPath = new vscode.ThemeIcon(text.icon);
  return item;
}

export class HostsView implements vscode.TreeDataProvider<HostsNode>, vscode.Disposable {
  private data: HostDomainsResult | undefined;
  private stale = true;
  /** Hosts the view asked to fetch (each once: a host that fails is not asked again, Refresh is there for that). */
  private readonly asked = new Set<string>();
  private readonly changed = new vscode.EventEmitter<HostsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly loaded = new vscode.EventEmitter<HostDomainsResult>();
  /** Fires with each answer of the server the view shows (tests wait on it). */
  readonly onDidLoad = this.loaded.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly ctx: HostsViewContext) {
    const view = vscode.window.createTreeView(HOSTS_VIEW_ID, { treeDataProvider: this, showCollapseAll: true });
    this.disposables.push(view, this.changed, this.loaded);
  }

  /**
   * The view shows (it is asked for its items only then): configured hosts without an inventory yet are
   * fetched, once each (the state notifications then refresh the view).
   */
  private fetchUnfetched(client: LanguageClient, data: HostDomainsResult): void {
    if (!data.hostAccess) return;
    const hosts = data.hosts.filter((h) => h.source === 'none' && !h.fetching && h.error === undefined && !this.asked.has(h.host));
    if (!hosts.length) return;
    for (const h of hosts) this.asked.add(h.host);
    client
      .sendRequest(RefreshInventoryRequest, { force: false })
      .catch((e: unknown) => this.ctx.log.warn(`hosts view: ${terminalText(e instanceof Error ? e.message : String(e))}`));
  }

  /** The inventory state changed: ask again. */
  refresh(): void {
    this.stale = true;
    this.changed.fire(undefined);
  }

  /** What the view shows now (the last answer). */
  get current(): HostDomainsResult | undefined {
    return this.data;
  }

  async getChildren(node?: HostsNode): Promise<HostsNode[]> {
    if (!node) {
      if (this.stale || !this.data) {
        this.stale = false;
        const client = await this.ctx.server();
        if (!client) return [];
        try {
          this.data = await client.sendRequest(HostDomainsRequest, null);
          this.loaded.fire(this.data);
          this.fetchUnfetched(client, this.data);
        } catch (e) {
          this.ctx.log.warn(`hosts view: ${terminalText(e instanceof Error ? e.message : String(e))}`);
          return [];
        }
      }
      return this.data.hosts.map((entry) => ({ kind: 'host', entry }));
    }
    if (node.kind === 'host') return (node.entry.domains ?? []).map((domain) => ({ kind: 'domain', host: node.entry.host, domain }));
    return [];
  }

  getTreeItem(node: HostsNode): vscode.TreeItem {
    if (node.kind === 'host') {
      const item = treeItem(
        hostItemText(node.entry, this.data?.hostAccess ?? hostAccessAllowed()),
        // Always expandable: VS Code keeps an item's first collapsible state (by id), and the domains come with the inventory.
        vscode.TreeItemCollapsibleState.Expanded,
      );
      item.id = `host\0${node.entry.host}`;
      item.contextValue = 'libvirtDomain.host';
      return item;
    }
    const item = treeItem(domainItemText(node.host, node.domain), vscode.TreeItemCollapsibleState.None);
    item.id = `domain\0${node.host}\0${node.domain.name}`;
    item.contextValue = 'libvirtDomain.hostDomain';
    if (node.domain.hasDefinition) {
      const uri = hostDocumentUri(node.host, node.domain.name);
      item.resourceUri = uri;
      item.command = { title: 'Open Definition', command: 'vscode.open', arguments: [uri] };
    }
    return item;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
