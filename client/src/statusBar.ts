/**
 * The status bar item for the active domain document: its host group, how fresh the inventory is,
 * a spinner while fetching, a warning when a host failed; a click refreshes.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { InventoryState, looksLikeDomain, presentStatus } from './status';

export interface StatusSnapshot {
  visible: boolean;
  text: string;
  tooltip: string;
  warning: boolean;
  fetching: boolean;
  group?: string;
  uri?: string;
}

export class DomainStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];
  private state: InventoryState | undefined;
  private uri: string | undefined;
  private group: string | undefined;
  private shown: StatusSnapshot = { visible: false, text: '', tooltip: '', warning: false, fetching: false };
  private readonly changed = new vscode.EventEmitter<StatusSnapshot>();
  /** Fires after every render (tests wait on it). */
  readonly onDidChange = this.changed.event;
  private sniffTimer: NodeJS.Timeout | undefined;
  private generation = 0;

  constructor(private readonly client: LanguageClient) {
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

  /** The active document if it is a domain, else undefined. */
  activeDomainDocument(): vscode.TextDocument | undefined {
    const doc = vscode.window.activeTextEditor?.document;
    if (!doc || doc.languageId !== 'xml' || (doc.uri.scheme !== 'file' && doc.uri.scheme !== 'untitled')) return undefined;
    return looksLikeDomain(doc.getText()) ? doc : undefined;
  }

  /** Asks the server which group the active document uses, then renders. */
  async update(): Promise<void> {
    const gen = ++this.generation;
    const doc = this.activeDomainDocument();
    if (!doc) {
      this.uri = undefined;
      this.group = undefined;
      this.render();
      return;
    }
    const uri = doc.uri.toString();
    let group: string | undefined;
    try {
      const r = await this.client.sendRequest<{ groups: { name: string }[]; current?: string }>('libvirtDomain/hostGroups', { uri });
      group = r.current;
    } catch {
      group = undefined;
    }
    if (gen !== this.generation) return; // a newer update is under way
    this.uri = uri;
    this.group = group;
    this.render();
  }

  private render(): void {
    if (!this.uri) {
      this.item.hide();
      this.shown = { visible: false, text: '', tooltip: '', warning: false, fetching: false };
    } else {
      const p = presentStatus(this.state, this.group, Date.now());
      this.item.text = p.text;
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
