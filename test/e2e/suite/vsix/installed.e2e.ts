/// <reference types="mocha" />
// The packaged extension as a user gets it: runTest.js --vsix FILE installs the .vsix into the fresh
// code-server with --install-extension; the development extension is only an empty driver
// (test/e2e/vsix-driver). Opens the trusted fixture workspace.
import * as assert from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import { closeAll, EXTENSION_ID, extensionApi, openEditor, ours, waitForDiagnostic } from '../helpers';

suite('the installed .vsix', () => {
  teardown(closeAll);

  test('is the installed copy, not the repository', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, 'installed');
    const repo = process.env.LDX_E2E_REPO!;
    assert.ok(!ext.extensionPath.startsWith(repo + path.sep), `${ext.extensionPath} is outside the repository`);
    assert.strictEqual(path.basename(ext.extensionPath), `${ext.packageJSON.publisher}.${ext.packageJSON.name}-${ext.packageJSON.version}`);
  });

  test('lints a domain XML: diagnostics with fixes from the workspace snapshot, hover, status bar', async () => {
    const api = await extensionApi();
    const editor = await openEditor('domains/app01.xml');
    const uri = editor.document.uri;
    // Named in the message once the server has loaded the workspace's snapshot.
    const d = await waitForDiagnostic(uri, 'unstable-device-name', '19:19-19:27', 30_000, /3pardata0_12/);
    await waitForDiagnostic(uri, 'duplicate-target');
    // vsce stores the README as readme.md: the links point there.
    const targets = ours(uri).map((x) => (typeof x.code === 'object' ? String(x.code.target) : `no link (code ${String(x.code)})`));
    assert.ok(
      targets.every((t) => /\/readme\.md#[a-z-]+$/i.test(t)),
      targets.join(', '),
    );
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      uri,
      d.range,
      vscode.CodeActionKind.QuickFix.value,
    );
    assert.strictEqual(actions.find((a) => a.isPreferred)?.title, 'Use /dev/vx/dmp/3pardata0_12');
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(19, 22));
    assert.ok(hovers.length > 0);
    const s = await api.updateStatusBar();
    assert.match(s.text, /kvm-a · snapshot, \d+ d old$/);
  });

  test('the editor surface: Outline symbols, an inlay hint after /dev/sdc, the code lens on <domain>', async () => {
    await extensionApi();
    const editor = await openEditor('domains/app01.xml');
    const uri = editor.document.uri;
    await waitForDiagnostic(uri, 'unstable-device-name', '19:19-19:27', 30_000, /3pardata0_12/);
    const symbols = await vscode.commands.executeCommand<vscode.DocumentSymbol[]>('vscode.executeDocumentSymbolProvider', uri);
    const names = (list: vscode.DocumentSymbol[]): string[] => list.flatMap((x) => [x.name, ...names(x.children)]);
    assert.ok(names(symbols).includes('vdb ← /dev/sdc'), names(symbols).join(', '));
    const hints = await vscode.commands.executeCommand<vscode.InlayHint[]>(
      'vscode.executeInlayHintProvider',
      uri,
      new vscode.Range(0, 0, editor.document.lineCount, 0),
    );
    const label = (h: vscode.InlayHint) => (typeof h.label === 'string' ? h.label : h.label.map((p) => p.value).join(''));
    assert.ok(
      hints.some((h) => h.position.line === 19 && /^⇒ 3pardata0_12 · /.test(label(h))),
      hints.map(label).join(' | '),
    );
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
    assert.ok(
      lenses.some((l) => /^Hosts: kvm-a · snapshot/.test(l.command?.title ?? '')),
      lenses.map((l) => l.command?.title).join(' | '),
    );
  });
});
