/// <reference types="mocha" />
// Issue 16 in a real VS Code: Audit Hosts over rig hosts of the seeded fleet (dmp-1 and mp-1 share a LUN
// without <shareable/>; a kernel name; a label path) and an unreachable one: the findings in the Problems
// panel under libvirt-domain://HOST/NAME.xml, the unreachable host's notification from the fixed template,
// a finding's document opened through the host definitions provider (the host's text, the range on the
// source); then Cancel (of the request, and the progress notification's button) stops an audit waiting
// on a host whose fetch never ends.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { AuditHostsRequest, type AuditHostsResult } from '../../../../server/src/protocol';
import { closeAll, codeOf, extensionApi, probe, probesAvailable, recorded, setGlobal, SOURCE, until } from '../helpers';

const sshConfig = process.env.LDX_E2E_SSH_CONFIG;
const fleetDir = process.env.LDX_E2E_FLEET_DIR;

/** What each seeded domain of dmp-1 and mp-1 must show (codes at warning or above). */
const EXPECTED: Record<string, string[]> = {
  'dmp-1/app-kernel': ['multipath-bypass', 'unstable-device-name'],
  'dmp-1/shared-a': ['shared-without-shareable'],
  'mp-1/shared-b': ['shared-without-shareable'],
  'mp-1/labelled': ['guest-mutable-identifier'],
};

/** The Problems of dmp-1's and mp-1's host definition documents: `HOST/NAME` → codes at warning or above (sorted, once each). */
function hostProblems(): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [uri, diagnostics] of vscode.languages.getDiagnostics()) {
    if (uri.scheme !== 'libvirt-domain' || !['dmp-1', 'mp-1'].includes(uri.authority)) continue;
    const codes = diagnostics.filter((d) => d.source === SOURCE && d.severity <= vscode.DiagnosticSeverity.Warning).map(codeOf);
    if (codes.length) out[`${uri.authority}${decodeURIComponent(uri.path).replace(/\.xml$/, '')}`] = [...new Set(codes)].sort();
  }
  return out;
}

