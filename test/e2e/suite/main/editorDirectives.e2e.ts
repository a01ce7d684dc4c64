/// <reference types="mocha" />
// Disable directives in a real editor: "Ignore CODE on this line" from the quick-fix menu silences one
// finding; a directive that silences nothing is an unused-disable hint, shown faded. Every edit is made
// in the editor only and reverted (no file changes on disk). Named to run after editor.e2e (whose first
// test needs the server not yet started).
import * as assert from 'assert';
import * as vscode from 'vscode';
import {
  closeAll,
  codeOf,
  extensionApi,
  openEditor,
  ours,
  rangeOf,
  revertAndClose,
  textOnDisk,
  until,
  waitForDiagnostic,
} from '../helpers';

const APP01 = 'domains/app01.xml';
const SDC = '19:19-19:27'; // /dev/sdc
const NVME = '29:19-29:31'; // /dev/nvme0n1
const NEXT = 'libvirt-domain-lint-disable-next-line';

suite('disable directives in the editor', () => {
  suiteSetup(async () => {
    await extensionApi();
  });
  teardown(async () => {
    await revertAndClose();
    await closeAll();
  });

  test('"Ignore unstable-device-name on this line" silences that finding only; an unused directive is a faded hint', async () => {
    const before = textOnDisk(APP01);
    const editor = await openEditor(APP01);
    const uri = editor.document.uri;
    const sdc = await waitForDiagnostic(uri, 'unstable-device-name', SDC, 20_000, /3pardata0_12/);
    await waitForDiagnostic(uri, 'unstable-device-name', NVME);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      uri,
      sdc.range,
      vscode.CodeActionKind.QuickFix.value,
    );
    const all = JSON.stringify(actions.map((a) => ({ t: a.title, p: a.isPreferred })));
    const ignore = actions.find((a) => a.title === 'Ignore unstable-device-name on this line');
    assert.ok(ignore, all);
    assert.ok(!ignore.isPreferred, all);
    // app01 has several fixable values: the fix-all action is in the quick-fix menu too, not preferred.
    const fixAll = actions.find((a) => a.title === 'Fix all unstable disk sources in this file');
    assert.ok(fixAll && !fixAll.isPreferred, all);
    assert.ok(await vscode.workspace.applyEdit(ignore.edit!));
    assert.strictEqual(editor.document.lineAt(19).text, `      <!-- ${NEXT} unstable-device-name -->`);
    assert.strictEqual(editor.document.lineAt(20).text, "      <source dev='/dev/sdc'/>");
    // /dev/sdc (now line 20) keeps its other findings but not unstable-device-name; /dev/nvme0n1 (now line 30) keeps its own.
    await until(
      `sdc's unstable-device-name silenced (now: ${ours(uri)
        .map((d) => `${codeOf(d)}@${rangeOf(d)}`)
        .join(', ')})`,
      () =>
        !ours(uri).some((d) => codeOf(d) === 'unstable-device-name' && d.range.start.line === 20) &&
        ours(uri).some((d) => codeOf(d) === 'unstable-device-name' && rangeOf(d) === '30:19-30:31'),
    );

    // A directive naming a code that is not one: an unused-disable hint over it, faded, with its removal.
    const line = editor.document.lineAt(1); // <domain type='kvm'>
    assert.match(line.text, /^<domain/);
    assert.ok(await editor.edit((b) => b.insert(line.range.start, '<!-- libvirt-domain-lint-disable no-such-code -->\n')), 'edit applied');
    const hint = await waitForDiagnostic(uri, 'unused-disable', '1:0-1:49', 20_000, /unknown code no-such-code/);
    assert.strictEqual(hint.severity, vscode.DiagnosticSeverity.Hint);
    assert.deepStrictEqual(hint.tags, [vscode.DiagnosticTag.Unnecessary]);
    const remove = (
      await vscode.commands.executeCommand<vscode.CodeAction[]>(
        'vscode.executeCodeActionProvider',
        uri,
        hint.range,
        vscode.CodeActionKind.QuickFix.value,
      )
    ).find((a) => a.title === 'Remove this disable directive');
    assert.ok(remove && !remove.isPreferred);
    assert.ok(await vscode.workspace.applyEdit(remove.edit!));
    assert.match(editor.document.lineAt(1).text, /^<domain/);
    await until('the hint to go', () => !ours(uri).some((d) => codeOf(d) === 'unused-disable'));
    // Nothing was written to disk.
    assert.strictEqual(textOnDisk(APP01), before);
  });
});
