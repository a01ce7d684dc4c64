// transport.ts and errors.ts: destination checks, ssh arguments, and every failure
// class produced for real (against the sshd rig, closed ports, silent listeners).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { InventoryError, classifySshFailure, type InventoryErrorKind } from '../server/src/inventory/errors';
import {
  COLLECTOR_SCRIPT,
  buildSshArgs,
  fetchCollectorOutput,
  runCollector,
  validateDestination,
  type RawFetch,
  type TransportOptions,
} from '../server/src/inventory/transport';
import { closedPort, closingListener, silentListener, type Listener } from './rig/net';
import { hostFixture } from './rig/paths';
import { startRigOrSkip, type Rig } from './rig/sshRig';
import { processGone, waitFor, waitForGone } from './rig/wait';

/** Runs `fn`, expects an InventoryError of `kind`, returns it. */
async function expectKind(kind: InventoryErrorKind, fn: () => Promise<unknown>): Promise<InventoryError> {
  try {
    await fn();
  } catch (e) {
    assert.ok(e instanceof InventoryError, `expected an InventoryError, got ${e}`);
    assert.equal(e.kind, kind, `${e.message}\n--- stderr:\n${e.stderr ?? ''}`);
    assert.equal(e.message.includes('\n'), false, 'the message is one line');
    return e;
  }
  assert.fail(`expected an InventoryError of kind ${kind}, but it succeeded`);
}

