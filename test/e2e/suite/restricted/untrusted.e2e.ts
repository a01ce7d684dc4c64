/// <reference types="mocha" />
// Restricted Mode (workspace trust on, folder not trusted): test/e2e/workspace-untrusted, whose
// .vscode/settings.json sets hosts, ssh.path (./fake-ssh.sh, which leaves a marker when run),
// ssh.configFile (a ProxyCommand running that script) and ssh.extraArgs. Offline rules must still run;
// none of those settings may be used, and no ssh may start.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { HostGroupsRequest, RefreshInventoryRequest, type HostGroupsResult } from '../../../../server/src/protocol';
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
  workspaceDir,
} from '../helpers';

const SDC = '19:19-19:27';
const markers = () =>
  [process.env.LDX_E2E_SSH_MARKER, path.join(workspaceDir(), 'ssh-was-run.marker')].filter((m): m is string => !!m && fs.existsSync(m));

suite('Restricted Mode (untrusted workspace)', () => {
  teardown(closeAll);
  suiteTeardown(async () => {
    for (const k of ['hosts', 'ssh.path', 'inventorySnapshot']) await setGlobal(k, undefined);
  });

  test('the workspace is untrusted and the extension says once that it runs offline', async () => {
    assert.strictEqual(vscode.workspace.isTrusted, false);
    const api = await extensionApi();
    // Said when the server starts (with the first libvirt document), once per workspace.
    await openEditor('domains/app01.xml');
    await until('the server to start', () => api.isRunning());
    const restricted = () => recorded.notices.filter((n) => n.kind === 'information' && /Restricted Mode/.test(n.message));
    const shown = await until('the Restricted Mode notice', () => (restricted().length ? restricted() : undefined));
    assert.match(shown[0].message, /only the offline checks run/);
    await openEditor('domains/app01.xml');
    assert.strictEqual(restricted().length, 1, JSON.stringify(recorded.notices));
  });

  test('offline diagnostics still appear, without fixes (no inventory)', async () => {
    const editor = await openEditor('domains/app01.xml');
    const uri = editor.document.uri;
    const d = await waitForDiagnostic(uri, 'unstable-device-name', SDC);
    await waitForDiagnostic(uri, 'guest-mutable-identifier', '24:19-24:45');
    await waitForDiagnostic(uri, 'duplicate-target');
    assert.doesNotMatch(d.message, /3pardata0_12/);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      uri,
      d.range,
      vscode.CodeActionKind.QuickFix.value,
    );
    assert.deepStrictEqual(
      actions.map((a) => a.title).filter((t) => t.startsWith('Use ')),
      [],
    );
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(19, 22));
    assert.ok(hovers.length > 0, 'hover works offline');
  });

  test("the workspace's hosts, ssh, snapshot and schema path settings are ignored, and the log says so", async () => {
    const api = await extensionApi();
    const editor = await openEditor('domains/app01.xml');
    const cfg = vscode.workspace.getConfiguration('libvirtDomain');
    // The workspace sets them ...
    const file = fs.readFileSync(path.join(workspaceDir(), '.vscode/settings.json'), 'utf8');
    const keys = ['hosts', 'ssh.path', 'ssh.configFile', 'ssh.extraArgs', 'inventorySnapshot', 'schema.path'];
    for (const k of keys) assert.ok(file.includes(`"libvirtDomain.${k}"`), k);
    // ... VS Code does not apply them (restricted settings in Restricted Mode; ssh.path/extraArgs are machine-scoped, ssh.configFile application-scoped):
    for (const k of keys) assert.strictEqual(cfg.inspect(k)?.workspaceValue, undefined, k);
    assert.strictEqual(cfg.get('inventorySnapshot'), '');
    assert.strictEqual(cfg.get('schema.path'), '');
    // ... and the extension's log says, once each, that they are ignored.
    await until(
      'the ignored settings to be logged',
      () => keys.every((k) => api.ignoredWorkspaceSettings.includes(`libvirtDomain.${k}`)) || undefined,
    ).catch((e) => {
      throw new Error(`${e.message}: ${JSON.stringify(api.ignoredWorkspaceSettings)}`);
    });
    assert.strictEqual(new Set(api.ignoredWorkspaceSettings).size, api.ignoredWorkspaceSettings.length, 'once each');
    assert.deepStrictEqual(cfg.get('hosts'), []);
    assert.strictEqual(cfg.get('ssh.configFile'), '');
    assert.strictEqual(cfg.get('ssh.path'), '');
    assert.deepStrictEqual(cfg.get('ssh.extraArgs'), []);
    // The server got none of them.
    // By method name: the protocol objects of this bundle are not the extension's (vscode-jsonrpc checks their identity).
    const groups = await api.client.sendRequest<HostGroupsResult>(HostGroupsRequest.method, { uri: editor.document.uri.toString() });
    assert.deepStrictEqual(groups.groups, []);
    const state = await until('the inventory state', () => api.inventoryState());
    assert.strictEqual(state.hostAccess, false);
    assert.deepStrictEqual(state.groups, []);
    const s = await until('the status bar', async () => {
      const x = await api.updateStatusBar();
      return x.visible ? x : undefined;
    });
    assert.strictEqual(s.text, '$(shield) no host inventory');
    assert.deepStrictEqual(markers(), []);
  });

  test('no ssh starts, even with hosts and ssh.path in the user settings and an explicit refresh', async () => {
    const api = await extensionApi();
    const editor = await openEditor('domains/app01.xml');
    await setGlobal('ssh.path', path.join(workspaceDir(), 'fake-ssh.sh'));
    await setGlobal('hosts', ['kvm-a']);
    // The server has the user-level configuration ...
    await until('the server to take the user settings', () => api.inventoryState()?.groups.some((g) => g.hosts.includes('kvm-a')));
    // ... and still contacts nobody: not on configuration, not on open, not on a forced refresh.
    await openEditor('domains/app01.xml');
    await api.client.sendRequest(RefreshInventoryRequest.method, { force: true });
    await api.client.sendRequest(RefreshInventoryRequest.method, { uris: [editor.document.uri.toString()], force: true });
    await vscode.commands.executeCommand('libvirtDomain.refreshInventory');
    const kvmA = api.inventoryState()!.hosts.find((h) => h.host === 'kvm-a')!;
    assert.strictEqual(kvmA.fetching, false);
    assert.strictEqual(kvmA.fetchedAt, undefined);
    assert.strictEqual(kvmA.source, 'none');
    assert.strictEqual(kvmA.error, undefined);
    assert.deepStrictEqual(markers(), [], 'the fake ssh never ran');
    assert.ok(!recorded.notices.some((n) => n.kind === 'error'), JSON.stringify(recorded.notices));
    const s = await api.updateStatusBar();
    assert.strictEqual(s.text, '$(shield) kvm-a · offline');
    assert.match(s.tooltip, /Restricted Mode/);
    // Diagnostics keep coming (offline).
    assert.ok(ours(editor.document.uri).some((d) => codeOf(d) === 'unstable-device-name'));
  });

  test('a hostile snapshot (from the user settings, where it is honoured) shows no link in any notification', async function () {
    // The workspace cannot name a snapshot in Restricted Mode any more, so the hostile files are named
    // where they are honoured, in the user settings: the case of a hostile host's saved output. Their
    // errors would quote `[x](command:…)` (the snapshot's format field, the collector output's host name).
    await extensionApi();
    await openEditor('domains/app01.xml');
    const errorsBefore = recorded.notices.filter((n) => n.kind === 'error').length;
    const files = ['hostile/format.inventory.json', 'hostile/raw.out'].map((f) => path.join(workspaceDir(), f));
    await setGlobal('inventorySnapshot', files);
    const notices = await until(
      'two inventory errors',
      () => {
        const e = recorded.notices.filter((n) => n.kind === 'error').slice(errorsBefore);
        return e.length >= 2 ? e : undefined;
      },
      30_000,
    );
    try {
      if (probesAvailable) await noLinkInNotifications();
      // What the extension showed: the fixed template naming the file, the details only in the log.
      assert.deepStrictEqual(notices.map((n) => n.message).sort(), [
        'format.inventory.json: the inventory snapshot could not be read (details in the log)',
        'raw.out: the inventory snapshot could not be read (details in the log)',
      ]);
    } finally {
      await vscode.commands.executeCommand('notifications.clearAll');
      await setGlobal('inventorySnapshot', undefined);
    }
  });
});

