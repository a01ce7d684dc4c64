/**
 * The whole path against real sshds serving the example host: CLI --host vs a snapshot taken
 * from the same host, classified failures, and the language server fetching on its own.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import type { CodeAction, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { InventoryStateNotification, RefreshInventoryRequest, type InventoryStateReport } from '../server/src/protocol';
import { closedPort } from './rig/net';
import { Rig, startRigOrSkip } from './rig/sshRig';
import { runCli } from './support/cli';
import { blockDisk, domainXml, EXAMPLE_INVENTORY, ROOT } from './support/examples';
import { until } from './support/poll';

describe('live host over ssh (rig)', () => {
  const cacheHome = mkdtempSync(join(tmpdir(), 'ldx-cache-'));
  let rig: Rig | undefined;
  let skip = '';
  before(async () => {
    const r = await startRigOrSkip({ hosts: [{ name: 'kvm-a', fixtureDir: join(ROOT, 'examples/hosts/kvm-a') }] });
    if (typeof r === 'string') skip = r;
    else {
      rig = r;
      rig.addAlias('kvm-down', await closedPort());
    }
  });
  after(async () => rig?.stop());

  test('--host reports the same findings as a snapshot taken from that host, and as the bundled example', (t) => {
    if (!rig) return t.skip(skip);
    const dir = mkdtempSync(join(tmpdir(), 'ldx-live-'));
    const snap = join(dir, 'kvm-a.json');
    const inv = runCli(['inventory', '--host', 'kvm-a', '--ssh-config', rig.sshConfigPath, '--out', snap]);
    assert.equal(inv.status, 0, inv.stderr);
    const ex = JSON.parse(readFileSync(EXAMPLE_INVENTORY, 'utf8'));
    assert.match(
      inv.stderr,
      new RegExp(
        `kvm-a: ${ex.devices.length} devices, ${Object.keys(ex.links).length} links, ${ex.dmp.nodes.length} DMP nodes, ${ex.domains.length} domains written to`,
      ),
    );
    const saved = JSON.parse(readFileSync(snap, 'utf8'));
    assert.equal(saved.host, 'kvm-a');
    assert.equal(saved.hostname, 'kvm-a');
    assert.deepEqual(saved.warnings, []);
    const live = runCli(['--host', 'kvm-a', '--ssh-config', rig.sshConfigPath, '--format', 'json', 'examples/domains']);
    const offline = runCli(['--inventory', snap, '--format', 'json', 'examples/domains']);
    const bundled = runCli(['--inventory', EXAMPLE_INVENTORY, '--format', 'json', 'examples/domains']);
    assert.equal(live.status, 1, live.stderr);
    assert.ok(JSON.parse(live.stdout).findings.length >= 8);
    assert.equal(live.stdout, offline.stdout);
    assert.equal(live.stdout, bundled.stdout);
    // The collector ran only read-only invocations.
    const tools = rig
      .host('kvm-a')
      .readToolLog()
      .map((l) => l[0]);
    assert.ok(tools.includes('lsblk') && tools.includes('vxdmpadm') && tools.includes('virsh'));
  });

  test('an unreachable host: the classified one-line message, exit 2', (t) => {
    if (!rig) return t.skip(skip);
    const r = runCli(['--host', 'kvm-down', '--ssh-config', rig.sshConfigPath, 'examples/domains']);
    assert.equal(r.status, 2);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^libvirt-domain-lint: kvm-down: .*refused/i);
    const bad = runCli(['--host=-oProxyCommand=touch /tmp/pwned', 'examples/domains']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /destination/);
  });

  for (const hostAccess of [true, false]) {
    test(`language server with hostAccess=${hostAccess}: ${hostAccess ? 'fetches the configured host and re-checks open documents' : 'never contacts the host'}`, async (t) => {
      if (!rig) return t.skip(skip);
      const before = rig.host('kvm-a').readToolLog().length;
      const logins = () => rig!.host('kvm-a').sshdLog().split('Accepted publickey').length;
      const loginsBefore = logins();
      const proc = spawn(process.execPath, [join(ROOT, 'dist/server.js'), '--stdio'], {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { ...process.env, XDG_CACHE_HOME: cacheHome },
      });
      t.after(() => proc.kill('SIGKILL'));
      const conn = createMessageConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
      const diags: PublishDiagnosticsParams[] = [];
      const states: InventoryStateReport[] = [];
      const progress: string[] = [];
      conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => void diags.push(p));
      conn.onNotification(InventoryStateNotification, (s) => void states.push(s));
      conn.onNotification('$/progress', (p: { value: { kind: string } }) => void progress.push(p.value.kind));
      const logs: string[] = [];
      conn.onNotification('window/logMessage', (m: { message: string }) => void logs.push(m.message));
      conn.onRequest('window/workDoneProgress/create', () => null);
      conn.onRequest('client/registerCapability', () => null);
      conn.onRequest('workspace/configuration', () => [{ hosts: ['kvm-a'], ssh: { configFile: rig!.sshConfigPath } }]);
      conn.listen();
      await conn.sendRequest('initialize', {
        processId: process.pid,
        rootUri: null,
        capabilities: { workspace: { configuration: true }, window: { workDoneProgress: true } },
        initializationOptions: { hostAccess },
      });
      await conn.sendNotification('initialized', {});
      const uri = pathToFileURL(join(ROOT, 'live.xml')).toString();
      await conn.sendNotification('textDocument/didOpen', {
        textDocument: { uri, languageId: 'xml', version: 1, text: domainXml(blockDisk('/dev/sdc')) },
      });
      await until('first diagnostics', () => diags.find((d) => d.uri === uri));
      if (hostAccess) {
        await until('the inventory of kvm-a', () => states.find((s) => s.hosts.some((h) => h.host === 'kvm-a' && h.fetchedAt)));
        const d = await until('diagnostics naming the DMP node', () =>
          diags.find((x) => x.diagnostics.some((y) => /3pardata0_12/.test(String(y.message)))),
        );
        const actions = await conn.sendRequest<CodeAction[]>('textDocument/codeAction', {
          textDocument: { uri },
          range: d.diagnostics[0].range,
          context: { diagnostics: d.diagnostics },
        });
        assert.equal(actions.find((a) => a.isPreferred)?.title, 'Use /dev/vx/dmp/3pardata0_12');
        assert.ok(progress.includes('begin') && progress.includes('end'), progress.join());
        // The host's libvirt schema is fetched once per version and used for validation.
        await until('the host schema', () => logs.find((l) => /schema: libvirt 9\.0\.0 \(kvm-a\) compiled/.test(l)));
        assert.ok(
          logs.some((l) => /kvm-a: libvirt 9\.0\.0 schema \(sha256 [0-9a-f]{12}\) stored in /.test(l)),
          logs.join('\n'),
        );
      } else {
        // Ask for a refresh too: it must still not contact the host.
        await conn.sendRequest(RefreshInventoryRequest, { force: true });
        const s = states[states.length - 1];
        assert.ok(s.hosts.every((h) => !h.fetchedAt));
        assert.equal(rig.host('kvm-a').readToolLog().length, before);
        assert.equal(logins(), loginsBefore, 'no ssh login reached the host');
      }
      await conn.sendRequest('shutdown');
      await conn.sendNotification('exit');
      conn.dispose();
    });
  }
});