describe('destinations and ssh arguments', () => {
  const refused = [
    '-oProxyCommand=touch /tmp/x',
    '-oProxyCommand=touch',
    'a;b',
    '$(id)',
    '`id`',
    'a b',
    '',
    'a\nb',
    'a/b',
    'h|x',
    "o'q",
    'x&y',
    'é.example',
  ];
  const accepted = ['kvm-a', 'root@10.0.0.1', 'user@[::1]', 'kvm_a.example.org', 'admin@kvm-a', '[fe80::1]', 'local'];

  test('validateDestination refuses option-like and shell-special destinations', async () => {
    for (const d of refused) {
      const e = await expectKind('bad-destination', async () => validateDestination(d));
      assert.equal(e.host, d);
    }
    for (const d of accepted) validateDestination(d);
  });

  test('a refused destination never spawns anything', async () => {
    let spawned = 0;
    const opts: TransportOptions = {
      onSpawn: () => {
        spawned++;
      },
      sshPath: '/bin/false',
    };
    for (const d of refused) {
      await expectKind('bad-destination', () => runCollector(d, opts));
      await expectKind('bad-destination', () => fetchCollectorOutput(d, opts));
    }
    assert.equal(spawned, 0);
    assert.equal(existsSync('/tmp/x'), false);
  });

  test('buildSshArgs: BatchMode, ConnectTimeout, -T, then -- right before the destination', () => {
    const args = buildSshArgs('kvm-a', { sshConfigFile: '/tmp/cfg', connectTimeoutSec: 3, extraSshArgs: ['-o', 'ControlMaster=auto'] });
    assert.deepEqual(args, [
      '-F',
      '/tmp/cfg',
      '-o',
      'BatchMode=yes',
      '-o',
      'ConnectTimeout=3',
      '-T',
      '-o',
      'ControlMaster=auto',
      '--',
      'kvm-a',
      'sh',
      '-s',
    ]);
    const plain = buildSshArgs('root@10.0.0.1');
    assert.deepEqual(plain, ['-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', '-T', '--', 'root@10.0.0.1', 'sh', '-s']);
    assert.equal(plain[plain.indexOf('--') + 1], 'root@10.0.0.1');
    const joined = [...args, ...plain].join(' ');
    assert.doesNotMatch(joined, /StrictHostKeyChecking|UserKnownHostsFile|GlobalKnownHostsFile/);
  });

  test('COLLECTOR_SCRIPT is the collector', () => {
    assert.match(COLLECTOR_SCRIPT, /^# Libvirt Domain XML inventory collector/);
    assert.match(COLLECTOR_SCRIPT, /#LDI-DONE/);
  });
});

describe("classifySshFailure on OpenSSH's messages", () => {
  const cases: [InventoryErrorKind, number | null, string, RegExp?][] = [
    [
      'host-key-changed',
      255,
      '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\nIT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!\nOffending ED25519 key in /root/.ssh/known_hosts:3\nHost key for [127.0.0.1]:2222 has changed and you have requested strict checking.\nHost key verification failed.\n',
      /known_hosts line 3.*ssh-keygen -R '\[127\.0\.0\.1\]:2222'/,
    ],
    [
      'host-key-unknown',
      255,
      'No ED25519 host key is known for [127.0.0.1]:40123 and you have requested strict checking.\nHost key verification failed.\n',
      /ssh-keyscan -p 40123 127\.0\.0\.1 >> ~\/\.ssh\/known_hosts/,
    ],
    [
      'host-key-unknown',
      255,
      'No ED25519 host key is known for kvm-a.example.org and you have requested strict checking.\nHost key verification failed.\n',
      /ssh-keyscan kvm-a\.example\.org >>/,
    ],
    ['auth-failed', 255, 'root@127.0.0.1: Permission denied (publickey).\n', /ssh-add|IdentityFile/],
    [
      'auth-failed',
      255,
      'Warning: Identity file /nope not accessible: No such file or directory.\nu@127.0.0.1: Permission denied (publickey).\n',
      /\/nope does not exist/,
    ],
    [
      'auth-failed',
      255,
      'no such identity: /k/id_x: No such file or directory\r\nu@127.0.0.1: Permission denied (publickey).\r\n',
      /\/k\/id_x does not exist/,
    ],
    ['connection-refused', 255, 'ssh: connect to host 127.0.0.1 port 41000: Connection refused\n', /127\.0\.0\.1 port 41000/],
    ['timed-out', 255, 'Connection timed out during banner exchange\nConnection to UNKNOWN port 65535 timed out\n', /banner/],
    ['timed-out', 255, 'ssh: connect to host 10.9.9.9 port 22: Connection timed out\n'],
    [
      'connection-closed',
      255,
      'kex_exchange_identification: Connection closed by remote host\nConnection closed by 127.0.0.1 port 40000\n',
    ],
    ['connection-closed', 255, 'kex_exchange_identification: read: Connection reset by peer\n'],
    ['name-not-resolved', 255, 'ssh: Could not resolve hostname nohost.invalid: Name or service not known\n', /nohost\.invalid/],
    ['tool-missing', 127, 'sh: 1: vxdmpadm: not found\n', /vxdmpadm: not found/],
    ['failed', 255, ''],
    ['failed', 1, 'something odd\n', /exit status 1/],
    ['failed', 255, 'ssh: connect to host 10.0.0.1 port 22: No route to host\n', /unreachable/],
  ];
  for (const [kind, code, stderr, re] of cases) {
    test(`${kind} ← ${JSON.stringify(stderr.split(/\r?\n/).filter((l) => l && !/^@/.test(l))[0] ?? '(empty)')}`, () => {
      const e = classifySshFailure('kvm-a', code, stderr);
      assert.equal(e.kind, kind);
      assert.equal(e.host, 'kvm-a');
      assert.ok(e.message.startsWith('kvm-a: '), e.message);
      assert.equal(e.message.includes('\n'), false);
      assert.equal(e.stderr, stderr);
      if (re) assert.match(e.message, re);
    });
  }

  test('InventoryError names the host once and stays on one line', () => {
    assert.equal(new InventoryError('kvm-a', 'failed', 'x\ny').message, 'kvm-a: x y');
    assert.equal(new InventoryError('kvm-a', 'failed', 'kvm-a: already named').message, 'kvm-a: already named');
    assert.equal(new InventoryError('kvm-a', 'failed', 'x').name, 'InventoryError');
  });
});

describe('local failures without a network', () => {
  test('ssh-missing when the ssh client does not exist', async () => {
    let spawned: string[] | undefined;
    const e = await expectKind('ssh-missing', () =>
      fetchCollectorOutput('kvm-a', {
        sshPath: '/nonexistent/bin/ssh',
        onSpawn: (argv) => {
          spawned = argv;
        },
      }),
    );
    assert.match(e.message, /\/nonexistent\/bin\/ssh/);
    assert.equal(spawned?.[0], '/nonexistent/bin/ssh');
  });

  test('unparseable when "ssh" answers with something else (here: echo)', async () => {
    await expectKind('unparseable', () => fetchCollectorOutput('kvm-a', { sshPath: 'echo' }));
  });

  test('cancelled before it starts: nothing is spawned', async () => {
    let spawned = 0;
    const ac = new AbortController();
    ac.abort();
    await expectKind('cancelled', () =>
      fetchCollectorOutput('kvm-a', {
        signal: ac.signal,
        onSpawn: () => {
          spawned++;
        },
      }),
    );
    assert.equal(spawned, 0);
  });
});

describe('every failure class, for real', () => {
  let rig: Rig | undefined;
  let skip = '';
  const listeners: Listener[] = [];
  const basic = hostFixture('rig-basic');
  const FLOOD = 4 * 1024 * 1024;

  before(async () => {
    const t0 = Date.now();
    const r = await startRigOrSkip({
      hosts: [
        { name: 'kvm-a', fixtureDir: basic },
        { name: 'kvm-die', fixtureDir: basic, faults: [{ kind: 'die', tool: 'vxdmpadm' }] },
        { name: 'kvm-trunc', fixtureDir: basic, faults: [{ kind: 'truncate', tool: 'vxdisk' }] },
        { name: 'kvm-hang', fixtureDir: basic, faults: [{ kind: 'hang', tool: 'lsblk' }] },
        { name: 'kvm-flood', fixtureDir: basic, faults: [{ kind: 'flood', tool: 'lsblk', bytes: FLOOD }] },
      ],
    });
    if (typeof r === 'string') {
      skip = r;
      return;
    }
    rig = r;
    console.log(`# rig with ${r.hosts.length} hosts up in ${Date.now() - t0} ms`);
    rig.addAlias('refused', await closedPort());
    const silent = await silentListener();
    listeners.push(silent);
    rig.addAlias('silent', silent.port);
    const closing = await closingListener();
    listeners.push(closing);
    rig.addAlias('closing', closing.port);
  });
  after(async () => {
    for (const l of listeners) await l.close();
    await rig?.stop();
  });

  const opts = (more: TransportOptions = {}): TransportOptions => ({ sshConfigFile: rig!.sshConfigPath, timeoutMs: 20_000, ...more });

  /** Fails a fetch, records the pid it spawned, checks the process group is gone afterwards. */
  async function failing(
    kind: InventoryErrorKind,
    dest: string,
    more: TransportOptions = {},
  ): Promise<{ error: InventoryError; ms: number; pid?: number }> {
    let pid: number | undefined;
    const t0 = Date.now();
    const error = await expectKind(kind, () =>
      fetchCollectorOutput(
        dest,
        opts({
          ...more,
          onSpawn: (_argv, p) => {
            pid = p;
            more.onSpawn?.(_argv, p);
          },
        }),
      ),
    );
    const ms = Date.now() - t0;
    assert.ok(pid !== undefined, 'ssh was spawned');
    await waitForGone(-pid!, 5000);
    assert.ok(processGone(pid!));
    return { error, ms, pid };
  }

  test('success: the round trip', async (t) => {
    if (!rig) return t.skip(skip);
    const times: number[] = [];
    let raw: RawFetch | undefined;
    for (let i = 0; i < 3; i++) {
      const r = await fetchCollectorOutput('kvm-a', opts());
      assert.equal(r.output.complete, true);
      times.push(r.raw.durationMs);
      raw = r.raw;
    }
    t.diagnostic(`fetch round trips: ${times.join(', ')} ms`);
    assert.deepEqual(raw!.argv.slice(-4), ['--', 'kvm-a', 'sh', '-s']);
    assert.equal(raw!.exitCode, 0);
    assert.equal(raw!.stoppedBy, null);
  });

  test('host-key-unknown: empty known_hosts, strict checking', async (t) => {
    if (!rig) return t.skip(skip);
    const h = rig.host('kvm-a');
    const { error } = await failing('host-key-unknown', h.aliases.unknownHostKey);
    assert.match(error.message, new RegExp(`ssh-keyscan -p ${h.port} 127\\.0\\.0\\.1 >> ~/\\.ssh/known_hosts`));
    assert.ok(error.message.startsWith(`${h.aliases.unknownHostKey}: `));
  });

  test('host-key-changed: known_hosts holds another key', async (t) => {
    if (!rig) return t.skip(skip);
    const { error } = await failing('host-key-changed', rig.host('kvm-a').aliases.changedHostKey);
    assert.match(error.stderr ?? '', /REMOTE HOST IDENTIFICATION HAS CHANGED/);
    assert.match(error.message, /ssh-keygen -R/);
  });

  test('auth-failed: a client key the server does not know', async (t) => {
    if (!rig) return t.skip(skip);
    const { error } = await failing('auth-failed', rig.host('kvm-a').aliases.wrongClientKey);
    assert.match(error.stderr ?? '', /Permission denied \(publickey\)/);
  });

  test('auth-failed: an IdentityFile that does not exist', async (t) => {
    if (!rig) return t.skip(skip);
    const { error } = await failing('auth-failed', rig.host('kvm-a').aliases.missingClientKey);
    assert.match(error.message, /no-such-client-key does not exist/);
  });

  test('connection-refused: nothing listens on the port', async (t) => {
    if (!rig) return t.skip(skip);
    await failing('connection-refused', 'refused');
  });

  test('timed-out: a listener that never speaks, ConnectTimeout=1', async (t) => {
    if (!rig) return t.skip(skip);
    const { error, ms } = await failing('timed-out', 'silent', { connectTimeoutSec: 1 });
    t.diagnostic(`timed out after ${ms} ms`);
    assert.match(error.stderr ?? '', /banner exchange/);
    assert.ok(ms >= 900 && ms < 8000, `${ms} ms`);
  });

  test('connection-closed: a listener that closes at once', async (t) => {
    if (!rig) return t.skip(skip);
    await failing('connection-closed', 'closing');
  });

  test('name-not-resolved: a name under .invalid', async (t) => {
    if (!rig) return t.skip(skip);
    const { error } = await failing('name-not-resolved', 'no-such-host.invalid');
    assert.match(error.message, /no-such-host\.invalid/);
  });

  test('a tool that dies: its rc and stderr are in its section, and the fetch succeeds', async (t) => {
    if (!rig) return t.skip(skip);
    const { output } = await fetchCollectorOutput('kvm-die', opts());
    assert.equal(output.complete, true);
    const s = output.sections.get('vxdmpadm')!;
    assert.equal(s.rc, 137);
    assert.equal(s.stderr[0], 'vxdmpadm: simulated crash (rig fault "die")');
    // dash adds its own "Killed" line for a command killed by a signal (bash words it differently).
    assert.ok(s.stderr.length <= 2, s.stderr.join(' | '));
    assert.equal(s.body, '');
    assert.equal(output.sections.get('vxdisk')!.rc, 0, 'the script went on');
    assert.ok(output.sections.has('virsh-dumpxml web01'));
  });

  test('truncated: the remote shell is killed mid-output, no sentinel', async (t) => {
    if (!rig) return t.skip(skip);
    let raw: RawFetch | undefined;
    try {
      raw = await runCollector('kvm-trunc', opts());
    } catch (e) {
      assert.fail(`runCollector itself should not throw: ${e}`);
    }
    assert.equal(raw.exitCode, 255, 'ssh reports a remote shell killed by a signal as 255');
    assert.match(raw.stdout, /#LDI-BEGIN vxdisk\n/);
    assert.doesNotMatch(raw.stdout, /#LDI-DONE/);
    const { error } = await failing('truncated', 'kvm-trunc');
    assert.match(error.message, /ended early/);
  });

  test('too-large: output over maxBytes kills ssh', async (t) => {
    if (!rig) return t.skip(skip);
    const { error, ms } = await failing('too-large', 'kvm-flood', { maxBytes: 1024 * 1024 });
    t.diagnostic(`cut at 1 MiB after ${ms} ms`);
    assert.match(error.message, /1\.0 MiB/);
    // Without the bound, the same host answers in full.
    const { output } = await fetchCollectorOutput('kvm-flood', opts({ maxBytes: 2 * FLOOD }));
    assert.equal(output.complete, true);
    assert.equal(output.sections.get('lsblk')!.body.length, FLOOD);
  });

  test("timed-out: a tool that hangs, timeoutMs; ssh's process group is gone", async (t) => {
    if (!rig) return t.skip(skip);
    const { error, ms, pid } = await failing('timed-out', 'kvm-hang', { timeoutMs: 1500 });
    t.diagnostic(`gave up after ${ms} ms; pid ${pid} gone`);
    assert.ok(ms >= 1500 && ms < 5000, `${ms} ms`);
    assert.match(error.message, /1\.5 s/);
  });

  test('cancelled: an AbortSignal kills ssh mid-fetch', async (t) => {
    if (!rig) return t.skip(skip);
    const host = rig.host('kvm-hang');
    const logBefore = host.readToolLog().length;
    const ac = new AbortController();
    const fetching = failing('cancelled', 'kvm-hang', { signal: ac.signal, timeoutMs: 20_000 });
    // Abort once the remote side is busy in the hanging tool.
    await waitFor(() => host.readToolLog().length > logBefore, { timeoutMs: 10_000, what: 'the hanging tool to start' });
    const t0 = Date.now();
    ac.abort();
    const { ms } = await fetching;
    t.diagnostic(`cancelled ${Date.now() - t0} ms after abort (fetch ${ms} ms)`);
    assert.ok(Date.now() - t0 < 3000);
  });
});
