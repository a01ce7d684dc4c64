// The collector script (collector.sh) and the splitter of its output (collectorOutput.ts):
// run locally under several shells, and through a real sshd against simulated hosts.
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCollectorOutput, splitCollectorOutput, type CollectorOutput } from '../server/src/inventory/collectorOutput';
import { COLLECTOR_SCRIPT, collectorScript, fetchCollectorOutput, runCollector } from '../server/src/inventory/transport';
import {
  COLLECTOR_INVOCATIONS,
  DEFAULT_LIBVIRT_VERSION,
  LSBLK_COLUMNS,
  LSBLK_OLD_INVOCATION,
  fixtureDomains,
  virshListOutput,
  VIRSH_ACTIVE_INVOCATION,
  VIRSH_DUMPXML_INVOCATION,
} from './rig/fakeHost';
import { hostFixture, repoRoot } from './rig/paths';
import { which } from './rig/prereq';
import { startRigOrSkip, type Rig } from './rig/sshRig';

const LSBLK_ARGS = COLLECTOR_INVOCATIONS.lsblk;

function sample(): string {
  return [
    '#LDI-COLLECTOR 1',
    '#LDI-BEGIN uname',
    'kvm-a',
    '',
    '#LDI-END uname rc=0',
    '#LDI-BEGIN empty',
    '',
    '#LDI-END empty rc=0',
    '#LDI-BEGIN nonl',
    'no trailing newline',
    '#LDI-END nonl rc=3',
    '#LDI-ERR nonl first error line',
    '#LDI-ERR nonl second',
    '#LDI-BEGIN tricky',
    '#LDI-END uname rc=0',
    '#LDI-DONE',
    '#LDI-BEGIN nested',
    '#LDI-END tricky rc=x',
    '#LDI-END tricky rc=0',
    '#LDI-ABSENT vxdmpadm vxdmpadm',
    '#LDI-BEGIN virsh-dumpxml db 01',
    '<domain/>',
    '',
    '#LDI-END virsh-dumpxml db 01 rc=1',
    '#LDI-ERR virsh-dumpxml db 01 error: failed to get domain',
    '#LDI-ABSENT vx-dmp-names /dev/vx/dmp',
    '#LDI-DONE',
    '',
  ].join('\n');
}

