/// <reference types="mocha" />
// Issue 14 in the real editor: findings stay (shifted) while a document is briefly not well-formed, and
// files of the workspace get diagnostics without being opened, also when created on disk afterwards
// (the server watches `**/*.xml`); deleted, their diagnostics go (trusted workspace; kvm-a's snapshot).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import {
  closeAll,
  codeOf,
  extensionApi,
  openEditor,
  ours,
  rangeOf,
  revertAndClose,
  until,
  waitForDiagnostic,
  workspaceDir,
  wsUri,
} from '../helpers';

const APP01 = 'domains/app01.xml';
const SDC = '19:19-19:27'; // /dev/sdc in domains/app01.xml (0-based)
const BY_LABEL = '24:19-24:45'; // /dev/disk/by-label/appdata
const BY_LABEL_MOVED = '25:19-25:45'; // the same, one line further down

suite('diagnostics over the workspace and over time', () => {
  suiteSetup(async () => {
    await extensionApi();
  });
  teardown(closeAll);

  test('while a document is briefly not well-formed, the other findings stay (shifted), then all is normal again', async () => {
    const editor = await openEditor(APP01);
    const uri = editor.document.uri;
    await waitForDiagnostic(uri, 'unstable-device-name', SDC, 30_000, /3pardata0_12/);
    await waitForDiagnostic(uri, 'guest-mutable-identifier', BY_LABEL);
    // Every set of diagnostics the editor gets for the document from now on.
    const seen: string[][] = [];
    const sub = vscode.languages.onDidChangeDiagnostics((e) => {
      if (e.uris.some((u) => u.toString() === uri.toString())) seen.push(ours(uri).map((d) => `${codeOf(d)}@${rangeOf(d)}`));
    });
    try {
      // A line holding only `<` before the second disk: not well-formed, everything after it one line down.
      assert.ok(await editor.edit((b) => b.insert(new vscode.Position(22, 0), '<\n')));
      await waitForDiagnostic(uri, 'xml-not-well-formed');
      await waitForDiagnostic(uri, 'unstable-device-name', SDC);
      await waitForDiagnostic(uri, 'guest-mutable-identifier', BY_LABEL_MOVED);
      assert.ok(await editor.edit((b) => b.delete(new vscode.Range(22, 0, 23, 0))));
      await until('well-formed again', () =>
        ours(uri).some((d) => codeOf(d) === 'xml-not-well-formed') ? undefined : ours(uri).some((d) => rangeOf(d) === BY_LABEL),
      );
    } finally {
      sub.dispose();
    }
    // At no point did the findings vanish beside the parse error (the flicker).
    const flicker = seen.find((s) => s.length > 0 && s.every((d) => d.startsWith('xml-not-well-formed@')));
    assert.strictEqual(flicker, undefined, `seen: ${JSON.stringify(seen)}`);
    await revertAndClose();
  });

  test('a domain file created on disk gets diagnostics without being opened; deleted, they go', async () => {
    // The server runs (started by the libvirt documents opened before); make sure with one.
    await openEditor(APP01);
    await waitForDiagnostic(wsUri(APP01), 'unstable-device-name', SDC, 30_000);
    await closeAll();
    // A workspace file never opened: its findings from the workspace scan.
    const db02 = wsUri('domains/db02.xml');
    await until('db02.xml (never opened) has diagnostics', () => (ours(db02).length > 0 ? true : undefined), 30_000);

    const rel = 'domains/created-on-disk.xml';
    const file = path.join(workspaceDir(), rel);
    const text = [
      "<domain type='kvm'>",
      '  <name>created</name>',
      '  <devices>',
      "    <disk type='block' device='disk'><source dev='/dev/sdc'/><target dev='vdb' bus='virtio'/></disk>",
      '  </devices>',
      '</domain>',
      '',
    ].join('\n');
    // The editor's own watcher too: if it reports nothing, neither can the server's registration.
    const events: string[] = [];
    const watcher = vscode.workspace.createFileSystemWatcher('**/*.xml');
    watcher.onDidCreate((u) => events.push(`created ${u.fsPath}`));
    watcher.onDidChange((u) => events.push(`changed ${u.fsPath}`));
    watcher.onDidDelete((u) => events.push(`deleted ${u.fsPath}`));
    fs.writeFileSync(file, text);
    try {
      const uri = vscode.Uri.file(file);
      await waitForDiagnostic(uri, 'unstable-device-name', '3:50-3:58', 30_000).catch((e: Error) => {
        throw new Error(`${e.message}; the editor's watcher saw: ${JSON.stringify(events)}`);
      });
      assert.ok(!vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString()), 'the file was never opened');
      fs.writeFileSync(file, text.replace('/dev/sdc', '/dev/vx/dmp/3pardata0_12'));
      await until(
        'changed on disk: the finding goes',
        () => (ours(uri).some((d) => codeOf(d) === 'unstable-device-name') ? undefined : true),
        30_000,
      );
      fs.writeFileSync(file, text);
      await waitForDiagnostic(uri, 'unstable-device-name', '3:50-3:58', 30_000);
      fs.unlinkSync(file);
      await until('deleted: its diagnostics go', () => (ours(uri).length === 0 ? true : undefined), 30_000);
    } finally {
      watcher.dispose();
      fs.rmSync(file, { force: true });
    }
  });

  test('a folder moved in is scanned; deleted as a whole, the diagnostics of every file in it go', async () => {
    await openEditor(APP01);
    await waitForDiagnostic(wsUri(APP01), 'unstable-device-name', SDC, 30_000);
    await closeAll();
    const domain = (name: string) =>
      `<domain type='kvm'><name>${name}</name><devices><disk type='block' device='disk'><source dev='/dev/sdc'/><target dev='vdb' bus='virtio'/></disk></devices></domain>\n`;
    // Built outside the workspace, then moved in: one event for the folder, none for its files.
    const staging = fs.mkdtempSync(path.join(process.env.LDX_E2E_SCRATCH!, 'moved-'));
    fs.mkdirSync(path.join(staging, 'sub'));
    fs.writeFileSync(path.join(staging, 'one.xml'), domain('one'));
    fs.writeFileSync(path.join(staging, 'sub', 'two.xml'), domain('two'));
    const folder = path.join(workspaceDir(), 'moved-in');
    const uris = [vscode.Uri.file(path.join(folder, 'one.xml')), vscode.Uri.file(path.join(folder, 'sub', 'two.xml'))];
    try {
      try {
        fs.renameSync(staging, folder);
      } catch {
        fs.cpSync(staging, folder, { recursive: true }); // another file system: copied in instead
      }
      for (const u of uris) await waitForDiagnostic(u, 'unstable-device-name', undefined, 30_000);
      fs.rmSync(folder, { recursive: true });
      await until(
        'the folder deleted: every file of it without diagnostics',
        () => (uris.every((u) => ours(u).length === 0) ? true : undefined),
        30_000,
      );
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
      fs.rmSync(staging, { recursive: true, force: true });
    }
  });
});
