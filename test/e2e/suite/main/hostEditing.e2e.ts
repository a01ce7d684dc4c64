/// <reference types="mocha" />
// Issue 15 in a real VS Code: a host's domain opened from the Libvirt Hosts view
// (`libvirt-domain://local/NAME.xml`), edited and saved: the findings that would block it (Define
// anyway), the diff editor of the host's definition now beside yours, the confirmation, the define
// on the test machine's libvirt daemon (destination `local`: the collector and virsh run here, as
// root), the read-back definition in the editor; then a change made on the host meanwhile is caught
// at the next save. The save's questions are notifications with buttons, clicked with probes as a user does.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import {
  dumpxmlInactive,
  ensureLibvirtdOrSkip,
  testDomainXml,
  uniqueDomainName,
  undefineTestDomain,
  virshSystem,
} from '../../../rig/libvirtd';
import { closeAll, extensionApi, probe, probesAvailable, setGlobal, until } from '../helpers';

type Toast = { kind: string; text: string; buttons: string[] };
const TOASTS = `[...document.querySelectorAll('.notifications-toasts .notification-list-item')].filter((x) => x.offsetParent).map((x) => ({ kind: [...x.querySelectorAll('.notification-list-item-icon')].map((i) => i.className).join(' '), text: x.querySelector('.notification-list-item-message')?.textContent ?? '', buttons: [...x.querySelectorAll('.monaco-button')].map((b) => b.textContent.trim()).filter(Boolean) }))`;

/**
 * Waits for the notification whose text matches `message`, notes what it offered and whether the review
 * diff of `doc` was open then, and clicks `button` in it (undefined: closes every notification, which
 * answers nothing, as a user dismissing it).
 */
