/// <reference types="mocha" />
// Trusted workspace (test/e2e/workspace, opened as a fresh copy): the example inventory comes from the
// workspace's .vscode/settings.json (libvirtDomain.inventorySnapshot, a relative path).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import {
  clickCodeLinkInProblems,
  closeAll,
  codeOf,
  extensionApi,
  markdownOf,
  openEditor,
  ours,
  probesAvailable,
  rangeOf,
  recorded,
  revertAndClose,
  SOURCE,
  textOnDisk,
  until,
  waitForDiagnostic,
  workspaceDir,
  restoreFile,
} from '../helpers';

const APP01 = 'domains/app01.xml';
const DB02 = 'domains/db02.xml';
// 0-based ranges of the values in domains/app01.xml
const SDC = '19:19-19:27'; // /dev/sdc
const BY_LABEL = '24:19-24:45'; // /dev/disk/by-label/appdata
const NVME = '29:19-29:31'; // /dev/nvme0n1

suite('domain XML in a trusted workspace (snapshot from the workspace settings)', () => {
  suiteSetup(async () => {
    await extensionApi();
  });
  teardown(closeAll);

  test('activates on XML; the workspace inventorySnapshot setting is honoured', async () => {
    assert.strictEqual(vscode.workspace.isTrusted, true);
    const ext = vscode.extensions.getExtension('libvirt-domain-xml.libvirt-domain-xml')!;
    assert.ok(ext.isActive);
    const inspect = vscode.workspace.getConfiguration('libvirtDomain').inspect<string | string[]>('inventorySnapshot');
    assert.strictEqual(inspect?.workspaceValue, '../../../examples/kvm-a.inventory.json');
    assert.strictEqual(
      vscode.workspace.getConfiguration('libvirtDomain').get('inventorySnapshot'),
      '../../../examples/kvm-a.inventory.json',
    );
  });

  // Runs before any libvirt document is opened in this window (the first test file of the main suite).
  test('the language server starts with the first libvirt document, not for other XML', async () => {
    const api = await extensionApi();
    assert.ok(api.client.needsStart(), 'not started at activation (no libvirt document open yet)');
    const other = await openEditor('network.xml');
    assert.strictEqual(other.document.languageId, 'xml');
    // The extension decides in its onDidOpenTextDocument listener, which has run once openTextDocument resolved.
    assert.strictEqual((await api.updateStatusBar()).visible, false);
    assert.ok(api.client.needsStart(), 'a <network> file does not start the server');
    assert.strictEqual(api.isRunning(), false);
    const editor = await openEditor(APP01);
    await until('the server to start for a domain', () => api.isRunning());
    // Once started it serves every XML document and decides per document: the domain gets its findings
    // (checked again once the workspace's snapshot is loaded), the network none.
    await waitForDiagnostic(editor.document.uri, 'unstable-device-name', SDC, 20_000, /3pardata0_12/);
    assert.deepStrictEqual(ours(other.document.uri), []);
  });

  test('diagnostics of a domain file: codes, ranges, source, documentation link; fixes from the snapshot', async () => {
    const editor = await openEditor(APP01);
    assert.strictEqual(editor.document.languageId, 'xml', 'the document keeps the xml language');
    const uri = editor.document.uri;
    // The message names the stable alias: only possible with the inventory from the workspace setting.
    const sdc = await waitForDiagnostic(uri, 'unstable-device-name', SDC, 20_000, /\/dev\/vx\/dmp\/3pardata0_12/);
    await waitForDiagnostic(uri, 'guest-mutable-identifier', BY_LABEL);
    await waitForDiagnostic(uri, 'unstable-device-name', NVME);
    const dup = await waitForDiagnostic(uri, 'duplicate-target');
    assert.strictEqual(dup.severity, vscode.DiagnosticSeverity.Error);
    assert.strictEqual(dup.range.start.line, 30, rangeOf(dup));
    assert.strictEqual(sdc.severity, vscode.DiagnosticSeverity.Warning);
    for (const d of ours(uri)) {
      assert.strictEqual(d.source, SOURCE);
      const code = d.code as { value: string; target: vscode.Uri };
      assert.strictEqual(typeof code, 'object', `code of ${codeOf(d)} carries its documentation link`);
      // A command link to the findings' documentation (a file link opened the raw README beside the preview).
      assert.strictEqual(code.target.scheme, 'command');
      assert.strictEqual(code.target.path, 'libvirtDomain.showFindingDoc');
      assert.deepStrictEqual(JSON.parse(code.target.query), [code.value]);
    }
    // The cdrom /dev/sr0 (line 33) is not flagged.
    assert.ok(!ours(uri).some((d) => d.range.start.line === 32), 'cdrom not flagged');
  });

  test("a code link in the Problems panel opens the findings' documentation in the preview, at the code, and no README as text", async () => {
    const editor = await openEditor(APP01);
    const uri = editor.document.uri;
    // duplicate-target: a section far enough down that the preview must scroll to it.
    await waitForDiagnostic(uri, 'duplicate-target');
    const openedText = new Set<string>();
    const watch = vscode.workspace.onDidOpenTextDocument((d) => openedText.add(d.uri.toString()));
    try {
      if (probesAvailable) {
        const { headingTop, tabs } = await clickCodeLinkInProblems('duplicate-target');
        assert.ok(headingTop < 200, `the heading is at the top (${headingTop} px)`);
        const texts = tabs.filter((t) => t.input instanceof vscode.TabInputText).map((t) => (t.input as vscode.TabInputText).uri.path);
        assert.ok(!texts.some((p) => /readme\.md$/i.test(p)), `no README opened as text: ${texts.join(', ')}`);
      } else {
        // A downloaded VS Code has no probes: run the link's command as the Problems panel would.
        const code = ours(uri).find((d) => codeOf(d) === 'duplicate-target')!.code as { target: vscode.Uri };
        await vscode.commands.executeCommand(code.target.path, ...(JSON.parse(code.target.query) as unknown[]));
      }
      const docs = await until('the findings document', () =>
        vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'libvirt-domain-docs'),
      );
      // Built by the server from rules/codes.ts: every code of the file has its section.
      for (const d of ours(uri)) assert.ok(docs.getText().includes(`### ${codeOf(d)}\n`), codeOf(d));
      assert.ok(![...openedText].some((u) => /readme\.md/i.test(u)), [...openedText].join(', '));
      // Nothing in the Problems panel besides this extension's findings (no manifest-linter warnings about a README).
      const others = vscode.languages.getDiagnostics().filter(([u, ds]) => /readme\.md$/i.test(u.path) && ds.length);
      assert.deepStrictEqual(
        others.map(([u]) => u.toString()),
        [],
      );
    } finally {
      watch.dispose();
      await vscode.commands.executeCommand('workbench.action.closePanel');
    }
  });

  test('the preferred quick fix rewrites /dev/sdc to the DMP node', async () => {
    const editor = await openEditor(APP01);
    const uri = editor.document.uri;
    const d = await waitForDiagnostic(uri, 'unstable-device-name', SDC);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      uri,
      d.range,
      vscode.CodeActionKind.QuickFix.value,
    );
    const titles = actions.map((a) => a.title);
    const all = JSON.stringify(actions.map((a) => ({ t: a.title, p: a.isPreferred, k: a.kind?.value })));
    assert.ok(
      actions.every((a) => a.kind?.value === 'quickfix'),
      all,
    );
    // One action per stable alias of the LUN, best first; by-path last.
    assert.strictEqual(titles[0], 'Use /dev/vx/dmp/3pardata0_12', all);
    // On this DMP host the wwn-/scsi- links reach one path of the LUN: offered, but marked so.
    for (const t of [
      'Use /dev/disk/by-id/wwn-0x60002ac000000000000000120001a2b3 (bypasses multipath: one path)',
      'Use /dev/disk/by-id/scsi-360002ac000000000000000120001a2b3 (bypasses multipath: one path)',
    ])
      assert.ok(titles.includes(t), all);
    // The replacements come first, by-path last; then the directives silencing each finding and the file's fix-all.
    const uses = titles.filter((t) => t.startsWith('Use '));
    assert.deepStrictEqual(titles.slice(0, uses.length), uses, all);
    assert.match(uses[uses.length - 1], /^Use \/dev\/disk\/by-path\//, all);
    assert.deepStrictEqual(
      titles.slice(uses.length),
      ['Ignore unstable-device-name on this line', 'Ignore multipath-bypass on this line', 'Fix all unstable disk sources in this file'],
      all,
    );
    // The preferred fix is the DMP node (another finding on the same value, e.g. multipath-bypass, may offer the same edit).
    const preferred = actions.filter((a) => a.isPreferred);
    assert.ok(preferred.length >= 1, all);
    assert.deepStrictEqual([...new Set(preferred.map((a) => a.title))], ['Use /dev/vx/dmp/3pardata0_12'], all);
    assert.ok(await vscode.workspace.applyEdit(preferred[0].edit!));
    assert.strictEqual(editor.document.lineAt(19).text, "      <source dev='/dev/vx/dmp/3pardata0_12'/>");
    await until('the /dev/sdc diagnostic to go away', () => !ours(uri).some((x) => rangeOf(x).startsWith('19:')));
    await revertAndClose();
  });

  test('hover on a disk source explains it with the host facts (markdown)', async () => {
    const editor = await openEditor(APP01);
    const uri = editor.document.uri;
    await waitForDiagnostic(uri, 'unstable-device-name', SDC);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(19, 22));
    const md = markdownOf(hovers);
    assert.match(md, /`\/dev\/sdc`/);
    assert.match(md, /kernel device name/);
    assert.match(md, /\*\*kvm-a\*\*/);
    assert.match(md, /3pardata0_12/);
    assert.match(md, /ALUA/);
    assert.ok(
      hovers.every((h) => h.contents.every((c) => typeof c !== 'string' && 'value' in c)),
      'markdown contents',
    );
  });

  test('Fix all in this file applies every preferred fix (source.fixAll)', async () => {
    const editor = await openEditor(APP01);
    const uri = editor.document.uri;
    await waitForDiagnostic(uri, 'unstable-device-name', SDC);
    const count = await vscode.commands.executeCommand<number>('libvirtDomain.fixAllInFile');
    assert.strictEqual(count, 3);
    const text = editor.document.getText();
    assert.ok(text.includes("<source dev='/dev/vx/dmp/3pardata0_12'/>"));
    assert.ok(text.includes('<source dev="/dev/disk/by-id/nvme-eui.36344730528012340025384500000001-part1"/>'), 'double quotes kept');
    assert.ok(text.includes("<source dev='/dev/disk/by-id/nvme-eui.36344730528012340025384500000001'/>"));
    assert.ok(text.includes("<source dev='/dev/sr0'/>"), 'cdrom untouched');
    await until(
      'the unstable-name findings to go away',
      () =>
        !ours(uri).some((d) => ['unstable-device-name', 'guest-mutable-identifier'].includes(codeOf(d))) &&
        ours(uri).some((d) => codeOf(d) === 'duplicate-target'),
    );
    await revertAndClose();
  });

  test('a non-domain XML file gets no diagnostics; an untitled domain does', async () => {
    const other = await openEditor('network.xml');
    assert.strictEqual(other.document.languageId, 'xml');
    const untitled = await vscode.workspace.openTextDocument({
      language: 'xml',
      content:
        "<domain type='kvm'>\n  <name>u</name>\n  <devices>\n    <disk type='block' device='disk'><source dev='/dev/sdb'/><target dev='vda' bus='virtio'/></disk>\n  </devices>\n</domain>\n",
    });
    await vscode.window.showTextDocument(untitled);
    assert.strictEqual(untitled.uri.scheme, 'untitled');
    const d = await waitForDiagnostic(untitled.uri, 'unstable-device-name', '3:50-3:58');
    assert.match(d.message, /\/dev\/sdb/);
    // The server handles documents in order: the network (opened first) had its turn.
    assert.deepStrictEqual(ours(other.document.uri), []);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  test('status bar: host group and source for the active domain document; hidden for other XML', async () => {
    const api = await extensionApi();
    await openEditor(APP01);
    const s = await until('the status bar item', async () => {
      const x = await api.updateStatusBar();
      return x.visible && x.text.includes('kvm-a') ? x : undefined;
    });
    assert.match(s.text, /^\$\([\w~-]+\) kvm-a · snapshot, \d+ d old$/);
    assert.strictEqual(s.group, 'snapshots');
    assert.match(s.tooltip, /`kvm-a`: from a snapshot file/);
    await openEditor('network.xml');
    await until('the item to hide for a non-domain', async () => !(await api.updateStatusBar()).visible);
  });

  test("a snapshot-only configuration stays offline: no ssh to the snapshot's host name", async () => {
    const api = await extensionApi();
    await openEditor(APP01);
    const state = await until('the inventory state', () => api.inventoryState());
    assert.deepStrictEqual(state.groups, [{ name: 'snapshots', hosts: ['kvm-a'] }]);
    const kvmA = state.hosts.find((h) => h.host === 'kvm-a');
    assert.strictEqual(kvmA?.source, 'snapshot');
    assert.deepStrictEqual(
      recorded.notices.filter((n) => n.kind === 'error').map((n) => n.message),
      [],
      'no inventory error',
    );
    assert.strictEqual(kvmA?.error, undefined);
    const s = await api.updateStatusBar();
    assert.match(s.text, /^\$\(server\) kvm-a · snapshot, \d+ d old$/);
    assert.strictEqual(s.warning, false);
  });

  test('Show Host Inventory: a read-only markdown view of the LUNs', async () => {
    await openEditor(APP01);
    const uri = await vscode.commands.executeCommand<vscode.Uri>('libvirtDomain.showHostInventory', { host: 'kvm-a', preview: false });
    assert.ok(uri, 'a document was opened');
    assert.strictEqual(uri.scheme, 'libvirt-domain-inventory');
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    assert.ok(doc);
    assert.strictEqual(doc.languageId, 'markdown');
    const md = doc.getText();
    // Built by the language server; every host string encoded (mdText in table cells, code spans elsewhere).
    assert.match(md, /^# Inventory of kvm\\-a/);
    assert.match(md, /source: snapshot/);
    assert.match(
      md,
      /^\| 3PARdata VV \| 500 GiB \| WWN 0x60002ac000000000000000120001a2b3 \| sdc, sdd \| DMP 3pardata0\\_12 \(ALUA\) \| \\\/dev\\\/vx\\\/dmp\\\/3pardata0\\_12 \| app01 \(vdb, open document\) \|$/m,
      'the open document that maps the LUN is one of its users (the same users as the rules count)',
    );
    assert.match(md, /DMP node:\*\* `emc_clariion0_91` · array EMC\\_CLARiiON · array type \*\*CLR\\-A\\\/PF\*\*/);
    assert.match(md, /dm-multipath map:\*\* `mpatha` \(dm\\-2\)/);
    assert.match(md, /Used by:\*\* db01 as vdb via `\/dev\/disk\/by-id\/dm-uuid-mpath-36001405e5bf5c158c4e4a5398ccba2cc` · shareable/);
    // A workspace file is named by its path in the workspace, never by a URI.
    assert.match(md, /db02 as vdb via `[^`]+`[^;]* · workspace file `domains\/db02\.xml`/);
    assert.doesNotMatch(md, /file:\/\//);
    // As the preview renders it (the built-in Markdown engine).
    const html = await vscode.commands.executeCommand<string>('markdown.api.render', md);
    assert.match(html, /<td>DMP 3pardata0_12 \(ALUA\)<\/td>\s*<td>\/dev\/vx\/dmp\/3pardata0_12<\/td>/);
    const editor = vscode.window.activeTextEditor;
    assert.strictEqual(editor?.document.uri.toString(), uri.toString());
  });

  test('Save Inventory Snapshot writes the host JSON', async () => {
    await openEditor(APP01);
    const target = vscode.Uri.file(path.join(process.env.LDX_E2E_SCRATCH || workspaceDir(), 'kvm-a.saved.json'));
    const written = await vscode.commands.executeCommand<vscode.Uri>('libvirtDomain.saveInventorySnapshot', { host: 'kvm-a', target });
    assert.strictEqual(written?.toString(), target.toString());
    const saved = JSON.parse(fs.readFileSync(target.fsPath, 'utf8'));
    const example = JSON.parse(fs.readFileSync(path.join(process.env.LDX_E2E_REPO!, 'examples/kvm-a.inventory.json'), 'utf8'));
    assert.strictEqual(saved.format, 'libvirt-domain-inventory/1');
    assert.strictEqual(saved.host, 'kvm-a');
    assert.strictEqual(saved.devices.length, example.devices.length);
    assert.deepStrictEqual(Object.keys(saved.links).sort(), Object.keys(example.links).sort());
  });

  test('Fix all in the workspace: one WorkspaceEdit over the domain files, previewable, then applied and saved', async () => {
    const before = { app01: textOnDisk(APP01), db02: textOnDisk(DB02), pool: textOnDisk('network.xml') };
    type Result = { files: number; edits: number; applied: boolean };
    // Preview: the edit waits in the Refactor Preview (needsConfirmation); discarding it there changes nothing.
    let settled: Result | undefined;
    const previewing = Promise.resolve(vscode.commands.executeCommand<Result>('libvirtDomain.fixAllInWorkspace', { mode: 'preview' })).then(
      (r) => (settled = r),
    );
    await until('the Refactor Preview to take the edit', async () => {
      if (settled) return true;
      await vscode.commands.executeCommand('refactorPreview.discard').then(undefined, () => undefined);
      return undefined;
    });
    assert.deepStrictEqual(await previewing, { files: 2, edits: 6, applied: false });
    assert.deepStrictEqual({ app01: textOnDisk(APP01), db02: textOnDisk(DB02), pool: textOnDisk('network.xml') }, before);
    // Apply: one edit, the files (not open in an editor) saved.
    const result = await vscode.commands.executeCommand<Result>('libvirtDomain.fixAllInWorkspace', { mode: 'apply' });
    assert.deepStrictEqual(result, { files: 2, edits: 6, applied: true });
    const app01 = await until('app01.xml saved', () => {
      const t = textOnDisk(APP01);
      return t !== before.app01 ? t : undefined;
    });
    assert.ok(app01.includes("<source dev='/dev/vx/dmp/3pardata0_12'/>"), app01);
    assert.ok(!app01.includes('/dev/disk/by-label/appdata'));
    const db02 = await until('db02.xml saved', () => {
      const t = textOnDisk(DB02);
      return t !== before.db02 ? t : undefined;
    });
    assert.ok(db02.includes("<source dev='/dev/disk/by-id/dm-uuid-mpath-36001405e5bf5c158c4e4a5398ccba2cc'/>"), db02);
    assert.ok(db02.includes('<block>/dev/vx/dmp/3pardata0_13</block>'), db02);
    assert.strictEqual(textOnDisk('network.xml'), before.pool, 'non-domain XML untouched');
    // Only the values changed: the rest of each file is byte for byte the same.
    assert.strictEqual(app01.split('\n').length, before.app01.split('\n').length);
    // Put the fixtures back for the test files that follow.
    await restoreFile(APP01, before.app01);
    await restoreFile(DB02, before.db02);
  });

  test('Fix all in the workspace never follows a symlink out of the workspace (file or folder link)', async () => {
    const scratch = process.env.LDX_E2E_SCRATCH!;
    const outsideDir = path.join(scratch, 'outside');
    fs.mkdirSync(path.join(outsideDir, 'dir'), { recursive: true });
    const victim = path.join(outsideDir, 'victim.xml');
    const victim2 = path.join(outsideDir, 'dir', 'victim2.xml');
    const text = textOnDisk(APP01);
    fs.writeFileSync(victim, text);
    fs.writeFileSync(victim2, text);
    const fileLink = path.join(workspaceDir(), 'domains', 'outside-link.xml');
    const dirLink = path.join(workspaceDir(), 'outside-dir');
    fs.symlinkSync(victim, fileLink);
    fs.symlinkSync(path.join(outsideDir, 'dir'), dirLink);
    const before = { app01: textOnDisk(APP01), db02: textOnDisk(DB02) };
    try {
      const result = await vscode.commands.executeCommand<{ files: number; edits: number; applied: boolean }>(
        'libvirtDomain.fixAllInWorkspace',
        { mode: 'apply' },
      );
      assert.deepStrictEqual(result, { files: 2, edits: 6, applied: true }, 'only the two domain files inside the workspace');
      await until('app01.xml saved', () => textOnDisk(APP01) !== before.app01);
      assert.strictEqual(fs.readFileSync(victim, 'utf8'), text, 'the file behind the file link is untouched');
      assert.strictEqual(fs.readFileSync(victim2, 'utf8'), text, 'the file behind the folder link is untouched');
    } finally {
      await closeAll();
      fs.rmSync(fileLink, { force: true });
      fs.rmSync(dirLink, { force: true });
      await restoreFile(APP01, before.app01);
      await restoreFile(DB02, before.db02);
    }
  });
});
