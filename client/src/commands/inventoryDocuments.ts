/** Read-only documents `libvirt-domain-inventory:/<host>.md` holding the inventory view the server builds. */
import * as vscode from 'vscode';

export const INVENTORY_SCHEME = 'libvirt-domain-inventory';

export class InventoryDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly content = new Map<string, string>();
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.emitter.event;

  set(host: string, markdown: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: INVENTORY_SCHEME, path: `/${host.replace(/[^\w.@:-]+/g, '_').slice(0, 80)}.md` });
    this.content.set(uri.toString(), markdown);
    this.emitter.fire(uri);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.content.get(uri.toString()) ?? '# Inventory\n\nRun **Libvirt Domain: Show Host Inventory** again.\n';
  }

  dispose(): void {
    this.emitter.dispose();
  }
}
