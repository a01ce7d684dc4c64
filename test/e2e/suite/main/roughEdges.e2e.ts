/// <reference types="mocha" />
// Issue 14's rough edges in a real VS Code: the workspace fix-all's Refactor Preview starts with every
// change ticked (so its Apply applies them), and "Open Settings" opens the tab that shows the
// extension's machine-scoped settings.
import * as assert from 'assert';
import * as vscode from 'vscode';
import { EXTENSION_ID as CLIENT_EXTENSION_ID, offerSettings } from '../../../../client/src/commands/context';
import {
  closeAll,
  EXTENSION_ID,
  extensionApi,
  openEditor,
  ours,
  probe,
  probesAvailable,
  textOnDisk,
  until,
  wsUri,
  restoreFile,
} from '../helpers';

const APP01 = 'domains/app01.xml';
const DB02 = 'domains/db02.xml';

suite('rough edges (issue 14)', () => {
  suiteSetup(async () => {
    await extensionApi();
  });
  teardown(closeAll);

  test("Review in Refactor Preview: every change starts ticked, and the preview's Apply applies them", async () => {
    // The server runs with the workspace's snapshot loaded: a finding names the LUN's DMP node.
    await openEditor(APP01);
    await until('diagnostics from the inventory', () => ours(wsUri(APP01)).some((d) => /3pardata0_12/.test(d.message)));
    await closeAll();
    const before = { app01: textOnDisk(APP01), db02: textOnDisk(DB02) };
    type Result = { files: number; edits: number; applied: boolean };
    let settled: Result | undefined;
    const previewing = Promise.resolve(vscode.commands.executeCommand<Result>('libvirtDomain.fixAllInWorkspace', { mode: 'preview' })).then(
      (r) => (settled = r),
    );
    try {
      // The harness cannot click the preview: its own Apply command is what the button runs.
      await until(
        'the Refactor Preview to apply the edit',
        async () => {
          if (settled) return true;
          await vscode.commands.executeCommand('refactorPreview.apply').then(undefined, () => undefined);
          return undefined;
        },
        30_000,
      );
      assert.deepStrictEqual(await previewing, { files: 2, edits: 6, applied: true });
      const app01 = await until('app01.xml changed', () => {
        const t = textOnDisk(APP01);
        return t !== before.app01 ? t : undefined;
      });
      assert.ok(app01.includes("<source dev='/dev/vx/dmp/3pardata0_12'/>"), app01);
      const db02 = await until('db02.xml changed', () => {
        const t = textOnDisk(DB02);
        return t !== before.db02 ? t : undefined;
      });
      assert.ok(db02.includes('<block>/dev/vx/dmp/3pardata0_13</block>'), db02);
    } finally {
      if (!settled) await vscode.commands.executeCommand('refactorPreview.discard').then(undefined, () => undefined);
      await restoreFile(APP01, before.app01);
      await restoreFile(DB02, before.db02);
    }
  });

  test('"Open Settings" opens the Remote tab in a remote window (else User), filtered to the extension', async function () {
    assert.strictEqual(CLIENT_EXTENSION_ID, EXTENSION_ID, 'the client filters on its own extension id');
    if (!probesAvailable) return this.skip(); // the notification's button is clicked in the page
    const shown = offerSettings('Libvirt Domain XML: no host configured (test).', 'hosts');
    await until('the notification with its button', () =>
      probe<boolean>({
        kind: 'eval',
        expr: `(() => { const b = [...document.querySelectorAll('.notifications-toasts .monaco-button, .notification-list-item .monaco-button')].find((x) => x.textContent.trim() === 'Open Settings'); if (!b) return false; b.click(); return true; })()`,
      }),
    );
    const ran = await shown;
    const expected = vscode.env.remoteName ? 'workbench.action.openRemoteSettings' : 'workbench.action.openGlobalSettings';
    assert.strictEqual(ran, expected);
    const tab = await until('the settings editor with its scope tab', () =>
      probe<{ tab: string; query: string } | false>({
        kind: 'eval',
        expr: `(() => { const ed = document.querySelector('.settings-editor'); if (!ed) return false; const t = ed.querySelector('.settings-tabs-widget .action-label.checked'); const q = ed.querySelector('.settings-header .suggest-input-container .view-lines'); return t ? { tab: t.textContent.trim(), query: q ? q.textContent.replace(/\\u00a0/g, ' ').trim() : '' } : false; })()`,
      }),
    );
    assert.match(tab.tab, vscode.env.remoteName ? /^Remote/ : /^User/, JSON.stringify(tab));
    assert.match(tab.query, new RegExp(`@ext:${EXTENSION_ID.replace(/\./g, '\\.')}`), JSON.stringify(tab));
  });
});