describe('splitCollectorOutput', () => {
  test('splits sections, bodies verbatim, rc, ERR and ABSENT lines', () => {
    const out = splitCollectorOutput(sample());
    assert.equal(out.version, 1);
    assert.equal(out.complete, true);
    assert.deepEqual([...out.sections.keys()], ['uname', 'empty', 'nonl', 'tricky', 'vxdmpadm', 'virsh-dumpxml db 01', 'vx-dmp-names']);
    assert.deepEqual(out.sections.get('uname'), { name: 'uname', body: 'kvm-a\n', rc: 0, stderr: [] });
    assert.deepEqual(out.sections.get('empty'), { name: 'empty', body: '', rc: 0, stderr: [] });
    assert.deepEqual(out.sections.get('nonl'), {
      name: 'nonl',
      body: 'no trailing newline',
      rc: 3,
      stderr: ['first error line', 'second'],
    });
    // Marker-like lines inside a body are body text unless they repeat "#LDI-END <same name> rc=".
    assert.equal(out.sections.get('tricky')!.body, '#LDI-END uname rc=0\n#LDI-DONE\n#LDI-BEGIN nested\n#LDI-END tricky rc=x');
    assert.equal(out.sections.get('tricky')!.rc, 0);
    assert.deepEqual(out.sections.get('vxdmpadm'), { name: 'vxdmpadm', body: '', rc: null, stderr: [], absent: 'vxdmpadm' });
    assert.deepEqual(out.sections.get('virsh-dumpxml db 01'), {
      name: 'virsh-dumpxml db 01',
      body: '<domain/>\n',
      rc: 1,
      stderr: ['error: failed to get domain'],
    });
    assert.equal(out.sections.get('vx-dmp-names')!.absent, '/dev/vx/dmp');
  });

  test('a stream cut anywhere gives complete:false and only whole sections, never an exception', () => {
    const full = sample();
    const whole = splitCollectorOutput(full);
    const doneAt = full.lastIndexOf('#LDI-DONE') + '#LDI-DONE'.length;
    for (let cut = 0; cut < full.length; cut++) {
      const out = splitCollectorOutput(full.slice(0, cut));
      assert.equal(out.complete, cut >= doneAt, `cut at ${cut}`);
      for (const [name, s] of out.sections) {
        const w = whole.sections.get(name)!;
        assert.equal(s.body, w.body, `cut at ${cut}, ${name}`);
        assert.equal(s.rc, w.rc, `cut at ${cut}, ${name}`);
        assert.deepEqual(s.stderr, w.stderr.slice(0, s.stderr.length), `cut at ${cut}, ${name}`);
      }
    }
  });

  test('garbage, noise before the header, CRLF', () => {
    for (const g of ['', 'hello', '\n\n\n', '#LDI-BEGIN x\n', '#LDI-COLLECTOR x\n#LDI-DONE\n', '\u0000\uffff#LDI-', '#LDI-COLLECTOR']) {
      const out = splitCollectorOutput(g);
      assert.equal(out.complete, false, JSON.stringify(g));
    }
    let seed = 42;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pieces = [
      '#LDI-BEGIN a\n',
      '#LDI-END a rc=0\n',
      '\n',
      '#LDI-ERR a x\n',
      '#LDI-ABSENT b c\n',
      '#LDI-DONE\n',
      'zz',
      '\r\n',
      '#LDI-COLLECTOR 1\n',
    ];
    for (let i = 0; i < 2000; i++) {
      let s = '';
      for (let j = 0; j < 12; j++) s += pieces[Math.floor(rnd() * pieces.length)];
      splitCollectorOutput(s); // must not throw
    }
    const noisy = `Welcome to kvm-a\nlast login: never\n${sample()}`;
    assert.equal(isCollectorOutput(noisy), false);
    assert.deepEqual(splitCollectorOutput(noisy), splitCollectorOutput(sample()));

    const crlf = splitCollectorOutput(sample().replace(/\n/g, '\r\n'));
    assert.equal(crlf.complete, true);
    assert.equal(crlf.sections.get('uname')!.body, 'kvm-a\r\n');
    assert.equal(crlf.sections.get('nonl')!.body, 'no trailing newline');
    assert.deepEqual(crlf.sections.get('nonl')!.stderr, ['first error line', 'second']);
  });

  test('isCollectorOutput', () => {
    assert.equal(isCollectorOutput(sample()), true);
    assert.equal(isCollectorOutput(`\ufeff${sample()}`), true);
    assert.equal(isCollectorOutput('{"blockdevices": []}'), false);
    assert.equal(isCollectorOutput(''), false);
  });

  test('linear time: a 100 MB body, and 1M section openings without an end', () => {
    const payload = '{"name": "sdzz", "size": 1}\n'.repeat(Math.ceil(100e6 / 28));
    const big = `#LDI-COLLECTOR 1\n#LDI-BEGIN lsblk\n${payload}\n#LDI-END lsblk rc=0\n#LDI-DONE\n`;
    let t0 = Date.now();
    const out = splitCollectorOutput(big);
    const bigMs = Date.now() - t0;
    assert.equal(out.complete, true);
    assert.ok(out.sections.get('lsblk')!.body === payload, 'the 100 MB body comes back whole');
    assert.ok(bigMs < 3000, `100 MB took ${bigMs} ms`);

    const opens = `#LDI-COLLECTOR 1\n${'#LDI-BEGIN x\n'.repeat(1_000_000)}`;
    t0 = Date.now();
    assert.equal(splitCollectorOutput(opens).complete, false);
    const garbage = `#LDI-COLLECTOR 1\n${'#LDI-ERR nope x\n#LDI-ABSENT a b\n'.repeat(500_000)}`;
    assert.equal(splitCollectorOutput(garbage).sections.size, 1);
    const pathoMs = Date.now() - t0;
    assert.ok(pathoMs < 3000, `pathological inputs took ${pathoMs} ms`);
    console.log(`# split: 100 MB body in ${bigMs} ms; 29 MB of pathological lines in ${pathoMs} ms`);
  });
});

