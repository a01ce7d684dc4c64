/// <reference types="mocha" />
// Against live hosts: the ssh rig that runTest.js starts (a real sshd on 127.0.0.1 serving
// examples/hosts/kvm-a; its ssh_config in LDX_E2E_SSH_CONFIG, alias kvm-down = a refused port), and the
// fake ssh (test/e2e/workspace-untrusted/fake-ssh.sh, which appends to LDX_E2E_SSH_MARKER when run).
// The workspace's snapshot setting is removed for this suite, so a fix naming the DMP node can only
// come from the live host; everything is put back at the end.
import * as assert from 'assert';
import * as fs from 'fs';
import * as vscode from 'vscode';
import {
  closeAll,
  codeOf,
  extensionApi,
  openEditor,
  ours,
  probe,
  probesAvailable,
  recorded,
  setGlobal,
  until,
  waitForDiagnostic,
} from '../helpers';

const SDC = '19:19-19:27';
const SNAPSHOT = '../../../examples/kvm-a.inventory.json';
const sshConfig = process.env.LDX_E2E_SSH_CONFIG;
const marker = process.env.LDX_E2E_SSH_MARKER!;
/** The notification toasts on screen: message and button labels (a probe expression). */
const TOASTS = `[...document.querySelectorAll('.notifications-toasts .notification-list-item')].filter((x) => x.offsetParent).map((x) => ({ text: x.querySelector('.notification-list-item-message')?.textContent ?? '', buttons: [...x.querySelectorAll('.monaco-button')].map((b) => b.textContent.trim()).filter(Boolean) }))`;
type Toast = { text: string; buttons: string[] };
const toasts = () => probe<Toast[]>({ kind: 'eval', expr: TOASTS });
const markerLines = () => (fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8').split('\n').filter(Boolean) : []);

suite('live hosts over ssh (rig)', function () {
  const config = () => vscode.workspace.getConfiguration('libvirtDomain');

  suiteSetup(async function () {
    if (!sshConfig) {
      console.log(`  (live host tests skipped: ${process.env.LDX_E2E_RIG_SKIP || 'no LDX_E2E_SSH_CONFIG'})`);
      this.skip();
    }
    await extensionApi();
    await config().update('inventorySnapshot', undefined, vscode.ConfigurationTarget.Workspace);
  });

  suiteTeardown(async () => {
    if (!sshConfig) return;
    for (const k of ['hosts', 'ssh.configFile', 'ssh.path']) await setGlobal(k, undefined);
    await config().update('inventorySnapshot', SNAPSHOT, vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('notifications.clearAll');
    await closeAll();
  });

  test('the fix offered comes from the live host: fetched over ssh with progress, shown in the status bar', async () => {
    const api = await extensionApi();
    const editor = await openEditor('domains/app01.xml');
    const uri = editor.document.uri;
    // Without an inventory: the finding, but no stable alias to offer.
    await until('diagnostics without an inventory', () => {
      const d = ours(uri).find((x) => codeOf(x) === 'unstable-device-name' && x.range.start.line === 19);
      return d && !/3pardata0_12/.test(d.message) ? d : undefined;
    });
    const toolLog = process.env.LDX_E2E_RIG_TOOL_LOG!;
    const runsBefore = fs
      .readFileSync(toolLog, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('lsblk')).length;

    await setGlobal('ssh.configFile', sshConfig);
    await setGlobal('hosts', ['kvm-a']);
    assert.deepStrictEqual(config().get('hosts'), ['kvm-a'], 'a machine-overridable setting written as Global is read back');

    const d = await until(
      'a diagnostic naming the DMP node from the live host',
      () => ours(uri).find((x) => codeOf(x) === 'unstable-device-name' && x.range.start.line === 19 && /3pardata0_12/.test(x.message)),
      30_000,
    );
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      uri,
      d.range,
      vscode.CodeActionKind.QuickFix.value,
    );
    assert.strictEqual(actions.find((a) => a.isPreferred)?.title, 'Use /dev/vx/dmp/3pardata0_12');

    const state = api.inventoryState()!;
    assert.strictEqual(state.hostAccess, true);
    const kvmA = state.hosts.find((h) => h.host === 'kvm-a')!;
    assert.strictEqual(kvmA.source, 'ssh');
    assert.ok(kvmA.fetchedAt && Date.now() - kvmA.fetchedAt < 60_000);
    const s = await until('the status bar to show the live host', async () => {
      const x = await api.updateStatusBar();
      return x.text.endsWith('kvm-a · just now') ? x : undefined;
    });
    assert.strictEqual(s.text, '$(server) kvm-a · just now');
    assert.strictEqual(s.warning, false);
    assert.match(s.tooltip, /`kvm-a`: fetched just now \(ssh\)/);
    // The collector really ran on the (simulated) host, read-only tools only.
    const runs = () =>
      fs
        .readFileSync(toolLog, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('lsblk')).length;
    assert.ok(runs() > runsBefore, 'lsblk ran on the rig host');

    // Refresh (the status bar item's command): fetches again, the age starts over.
    const before = runs();
    await vscode.commands.executeCommand('libvirtDomain.refreshInventory');
    assert.strictEqual(runs(), before + 1, 'one more collector run');
    assert.ok(api.inventoryState()!.hosts.find((h) => h.host === 'kvm-a')!.fetchedAt! >= kvmA.fetchedAt!);
    // The progress notification is gone once the fetch is done.
    if (probesAvailable) {
      await until('no fetch progress notification', async () => !(await toasts()).some((t) => t.text.includes('Fetching inventory')));
    }

    // The server's log lines (each ssh invocation, its duration) reach the "Libvirt Domain XML" log
    // channel: shown, then opened as a document ("Open Output in Editor") to read all of it.
    await vscode.commands.executeCommand('libvirtDomain.showLog');
    await vscode.commands.executeCommand('workbench.action.openActiveLogOutputFile');
    const logDoc = await until('the log opened in an editor', () =>
      vscode.workspace.textDocuments.find((x) => /Libvirt Domain XML/.test(decodeURIComponent(x.uri.path))),
    );
    const logText = await until('the ssh invocation in the log', async () => {
      const t = (await vscode.workspace.openTextDocument(logDoc.uri)).getText();
      return /kvm-a: running \["ssh",.*"-F",/.test(t) && /kvm-a: inventory fetched in \d+ ms/.test(t) ? t : undefined;
    }).catch((e) => {
      throw new Error(`${e.message}; log: ${logDoc.getText().slice(0, 3000)}`);
    });
    assert.match(logText, /\[info\] kvm-a: running \["ssh","-F","[^"]*ssh_config","-o","BatchMode=yes"/, logText.slice(0, 3000));
    await vscode.commands.executeCommand('workbench.action.closePanel');

    // The inventory view says where it came from.
    // (Settings written just before may still be reaching the server: poll until the live inventory is there.)
    const md = await until(
      'the inventory view of the live host',
      async () => {
        const view = await vscode.commands.executeCommand<vscode.Uri>('libvirtDomain.showHostInventory', { host: 'kvm-a', preview: false });
        const text = vscode.workspace.textDocuments.find((x) => x.uri.toString() === view.toString())!.getText();
        return /source: ssh/.test(text) ? text : undefined;
      },
      30_000,
    );
    assert.match(md, /source: ssh/);
    assert.match(md, /3pardata0_12/);

    const png = process.env.LDX_E2E_QUICKFIX_PNG;
    if (png && probesAvailable) {
      // The README picture: the squiggle on /dev/sdc with its quick-fix menu, fixes from the live host.
      await closeAll();
      await vscode.commands.executeCommand('notifications.clearAll');
      const e = await openEditor('domains/app01.xml');
      await waitForDiagnostic(e.document.uri, 'unstable-device-name', SDC);
      e.selection = new vscode.Selection(19, 26, 19, 26);
      e.revealRange(new vscode.Range(10, 0, 10, 0), vscode.TextEditorRevealType.AtTop);
      await vscode.commands.executeCommand('workbench.action.closeSidebar');
      await vscode.commands.executeCommand('workbench.action.closePanel');
      await vscode.commands.executeCommand('editor.action.quickFix');
      await until('the quick-fix menu', () =>
        probe<boolean>({ kind: 'eval', expr: `!!document.querySelector('.action-widget')?.offsetParent` }),
      );
      // Below the title bar (which names the Extension Development Host), down to the status bar.
      await probe({ kind: 'screenshot', path: png, clip: { x: 0, y: 35, width: 1400, height: 865 } });
      console.log(`    quick-fix screenshot: ${png}`);
      await probe({ kind: 'press', key: 'Escape' });
      await vscode.commands.executeCommand('workbench.action.toggleSidebarVisibility');
    }
  });

  test('Choose Host Group: the quick pick lists the configured groups; the choice decides the inventory', async () => {
    const api = await extensionApi();
    const editor = await openEditor('domains/app01.xml');
    const uri = editor.document.uri;
    await setGlobal('ssh.configFile', sshConfig);
    // app01.xml matches no glob: it gets "default" (the refused host) until the user chooses.
    await setGlobal('hosts', { rig: { hosts: ['kvm-a'], files: ['**/db*.xml'] }, default: { hosts: ['kvm-down'] } });
    await until('the default group in the status bar', async () => {
      const x = await api.updateStatusBar();
      return x.group === 'default' && x.text.includes('kvm-down') ? x : undefined;
    });
    let chosen: unknown = 'pending';
    const picking = Promise.resolve(vscode.commands.executeCommand('libvirtDomain.chooseHostGroup')).then((g) => (chosen = g));
    if (probesAvailable) {
      const items = await until('the quick pick', () =>
        probe<string[] | null>({
          kind: 'eval',
          expr: `(() => { const w = document.querySelector('.quick-input-widget'); if (!w || !w.offsetParent) return null; const rows = [...w.querySelectorAll('.monaco-list-row')].map((r) => r.textContent.trim()); return rows.length ? rows : null; })()`,
        }).then((v) => v ?? undefined),
      );
      assert.ok(items[0].startsWith('rig') && items[0].includes('kvm-a'), JSON.stringify(items));
      assert.ok(
        items.some((i) => i.startsWith('default') && i.includes('kvm-down') && i.includes('current')),
        JSON.stringify(items),
      );
      assert.ok(
        items.some((i) => i.startsWith('Automatic')),
        JSON.stringify(items),
      );
    }
    // The first item (rig) is active: accept it as a user pressing Enter would.
    await until('the choice to be accepted', async () => {
      if (chosen !== 'pending') return true;
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      return undefined;
    });
    await picking;
    assert.strictEqual(chosen, 'rig');
    const s = await until(
      'the chosen group in the status bar',
      async () => {
        const x = await api.updateStatusBar();
        return x.group === 'rig' && x.text === '$(server) rig: kvm-a · just now' ? x : undefined;
      },
      30_000,
    );
    assert.strictEqual(s.warning, false);
    await until(
      'a fix from the rig host',
      () => ours(uri).find((x) => codeOf(x) === 'unstable-device-name' && x.range.start.line === 19 && /3pardata0_12/.test(x.message)),
      30_000,
    );
    // Back to automatic (by the file patterns).
    assert.strictEqual(await vscode.commands.executeCommand('libvirtDomain.chooseHostGroup', { group: null }), undefined);
    await until('the default group again', async () => (await api.updateStatusBar()).group === 'default');
    await vscode.commands.executeCommand('notifications.clearAll');
  });

  test('an unreachable host: one error notification with "Open log" / "Retry", a warning in the status bar', async () => {
    const api = await extensionApi();
    await openEditor('domains/app01.xml');
    const errorsBefore = recorded.notices.filter((n) => n.kind === 'error').length;
    await setGlobal('ssh.configFile', sshConfig);
    await setGlobal('hosts', ['kvm-down']);
    const notice = await until(
      'the inventory error',
      () =>
        recorded.notices
          .filter((n) => n.kind === 'error')
          .slice(errorsBefore)
          .find((n) => n.message.startsWith('kvm-down:')),
      30_000,
    );
    assert.match(notice.message, /^kvm-down: .*refused/i);
    assert.ok(!notice.message.includes('\n'), 'one line');
    // Both setting changes start a fetch; the status spins while the second runs, so wait for it to settle.
    const s = await until('the warning state, no fetch running', async () => {
      const x = await api.updateStatusBar();
      return x.warning && !x.fetching ? x : undefined;
    });
    assert.strictEqual(s.text, '$(warning) kvm-down · failed');
    assert.match(s.tooltip, /kvm-down.*refused/i);
    if (probesAvailable) {
      const toast = await until('the error notification', async () => (await toasts()).find((t) => t.text.startsWith('kvm-down:')));
      assert.deepStrictEqual(
        toast.buttons.filter((b) => b === 'Open log' || b === 'Retry'),
        ['Open log', 'Retry'],
        JSON.stringify(toast),
      );
    }
    // Retrying while the first notification is open does not stack a second one.
    await vscode.commands.executeCommand('libvirtDomain.refreshInventory');
    if (probesAvailable) {
      const now = await toasts();
      assert.strictEqual(now.filter((t) => t.text.startsWith('kvm-down:')).length, 1, JSON.stringify(now));
    }
    await vscode.commands.executeCommand('notifications.clearAll');
  });

  test('the fetch progress is a cancellable notification; Cancel stops ssh', async function () {
    if (!probesAvailable) this.skip();
    const api = await extensionApi();
    await openEditor('domains/app01.xml');
    const runsBefore = markerLines().length;
    await setGlobal('ssh.path', process.env.LDX_E2E_FAKE_SSH);
    await setGlobal('hosts', ['slow-host']);
    await until(
      'the fake ssh to run for slow-host',
      () =>
        markerLines()
          .slice(runsBefore)
          .some((l) => l.includes('slow-host')),
      30_000,
    );
    await until('the fetching state', () => api.inventoryState()?.hosts.some((h) => h.host === 'slow-host' && h.fetching));
    const spinning = await until('the spinner', async () => {
      const x = await api.updateStatusBar();
      return x.fetching ? x : undefined;
    });
    assert.strictEqual(spinning.text, '$(sync~spin) slow-host');
    const clicked = await until(
      'a Cancel button on the progress notification',
      () =>
        probe<boolean>({
          kind: 'eval',
          expr: `(() => { const t = [...document.querySelectorAll('.notifications-toasts .notification-list-item')].find((x) => x.offsetParent && x.textContent.includes('Fetching inventory of slow-host')); const b = t && [...t.querySelectorAll('.monaco-button')].find((x) => x.textContent.trim() === 'Cancel'); if (!b) return false; b.click(); return true; })()`,
        }),
      10_000,
    ).catch(async (e) => {
      throw new Error(`${e.message}; toasts: ${JSON.stringify(await toasts())}; progress: ${JSON.stringify(recorded.progress.slice(-4))}`);
    });
    assert.ok(clicked);
    const st = await until(
      'the fetch to stop',
      () => api.inventoryState()?.hosts.find((h) => h.host === 'slow-host' && !h.fetching),
      10_000,
    );
    assert.strictEqual(st.errorKind, 'cancelled');
    // A cancel is not an error worth a notification.
    assert.ok(!recorded.notices.some((n) => n.message.startsWith('slow-host')));
  });

  test('control for the Restricted Mode test: a configured fake ssh does run in a trusted workspace', async () => {
    await extensionApi();
    await openEditor('domains/app01.xml');
    const runsBefore = markerLines().length;
    await setGlobal('ssh.path', process.env.LDX_E2E_FAKE_SSH);
    await setGlobal('hosts', ['fake-host']);
    await until(
      'the fake ssh to leave its marker',
      () =>
        markerLines()
          .slice(runsBefore)
          .find((l) => l.includes('fake-host')),
      30_000,
    );
    await until('its failure to be reported', () => recorded.notices.find((n) => n.message.startsWith('fake-host:')), 10_000);
  });
});
