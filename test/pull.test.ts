/**
 * `libvirt-domain-lint pull` against a real libvirt daemon (test/rig/libvirtd.ts) through the rig's
 * real sshd, whose host keeps the real virsh: the files are byte for byte what
 * `virsh dumpxml --inactive` prints, unknown names fail with one line, hostile names are never
 * evaluated by a shell on either side and land in safe file names. The running state (a VM cannot be
 * started here) is checked with the fake virsh.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { domainFileName } from '../server/src/cli/pull';
import { validateSnapshot, type HostDomain } from '../server/src/inventory/snapshot';
import {
  defineTestDomain,
  dumpxmlInactive,
  ensureLibvirtdOrSkip,
  undefineTestDomains,
  uniqueDomainName,
  virshSystem,
  type Libvirtd,
  type TestDomain,
} from './rig/libvirtd';
import { hostFixture } from './rig/paths';
import { Rig, startRigOrSkip } from './rig/sshRig';
import { runCli } from './support/cli';

const BARE_LSBLK = '{"blockdevices": [{"name": "vda", "kname": "vda", "path": "/dev/vda", "type": "disk", "size": 1}]}\n';

/** Files of a directory, sorted. */
const filesIn = (dir: string) => readdirSync(dir).sort();

describe('domainFileName', () => {
  test('plain names are NAME.xml; separators, %, controls, a leading . or - are %XX; never a path', () => {
    assert.deepEqual(domainFileName('web01'), { file: 'web01.xml', encoded: false });
    assert.deepEqual(domainFileName('db 01'), { file: 'db 01.xml', encoded: false });
    assert.deepEqual(domainFileName('$(touch x);`y`'), { file: '$(touch x);`y`.xml', encoded: false });
    assert.deepEqual(domainFileName('a/b'), { file: 'a%2Fb.xml', encoded: true });
    assert.deepEqual(domainFileName('..'), { file: '%2E..xml', encoded: true });
    assert.deepEqual(domainFileName('../../etc/passwd'), { file: '%2E.%2F..%2Fetc%2Fpasswd.xml', encoded: true });
    assert.deepEqual(domainFileName('.hidden'), { file: '%2Ehidden.xml', encoded: true });
    assert.deepEqual(domainFileName('-rf'), { file: '%2Drf.xml', encoded: true });
    assert.deepEqual(domainFileName('a\\b'), { file: 'a%5Cb.xml', encoded: true });
    assert.deepEqual(domainFileName('tab\there\n'), { file: 'tab%09here%0A.xml', encoded: true });
    assert.deepEqual(domainFileName('100%'), { file: '100%25.xml', encoded: true });
    assert.deepEqual(domainFileName('rtl\u202egnp'), { file: 'rtl%E2%80%AEgnp.xml', encoded: true });
    assert.deepEqual(domainFileName('émoji-✓'), { file: 'émoji-✓.xml', encoded: false });
    // One-to-one: the escape character is itself escaped.
    assert.notEqual(domainFileName('a/b').file, domainFileName('a%2Fb').file);
    for (const n of ['..', '.', '/', '-', 'a/../../b', '\u0000', '.%2F']) {
      const f = domainFileName(n).file;
      assert.ok(!f.includes('/') && !f.startsWith('.') && !f.startsWith('-'), `${JSON.stringify(n)} -> ${f}`);
    }
  });
});