/** Every notification in the page (toasts, then the notification centre): no link, no command. */
async function noLinkInNotifications(): Promise<void> {
  const NOTES = `[...document.querySelectorAll('.notification-list-item')].map((x) => ({ text: x.querySelector('.notification-list-item-message')?.textContent ?? '', links: [...x.querySelectorAll('.notification-list-item-message a')].map((a) => (a.getAttribute('href') || a.getAttribute('data-href') || a.textContent || '')) }))`;
  type Note = { text: string; links: string[] };
  const toasts = await until('the error toasts', async () => {
    const v = await probe<Note[]>({ kind: 'eval', expr: NOTES });
    return v.filter((t) => /format\.inventory\.json|raw\.out/.test(t.text)).length >= 2 ? v : undefined;
  });
  await vscode.commands.executeCommand('notifications.showList');
  const centre = await until('the notification centre', async () => {
    const v = await probe<Note[]>({ kind: 'eval', expr: NOTES });
    return v.length >= toasts.length ? v : undefined;
  });
  for (const n of [...toasts, ...centre]) {
    assert.deepStrictEqual(n.links, [], `a link in "${n.text}"`);
    assert.doesNotMatch(n.text, /command:|Run this|\[x\]/, n.text);
  }
  await vscode.commands.executeCommand('notifications.hideList');
}
