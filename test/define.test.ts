/**
 * `libvirt-domain-lint define` against a real libvirt daemon (test/rig/libvirtd.ts) through the rig's
 * real sshd (a host that keeps the real virsh): each refusal leaves the host's definition as it was;
 * a good define changes only what the file changed (compared semantically with the definition before);
 * what libvirt drops is reported; a hostile name never reaches a shell; without a terminal a define
 * needs --yes; on a terminal it asks.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { droppedOrRewritten } from '../server/src/domain/compare';
import {
  defineTestDomain,
  dumpxmlInactive,
  ensureLibvirtdOrSkip,
  testDomainXml,
  undefineTestDomain,
  undefineTestDomains,
  virshSystem,
  type TestDomain,
} from './rig/libvirtd';
import { lun, writeLunHostFixture } from './rig/lunHost';
import { Rig, startRigOrSkip } from './rig/sshRig';
import { runCli } from './support/cli';
import { ROOT } from './support/examples';

describe('define on a real libvirt daemon over ssh', () => {
  let rig: Rig | undefined;
  let skip = '';
  let fixture = '';
  let work = '';
  const id = `${process.pid}-${randomBytes(3).toString('hex')}`;
  let base: TestDomain;
  let other: TestDomain;

  before(async () => {
    const d = await ensureLibvirtdOrSkip();
    if (typeof d === 'string') {
      skip = d;
      return;
    }
    fixture = mkdtempSync(join(tmpdir(), 'ldi-define-fixture-'));
    writeLunHostFixture(fixture);
    work = mkdtempSync(join(tmpdir(), 'ldi-define-'));
    const r = await startRigOrSkip({ hosts: [{ name: 'kvm-real', fixtureDir: fixture, realVirsh: true }] });
    if (typeof r === 'string') {
      skip = r;
      return;
    }
    rig = r;
    base = defineTestDomain({
      tag: 'define',
      disks: [
        { source: lun(0), target: 'vda' },
        { source: lun(1), target: 'vdb' },
      ],
    });
    other = defineTestDomain({ tag: 'define-other' });
  });
  after(async () => {
    try {
      undefineTestDomains();
    } finally {
      await rig?.stop();
      for (const dir of [fixture, work]) if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });

  const file = (name: string, text: string) => {
    const p = join(work, name);
    writeFileSync(p, text);
    return p;
  };
  const define = (args: string[], input = '') =>
    spawnSync(process.execPath, [join(ROOT, 'dist/cli.js'), 'define', '--host', 'kvm-real', '--ssh-config', rig!.sshConfigPath, ...args], {
      cwd: work,
      encoding: 'utf8',
      input,
    });
  /** The host's definition now, and a check that it is what it was. */
  const unchanged = (d: TestDomain, before: string) => assert.equal(dumpxmlInactive(d.uuid), before, `${d.name} unchanged`);

  test('an error-level finding refuses the define (exit 1, the finding printed); the host is unchanged', (t) => {
    if (!rig) return t.skip(skip);
    const before = dumpxmlInactive(base.uuid);
    // Two disks at vda: duplicate-target, an error.
    const text = before.replace("<target dev='vdb'", "<target dev='vda'");
    assert.notEqual(text, before);
    const r = define(['--yes', file('dup.xml', text)]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /error duplicate-target/);
    assert.match(r.stderr, /dup\.xml: not defined: 1 error above \(--force defines anyway\)/);
    unchanged(base, before);
  });

  test("a file with another domain's UUID, or this name with another UUID, is refused even with --force", (t) => {
    if (!rig) return t.skip(skip);
    const before = dumpxmlInactive(base.uuid);
    const beforeOther = dumpxmlInactive(other.uuid);
    // base's name, other's UUID: it would replace base with a domain of another identity...
    const stolen = before.replace(/<uuid>[^<]+<\/uuid>/, `<uuid>${other.uuid}</uuid>`);
    let r = define(['--yes', '--force', file('stolen.xml', stolen)]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`has a domain "${base.name}" with UUID ${base.uuid}, not this file's ${other.uuid}`));
    // ...and a new name with other's UUID would rename other.
    const renamed = testDomainXml(`ldi-test-rename-${id}`, other.uuid, [{ source: lun(11), target: 'vda' }]);
    r = define(['--yes', '--force', file('renamed.xml', renamed)]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`UUID ${other.uuid} belongs to kvm-real's domain "${other.name}": defining would rename it`));
    unchanged(base, before);
    unchanged(other, beforeOther);
  });

  test('without a terminal and without --yes: exit 2, nothing defined (the diff is shown)', (t) => {
    if (!rig) return t.skip(skip);
    const before = dumpxmlInactive(base.uuid);
    const text = before.replace(lun(1), lun(9));
    const r = define([file('no-tty.xml', text)]);
    assert.equal(r.status, 2, r.stderr);
    const lines = r.stdout.split('\n');
    assert.ok(lines.includes(`-      <source dev='${lun(1)}'/>`), r.stdout);
    assert.ok(lines.includes(`+      <source dev='${lun(9)}'/>`), r.stdout);
    assert.match(r.stderr, /no terminal to confirm on; pass --yes/);
    unchanged(base, before);
  });

  test('on a terminal it asks: "n" defines nothing, "y" defines', (t) => {
    if (!rig) return t.skip(skip);
    const before = dumpxmlInactive(base.uuid);
    const path = file('tty.xml', before.replace(lun(1), lun(7)));
    // script(1) gives the CLI a terminal; the answer is typed into it.
    const cmd = [process.execPath, join(ROOT, 'dist/cli.js'), 'define', '--host', 'kvm-real', '--ssh-config', rig.sshConfigPath, path]
      .map((a) => `'${a.replace(/'/g, `'\\''`)}'`)
      .join(' ');
    const ask = (answer: string) => spawnSync('script', ['-qec', cmd, '/dev/null'], { cwd: work, encoding: 'utf8', input: `${answer}\n` });
    let r = ask('n');
    assert.match(r.stdout, new RegExp(`Define ${base.name} on kvm-real \\(replacing its definition\\)\\? \\[y/N\\]`));
    assert.match(r.stdout, /not defined \(not confirmed\)/);
    unchanged(base, before);
    r = ask('y');
    assert.match(r.stdout, /read back/, r.stdout);
    assert.ok(dumpxmlInactive(base.uuid).includes(lun(7)));
    // Back as it was, for the next tests.
    assert.equal(define(['--yes', file('restore.xml', before)]).status, 0);
  });

  test('a good define changes only what the file changed; the readback is reported', (t) => {
    if (!rig) return t.skip(skip);
    const before = dumpxmlInactive(base.uuid);
    const text = before.replace(lun(1), lun(2));
    const r = define(['--yes', file('good.xml', text)]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /running virsh -c qemu:\/\/\/system define \/dev\/stdin with .*good\.xml on its standard input/);
    assert.match(r.stdout, /read back: libvirt kept everything the file sets/);
    const after = dumpxmlInactive(base.uuid);
    // Semantically: of everything the host had before, only that source changed.
    const changes = droppedOrRewritten(before, after);
    assert.deepEqual(
      changes.map((c) => [c.path, c.file, c.readback]),
      [['devices/disk[vdb]/source/@dev', lun(1), lun(2)]],
    );
    // Defining the same text again changes nothing and says so.
    const again = define(['--yes', file('good.xml', after)]);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /already says this; nothing defined/);
  });

  test('what libvirt drops is reported as a warning (defined with --force past the schema error)', (t) => {
    if (!rig) return t.skip(skip);
    const before = dumpxmlInactive(base.uuid);
    const text = before.replace("<driver name='qemu' type='raw'/>", "<driver name='qemu' type='raw' ldibogus='1'/>");
    assert.notEqual(text, before);
    const refused = define(['--yes', file('bogus.xml', text)]);
    assert.equal(refused.status, 1, `the schema refuses it first: ${refused.stdout}`);
    const r = define(['--yes', '--force', file('bogus.xml', text)]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /warning libvirt dropped devices\/disk\[vda\]\/driver\/@ldibogus='1'/);
    assert.doesNotMatch(dumpxmlInactive(base.uuid), /ldibogus/);
  });

  test('a new domain with a hostile name: defined from standard input only, no shell evaluates the name', (t) => {
    if (!rig) return t.skip(skip);
    const marker = `ldi-define-pwned-${id}`;
    const places = ['/tmp', '/root', '/', work].map((d) => join(d, marker));
    const name = `ldi-test-$(touch ${marker});touch ${marker};\`touch ${marker}\`-${id}`;
    const uuid = randomUUID();
    const text = testDomainXml(name, uuid, [{ source: lun(10), target: 'vda' }]);
    try {
      const r = define(['--yes', file('hostile.xml', text)]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /\(not defined\)/, 'the diff is against no definition');
      const listed = virshSystem(['domname', uuid]);
      assert.equal(listed.stdout.trim(), name);
      for (const p of places) assert.ok(!existsSync(p), `${p} was created: a shell evaluated the name`);
    } finally {
      undefineTestDomain(uuid);
      for (const p of places) rmSync(p, { force: true });
    }
  });

  test('drift over ssh: linting a pulled file against the host reports differs-from-host on the edited disk only', (t) => {
    if (!rig) return t.skip(skip);
    const out = mkdtempSync(join(work, 'drift-'));
    const pulled = runCli(['pull', '--host', 'kvm-real', '--ssh-config', rig.sshConfigPath, '--out', out, base.name], work);
    assert.equal(pulled.status, 0, pulled.stderr);
    const path = join(out, `${base.name}.xml`);
    const lint = () => runCli(['--host', 'kvm-real', '--ssh-config', rig!.sshConfigPath, '--format', 'json', path], work);
    const drift = () =>
      (JSON.parse(lint().stdout) as { findings: { code: string; message: string; range: { start: { line: number } } }[] }).findings.filter(
        (f) => f.code === 'differs-from-host',
      );
    assert.deepEqual(drift(), [], 'the pulled file equals the host');
    const text = readFileSync(path, 'utf8');
    // vda's source (the tests above change vdb's).
    assert.ok(text.includes(lun(0)));
    writeFileSync(path, text.replace(lun(0), lun(5)));
    const found = drift();
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.equal(
      found[0].range.start.line,
      text.split('\n').findIndex((l) => l.includes(lun(0))),
    );
    assert.ok(found[0].message.includes(lun(0)), found[0].message);
  });

  test('usage: define needs one --host and a FILE; lint refuses --yes', () => {
    assert.equal(runCli(['define', 'x.xml']).status, 2);
    assert.match(runCli(['define', '--host', 'a', '--host', 'b', 'x.xml']).stderr, /exactly one --host/);
    assert.match(runCli(['define', '--host', 'a']).stderr, /no FILE given/);
    assert.match(runCli(['--yes', 'x.xml']).stderr, /--yes and --force belong to define/);
  });
});