describe('pull from a real libvirt daemon over ssh (rig host with the real virsh)', () => {
  let daemon: Libvirtd | undefined;
  let rig: Rig | undefined;
  let skip = '';
  let fixture = '';
  let work = '';
  const id = `${process.pid}-${randomBytes(3).toString('hex')}`;
  /** Every place a shell that evaluated a hostile name would have created its marker. */
  const marker = `ldi-pwned-${id}`;
  const markerPlaces = () => ['/tmp', '/root', '/', process.cwd(), work].map((d) => join(d, marker));
  let plain: TestDomain;
  let hostile: TestDomain[] = [];

  before(async () => {
    const d = await ensureLibvirtdOrSkip();
    if (typeof d === 'string') {
      skip = d;
      return;
    }
    daemon = d;
    console.log(`# libvirtd ${d.startedHere ? `started in ${d.startMs} ms` : 'was running'} (pid ${d.pid})`);
    fixture = mkdtempSync(join(tmpdir(), 'ldi-pull-fixture-'));
    writeFileSync(join(fixture, 'lsblk.json'), BARE_LSBLK);
    work = mkdtempSync(join(tmpdir(), 'ldi-pull-'));
    const r = await startRigOrSkip({ hosts: [{ name: 'kvm-real', fixtureDir: fixture, realVirsh: true }] });
    if (typeof r === 'string') {
      skip = r;
      return;
    }
    rig = r;
    plain = defineTestDomain({ tag: 'pull', disks: [{ source: '/dev/vx/dmp/ldi_pull_0', target: 'vda' }] });
    hostile = [
      // Command substitution, backquotes and ";": evaluated anywhere, they would create the marker.
      `ldi-test-$(touch ${marker});touch ${marker};\`touch ${marker}\`-${id}`,
      // The same with an absolute path, spelled without "/" (libvirt refuses "/" in names).
      `ldi-test-$(touch $(printf \\\\057tmp\\\\057${marker}))-${id}`,
      // Read as an option by virsh (or anything else) when not after "--".
      `-ldi-test-dash-${id}`,
      // A hidden file, if written as it is.
      `.ldi-test-dot-${id}`,
    ].map((name) => defineTestDomain({ name }));
  });
  after(async () => {
    try {
      undefineTestDomains();
    } finally {
      if (work) for (const p of markerPlaces()) rmSync(p, { force: true });
      await rig?.stop();
      for (const d of [fixture, work]) if (d) rmSync(d, { recursive: true, force: true });
    }
  });

  const pull = (args: string[], cwd = work) => runCli(['pull', '--host', 'kvm-real', '--ssh-config', rig!.sshConfigPath, ...args], cwd);
  const outDir = () => mkdtempSync(join(work, 'out-'));

  test('pull NAME writes exactly what virsh dumpxml --inactive prints, and says where', (t) => {
    if (!rig) return t.skip(skip);
    const out = outDir();
    const r = pull(['--out', out, plain.name]);
    assert.equal(r.status, 0, r.stderr);
    const file = join(out, `${plain.name}.xml`);
    assert.equal(r.stdout, `${file}\n`);
    assert.equal(r.stderr, '');
    assert.deepEqual(filesIn(out), [`${plain.name}.xml`]);
    const expected = dumpxmlInactive(plain.uuid);
    assert.ok(readFileSync(file).equals(Buffer.from(expected, 'utf8')), 'the file is what virsh dumpxml --inactive printed, byte for byte');
    // libvirt's own text (it added what the defined file lacked), not the file given to define.
    assert.notEqual(expected, plain.definedXml);
    assert.match(expected, new RegExp(`<uuid>${plain.uuid}</uuid>`));
    assert.ok(expected.endsWith('</domain>\n\n'), 'virsh prints the definition and one empty line: both kept');
  });

  test('pull without NAME writes every domain, into the current directory by default', (t) => {
    if (!rig) return t.skip(skip);
    const cwd = outDir();
    const r = pull([], cwd);
    // Other test files define and undefine their own domains on this daemon at the same time: one
    // that was undefined between the collector's list and its dumpxml cannot be read (exit 2). Ours are
    // all there until the after hook.
    const ours = [plain, ...hostile].map((d) => d.name);
    const errors = r.stderr.split('\n').filter((l) => / could not be read /.test(l));
    assert.ok(
      r.status === 0 || (r.status === 2 && errors.length > 0 && errors.every((l) => !ours.some((n) => l.includes(` ${n} `)))),
      r.stderr,
    );
    const files = filesIn(cwd);
    for (const d of [plain, ...hostile]) {
      const f = domainFileName(d.name).file;
      assert.ok(files.includes(f), `${f} in ${files.join(', ')}`);
      assert.equal(readFileSync(join(cwd, f), 'utf8'), dumpxmlInactive(d.uuid), d.name);
    }
    // One line per file written, each a path in that directory (relative to it: --out defaults to ".").
    assert.deepEqual(r.stdout.trim().split('\n').sort(), files.map((f) => join('.', f)).sort());
  });

  test('the inventory of that host has each domain with its UUID, state and definition', (t) => {
    if (!rig) return t.skip(skip);
    const snap = join(outDir(), 'snap.json');
    const r = runCli(['inventory', '--host', 'kvm-real', '--ssh-config', rig.sshConfigPath, '--out', snap], work);
    assert.equal(r.status, 0, r.stderr);
    const domains = validateSnapshot(JSON.parse(readFileSync(snap, 'utf8')), snap).domains!;
    const mine = domains.find((x) => x.name === plain.name) as HostDomain;
    assert.deepEqual(
      { ...mine, xml: undefined },
      {
        name: plain.name,
        uuid: plain.uuid,
        state: 'shut off',
        disks: [{ source: '/dev/vx/dmp/ldi_pull_0', shareable: false, target: 'vda' }],
        xml: undefined,
      },
    );
    assert.equal(mine.xml, dumpxmlInactive(plain.uuid));
  });

  test('the non-root login (member of the libvirt-like group) pulls the same bytes', (t) => {
    if (!rig) return t.skip(skip);
    if (!daemon!.groupAccess) {
      // Someone started the daemon without the tests' configuration: its sockets need polkit.
      if (process.env.CI)
        assert.fail('the running libvirtd was not started by test/rig/libvirtd.ts (its socket is not group ldi-libvirt 0770)');
      return t.skip('libvirtd was started without the tests configuration');
    }
    const out = outDir();
    const r = runCli(
      ['pull', '--host', rig.host('kvm-real').aliases.nonRoot, '--ssh-config', rig.sshConfigPath, '--out', out, plain.name],
      work,
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readFileSync(join(out, `${plain.name}.xml`), 'utf8'), dumpxmlInactive(plain.uuid));
  });

  test('a NAME the host does not have: exit 1, one line naming it, nothing written', (t) => {
    if (!rig) return t.skip(skip);
    const out = outDir();
    const nosuch = uniqueDomainName('nosuch');
    const r = pull(['--out', out, nosuch]);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, `libvirt-domain-lint: kvm-real has no domain ${nosuch}\n`);
    assert.equal(r.stdout, '');
    // With a name it has: still nothing written.
    const both = pull(['--out', out, plain.name, nosuch]);
    assert.equal(both.status, 1);
    assert.equal(both.stderr, `libvirt-domain-lint: kvm-real has no domain ${nosuch}\n`);
    assert.deepEqual(filesIn(out), []);
    // Names are compared exactly (no trimming, no case folding, no pattern).
    const near = pull(['--out', out, plain.name.toUpperCase(), `${plain.name} `, 'ldi-test-*']);
    assert.equal(near.status, 1);
    assert.equal(near.stderr.trim().split('\n').length, 3, near.stderr);
  });

  test('hostile names: never evaluated by a shell on either side, written to safe file names, bytes intact', (t) => {
    if (!rig) return t.skip(skip);
    // libvirt took them as they are.
    const listed = virshSystem(['list', '--all', '--name']).stdout.split('\n');
    for (const d of hostile) assert.ok(listed.includes(d.name), `${d.name} is defined`);
    const out = outDir();
    const r = pull(['--out', out, '--', ...hostile.map((d) => d.name)]);
    for (const p of markerPlaces()) assert.equal(existsSync(p), false, `${p} was created: a shell evaluated a domain name`);
    assert.equal(r.status, 0, r.stderr);
    const expectedFiles = [
      `ldi-test-$(touch ${marker});touch ${marker};\`touch ${marker}\`-${id}.xml`,
      `ldi-test-$(touch $(printf %5C%5C057tmp%5C%5C057${marker}))-${id}.xml`,
      `%2Dldi-test-dash-${id}.xml`,
      `%2Eldi-test-dot-${id}.xml`,
    ];
    assert.deepEqual(
      hostile.map((d) => domainFileName(d.name).file),
      expectedFiles,
    );
    assert.deepEqual(filesIn(out), [...expectedFiles].sort());
    for (const d of hostile) {
      assert.equal(readFileSync(join(out, domainFileName(d.name).file), 'utf8'), dumpxmlInactive(d.uuid), d.name);
    }
    // The three encoded names are said so, one line each.
    const notes = r.stderr.trim().split('\n');
    assert.equal(notes.length, 3, r.stderr);
    for (const n of notes)
      assert.match(n, /^libvirt-domain-lint: kvm-real: domain .* is not a safe file name as it is: written as %?.*\.xml/);
    // A NAME starting with "-" without "--" is an option to the CLI: a usage error, nothing fetched.
    const opt = pull(['--out', out, hostile[2].name]);
    assert.equal(opt.status, 2);
    assert.match(opt.stderr, /Unknown option/);
  });

  test('usage: exactly one --host; no --inventory, --fix or --schema', () => {
    assert.equal(runCli(['pull', 'x']).status, 2);
    assert.equal(runCli(['pull', '--host', 'a', '--host', 'b']).status, 2);
    const fix = runCli(['pull', '--host', 'a', '--fix']);
    assert.equal(fix.status, 2);
    assert.match(fix.stderr, /pull takes exactly one --host DEST/);
    const bad = runCli(['pull', '--host=-oProxyCommand=touch /tmp/x']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /destination/);
  });
});