async function answer(message: RegExp, button: string | undefined, doc: vscode.Uri): Promise<{ toast: Toast; diffOpen: boolean }> {
  const toast = await until(
    `the notification ${message}`,
    async () => (await probe<Toast[]>({ kind: 'eval', expr: TOASTS })).find((t) => message.test(t.text)),
    60_000,
  );
  const diffOpen = vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .some((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.toString() === doc.toString());
  if (button === undefined) await vscode.commands.executeCommand('notifications.clearAll');
  else
    await until(`${button} clicked`, () =>
      probe<boolean>({
        kind: 'eval',
        expr: `(() => { const t = [...document.querySelectorAll('.notifications-toasts .notification-list-item')].find((x) => x.offsetParent && ${message}.test(x.querySelector('.notification-list-item-message')?.textContent ?? '')); const b = t && [...t.querySelectorAll('.monaco-button')].find((x) => x.textContent.trim() === ${JSON.stringify(button)}); if (!b) return false; b.click(); return true; })()`,
      }),
    );
  return { toast, diffOpen };
}

/** The open document of `uri` (other suites, e.g. Audit Hosts, leave other libvirt-domain: documents loaded). */
function hostDocument(uri: vscode.Uri): vscode.TextDocument | undefined {
  return vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
}

suite('editing a host definition (libvirt daemon, destination local)', function () {
  let name = '';
  let uuid = '';
  let work = '';
  /** Test setup, not through the extension: `virsh define FILE` here. */
  const defineHere = (xml: string) => {
    const file = path.join(work, 'domain.xml');
    fs.writeFileSync(file, xml);
    const r = virshSystem(['define', '--file', file]);
    assert.strictEqual(r.status, 0, r.stderr);
  };

  suiteSetup(async function () {
    this.timeout(180_000);
    if (!probesAvailable) {
      console.log('  (host editing test skipped: answering the notifications needs the launcher’s probes)');
      this.skip();
    }
    const d = await ensureLibvirtdOrSkip();
    if (typeof d === 'string') {
      console.log(`  (host editing test skipped: ${d})`);
      this.skip();
    }
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'ldx-e2e-define-'));
    name = uniqueDomainName('e2e');
    uuid =
      '6c0ffee0-0000-4000-8000-' +
      Math.floor(Math.random() * 2 ** 48)
        .toString(16)
        .padStart(12, '0');
    defineHere(testDomainXml(name, uuid, [{ source: '/dev/vx/dmp/ldi_test_0', target: 'vda' }]));
    await extensionApi();
    await setGlobal('hosts', ['local']);
  });

  suiteTeardown(async () => {
    if (uuid) undefineTestDomain(uuid);
    if (work) fs.rmSync(work, { recursive: true, force: true });
    if (!probesAvailable) return;
    for (const doc of vscode.workspace.textDocuments.filter((x) => x.uri.scheme === 'libvirt-domain' && x.isDirty)) {
      await vscode.window.showTextDocument(doc);
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
    await setGlobal('hosts', undefined);
    await closeAll();
  });

  test('open from the Libvirt Hosts view, edit, save: blocking findings, diff, confirmation, define, readback; a concurrent change is caught', async function () {
    this.timeout(240_000);
    const api = await extensionApi();
    await vscode.commands.executeCommand('libvirtDomain.hosts.focus');
    // The view lists the host's domains once its inventory is fetched (it asks again on each state change).
    await until(
      `${name} in the Libvirt Hosts view`,
      () =>
        api
          .hostsView()
          ?.hosts.find((h) => h.host === 'local')
          ?.domains?.some((x) => x.name === name),
      90_000,
    ).catch((e: Error) => {
      throw new Error(
        `${e.message}; the view: ${JSON.stringify(api.hostsView())?.slice(0, 500)}; state: ${JSON.stringify(api.inventoryState())}`,
      );
    });
    // Open it as a user does: a click on its row.
    await until(
      `the row of ${name}, clicked`,
      () =>
        probe<boolean>({
          kind: 'eval',
          expr: `(() => { const r = [...document.querySelectorAll('.monaco-list-row')].find((x) => x.offsetParent && x.textContent.includes(${JSON.stringify(name)})); if (!r) return false; r.click(); return true; })()`,
        }),
      30_000,
    );
    const doc = await until('the host definition in an editor', () => {
      const e = vscode.window.activeTextEditor;
      return e?.document.uri.scheme === 'libvirt-domain' ? e.document : undefined;
    });
    const before = dumpxmlInactive(uuid);
    assert.strictEqual(doc.getText(), before, 'the document is the persistent definition, byte for byte');
    assert.strictEqual(doc.uri.authority, 'local');

    // Edit the disk's source and save.
    const editor = await vscode.window.showTextDocument(doc);
    const at = doc.getText().indexOf('ldi_test_0');
    await editor.edit((b) => b.replace(new vscode.Range(doc.positionAt(at), doc.positionAt(at + 'ldi_test_0'.length)), 'ldi_test_1'));
    // And an attribute libvirt does not know: the schema refuses it, libvirt drops it.
    const bus = doc.getText().indexOf("bus='virtio'");
    await editor.edit((b) => b.insert(doc.positionAt(bus), "bogus='1' "));
    // No /dev/vx/dmp on this machine: device-not-found is an error, and so is the schema's; they block the define unless forced.
    await vscode.commands.executeCommand('notifications.clearAll');
    const saved = vscode.commands.executeCommand('workbench.action.files.save');
    const blocked = await answer(/^2 errors would block defining .* on local \(see Problems\)\.$/, 'Define anyway', doc.uri);
    assert.deepStrictEqual([blocked.toast.buttons, blocked.diffOpen], [['Define anyway'], false], JSON.stringify(blocked));
    const confirmed = await answer(/^Define .* on local, replacing its definition, despite 2 errors\? /, 'Define', doc.uri);
    assert.deepStrictEqual([confirmed.toast.buttons, confirmed.diffOpen], [['Define'], true], JSON.stringify(confirmed));
    await saved;
    // The diff editor: the host's definition then (left) beside yours (right).
    const diffTab = vscode.window.tabGroups.all
      .flatMap((g) => g.tabs)
      .find((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.toString() === doc.uri.toString());
    assert.strictEqual((diffTab?.input as vscode.TabInputTextDiff).original.scheme, 'libvirt-domain-host');
    const defined = await until(
      'the definition changed on the host',
      () => {
        const now = dumpxmlInactive(uuid);
        return now !== before ? now : undefined;
      },
      60_000,
    );
    assert.match(defined, /ldi_test_1/);
    assert.doesNotMatch(defined, /bogus/);
    // The editor is saved and shows the read-back definition (without what libvirt dropped).
    await until('the read-back definition in the editor', () => (!doc.isDirty && doc.getText() === defined ? true : undefined), 30_000);

    // Someone else changes it on the host; our next save notices.
    defineHere(defined.replace('ldi_test_1', 'ldi_test_9'));
    const theirs = dumpxmlInactive(uuid);
    const at2 = doc.getText().indexOf('ldi_test_1');
    const again = await vscode.window.showTextDocument(doc);
    await again.edit((b) => b.replace(new vscode.Range(doc.positionAt(at2), doc.positionAt(at2 + 'ldi_test_1'.length)), 'ldi_test_2'));
    const saving = vscode.commands.executeCommand('workbench.action.files.save');
    await answer(/would block defining/, 'Define anyway', doc.uri);
    // Dismissed without an answer: the save fails.
    const changed = await answer(/changed on the host since you opened it/, undefined, doc.uri);
    assert.deepStrictEqual(changed.toast.buttons, ['Compare', 'Overwrite']);
    await saving;
    // Not saved, not defined: VS Code says the save failed (with our reason), the editor stays dirty, the host keeps theirs.
    await until(
      'the save failure notification',
      async () =>
        (
          await probe<string[]>({
            kind: 'eval',
            expr: `[...document.querySelectorAll('.notifications-toasts .notification-list-item-message')].filter((x) => x.offsetParent).map((x) => x.textContent)`,
          })
        ).find((t) => /changed on the host since you opened it/.test(t)),
      30_000,
    );
    assert.ok(doc.isDirty);
    assert.strictEqual(dumpxmlInactive(uuid), theirs);
    assert.ok(hostDocument(doc.uri)?.getText().includes('ldi_test_2'));
  });
});