suite('Audit Hosts (rig)', function () {
  suiteSetup(async function () {
    if (!sshConfig || !fleetDir) {
      console.log(`  (audit tests skipped: ${process.env.LDX_E2E_RIG_SKIP || 'no LDX_E2E_SSH_CONFIG'})`);
      this.skip();
    }
    await extensionApi();
    await setGlobal('ssh.configFile', sshConfig);
    await setGlobal('hosts', ['dmp-1', 'mp-1', 'kvm-down']);
  });

  suiteTeardown(async () => {
    if (!sshConfig) return;
    for (const k of ['hosts', 'ssh.configFile']) await setGlobal(k, undefined);
    await vscode.commands.executeCommand('notifications.clearAll');
    await closeAll();
  });

  test('the findings of every host domain in Problems under libvirt-domain://; the unreachable host notified; one opened shows the host’s text', async function () {
    this.timeout(120_000);
    await extensionApi();
    const r = await vscode.commands.executeCommand<AuditHostsResult>('libvirtDomain.auditHosts');
    assert.strictEqual(r.outcome, 'done', JSON.stringify(r));
    assert.deepStrictEqual(r.hosts.map((h) => [h.host, h.failure ?? 'ok']).sort(), [
      ['dmp-1', 'ok'],
      ['kvm-down', 'connection-refused'],
      ['mp-1', 'ok'],
    ]);
    await until(
      'the seeded findings in Problems',
      () =>
        JSON.stringify(Object.entries(hostProblems()).sort()) ===
        JSON.stringify(
          Object.entries(EXPECTED)
            .map(([k, v]) => [k, [...v].sort()])
            .sort(),
        )
          ? true
          : undefined,
      30_000,
    ).catch((e: Error) => {
      throw new Error(`${e.message}; Problems: ${JSON.stringify(hostProblems())}`);
    });
    const failed = await until('the notification for kvm-down', () => recorded.notices.find((n) => n.message.startsWith('kvm-down:')));
    assert.strictEqual(failed.kind, 'error');
    assert.strictEqual(failed.message, 'kvm-down: the inventory could not be read (connection refused; details in the log)');

    // Opening one (as a click in Problems does): the host's definition through the provider, the range on the source.
    const [uri, diagnostics] = vscode.languages
      .getDiagnostics()
      .find(([u]) => u.scheme === 'libvirt-domain' && u.authority === 'mp-1' && u.path === '/shared-b.xml')!;
    const shared = diagnostics.find((d) => codeOf(d) === 'shared-without-shareable')!;
    assert.match(shared.message, /shared-a \(defined on dmp-1\)/);
    assert.ok(shared.relatedInformation?.some((x) => x.location.uri.authority === 'dmp-1' && x.location.uri.path === '/shared-a.xml'));
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { selection: shared.range });
    assert.strictEqual(editor.document.getText(), fs.readFileSync(path.join(fleetDir!, 'mp-1', 'domains', 'shared-b.xml'), 'utf8'));
    assert.match(editor.document.getText(shared.range), /^\/dev\/disk\/by-id\/dm-uuid-mpath-3/);
    // Open, the document keeps the fleet's finding beside its own analysis.
    await until('shared-without-shareable on the open document', () =>
      vscode.languages.getDiagnostics(uri).some((d) => codeOf(d) === 'shared-without-shareable') && editor.document.getText()
        ? true
        : undefined,
    );
    await closeAll();
  });

  test('Cancel stops an audit waiting on a host whose fetch never ends: the request’s cancellation, and the progress notification’s button', async function () {
    this.timeout(120_000);
    const api = await extensionApi();
    await setGlobal('hosts', ['dmp-1', 'hung-1']);
    await until(
      'hung-1 configured',
      () => (api.inventoryState()?.groups.some((g) => g.hosts.includes('hung-1')) ? true : undefined),
      30_000,
    );
    const before = JSON.stringify(hostProblems());

    // 1. The request cancelled, once the audit itself is fetching hung-1 (a fetch the settings change
    // started may be running before: cancelling before the audit joins it would leave that one going).
    const mark = recorded.progress.length;
    const source = new vscode.CancellationTokenSource();
    let settled: unknown;
    const run = api.client.sendRequest<AuditHostsResult>(AuditHostsRequest.method, {}, source.token).then(
      (x) => (settled = x),
      (e: unknown) => (settled = String(e)),
    );
    await until(
      'the audit fetching hung-1',
      () =>
        recorded.progress.slice(mark).some((p) => p.kind === 'begin' && p.detail.includes('Auditing 2 hosts')) &&
        api.inventoryState()?.hosts.some((h) => h.host === 'hung-1' && h.fetching)
          ? true
          : undefined,
      30_000,
    ).catch((e: Error) => {
      throw new Error(`${e.message}; the audit: ${JSON.stringify(settled)}; state: ${JSON.stringify(api.inventoryState())}`);
    });
    source.cancel();
    await until(
      'the fetch of hung-1 to stop',
      () => api.inventoryState()?.hosts.find((h) => h.host === 'hung-1' && !h.fetching && h.errorKind === 'cancelled'),
      15_000,
    );
    await run;
    assert.ok(!recorded.notices.some((n) => n.message.startsWith('hung-1')), 'a cancel is not an error to notify');

    // 2. The Cancel button of the progress notification (the server's work-done progress).
    if (!probesAvailable) return;
    const command = vscode.commands.executeCommand<AuditHostsResult>('libvirtDomain.auditHosts');
    await until(
      'a Cancel button on the audit’s progress notification',
      () =>
        probe<boolean>({
          kind: 'eval',
          expr: `(() => { const t = [...document.querySelectorAll('.notifications-toasts .notification-list-item')].find((x) => x.offsetParent && x.textContent.includes('Auditing 2 hosts')); const b = t && [...t.querySelectorAll('.monaco-button')].find((x) => x.textContent.trim() === 'Cancel'); if (!b) return false; b.click(); return true; })()`,
        }).then((ok) => (ok ? true : undefined)),
      30_000,
    );
    const r = await command;
    assert.strictEqual(r.outcome, 'cancelled');
    assert.ok(!api.inventoryState()?.hosts.find((h) => h.host === 'hung-1')?.fetching);
    // A cancelled run publishes nothing: the last run's Problems stay.
    assert.strictEqual(JSON.stringify(hostProblems()), before);
  });
});
