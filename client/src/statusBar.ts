/**
 * The status bar item for the active libvirt document (a domain or a storage pool): its host group,
 * how fresh the inventory is, a spinner while fetching, a warning when a host failed; a click refreshes
 * (when some host is fetched live).
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { HostGroupsRequest } from '../../server/src/protocol';
import { libvirtKindOf } from './startOnOpen';
import { InventoryState, presentStatus } from './status';

export interface StatusSnapshot {
  visible: boolean;
  text: string;
  tooltip: string;
  warning: boolean;
  fetching: boolean;
  /** Whether a click refreshes (the item has a command). */
  refreshable?: boolean;
  group?: string;
  uri?: string;
}

export class DomainStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];
  private state: InventoryState | undefined;
  private uri: string | undefined;
  private group: string | undefined;
  /** A host definition document's host (its group of its own). */
  private ownHosts: string[] | undefined;
  private shown: StatusSnapshot = { visible: false, text: '', tooltip: '', warning: false, fetching: false };
  private readonly changed = new vscode.EventEmitter<StatusSnapshot>();
  /** Fires after every render (tests wait on it). */
  readonly onDidChange = this.changed.event;
  private sniffTimer: NodeJS.Timeout | undefined;
  private generation = 0;

  /** `server`: the language client once it was started (the status bar never starts it). */
  constructor(private readonly server: () => Promise<LanguageClient | undefined>) {
    this.item = vscode.window.createStatusBarItem('libvirtDomain.inventory', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'Libvirt Domain: host inventory';
    this.item.command = 'libvirtDomain.refreshInventory';
    this.disposables.push(
      this.item,
      this.changed,
      vscode.window.onDidChangeActiveTextEditor(() => void this.update()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document === vscode.window.activeTextEditor?.document) {
          clearTimeout(this.sniffTimer);
          this.sniffTimer = setTimeout(() => void this.update(), 300);
        }
      }),
      vscode.workspace.onDidOpenTextDocument(() => void this.update()),
    );
    // Ages ("2 min") move on by themselves.
    const tick = setInterval(() => this.render(), 30_000);
    this.disposables.push({ dispose: () => clearInterval(tick) });
  }

  setState(state: InventoryState): void {
    this.state = state;
    void this.update();
  }

  get inventoryState(): InventoryState | undefined {
    return this.state;
  }

  /** The active document if it is a libvirt document (domain or pool), else undefined. */
  activeLibvirtDocument(): vscode.TextDocument | undefined {
    const doc = vscode.window.activeTextEditor?.document;
    return doc && libvirtKindOf(doc) ? doc : undefined;
  }

  /** Asks the server which group the active document uses, then renders. */
  async update(): Promise<void> {
    const gen = ++this.generation;
    const doc = this.activeLibvirtDocument();
    if (!doc) {
      this.uri = undefined;
      this.group = undefined;
      this.ownHosts = undefined;
      this.render();
      return;
    }
    const uri = doc.uri.toString();
    let group: string | undefined;
    let ownHosts: string[] | undefined;
    try {
      const client = await this.server();
      const r = client ? await client.sendRequest(HostGroupsRequest, { uri }) : undefined;
      group = r?.current;
      ownHosts = r?.currentHosts;
    } catch {
      group = undefined;
    }
    if (gen !== this.generation) return; // a newer update is under way
    this.uri = uri;
    this.group = group;
    this.ownHosts = ownHosts;
    this.render();
  }

  private render(): void {
    if (!this.uri) {
      this.item.hide();
      this.shown = { visible: false, text: '', tooltip: '', warning: false, fetching: false };
    } else {
      const p = presentStatus(this.state, this.group, Date.now(), this.ownHosts);
      this.item.text = p.text;
      // A static snapshot file has nothing to refresh: no click.
      this.item.command = p.refreshable ? 'libvirtDomain.refreshInventory' : undefined;
      const tip = new vscode.MarkdownString(p.tooltip);
      tip.isTrusted = false;
      this.item.tooltip = tip;
      this.item.backgroundColor = p.warning ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
      this.item.accessibilityInformation = { label: `Libvirt Domain host inventory: ${p.text.replace(/\$\([^)]*\)\s*/g, '')}` };
      this.item.show();
      this.shown = {
        visible: true,
        text: p.text,
        tooltip: p.tooltip,
        warning: p.warning,
        fetching: p.fetching,
        refreshable: p.refreshable,
        group: this.group,
        uri: this.uri,
      };
    }
    this.changed.fire(this.shown);
  }

  snapshot(): StatusSnapshot {
    return { ...this.shown };
  }

  dispose(): void {
    clearTimeout(this.sniffTimer);
    for (const d of this.disposables) d.dispose();
  }
}