describe('pull and the running state with the fake virsh (a VM cannot be started here)', () => {
  let rig: Rig | undefined;
  let skip = '';
  let fixture = '';
  let work = '';
  before(async () => {
    fixture = mkdtempSync(join(tmpdir(), 'ldi-pull-fake-'));
    cpSync(hostFixture('rig-basic'), fixture, { recursive: true });
    writeFileSync(join(fixture, 'domains-running.txt'), 'web01\n');
    work = mkdtempSync(join(tmpdir(), 'ldi-pull-fake-out-'));
    const r = await startRigOrSkip({ hosts: [{ name: 'kvm-fake', fixtureDir: fixture }] });
    if (typeof r === 'string') skip = r;
    else rig = r;
  });
  after(async () => {
    await rig?.stop();
    for (const d of [fixture, work]) if (d) rmSync(d, { recursive: true, force: true });
  });

  test('state: running from `virsh list --name`, else shut off; uuid and definition kept', (t) => {
    if (!rig) return t.skip(skip);
    const snap = join(work, 'snap.json');
    const r = runCli(['inventory', '--host', 'kvm-fake', '--ssh-config', rig.sshConfigPath, '--out', snap], work);
    assert.equal(r.status, 0, r.stderr);
    const domains = validateSnapshot(JSON.parse(readFileSync(snap, 'utf8')), snap).domains!;
    assert.deepEqual(
      domains.map((d) => [d.name, d.state, d.uuid]),
      [
        ['db 01', 'shut off', '8f0c3a51-6b2e-4d7a-9c1f-2e3d4a5b6c7d'],
        ['web01', 'running', '4dea22b3-1d52-d8f3-2516-782e98ab3fa0'],
      ],
    );
    for (const d of domains) assert.equal(d.xml, readFileSync(join(fixture, 'domains', `${d.name}.xml`), 'utf8'));
    const log = rig.host('kvm-fake').readToolLog();
    assert.ok(log.some((l) => l.join(' ') === 'virsh -c qemu:///system -r list --name'));
    assert.ok(log.some((l) => l.join(' ') === 'virsh -c qemu:///system -r dumpxml --inactive -- db 01'));
  });

  test('pull of every domain writes each fixture definition byte for byte', (t) => {
    if (!rig) return t.skip(skip);
    const out = join(work, 'all');
    const r = runCli(['pull', '--host', 'kvm-fake', '--ssh-config', rig.sshConfigPath, '--out', out], work);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(filesIn(out), ['db 01.xml', 'web01.xml']);
    for (const f of filesIn(out)) assert.ok(readFileSync(join(out, f)).equals(readFileSync(join(fixture, 'domains', f))), f);
    assert.equal(r.stdout, `${join(out, 'db 01.xml')}\n${join(out, 'web01.xml')}\n`);
  });
});
