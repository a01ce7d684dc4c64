/// <reference types="mocha" />
// Restricted Mode (workspace trust on, folder not trusted): test/e2e/workspace-untrusted, whose
// .vscode/settings.json sets hosts, ssh.path (./fake-ssh.sh, which leaves a marker when run),
// ssh.configFile (a ProxyCommand running that script) and ssh.extraArgs. Offline rules must still run;
// none of those settings may be used, and no ssh may start.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { closeAll, codeOf, extensionApi, openEditor, ours, setGlobal, until, waitForDiagnostic, workspaceDir } from '../helpers';

const SDC = '19:19-19:27';
const markers = () => [process.env.LDX_E2E_SSH_MARKER, path.join(workspaceDir(), 'ssh-was-run.marker')].filter((m): m is string => !!m && fs.existsSync(m));

suite('Restricted Mode (untrusted workspace)', () => {
  teardown(closeAll);
  suiteTeardown(async () => {
    for (const k of ['hosts', 'ssh.path']) await setGlobal(k, undefined);
  });

  test('the workspace is untrusted and the extension says once that it runs offline', async () => {
    assert.strictEqual(vscode.workspace.isTrusted, false);
    const api = await extensionApi();
    await openEditor('domains/app01.xml');
    const shown = api.notices.filter((n) => n.kind === 'information' && /Restricted Mode/.test(n.message));
    assert.strictEqual(shown.length, 1, JSON.stringify(api.notices));
    assert.match(shown[0].message, /only the offline checks run/);
  });

  test('offline diagnostics still appear, without fixes (no inventory)', async () => {
    const editor = await openEditor('domains/app01.xml');
    const uri = editor.document.uri;
    const d = await waitForDiagnostic(uri, 'unstable-device-name', SDC);
    await waitForDiagnostic(uri, 'guest-mutable-identifier', '24:19-24:45');
    await waitForDiagnostic(uri, 'duplicate-target');
    assert.doesNotMatch(d.message, /3pardata0_12/);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, d.range, vscode.CodeActionKind.QuickFix.value);
    assert.deepStrictEqual(actions.map((a) => a.title).filter((t) => t.startsWith('Use ')), []);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(19, 22));
    assert.ok(hovers.length > 0, 'hover works offline');
  });

  test("the workspace's hosts and ssh settings are ignored", async () => {
    const api = await extensionApi();
    const editor = await openEditor('domains/app01.xml');
    const cfg = vscode.workspace.getConfiguration('libvirtDomain');
    // The workspace sets them ...
    const file = fs.readFileSync(path.join(workspaceDir(), '.vscode/settings.json'), 'utf8');
    for (const k of ['hosts', 'ssh.path', 'ssh.configFile', 'ssh.extraArgs']) assert.ok(file.includes(`"libvirtDomain.${k}"`), k);
    // ... VS Code does not apply them (restricted settings in Restricted Mode; ssh.path/extraArgs are machine-scoped):
    for (const k of ['hosts', 'ssh.path', 'ssh.configFile', 'ssh.extraArgs']) assert.strictEqual(cfg.inspect(k)?.workspaceValue, undefined, k);
    assert.deepStrictEqual(cfg.get('hosts'), []);
    assert.strictEqual(cfg.get('ssh.configFile'), '');
    assert.strictEqual(cfg.get('ssh.path'), '');
    assert.deepStrictEqual(cfg.get('ssh.extraArgs'), []);
    // The server got none of them.
    const groups = await api.client.sendRequest<{ groups: unknown[] }>('libvirtDomain/hostGroups', { uri: editor.document.uri.toString() });
    assert.deepStrictEqual(groups.groups, []);
    const state = await until('the inventory state', () => api.inventoryState());
    assert.strictEqual(state.hostAccess, false);
    assert.deepStrictEqual(state.groups, []);
    const s = await until('the status bar', async () => { const x = await api.updateStatusBar(); return x.visible ? x : undefined; });
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
    await api.client.sendRequest('libvirtDomain/refreshInventory', { force: true });
    await api.client.sendRequest('libvirtDomain/refreshInventory', { uris: [editor.document.uri.toString()], force: true });
    await vscode.commands.executeCommand('libvirtDomain.refreshInventory');
    const kvmA = api.inventoryState()!.hosts.find((h) => h.host === 'kvm-a')!;
    assert.strictEqual(kvmA.fetching, false);
    assert.strictEqual(kvmA.fetchedAt, undefined);
    assert.strictEqual(kvmA.source, 'none');
    assert.strictEqual(kvmA.error, undefined);
    assert.deepStrictEqual(markers(), [], 'the fake ssh never ran');
    assert.ok(!api.notices.some((n) => n.kind === 'error'), JSON.stringify(api.notices));
    const s = await api.updateStatusBar();
    assert.strictEqual(s.text, '$(shield) kvm-a · offline');
    assert.match(s.tooltip, /Restricted Mode/);
    // Diagnostics keep coming (offline).
    assert.ok(ours(editor.document.uri).some((d) => codeOf(d) === 'unstable-device-name'));
  });
});
