/**
 * SSH hardening, proven with fake ssh clients that record whether they ran, their argv and their
 * stdin (test/fuzz/fakeSsh.ts), and with the sshd rig. Complements test/transport.test.ts (which
 * covers validateDestination's list, the exact argv of buildSshArgs, every ssh failure class,
 * the hang timeout, the 4 MiB flood and AbortSignal cancellation) — see RELIABILITY.md.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InventoryCache } from '../server/src/inventory/cache';
import { InventoryError } from '../server/src/inventory/errors';
import { snapshotFromCollectorOutput } from '../server/src/inventory/fetch';
import { buildSshArgs, COLLECTOR_SCRIPT, fetchCollectorOutput, TransportOptions } from '../server/src/inventory/transport';
import {
  ChooseHostGroupRequest,
  HostInventoryRequest,
  InventoryErrorNotification,
  InventoryStateNotification,
  RefreshInventoryRequest,
} from '../server/src/protocol';
import { SCHEMA_SCRIPT } from '../server/src/schema/hostSchemas';
import { fixtureCollectorOutput } from './fuzz/collectorText';
import { FakeSsh, writeFakeSsh } from './fuzz/fakeSsh';
import { LspSession } from './fuzz/lsp';
import { Rng } from './fuzz/rng';
import { hostFixture } from './rig/paths';
import { Rig, startRigOrSkip } from './rig/sshRig';
import { dead, waitGroupDead } from './fuzz/procs';
import { waitFor } from './rig/wait';
import { runCli } from './support/cli';
import { blockDisk, domainXml, ROOT } from './support/examples';

const BAD_DESTINATIONS = [
  '-oProxyCommand=touch /tmp/ldx-pwned',
  '-oProxyCommand=sh -c "touch /tmp/ldx-pwned"',
  '-F/dev/null',
  '-o',
  '--',
  '-',
  'kvm-a;touch /tmp/ldx-pwned',
  'kvm-a && id',
  '$(touch /tmp/ldx-pwned)',
  '`touch /tmp/ldx-pwned`',
  'kvm-a|id',
  'kvm-a>x',
  'a b',
  'kvm-a\n-oProxyCommand=x',
  "kvm'a",
  'kvm"a',
  'kvm-a\\',
  '~root',
  'kvm-a#x',
  'kvm-a*',
  'kvm-a?',
  'kvm-a\u0000',
  '\u202ekvm-a',
  'ｋｖｍ',
];

/** Names ssh's getopt gives an argument to (OpenSSH 9: "B:b:c:D:E:e:F:I:i:J:L:l:m:O:o:P:p:Q:R:S:W:w:"). */
const SSH_OPTS_WITH_ARG = new Set('BbcDEeFIiJLlmOoPpQRSWw'.split(''));

/** Where ssh's own option parsing ends: the index of the first operand (the destination), as BSD getopt reads argv. */
function firstOperand(args: string[]): number {
  let i = 0;
  while (i < args.length) {
    const a = args[i];
    if (a === '--') return i + 1;
    if (!a.startsWith('-') || a === '-') return i;
    // A cluster of flags; an option taking an argument consumes the rest or the next word.
    for (let j = 1; j < a.length; j++) {
      if (SSH_OPTS_WITH_ARG.has(a[j])) {
        if (j === a.length - 1) i++;
        break;
      }
    }
    i++;
  }
  return i;
}

