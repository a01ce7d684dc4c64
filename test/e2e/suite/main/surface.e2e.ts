/// <reference types="mocha" />
// The LSP surface in a real VS Code (trusted workspace, the example kvm-a snapshot from the workspace
// settings): Outline (document symbols), inlay hints (and their refresh when the inventory changes),
// the code lens on <domain> and its command; screenshots of each under test-output/.
import * as assert from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import { closeAll, extensionApi, openEditor, probe, probesAvailable, until, waitForDiagnostic } from '../helpers';

const APP01 = 'domains/app01.xml';
const SNAPSHOT = '../../../examples/kvm-a.inventory.json';
const shots = (name: string) => path.join('test-output', `surface-${name}.png`);

function labelOf(h: vscode.InlayHint): string {
  return typeof h.label === 'string' ? h.label : h.label.map((p) => p.value).join('');
}

async function hints(uri: vscode.Uri): Promise<vscode.InlayHint[]> {
  return (
    (await vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', uri, new vscode.Range(0, 0, 100, 0))) ?? []
  );
}

suite('the LSP surface: outline, inlay hints, code lens', () => {
  const config = () => vscode.workspace.getConfiguration('libvirtDomain');

  suiteSetup(async () => {
    await extensionApi();
  });
  suiteTeardown(async () => {
    await config().update('inventorySnapshot', SNAPSHOT, vscode.ConfigurationTarget.Workspace);
    await closeAll();
  });

  test('Outline: the domain, its devices, each disk as target ← source', async () => {
    const editor = await openEditor(APP01);
    const uri = editor.document.uri;
    await waitForDiagnostic(uri, 'unstable-device-name', '19:19-19:27');
    const symbols = await until('document symbols', async () => {
      const s = await vscode.commands.executeCommand<vscode.DocumentSymbol[]>('vscode.executeDocumentSymbolProvider', uri);
      return s?.length ? s : undefined;
    });
    assert.strictEqual(symbols[0].name, 'app01');
    const disks = symbols[0].children.find((c) => c.name === 'devices')!.children.map((c) => c.name);
    assert.ok(disks.includes('vdb ← /dev/sdc'), disks.join(', '));
    if (!probesAvailable) return;
    await vscode.commands.executeCommand('outline.focus');
    await until('the outline rows', async () =>
      (await probe<number>({ kind: 'eval', expr: `document.querySelectorAll('.outline-pane .monaco-list-row').length` })) > 2
        ? true
        : undefined,
    );
    await probe({ kind: 'screenshot', path: shots('outline') });
  });

  test('inlay hints after the disk sources; refreshed when the inventory changes', async () => {
    const editor = await openEditor(APP01);
    const uri = editor.document.uri;
    await until('the kvm-a hint on /dev/sdc', async () => (await hints(uri)).find((h) => labelOf(h).startsWith('⇒ 3pardata0_12')));
    if (probesAvailable) {
      editor.selection = new vscode.Selection(19, 0, 19, 0);
      editor.revealRange(new vscode.Range(19, 0, 19, 0), vscode.TextEditorRevealType.InCenter);
      await until('the hint in the editor', async () =>
        (await probe<string>({ kind: 'eval', expr: `document.querySelector('.monaco-editor .view-lines')?.textContent ?? ''` })).includes(
          '3pardata0_12',
        )
          ? true
          : undefined,
      );
      await probe({ kind: 'screenshot', path: shots('inlay-hint') });
    }
    // Another inventory for the same host name: the hints follow without touching the document.
    await config().update('inventorySnapshot', '../../../examples/kvm-b.inventory.json', vscode.ConfigurationTarget.Workspace);
    await until('the kvm-b hint on /dev/sdc', async () => (await hints(uri)).find((h) => labelOf(h).startsWith('⇒ sdc')), 30_000);
    await config().update('inventorySnapshot', SNAPSHOT, vscode.ConfigurationTarget.Workspace);
    await until('the kvm-a hint again', async () => (await hints(uri)).find((h) => labelOf(h).startsWith('⇒ 3pardata0_12')), 30_000);
  });

  test('the code lens on <domain>: hosts and inventory, counts, Refresh, Fix all; running Fix all', async () => {
    const editor = await openEditor(APP01);
    const uri = editor.document.uri;
    await waitForDiagnostic(uri, 'unstable-device-name', '19:19-19:27', 20_000, /3pardata0_12/);
    const lenses = await until('the code lenses', async () => {
      const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
      return l?.some((x) => x.command?.title === 'Fix all in this file') ? l : undefined;
    });
    const titles = lenses.map((l) => l.command!.title);
    assert.match(titles[0], /^Hosts: kvm-a · snapshot, \d+ d old$/);
    assert.match(titles[1], /^\d+ errors?, \d+ warnings?$/);
    assert.strictEqual(lenses[0].range.start.line, 1);
    if (probesAvailable) {
      editor.revealRange(new vscode.Range(0, 0, 0, 0), vscode.TextEditorRevealType.AtTop);
      await until('the lens in the editor', async () =>
        (
          await probe<string>({
            kind: 'eval',
            expr: `document.querySelector('.monaco-editor .contentWidgets, .monaco-editor')?.textContent ?? ''`,
          })
        ).includes('Fix all in this file')
          ? true
          : undefined,
      );
      await probe({ kind: 'screenshot', path: shots('code-lens') });
    }
    const fix = lenses.find((l) => l.command?.title === 'Fix all in this file')!.command!;
    assert.strictEqual(fix.arguments, undefined, 'no argument: the lens acts on its own (active) editor');
    await vscode.commands.executeCommand(fix.command, ...(fix.arguments ?? []));
    await until('the fix applied', () => editor.document.getText().includes('/dev/vx/dmp/3pardata0_12'));
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  test('the hover on /dev/sdc: one compact block, aliases before the host facts; a screenshot', async () => {
    const editor = await openEditor('domains/app01.xml');
    const uri = editor.document.uri;
    await waitForDiagnostic(uri, 'unstable-device-name', '19:19-19:27', 30_000, /3pardata0_12/);
    const pos = new vscode.Position(19, 22);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, pos);
    const md = hovers
      .flatMap((h) => h.contents)
      .map((c) => (typeof c === 'string' ? c : c.value))
      .join('\n');
    const aliases = md.indexOf('Stable aliases');
    const host = md.indexOf('**kvm-a**');
    assert.ok(aliases >= 0 && host > aliases, md);
    assert.strictEqual(md.match(/DMP node/g)?.length ?? 0, 1, md);
    if (!probesAvailable) return;
    editor.selection = new vscode.Selection(pos, pos);
    editor.revealRange(new vscode.Range(19, 0, 19, 0), vscode.TextEditorRevealType.InCenter);
    await until('the hover in the page', async () => {
      await vscode.commands.executeCommand('editor.action.showHover');
      const text = await probe<string>({ kind: 'eval', expr: `document.querySelector('.monaco-hover')?.textContent ?? ''` });
      return text.includes('Stable aliases') ? true : undefined;
    });
    await probe({ kind: 'screenshot', path: shots('hover') });
    await probe({ kind: 'press', key: 'Escape' });
  });
});