describe('collector.sh, run locally', () => {
  const runShell = (cmd: string, args: string[], input: string) => {
    const r = spawnSync(cmd, args, { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    assert.equal(r.error, undefined, `${cmd}: ${r.error}`);
    assert.equal(r.status, 0, `${cmd} exited ${r.status}: ${r.stderr}`);
    return r;
  };

  test('is read-only by construction: no output redirection except to /dev/null or between fds', () => {
    const code = COLLECTOR_SCRIPT.split('\n')
      .filter((l) => !/^\s*#/.test(l))
      .join('\n');
    const redirections = [...code.matchAll(/\d*>>?(&\d*-?|\s*[^\s;|&)]*)/g)].map((m) => m[0]);
    for (const r of redirections) assert.match(r, /^\d*>(&\d*-?|\s*\/dev\/null)$/, `redirection ${r}`);
    for (const word of [
      'rm ',
      'mktemp',
      'tee ',
      'mkdir',
      'touch ',
      'dd ',
      'chmod',
      'mv ',
      'cp ',
      'ln ',
      'sed -i',
      'virsh -c',
      'vxdisk init',
      'vxdmpadm set',
    ]) {
      assert.equal(code.includes(word), false, `script mentions "${word}"`);
    }
    assert.ok(COLLECTOR_SCRIPT.startsWith('# Libvirt Domain XML inventory collector'));
    assert.match(COLLECTOR_SCRIPT.slice(0, 400), /READ-ONLY/);
  });

  test('shellcheck -s sh finds nothing (when shellcheck is installed)', (t: TestContext) => {
    if (!which('shellcheck')) {
      if (process.env.CI) assert.fail('shellcheck is not installed (scripts/setup-test-tools.sh installs it)');
      return t.skip('shellcheck is not installed');
    }
    const r = spawnSync('shellcheck', ['-s', 'sh', '-'], { input: COLLECTOR_SCRIPT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  test('dest "local" runs it under sh (dash here): complete, lsblk verbatim, absent tools', async () => {
    const { raw, output } = await fetchCollectorOutput('local');
    assert.equal(raw.exitCode, 0, raw.stderr);
    assert.equal(raw.stderr, '');
    assert.equal(output.version, 1);
    assert.equal(output.complete, true);
    assert.deepEqual(output.sections.get('uname'), { name: 'uname', body: `${hostname()}\n`, rc: 0, stderr: [] });
    const lsblk = output.sections.get('lsblk')!;
    assert.equal(lsblk.rc, 0);
    const direct = spawnSync('lsblk', LSBLK_ARGS, { encoding: 'utf8' });
    assert.equal(lsblk.body, direct.stdout, "the lsblk body is lsblk's stdout, byte for byte");
    assert.ok(Array.isArray(JSON.parse(lsblk.body).blockdevices));
    const links = output.sections.get('links')!;
    assert.equal(links.rc, 0);
    for (const line of links.body.split('\n').filter((l) => l)) assert.match(line, /^\/dev\/(disk|mapper)\/[^\t]+\t[^\t]+$/);
    const devLinks = output.sections.get('dev-links')!;
    assert.equal(devLinks.rc, 0);
    for (const line of devLinks.body.split('\n').filter((l) => l))
      assert.doesNotMatch(line, /^\/dev\/(disk|mapper|vx|fd|std|char|block)\//);
    // On a machine without InfoScale and libvirt (like this one) those show as absent.
    for (const [name, tool] of [
      ['vxdmpadm', 'vxdmpadm'],
      ['vxdisk', 'vxdisk'],
      ['vxdctl', 'vxdctl'],
      ['virsh-list', 'virsh'],
    ]) {
      if (which(tool)) continue;
      assert.equal(output.sections.get(name)?.absent, tool, name);
    }
  });

  test("same output under dash, bash --posix and busybox sh; nothing reads the script's stdin", (t: TestContext) => {
    const trailer = 'echo AFTER-THE-SCRIPT\n';
    // libvirt's test driver (built into virsh, no daemon): where virsh is installed its sections are
    // compared too, and domains that other test files define on the real daemon meanwhile cannot make
    // the three runs differ.
    const script = collectorScript({ libvirtUri: 'test:///default' });
    const dash = runShell('dash', ['-s'], script + trailer).stdout;
    assert.ok(dash.endsWith('#LDI-DONE\nAFTER-THE-SCRIPT\n'), 'the shell read on past the script: no command swallowed its stdin');
    const out = splitCollectorOutput(dash);
    assert.equal(out.complete, true);
    const bash = runShell('bash', ['--posix', '-s'], script + trailer).stdout;
    assert.equal(bash, dash, 'bash --posix and dash print the same');
    if (which('busybox')) {
      const bb = runShell('busybox', ['sh', '-s'], script + trailer).stdout;
      assert.equal(bb, dash, 'busybox sh and dash print the same');
    } else {
      if (process.env.CI) assert.fail('busybox is not installed (scripts/setup-test-tools.sh installs it)');
      t.diagnostic('busybox not installed: that shell is not compared');
    }
  });

  test('runCollector("local") reports the argv and the pid, and the process is gone after', async () => {
    let seen: { argv: string[]; pid?: number } | undefined;
    const raw = await runCollector('local', {
      onSpawn: (argv, pid) => {
        seen = { argv, pid };
      },
    });
    assert.deepEqual(seen?.argv, ['sh', '-s']);
    assert.equal(raw.pid, seen?.pid);
    assert.equal(raw.stoppedBy, null);
    assert.ok(isCollectorOutput(raw.stdout));
  });
});

describe('collector.sh through a real sshd, on simulated hosts', () => {
  let rig: Rig | undefined;
  let skip = '';
  let bareDir = '';
  const basic = hostFixture('rig-basic');
  const bareLsblk =
    '{\n   "blockdevices": [\n      {"name": "vda", "kname": "vda", "path": "/dev/vda", "type": "disk", "size": 1}\n   ]\n}';

  const examplesDir = join(repoRoot(), 'examples', 'hosts');
  const examples = existsSync(examplesDir)
    ? readdirSync(examplesDir).filter((n) => existsSync(join(examplesDir, n, 'lsblk.json')) && /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(n))
    : [];

  before(async () => {
    bareDir = mkdtempSync(join(tmpdir(), 'ldi-bare-fixture-'));
    writeFileSync(join(bareDir, 'lsblk.json'), bareLsblk); // no trailing newline, on purpose
    const t0 = Date.now();
    const r = await startRigOrSkip({
      hosts: [
        { name: 'kvm-basic', fixtureDir: basic },
        { name: 'kvm-bare', fixtureDir: bareDir },
        { name: 'kvm-old', fixtureDir: basic, faults: [{ kind: 'old-lsblk' }] },
        ...examples.map((n) => ({ name: `example-${n}`, fixtureDir: join(examplesDir, n) })),
      ],
    });
    if (typeof r === 'string') skip = r;
    else {
      rig = r;
      console.log(`# rig with ${r.hosts.length} hosts up in ${Date.now() - t0} ms`);
    }
  });
  after(async () => {
    await rig?.stop();
    if (bareDir) rmSync(bareDir, { recursive: true, force: true });
  });

  const fetch = (dest: string) => fetchCollectorOutput(dest, { sshConfigFile: rig!.sshConfigPath, timeoutMs: 20_000 });
  const fixtureText = (file: string) => readFileSync(join(basic, file), 'utf8');
  const sortedLines = (s: string) =>
    s
      .split('\n')
      .filter((l) => l)
      .sort();

  test('a full host: every fixture file comes back byte for byte; only read-only invocations', async (t) => {
    if (!rig) return t.skip(skip);
    const { raw, output } = await fetch('kvm-basic');
    t.diagnostic(`fetch round trip ${raw.durationMs} ms`);
    assert.equal(raw.exitCode, 0, raw.stderr);
    assert.equal(output.complete, true);
    const domains = fixtureDomains(basic)!;
    assert.deepEqual(domains, ['db 01', 'web01']);
    assert.deepEqual(
      [...output.sections.keys()],
      [
        'uname',
        'lsblk',
        'links',
        'dev-links',
        'udev-rules',
        'scsi-hosts',
        'vx-dmp-names',
        'vx-dsk-names',
        'vxdmpadm',
        'vxdisk',
        'vxdctl',
        'vxsnap appdg',
        'vxprint appdg',
        'vxsnap fencedg',
        'vxprint fencedg',
        'libvirt-uri',
        'libvirt-version',
        'virsh-list',
        ...domains.map((d) => `virsh-dumpxml ${d}`),
        'virsh-list-active',
        'pool-list',
        'pool-list-inactive',
      ],
    );
    // This fixture has no udev rules, no SCSI hosts, and no vxsnap or vxprint (asked for each disk group under /dev/vx/dsk).
    assert.equal(output.sections.get('udev-rules')!.absent, '/etc/udev/rules.d');
    assert.equal(output.sections.get('scsi-hosts')!.absent, '/sys/class/scsi_host');
    const perGroup = ['appdg', 'fencedg'].flatMap((dg) => [`vxsnap ${dg}`, `vxprint ${dg}`]);
    for (const name of perGroup) assert.equal(output.sections.get(name)!.absent, name.split(' ')[0], name);
    for (const s of output.sections.values()) {
      if (['udev-rules', 'scsi-hosts', ...perGroup].includes(s.name)) continue;
      assert.equal(s.rc, 0, `${s.name}: ${s.stderr.join(' | ')}`);
      assert.deepEqual(s.stderr, [], s.name);
      assert.equal(s.absent, undefined, s.name);
    }
    const body = (name: string) => output.sections.get(name)!.body;
    assert.equal(body('uname'), 'kvm-basic\n');
    assert.equal(body('lsblk'), fixtureText('lsblk.json'));
    assert.deepEqual(sortedLines(body('links')), sortedLines(fixtureText('links.tsv')));
    assert.equal(
      body('links')
        .split('\n')
        .filter((l) => l).length,
      fixtureText('links.tsv')
        .split('\n')
        .filter((l) => l).length,
    );
    assert.equal(body('vx-dmp-names'), fixtureText('vx-dmp-names.txt'));
    assert.equal(body('vx-dsk-names'), fixtureText('vx-dsk-names.txt'));
    assert.equal(body('vxdmpadm'), fixtureText('vxdmpadm.txt'));
    assert.equal(body('vxdisk'), fixtureText('vxdisk.txt'));
    assert.equal(body('vxdctl'), fixtureText('vxdctl.txt'));
    assert.equal(body('libvirt-version'), `${DEFAULT_LIBVIRT_VERSION}\n`);
    assert.equal(body('virsh-list'), virshListOutput(domains));
    for (const d of domains) assert.equal(body(`virsh-dumpxml ${d}`), fixtureText(`domains/${d}.xml`));
    assert.equal(body('virsh-list-active'), virshListOutput([]), 'no domains-running.txt: none running');

    assert.deepEqual(rig.host('kvm-basic').readToolLog(), [
      ['lsblk', ...LSBLK_ARGS],
      ['vxdmpadm', ...COLLECTOR_INVOCATIONS.vxdmpadm],
      ['vxdisk', ...COLLECTOR_INVOCATIONS.vxdisk],
      ['vxdctl', ...COLLECTOR_INVOCATIONS.vxdctl],
      ['virsh', '--version'],
      ['virsh', ...COLLECTOR_INVOCATIONS.virsh],
      ...domains.map((d) => ['virsh', ...VIRSH_DUMPXML_INVOCATION, d]),
      ['virsh', ...VIRSH_ACTIVE_INVOCATION],
      ['virsh', '-c', 'qemu:///system', '-r', 'pool-list', '--name'],
      ['virsh', '-c', 'qemu:///system', '-r', 'pool-list', '--inactive', '--name'],
    ]);
  });

  test('a bare host: absent tools and directories, an lsblk body without its final newline', async (t) => {
    if (!rig) return t.skip(skip);
    const { output } = await fetch('kvm-bare');
    assert.equal(output.complete, true);
    assert.equal(output.sections.get('uname')!.body, 'kvm-bare\n');
    assert.equal(output.sections.get('lsblk')!.body, bareLsblk);
    assert.deepEqual(output.sections.get('links'), { name: 'links', body: '', rc: 0, stderr: [] });
    assert.deepEqual(output.sections.get('dev-links'), { name: 'dev-links', body: '', rc: 0, stderr: [] });
    assert.deepEqual(
      [...output.sections.values()].filter((s) => s.absent !== undefined).map((s) => [s.name, s.absent]),
      [
        ['udev-rules', '/etc/udev/rules.d'],
        ['scsi-hosts', '/sys/class/scsi_host'],
        ['vx-dmp-names', '/dev/vx/dmp'],
        ['vx-dsk-names', '/dev/vx/dsk'],
        ['vxdmpadm', 'vxdmpadm'],
        ['vxdisk', 'vxdisk'],
        ['vxdctl', 'vxdctl'],
        ['virsh-list', 'virsh'],
      ],
    );
    assert.deepEqual(rig.host('kvm-bare').readToolLog(), [['lsblk', ...LSBLK_ARGS]]);
  });

  test('util-linux < 2.37: lsblk is retried with MOUNTPOINT, and only the retry is printed', async (t) => {
    if (!rig) return t.skip(skip);
    const { raw, output } = await fetch('kvm-old');
    assert.equal(output.complete, true);
    assert.deepEqual(output.sections.get('lsblk'), { name: 'lsblk', body: fixtureText('lsblk.json'), rc: 0, stderr: [] });
    assert.equal(raw.stdout.split('#LDI-BEGIN lsblk\n').length, 2, 'one lsblk section');
    assert.equal(raw.stdout.includes('unknown column'), false);
    const log = rig.host('kvm-old').readToolLog();
    assert.deepEqual(log.slice(0, 2), [
      ['lsblk', ...LSBLK_ARGS],
      ['lsblk', ...LSBLK_OLD_INVOCATION],
    ]);
    assert.equal(LSBLK_OLD_INVOCATION[3], `${LSBLK_COLUMNS},MOUNTPOINT`);
  });

  test('the bundled example hosts (examples/hosts/*) follow the fixture layout and come back whole', async (t) => {
    if (!rig) return t.skip(skip);
    if (!examples.length) return t.skip('no example hosts');
    for (const n of examples) {
      const dir = join(examplesDir, n);
      const { output } = await fetch(`example-${n}`);
      assert.equal(output.complete, true, n);
      for (const s of output.sections.values())
        assert.ok(s.absent !== undefined || s.rc === 0, `${n} ${s.name}: rc ${s.rc} ${s.stderr.join(' | ')}`);
      assert.equal(output.sections.get('lsblk')!.body, readFileSync(join(dir, 'lsblk.json'), 'utf8'), n);
      const files: [string, string][] = [
        ['vxdmpadm', 'vxdmpadm.txt'],
        ['vxdisk', 'vxdisk.txt'],
        ['vxdctl', 'vxdctl.txt'],
      ];
      for (const [section, file] of files) {
        if (existsSync(join(dir, file)))
          assert.equal(output.sections.get(section)!.body, readFileSync(join(dir, file), 'utf8'), `${n} ${file}`);
        else assert.equal(output.sections.get(section)!.absent, section, `${n} ${section}`);
      }
      for (const [section, file] of [
        ['dev-links', 'dev-links.tsv'],
        ['scsi-hosts', 'scsi-hosts.tsv'],
      ]) {
        if (existsSync(join(dir, file)))
          assert.deepEqual(
            sortedLines(output.sections.get(section)!.body),
            sortedLines(readFileSync(join(dir, file), 'utf8')),
            `${n} ${file}`,
          );
      }
      const rules = join(dir, 'udev-rules');
      for (const f of existsSync(rules) ? readdirSync(rules) : []) {
        assert.equal(output.sections.get(`udev-rule /etc/udev/rules.d/${f}`)!.body, readFileSync(join(rules, f), 'utf8'), `${n} ${f}`);
      }
      const pools = join(dir, 'pools');
      for (const f of existsSync(pools) ? readdirSync(pools) : []) {
        const section = f.endsWith('.xml') ? `pool-dumpxml ${f.slice(0, -4)}` : `pool-vols ${f.slice(0, -5)}`;
        assert.equal(output.sections.get(section)!.body, readFileSync(join(pools, f), 'utf8'), `${n} ${f}`);
      }
      if (existsSync(join(dir, 'links.tsv'))) {
        assert.deepEqual(
          sortedLines(output.sections.get('links')!.body),
          sortedLines(readFileSync(join(dir, 'links.tsv'), 'utf8')),
          `${n} links`,
        );
      }
      for (const d of fixtureDomains(dir) ?? []) {
        assert.equal(output.sections.get(`virsh-dumpxml ${d}`)!.body, readFileSync(join(dir, 'domains', `${d}.xml`), 'utf8'), `${n} ${d}`);
      }
    }
  });

  test('eight fetches at once from one sshd all complete', async (t) => {
    if (!rig) return t.skip(skip);
    const t0 = Date.now();
    const results: CollectorOutput[] = (await Promise.all(Array.from({ length: 8 }, () => fetch('kvm-basic')))).map((r) => r.output);
    t.diagnostic(`8 parallel fetches in ${Date.now() - t0} ms`);
    for (const o of results) {
      assert.equal(o.complete, true);
      assert.equal(o.sections.get('vxdmpadm')!.body, fixtureText('vxdmpadm.txt'));
    }
  });
});
