/**
 * Fix all unstable disk sources: in one file (the server's source.fixAll code action) or across the
 * workspace (the server computes every file's preferred fixes; one WorkspaceEdit, one undo step).
 */
import * as vscode from 'vscode';
import type { Range as LspRange } from 'vscode-languageclient/node';
import { FIX_ALL_KIND, FixAllEditsRequest } from '../../../server/src/protocol';
import { pickText, type CommandFactory } from './context';

/** The document fix-all's code action kind, as the editor knows it. */
export const FIX_ALL_CODE_ACTION_KIND = vscode.CodeActionKind.Empty.append(FIX_ALL_KIND);

function toRange(r: LspRange): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}

/** Fix all in the current file (or the Uri given): applies the server's fix-all action; resolves to the number of edits. */
export const fixAllInFile: CommandFactory = (ctx) => async (uriArg?: vscode.Uri) => {
  const editor = vscode.window.activeTextEditor;
  const doc = uriArg ? await vscode.workspace.openTextDocument(uriArg) : editor?.document;
  if (!doc || doc.languageId !== 'xml') {
    void vscode.window.showInformationMessage('Libvirt Domain XML: open a domain XML file first.');
    return 0;
  }
  // The code action provider is the language client's: there once the server runs.
  if (!(await ctx.server())) return 0;
  const full = new vscode.Range(0, 0, doc.lineCount, 0);
  // Asked as source.fixAll (the server checks `only` against that kind), then ours picked out.
  const actions =
    (await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      doc.uri,
      full,
      vscode.CodeActionKind.SourceFixAll.value,
    )) ?? [];
  const action = actions.find((a) => a.kind && FIX_ALL_CODE_ACTION_KIND.contains(a.kind) && a.edit);
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
};

/**
 * Makes VS Code show `edit` in the Refactor Preview with every change ticked. The preview opens when
 * an entry of the edit needs confirmation, and each entry starts ticked exactly when it does not
 * (VS Code's BulkEditPreview: `checked = !metadata.needsConfirmation`); the extension API has no
 * `showPreview` option. So the one entry that needs confirmation is a no-op the preview leaves out:
 * creating an existing file with `ignoreIfExists` (a file the edit changes, so it exists). It is never
 * ticked, so never applied; the real changes are ticked, and Apply applies them.
 */
export function reviewMarker(edit: vscode.WorkspaceEdit, existing: vscode.Uri): void {
  edit.createFile(existing, { ignoreIfExists: true }, { label: 'Review', needsConfirmation: true });
}

/**
 * Fix all in the workspace. `mode`: 'apply' applies the edit at once; 'preview' sends it to the
 * Refactor Preview with every change ticked (see reviewMarker); without it (the palette) a dialog
 * asks. `include`: the glob of files to look at (default every XML file).
 */
export const fixAllInWorkspace: CommandFactory = (ctx) => async (arg?: { include?: string; mode?: 'apply' | 'preview' }) => {
  const folders = vscode.workspace.workspaceFolders;
  if (!folders?.length) {
    void vscode.window.showInformationMessage('Libvirt Domain XML: open a folder first.');
    return undefined;
  }
  const client = await ctx.server();
  if (!client) return undefined;
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
      const result = await client.sendRequest(
        FixAllEditsRequest,
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
  if (mode === 'preview') reviewMarker(edit, vscode.Uri.parse(changes[0][0]));
  for (const [uri, edits] of changes) {
    const u = vscode.Uri.parse(uri);
    const description = pickText(vscode.workspace.asRelativePath(u));
    for (const e of edits) {
      // needsConfirmation stays off: the Refactor Preview starts every such entry unticked (and Apply
      // with nothing ticked applies nothing); the marker above is what opens the preview.
      edit.replace(u, toRange(e.range), e.newText, { label: 'Use a stable disk source', description, needsConfirmation: false });
    }
  }
  ctx.log.info(
    `fix all in the workspace: ${count} edit(s) in ${changes.length} file(s)${mode === 'preview' ? ', in the Refactor Preview' : ''}`,
  );
  // isRefactoring: files that are not open are saved afterwards (files.refactoring.autoSave).
  const applied = await vscode.workspace.applyEdit(edit, { isRefactoring: true });
  return { files: changes.length, edits: count, applied };
};
