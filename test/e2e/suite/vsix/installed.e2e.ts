/// <reference types="mocha" />
// The packaged extension as a user gets it: runTest.js --vsix FILE installs the .vsix into the fresh
// code-server with --install-extension; the development extension is only an empty driver
// (test/e2e/vsix-driver). Opens the trusted fixture workspace.
import * as assert from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import {
  clickCodeLinkInProblems,
  closeAll,
  EXTENSION_ID,
  extensionApi,
  openEditor,
  ours,
  probe,
  probesAvailable,
  until,
  waitForDiagnostic,
} from '../helpers';

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
    // Each code links to the findings' documentation (a command the extension runs), not to a file.
    const targets = ours(uri).map((x) => (typeof x.code === 'object' ? x.code.target.toString(true) : `no link (code ${String(x.code)})`));
    assert.ok(
      targets.every((t) => /^command:libvirtDomain\.showFindingDoc\?\["[a-z-]+"\]$/.test(t)),
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

  test("the extension page shows the README's pictures; a code link opens the findings' documentation, not the readme", async function () {
    if (!probesAvailable) this.skip();
    await vscode.commands.executeCommand('extension.open', EXTENSION_ID);
    // The page is a webview (a frame): its pictures, as the browser loaded them.
    const pictures = await until(
      'the README on the extension page, its pictures loaded',
      async () => {
        const frames = await probe<{ value?: { src: string; width: number }[] | null }[]>({
          kind: 'frames',
          expr: `(() => document.body && document.body.textContent.includes('Map host block devices into KVM guests') ? [...document.images].map((i) => { i.scrollIntoView(); return { src: i.getAttribute('src').slice(0, 22), width: i.naturalWidth }; }) : null)()`,
        });
        const imgs = frames.map((f) => f.value).find((v) => Array.isArray(v));
        return imgs && imgs.length >= 2 && imgs.every((i) => i.width > 0) ? imgs : undefined;
      },
      30_000,
    );
    assert.ok(
      pictures.every((p) => p.src.startsWith('data:image/png')),
      JSON.stringify(pictures),
    );
    await probe({ kind: 'screenshot', path: path.join('test-output', 'vsix-extension-page.png') });
    await closeAll();
    const editor = await openEditor('domains/app01.xml');
    await waitForDiagnostic(editor.document.uri, 'duplicate-target', undefined, 30_000);
    const { tabs } = await clickCodeLinkInProblems('duplicate-target');
    const texts = tabs.filter((t) => t.input instanceof vscode.TabInputText).map((t) => (t.input as vscode.TabInputText).uri.path);
    assert.ok(!texts.some((p) => /readme\.md$/i.test(p)), `no README opened as text: ${texts.join(', ')}`);
    const others = vscode.languages.getDiagnostics().filter(([u, ds]) => /readme\.md$/i.test(u.path) && ds.length);
    assert.deepStrictEqual(
      others.map(([u]) => u.toString()),
      [],
    );
    await vscode.commands.executeCommand('workbench.action.closePanel');
  });
});
