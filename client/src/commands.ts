/**
 * The palette commands (category "Libvirt Domain") and the read-only inventory view.
 * Each command also takes an optional argument object so it can be scripted (and tested) without
 * dialogs; from the palette the dialogs are shown.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { cap, jsonText, terminalText } from '../../server/src/encode';
import { notificationLabel } from './notices';
import type { DomainStatusBar } from './statusBar';

/** Host or file text in a quick pick, a dialog title or a placeholder: visible escapes, one line, capped. */
function pickText(s: string, max = 200): string {
  // `$(name)` would render as an icon in quick pick labels.
  return terminalText(cap(s, max)).replace(/\$\(/g, '$\u200b(');
}

export const INVENTORY_SCHEME = 'libvirt-domain-inventory';
export const FIX_ALL_KIND = vscode.CodeActionKind.SourceFixAll.append('libvirt-domain');

/** Read-only documents `libvirt-domain-inventory:/<host>.md` holding the Markdown view. */
class InventoryDocuments implements vscode.TextDocumentContentProvider {
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

/** The snapshot as the server sends it (only what Save Snapshot needs to know). */
type SnapshotJson = Record<string, unknown>;

interface Deps {
  client: LanguageClient;
  status: DomainStatusBar;
  log: vscode.LogOutputChannel;
}

type WorkspaceEditJson = {
  changes?: Record<
    string,
    { range: { start: { line: number; character: number }; end: { line: number; character: number } }; newText: string }[]
  >;
};

function toRange(r: { start: { line: number; character: number }; end: { line: number; character: number } }): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}

export function registerCommands(context: vscode.ExtensionContext, deps: Deps): void {
  const { client, status, log } = deps;
  const docs = new InventoryDocuments();
  context.subscriptions.push(docs, vscode.workspace.registerTextDocumentContentProvider(INVENTORY_SCHEME, docs));

  const activeXml = (): vscode.TextDocument | undefined => {
    const d = vscode.window.activeTextEditor?.document;
    return d && d.languageId === 'xml' ? d : undefined;
  };

  /** Hosts to choose from: the active document's group, else every host the server knows. */
  const pickHost = async (host: string | undefined, purpose: string): Promise<string | undefined> => {
    if (host) return host;
    const state = status.inventoryState;
    const doc = activeXml();
    let candidates: string[] = [];
    if (doc && state) {
      const r = await client.sendRequest<{ groups: { name: string; hosts: string[] }[]; current?: string }>('libvirtDomain/hostGroups', {
        uri: doc.uri.toString(),
      });
      candidates = r.groups.find((g) => g.name === r.current)?.hosts ?? [];
    }
    if (!candidates.length) candidates = state?.hosts.map((h) => h.host) ?? [];
    if (!candidates.length) {
      void vscode.window
        .showInformationMessage(
          'Libvirt Domain XML: no host configured. Set libvirtDomain.hosts or libvirtDomain.inventorySnapshot.',
          'Open Settings',
        )
        .then((c) => {
          if (c) void vscode.commands.executeCommand('workbench.action.openSettings', 'libvirtDomain');
        });
      return undefined;
    }
    if (candidates.length === 1) return candidates[0];
    // Host names come from settings and snapshot files: shown encoded, the real name kept beside.
    const items = candidates.map((h) => {
      const st = state?.hosts.find((x) => x.host === h);
      return { label: pickText(h), description: st ? `${st.source}${st.error ? ' · failed' : ''}` : undefined, host: h };
    });
    return (await vscode.window.showQuickPick(items, { title: purpose, placeHolder: 'Host' }))?.host;
  };

  const noInventory = (host: string) => {
    void vscode.window
      .showWarningMessage(
        `Libvirt Domain XML: no inventory of ${notificationLabel(host)} yet. Refresh the host inventory first.`,
        'Refresh',
      )
      .then((c) => {
        if (c) void vscode.commands.executeCommand('libvirtDomain.refreshInventory');
      });
  };

  const inventoryOf = async (host: string): Promise<SnapshotJson | undefined> => {
    const doc = activeXml();
    const snap = await client.sendRequest<SnapshotJson | null>('libvirtDomain/hostInventory', { uri: doc?.uri.toString(), host });
    if (!snap) {
      noInventory(host);
      return undefined;
    }
    return snap;
  };

  const register = (id: string, fn: (...args: never[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));

  register('libvirtDomain.showLog', () => log.show(true));

  // Refresh: the active domain document's hosts, else every configured host. Resolves when fetched.
  register('libvirtDomain.refreshInventory', async (arg?: { all?: boolean } | vscode.Uri) => {
    const state = status.inventoryState;
    if (state && !state.hostAccess) {
      void vscode.window
        .showInformationMessage(
          'Libvirt Domain XML: hosts are not contacted in Restricted Mode. Trust the workspace to fetch inventories.',
          'Manage Workspace Trust',
        )
        .then((c) => {
          if (c) void vscode.commands.executeCommand('workbench.trust.manage');
        });
      return;
    }
    if (state && !state.groups.length) {
      void vscode.window
        .showInformationMessage('Libvirt Domain XML: no host configured. Set libvirtDomain.hosts (ssh destinations).', 'Open Settings')
        .then((c) => {
          if (c) void vscode.commands.executeCommand('workbench.action.openSettings', 'libvirtDomain.hosts');
        });
      return;
    }
    const doc = arg instanceof vscode.Uri ? undefined : status.activeDomainDocument();
    const uris = arg instanceof vscode.Uri ? [arg.toString()] : arg?.all || !doc ? undefined : [doc.uri.toString()];
    await client.sendRequest('libvirtDomain/refreshInventory', { uris, force: true });
  });

  register('libvirtDomain.chooseHostGroup', async (arg?: { group?: string | null; uri?: vscode.Uri }) => {
    const doc = arg?.uri ? await vscode.workspace.openTextDocument(arg.uri) : activeXml();
    if (!doc) {
      void vscode.window.showInformationMessage('Libvirt Domain XML: open a domain XML file first.');
      return;
    }
    const uri = doc.uri.toString();
    let group: string | undefined;
    if (arg && 'group' in arg) group = arg.group ?? undefined;
    else {
      const r = await client.sendRequest<{ groups: { name: string; hosts: string[] }[]; current?: string }>('libvirtDomain/hostGroups', {
        uri,
      });
      if (!r.groups.length) {
        void vscode.window
          .showInformationMessage('Libvirt Domain XML: no host group configured. Set libvirtDomain.hosts.', 'Open Settings')
          .then((c) => {
            if (c) void vscode.commands.executeCommand('workbench.action.openSettings', 'libvirtDomain.hosts');
          });
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
    await client.sendRequest('libvirtDomain/chooseHostGroup', { uri, group });
    await status.update();
    return group;
  });

  // The view is built by the server (linear, every host string encoded); the client only shows it.
  register('libvirtDomain.showHostInventory', async (arg?: { host?: string; preview?: boolean }) => {
    const host = await pickHost(arg?.host, 'Show the inventory of');
    if (!host) return undefined;
    const markdown = await client.sendRequest<string | null>('libvirtDomain/inventoryView', { uri: activeXml()?.uri.toString(), host });
    if (typeof markdown !== 'string') {
      noInventory(host);
      return undefined;
    }
    const uri = docs.set(host, markdown);
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
  });

  register('libvirtDomain.saveInventorySnapshot', async (arg?: { host?: string; target?: vscode.Uri }) => {
    const host = await pickHost(arg?.host, 'Save the inventory snapshot of');
    if (!host) return undefined;
    const snap = await inventoryOf(host);
    if (!snap) return undefined;
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
      log.info(`saved the inventory of ${terminalText(host)} to ${terminalText(target.fsPath)}`);
    }
    return target;
  });

  // Fix all in the current file: the server's source.fixAll action.
  register('libvirtDomain.fixAllInFile', async (uriArg?: vscode.Uri) => {
    const editor = vscode.window.activeTextEditor;
    const doc = uriArg ? await vscode.workspace.openTextDocument(uriArg) : editor?.document;
    if (!doc || doc.languageId !== 'xml') {
      void vscode.window.showInformationMessage('Libvirt Domain XML: open a domain XML file first.');
      return 0;
    }
    const full = new vscode.Range(0, 0, doc.lineCount, 0);
    // Asked as source.fixAll (the server checks `only` against that kind), then ours picked out.
    const actions =
      (await vscode.commands.executeCommand<vscode.CodeAction[]>(
        'vscode.executeCodeActionProvider',
        doc.uri,
        full,
        vscode.CodeActionKind.SourceFixAll.value,
      )) ?? [];
    const action = actions.find((a) => a.kind && FIX_ALL_KIND.contains(a.kind) && a.edit);
    if (!action?.edit) {
      if (!uriArg)
        void vscode.window.showInformationMessage(
          'Libvirt Domain XML: nothing to fix in this file (or no host inventory to take stable names from).',
        );
      return 0;
    }
    const count = action.edit.get(doc.uri).length;
    const ok = await vscode.workspace.applyEdit(action.edit);
    return ok ? count : 0;
  });

  // Fix all in the workspace: one WorkspaceEdit (one undo step). `mode`: 'apply' applies it at once;
  // 'preview' sends it to the Refactor Preview (needsConfirmation: each change is ticked there);
  // without it (the palette) a dialog asks.
  register('libvirtDomain.fixAllInWorkspace', async (arg?: { include?: string; mode?: 'apply' | 'preview' }) => {
    const folders = vscode.workspace.workspaceFolders;
    if (!folders?.length) {
      void vscode.window.showInformationMessage('Libvirt Domain XML: open a folder first.');
      return undefined;
    }
    const computed = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Libvirt Domain: fix all disk sources', cancellable: true },
      async (progress, token) => {
        progress.report({ message: 'finding XML files…' });
        // `files.exclude` applies (exclude undefined); dependencies are skipped as well.
        const found = (await vscode.workspace.findFiles(arg?.include ?? '**/*.xml', undefined, 20_000, token)).filter(
          (f) => !/\/node_modules\//.test(f.path),
        );
        if (token.isCancellationRequested) return undefined;
        // findFiles follows links: a repository's symlink may lead out of the workspace. The server edits
        // only files whose real path is inside these folders, and logs the others.
        const files = found;
        progress.report({ message: `checking ${files.length} XML file(s)…` });
        const result = await client.sendRequest<WorkspaceEditJson>(
          'libvirtDomain/fixAllEdits',
          {
            uris: files.map((f) => f.toString()),
            folders: folders.filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath),
          },
          token,
        );
        return token.isCancellationRequested
          ? undefined
          : { files: files.length, changes: Object.entries(result?.changes ?? {}).filter(([, e]) => e.length) };
      },
    );
    if (!computed) return undefined;
    const { changes } = computed;
    if (!changes.length) {
      void vscode.window.showInformationMessage(`Libvirt Domain XML: nothing to fix in ${computed.files} XML file(s).`);
      return { files: 0, edits: 0, applied: false };
    }
    const count = changes.reduce((n, [, e]) => n + e.length, 0);
    let mode = arg?.mode;
    if (!mode) {
      const apply = 'Apply';
      const review = 'Review in Refactor Preview';
      const choice = await vscode.window.showInformationMessage(
        `Replace ${count} unstable disk source${count === 1 ? '' : 's'} in ${changes.length} file${changes.length === 1 ? '' : 's'} with stable names?`,
        { modal: true, detail: 'Each gets the preferred fix from the host inventory. Undo reverts all of them at once.' },
        apply,
        review,
      );
      if (!choice) return { files: changes.length, edits: count, applied: false };
      mode = choice === apply ? 'apply' : 'preview';
    }
    const edit = new vscode.WorkspaceEdit();
    for (const [uri, edits] of changes) {
      const u = vscode.Uri.parse(uri);
      const description = pickText(vscode.workspace.asRelativePath(u));
      for (const e of edits) {
        edit.replace(u, toRange(e.range), e.newText, {
          label: 'Use a stable disk source',
          description,
          needsConfirmation: mode === 'preview',
        });
      }
    }
    log.info(
      `fix all in the workspace: ${count} edit(s) in ${changes.length} file(s)${mode === 'preview' ? ', in the Refactor Preview' : ''}`,
    );
    // isRefactoring: files that are not open are saved afterwards (files.refactoring.autoSave).
    const applied = await vscode.workspace.applyEdit(edit, { isRefactoring: true });
    return { files: changes.length, edits: count, applied };
  });
}