function tmp(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

describe('refused destinations start nothing', () => {
  let dir = '';
  let fake: FakeSsh;
  before(() => {
    dir = tmp('ldx-hard-');
    fake = writeFakeSsh(dir, 'ssh-marker', { kind: 'fail', status: 255 });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('transport: a fake ssh that would leave a marker never runs, onSpawn is never called', async () => {
    let spawned = 0;
    for (const d of BAD_DESTINATIONS) {
      await assert.rejects(
        fetchCollectorOutput(d, { sshPath: fake.path, onSpawn: () => void spawned++ }),
        (e: unknown) => e instanceof InventoryError && e.kind === 'bad-destination' && !e.message.includes('\n'),
      );
    }
    assert.equal(spawned, 0);
    assert.equal(fake.runs(), 0);
    assert.equal(existsSync('/tmp/ldx-pwned'), false);
  });

  test('CLI: --host with a refused destination exits 2 before any ssh runs', () => {
    for (const d of BAD_DESTINATIONS.filter((x) => !x.includes('\u0000'))) {
      const r = runCli(['--ssh', fake.path, `--host=${d}`, 'examples/domains']);
      assert.equal(r.status, 2, `${JSON.stringify(d)}: ${r.stderr}`);
      assert.match(r.stderr, /destination|empty/, JSON.stringify(d));
    }
    assert.equal(fake.runs(), 0);
    assert.equal(existsSync('/tmp/ldx-pwned'), false);
  });

  test('server: settings naming refused destinations, host access allowed: an error per host, no ssh', async () => {
    const hosts = BAD_DESTINATIONS.slice(0, 12);
    const s = new LspSession({ initializationOptions: { hostAccess: true }, settings: () => ({ hosts, ssh: { path: fake.path } }) });
    try {
      await s.initialize();
      await s.open(pathToFileURL(join(ROOT, 'bad-dest.xml')).toString(), domainXml(blockDisk('/dev/sdc')));
      await s.conn.sendRequest(RefreshInventoryRequest, { force: true });
      const errors = () => s.notificationsOf(InventoryErrorNotification).map((p) => p.host);
      await s.until('an inventory error for every refused host', () => hosts.every((h) => errors().includes(h)) || undefined);
      assert.equal(fake.runs(), 0);
      assert.equal(existsSync('/tmp/ldx-pwned'), false);
    } finally {
      await s.stop();
    }
  });
});

describe('the ssh command line', () => {
  test('for any options: BatchMode, `--` right before the destination, then exactly `sh -s`; host key checking never turned off', () => {
    const rng = new Rng(31337);
    const dests = ['kvm-a', 'root@10.0.0.1', 'user@[::1]', 'kvm_a.example.org', '[fe80::1]', 'a', 'x-y.z', 'u@h:22'];
    // Whole option units as a user would configure them (flags, -oKey=value, and options with their argument).
    const units: string[][] = [
      ['-4'],
      ['-6'],
      ['-A'],
      ['-C'],
      ['-q'],
      ['-v'],
      ['-vvv'],
      ['-x'],
      ['-Y'],
      ['-K'],
      ['-oControlMaster=auto'],
      ['-o', 'ControlPersist=60'],
      ['-oProxyJump=bastion'],
      ['-J', 'bastion'],
      ['-i', '/k/id'],
      ['-p2222'],
      ['-p', '2222'],
      ['-l', 'root'],
      ['-F', '/etc/ssh/ssh_config'],
      ['-o', '--'],
      ['-i', '-oProxyCommand=y'],
      ['-l', 'kvm-b'],
    ];
    for (let i = 0; i < 5000; i++) {
      const dest = rng.pick(dests);
      const extra: string[] = [];
      for (let n = rng.int(5); n > 0; n--) extra.push(...rng.pick(units));
      const opts: TransportOptions = {
        sshConfigFile: rng.chance(0.5) ? rng.pick(['/cfg', '-oProxyCommand=x', '--', 'has space', '']) : undefined,
        connectTimeoutSec: rng.chance(0.5) ? rng.pick([0, 0.2, 1, 3.5, 10, 1e6, -5]) : undefined,
        extraSshArgs: rng.chance(0.7) ? extra : undefined,
      };
      const argv = buildSshArgs(dest, opts);
      const where = JSON.stringify({ dest, opts, argv });
      assert.deepEqual(argv.slice(-4), ['--', dest, 'sh', '-s'], where);
      assert.equal(firstOperand(argv), argv.length - 3, `ssh would read something else as the destination: ${where}`);
      assert.ok(argv.includes('BatchMode=yes'), where);
      const ct = argv[argv.findIndex((a) => a.startsWith('ConnectTimeout='))];
      assert.match(ct ?? '', /^ConnectTimeout=[1-9]\d*$/, where);
      const joined = argv
        .slice(0, -4)
        .filter((a) => !extra.includes(a))
        .join(' ');
      assert.doesNotMatch(
        joined,
        /StrictHostKeyChecking|UserKnownHostsFile|GlobalKnownHostsFile|CheckHostIP|KnownHostsCommand|UpdateHostKeys/i,
        where,
      );
    }
  });
});

describe('nothing from a document reaches the host', () => {
  let dir = '';
  let fake: FakeSsh;
  const evil = [
    '$(touch /tmp/ldx-pwned-doc)',
    '`touch /tmp/ldx-pwned-doc`',
    '/dev/sdc;touch /tmp/ldx-pwned-doc',
    "/dev/sd'c",
    '/dev/sdc|id',
    '/dev/$(id -u)',
    '--',
    '-oProxyCommand=touch /tmp/ldx-pwned-doc',
    '/dev/disk/by-id/ldx-unique-token-7',
  ];
  // The evil paths, and one plain kernel name so that the fetched inventory shows in the findings.
  const doc = domainXml(
    [...evil, '/dev/sdc'].map((p, i) => blockDisk(p.replace(/&/g, '&amp;').replace(/'/g, '&apos;'), `vd${'bcdefghijk'[i]}`)).join('\n'),
  ).replace('<name>t</name>', '<name>ldx-unique-name-$(touch /tmp/ldx-pwned-doc)</name>');
  before(() => {
    dir = tmp('ldx-hard-doc-');
    fake = writeFakeSsh(dir, 'ssh-answer', { kind: 'answer', output: fixtureCollectorOutput('kvm-a') });
    writeFileSync(join(dir, 'evil.xml'), doc);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Every ssh run: argv ends in `-- DEST sh -s`, stdin is one of our two fixed read-only scripts, nothing of the document anywhere. */
  function checkRecorded(dest: string): void {
    const runs = fake.all();
    assert.ok(runs.length > 0);
    for (const { argv, stdin } of runs) {
      assert.deepEqual(argv.slice(-4), ['--', dest, 'sh', '-s'], JSON.stringify(argv));
      assert.equal(firstOperand(argv), argv.length - 3);
      assert.ok(
        stdin && (stdin.equals(Buffer.from(COLLECTOR_SCRIPT)) || stdin.equals(Buffer.from(SCHEMA_SCRIPT))),
        'stdin is exactly the collector (or the schema) script',
      );
      const all = `${argv.join('\0')}\0${stdin.toString()}`;
      for (const p of [...evil.filter((x) => x !== '--'), 'ldx-pwned-doc', 'ldx-unique'])
        assert.equal(all.includes(p), false, `${p} reached ssh`);
      assert.doesNotMatch(argv.join(' '), /StrictHostKeyChecking|UserKnownHostsFile/);
    }
    assert.ok(
      runs.some((r) => r.stdin?.equals(Buffer.from(COLLECTOR_SCRIPT))),
      'the collector ran',
    );
    assert.equal(existsSync('/tmp/ldx-pwned-doc'), false);
  }

  test('CLI --host: argv ends in `-- kvm-a sh -s`, stdin is the collector script, byte for byte', () => {
    const r = runCli(['--ssh', fake.path, '--host', 'kvm-a', '--format', 'json', join(dir, 'evil.xml')]);
    assert.equal(r.status, 1, r.stderr);
    assert.ok(
      JSON.parse(r.stdout).findings.some((f: { message: string }) => /3pardata0_12/.test(f.message)),
      'the document was linted against the answer',
    );
    checkRecorded('kvm-a');
  });

  test('server: the same with the document open in the editor', async () => {
    const before = fake.runs();
    // Its own schema cache: the server fetches the host's schema (a second ssh run) whatever this machine has cached.
    const s = new LspSession({
      initializationOptions: { hostAccess: true },
      settings: () => ({ hosts: ['kvm-a'], ssh: { path: fake.path } }),
      env: { ...process.env, XDG_CACHE_HOME: join(dir, 'cache') },
    });
    try {
      await s.initialize();
      const uri = pathToFileURL(join(dir, 'evil.xml')).toString();
      await s.open(uri, doc);
      await s.until('a fetch', () => fake.runs() > before || undefined);
      await s.until(
        'diagnostics using the fetched inventory',
        () => s.latest.get(uri)?.diagnostics.some((d) => /3pardata0_12/.test(String(d.message))) || undefined,
      );
      // The schema fetch may still be writing its stdin record: wait until every run has one.
      await s.until('every ssh run recorded its stdin', () => fake.all().every((r) => r.stdin) || undefined);
      checkRecorded('kvm-a');
    } finally {
      await s.stop();
    }
  });
});

describe('host access off: the server never starts ssh (nor the local collector)', () => {
  let dir = '';
  let fake: FakeSsh;
  let fakeSh: FakeSsh;
  let bin = '';
  before(() => {
    dir = tmp('ldx-hard-off-');
    fake = writeFakeSsh(dir, 'ssh-marker', { kind: 'answer', output: fixtureCollectorOutput('kvm-a') });
    // A `sh` first on the PATH that leaves a marker, then runs the real one: the `local` destination spawns `sh -s`.
    bin = join(dir, 'bin');
    mkdirSync(bin);
    fakeSh = writeFakeSsh(dir, 'sh-marker', { kind: 'fail', status: 0 });
    writeFileSync(join(bin, 'sh'), `#!/bin/sh\necho $$ >> '${fakeSh.marker}'\nexec /bin/sh "$@"\n`);
    chmodSync(join(bin, 'sh'), 0o755);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function session(hostAccess: unknown): Promise<number> {
    const settings = {
      hosts: { all: { hosts: ['kvm-a', 'kvm-b', 'local'], files: ['**/*'] } },
      ssh: { path: fake.path },
      inventoryMaxAgeMinutes: 1,
    };
    const s = new LspSession({
      initializationOptions: { hostAccess },
      settings: () => settings,
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    });
    try {
      await s.initialize();
      const uri = pathToFileURL(join(ROOT, 'host-access.xml')).toString();
      await s.open(uri, domainXml(blockDisk('/dev/sdc')));
      await s.until('diagnostics', () => s.latest.get(uri));
      await s.conn.sendRequest(RefreshInventoryRequest, { force: true });
      await s.conn.sendRequest(RefreshInventoryRequest, { uris: [uri], force: true });
      await s.conn.sendRequest(ChooseHostGroupRequest, { uri, group: 'all' });
      await s.conn.sendNotification('workspace/didChangeConfiguration', { settings: { libvirtDomain: settings } });
      await s.conn.sendRequest(HostInventoryRequest, { uri });
      if (hostAccess === true) {
        await s.until('ssh to run', () => fake.runs() > 0 || undefined);
        await s.until('the local collector to run', () => fakeSh.runs() > 0 || undefined);
      } else {
        // Let any fetch the requests could have started show up in the state reports.
        await s.conn.sendRequest(RefreshInventoryRequest, { force: true });
        const states = s.notificationsOf(InventoryStateNotification);
        assert.ok(states.length > 0);
        assert.ok(
          states.every((st) => st.hostAccess === false && st.hosts.every((h) => !h.fetching && !h.fetchedAt)),
          JSON.stringify(states.at(-1)),
        );
      }
    } finally {
      await s.stop();
    }
    return fake.runs() + fakeSh.runs();
  }

  test('hostAccess false (and "true" as a string, and missing): no marker after open, refresh, group choice and configuration change', async () => {
    for (const v of [false, 'true', undefined, 1]) {
      assert.equal(await session(v), 0, `hostAccess ${JSON.stringify(v)}`);
    }
  });

  test('control: with hostAccess true the same session runs both', async () => {
    assert.ok((await session(true)) >= 2);
  });
});

describe('cut off: timeouts, size bound, cancellation (fake ssh)', () => {
  let dir = '';
  const leftovers: number[] = [];
  before(() => {
    dir = tmp('ldx-hard-cut-');
  });
  after(() => {
    for (const pid of leftovers) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  test('a hang with a process that left the group holding stdout: the fetch still ends at the timeout, the group is killed', async () => {
    const fake = writeFakeSsh(dir, 'ssh-escaped', { kind: 'hang-escaped' });
    let pid: number | undefined;
    const t0 = Date.now();
    const fetching = fetchCollectorOutput('kvm-a', {
      sshPath: fake.path,
      timeoutMs: 1000,
      onSpawn: (_a, p) => {
        pid = p;
      },
    });
    await waitFor(() => fake.pids().length >= 3, { timeoutMs: 5000, what: 'the fake ssh to start its children' });
    const [, escaped, child] = fake.pids();
    leftovers.push(escaped);
    await assert.rejects(fetching, (e: unknown) => e instanceof InventoryError && e.kind === 'timed-out');
    const ms = Date.now() - t0;
    assert.ok(ms >= 1000 && ms < 4000, `${ms} ms`);
    await waitGroupDead(pid!, 5000);
    assert.ok(dead(child), 'the child in the group is gone');
    assert.equal(dead(escaped), false, 'the escaped process is outside the group (and is killed by this test)');
  });

  test('100 MB from the host: cut at the 8 MiB bound, killed, and this process does not hold the rest', async () => {
    const fake = writeFakeSsh(dir, 'ssh-flood', { kind: 'flood', bytes: 100_000_000 });
    let pid: number | undefined;
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const t0 = Date.now();
    await assert.rejects(
      fetchCollectorOutput('kvm-a', {
        sshPath: fake.path,
        maxBytes: 8 * 1024 * 1024,
        onSpawn: (_a, p) => {
          pid = p;
        },
      }),
      (e: unknown) => e instanceof InventoryError && e.kind === 'too-large' && /8\.0 MiB/.test(e.message),
    );
    const ms = Date.now() - t0;
    await waitGroupDead(pid!, 5000);
    const grew = (process.memoryUsage().rss - rssBefore) / 1e6;
    console.log(`# hardening: 100 MB flood cut at 8 MiB after ${ms} ms; RSS grew ${grew.toFixed(0)} MB`);
    assert.ok(grew < 60, `RSS grew by ${grew.toFixed(0)} MB`);
  });

  test('InventoryCache.cancel kills ssh mid-fetch; the state says cancelled; a second host keeps its fetch', async () => {
    const hang = writeFakeSsh(dir, 'ssh-hang', { kind: 'hang' });
    const answer = writeFakeSsh(dir, 'ssh-ok', { kind: 'answer', output: fixtureCollectorOutput('kvm-a') });
    const pids = new Map<string, number>();
    const cache = new InventoryCache({
      maxAgeMs: 60_000,
      fetch: async (host, signal) => {
        const { output } = await fetchCollectorOutput(host, {
          sshPath: host === 'slow' ? hang.path : answer.path,
          signal,
          timeoutMs: 30_000,
          onSpawn: (_a, p) => p && pids.set(host, p),
        });
        return snapshotFromCollectorOutput(host, output);
      },
    });
    const slow = cache.refresh('slow', true);
    const fast = cache.refresh('fast', true);
    await waitFor(() => hang.pids().length >= 2, { timeoutMs: 5000, what: 'the hanging fake ssh' });
    await fast;
    assert.ok(cache.current('fast'), 'the other host was fetched while one hangs');
    const t0 = Date.now();
    cache.cancel('slow');
    await slow;
    assert.ok(Date.now() - t0 < 3000);
    assert.equal(cache.state('slow').error?.kind, 'cancelled');
    await waitGroupDead(pids.get('slow')!, 5000);
    assert.ok(hang.pids().every(dead));
  });
});

describe('the server ends ssh it started', () => {
  let dir = '';
  let hang: FakeSsh;
  before(() => {
    dir = tmp('ldx-hard-srv-');
    hang = writeFakeSsh(dir, 'ssh-hang', { kind: 'hang' });
  });
  after(() => {
    for (const pid of hang.pids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  async function hangingSession(): Promise<{ s: LspSession; pids: number[] }> {
    const before = hang.pids().length;
    const s = new LspSession({
      initializationOptions: { hostAccess: true },
      settings: () => ({ hosts: ['kvm-slow'], ssh: { path: hang.path } }),
    });
    await s.initialize();
    await s.open(pathToFileURL(join(ROOT, 'hang.xml')).toString(), domainXml(blockDisk('/dev/sdc')));
    await waitFor(() => hang.pids().length >= before + 2, { timeoutMs: 10_000, what: 'the server to start the hanging ssh' });
    return { s, pids: hang.pids().slice(before) };
  }

  test('cancelling the progress (window/workDoneProgress/cancel) kills the ssh process group', async () => {
    const { s, pids } = await hangingSession();
    try {
      const token = await s.until('a progress token', () => s.progressTokens[0]);
      await s.conn.sendNotification('window/workDoneProgress/cancel', { token });
      await waitGroupDead(pids[0], 5000);
      assert.ok(pids.every(dead));
    } finally {
      await s.stop();
    }
  });

  test('shutdown/exit with a fetch under way kills the ssh process group', async () => {
    const { s, pids } = await hangingSession();
    await s.stop();
    await waitGroupDead(pids[0], 5000);
    assert.ok(pids.every(dead));
  });

  test('the editor going away (stdin closed) kills the ssh process group', async () => {
    const { s, pids } = await hangingSession();
    s.proc.stdin!.end();
    await s.until('the server to exit', () => s.exited || undefined, 10_000).catch(() => undefined);
    try {
      await waitGroupDead(pids[0], 5000);
      assert.ok(pids.every(dead));
    } finally {
      await s.stop();
    }
  });

  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    test(`${sig} to the server kills the ssh process group`, async () => {
      const { s, pids } = await hangingSession();
      s.proc.kill(sig);
      try {
        await s.until('the server to exit', () => s.exited || undefined, 5000);
        await waitGroupDead(pids[0], 2000);
        assert.ok(pids.every(dead));
      } finally {
        await s.stop();
      }
    });
  }

  test('Ctrl-C (SIGINT) to the CLI during a fetch kills the ssh process group', async () => {
    const before = hang.pids().length;
    const cli = spawn(process.execPath, [join(ROOT, 'dist/cli.js'), '--ssh', hang.path, '--host', 'kvm-slow', 'examples/domains'], {
      cwd: ROOT,
      stdio: 'ignore',
    });
    let exited = false;
    cli.on('exit', () => {
      exited = true;
    });
    try {
      await waitFor(() => hang.pids().length >= before + 2, { timeoutMs: 10_000, what: 'the CLI to start the hanging ssh' });
      const pids = hang.pids().slice(before);
      cli.kill('SIGINT');
      await waitFor(() => exited, { timeoutMs: 5000, what: 'the CLI to exit' });
      await waitGroupDead(pids[0], 2000);
      assert.ok(pids.every(dead));
    } finally {
      if (!exited) cli.kill('SIGKILL');
    }
  });
});

describe('real sshd (rig): a host sending 100 MB, a cancelled refresh', () => {
  let rig: Rig | undefined;
  let skip = '';
  before(async () => {
    const r = await startRigOrSkip({
      hosts: [
        { name: 'kvm-flood100', fixtureDir: hostFixture('rig-basic'), faults: [{ kind: 'flood', tool: 'lsblk', bytes: 100_000_000 }] },
        { name: 'kvm-hang', fixtureDir: hostFixture('rig-basic'), faults: [{ kind: 'hang', tool: 'vxdisk' }] },
      ],
    });
    if (typeof r === 'string') skip = r;
    else rig = r;
  });
  after(async () => rig?.stop());

  test('100 MB over ssh is cut at 8 MiB; ssh is killed', async (t) => {
    if (!rig) return t.skip(skip);
    let pid: number | undefined;
    const t0 = Date.now();
    await assert.rejects(
      fetchCollectorOutput('kvm-flood100', {
        sshConfigFile: rig.sshConfigPath,
        maxBytes: 8 * 1024 * 1024,
        onSpawn: (_a, p) => {
          pid = p;
        },
      }),
      (e: unknown) => e instanceof InventoryError && e.kind === 'too-large',
    );
    t.diagnostic(`cut after ${Date.now() - t0} ms`);
    await waitGroupDead(pid!, 5000);
  });

  test('InventoryCache over ssh: cancel() during a remote hang kills ssh; the remote tool is started once', async (t) => {
    if (!rig) return t.skip(skip);
    const host = rig.host('kvm-hang');
    const logBefore = host.readToolLog().length;
    let pid: number | undefined;
    const cache = new InventoryCache({
      maxAgeMs: 60_000,
      fetch: async (h, signal) =>
        snapshotFromCollectorOutput(
          h,
          (
            await fetchCollectorOutput(h, {
              sshConfigFile: rig!.sshConfigPath,
              signal,
              timeoutMs: 30_000,
              onSpawn: (_a, p) => {
                pid = p;
              },
            })
          ).output,
        ),
    });
    const refreshing = cache.refresh('kvm-hang', true);
    const again = cache.refresh('kvm-hang', true); // joins the same fetch
    await waitFor(
      () =>
        host
          .readToolLog()
          .slice(logBefore)
          .some((l) => l[0] === 'vxdisk'),
      { timeoutMs: 10_000, what: 'the hanging vxdisk' },
    );
    cache.cancel();
    await Promise.all([refreshing, again]);
    assert.equal(cache.state('kvm-hang').error?.kind, 'cancelled');
    await waitGroupDead(pid!, 5000);
    assert.equal(
      host
        .readToolLog()
        .slice(logBefore)
        .filter((l) => l[0] === 'vxdisk').length,
      1,
    );
  });
});
