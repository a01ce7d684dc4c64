/**
 * ansible/collect.yml (ansible-core from Debian) against the real-sshd rig: four hosts (kvm-a, kvm-b,
 * a kvm-b whose domain XML holds Jinja and shell syntax, and a host whose collector is cut short), a
 * non-root login with per-host libvirt_uri and sudo, and one unreachable alias. Each collected
 * DIR/HOST.out must be the host's raw collector output byte for byte, give the same snapshot and
 * the same findings as a live fetch, and a failing host must not stop the others.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchSnapshot } from '../server/src/inventory/fetch';
import { loadInventoryFile } from '../server/src/inventory/load';
import type { InventorySnapshot } from '../server/src/inventory/snapshot';
import { ansibleUnavailable, collectWithAnsible, type AnsibleCollectResult } from './rig/ansible';
import { closedPort } from './rig/net';
import { Rig, startRigOrSkip, sudoUnavailable } from './rig/sshRig';
import { runCli } from './support/cli';
import { ROOT } from './support/examples';

/** A domain name and definition that Jinja, a shell or a CRLF-normalising writer would each change. */
const TEMPLATED_NAME = 'tmpl-{{ x }}-{% raw %}-$(id)';
const templatedXml = (pwned: string): Buffer =>
  Buffer.from(
    [
      "<domain type='kvm'>\r",
      `  <name>${TEMPLATED_NAME}</name>`,
      '  <uuid>4f1c2b3a-9d8e-4c7b-a6f5-0e1d2c3b4a59</uuid>',
      `  <title>{{ inventory_hostname }} {{ lookup('pipe', 'id') }}</title>`,
      `  <description>{% raw %}{{ x }}{% endraw %} {% if true %}yes{% endif %} {# c #} $(touch ${pwned}) \`touch ${pwned}\`</description>`,
      "  <memory unit='KiB'>1048576</memory>",
      "  <os><type arch='x86_64'>hvm</type></os>",
      '  <devices>',
      "    <disk type='block' device='disk'><source dev='/dev/sdb'/><target dev='vda' bus='virtio'/></disk>",
      '  </devices>',
      '</domain>',
      '',
    ].join('\n'),
  );

const REACHABLE = ['kvm-a', 'kvm-b', 'kvm-c'];
const NONROOT = 'kvm-b.nonroot';
const NONROOT_VARS = { libvirt_uri: 'qemu:///session', sudo: true };

/** The raw stdout, as bytes, of `ssh -F CONFIG -T -- DEST sh -s` with the CLI's collector script on stdin. */
function directCollect(rig: Rig, dest: string, scriptArgs: string[] = []): Buffer {
  const script = runCli(['collector-script', ...scriptArgs]);
  assert.equal(script.status, 0, script.stderr);
  const r = spawnSync('ssh', ['-F', rig.sshConfigPath, '-o', 'BatchMode=yes', '-T', '--', dest, 'sh', '-s'], {
    input: script.stdout,
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(r.status, 0, r.stderr.toString());
  return r.stdout;
}

/** A snapshot without its collection time, and without its host name (the destination, or a file's uname -n). */
function comparable(s: InventorySnapshot): unknown {
  const { collectedAt: _collectedAt, host, ...rest } = s;
  return { ...rest, warnings: s.warnings.map((w) => w.split(host).join('HOST')) };
}

describe('ansible/collect.yml over the ssh rig', () => {
  const work = mkdtempSync(join(tmpdir(), 'ldx-ansible-test-'));
  const pwned = join(work, 'pwned');
  let rig: Rig | undefined;
  let skip = '';
  let run: AnsibleCollectResult;
  const out = (host: string) => join(run.outDir, `${host}.out`);

  before(async () => {
    const missing = ansibleUnavailable();
    if (missing) {
      if (process.env.CI) throw new Error(`prerequisite missing under CI: ${missing}`);
      skip = missing;
      console.log(`# ${missing}: the Ansible tests are skipped`);
      return;
    }
    const kvmC = join(work, 'kvm-c');
    cpSync(join(ROOT, 'examples/hosts/kvm-b'), kvmC, { recursive: true });
    writeFileSync(join(kvmC, 'domains', `${TEMPLATED_NAME}.xml`), templatedXml(pwned));
    // A udev rule in Latin-1 (not UTF-8): the saved output must keep its bytes.
    mkdirSync(join(kvmC, 'udev-rules'));
    writeFileSync(
      join(kvmC, 'udev-rules', '99-latin1.rules'),
      Buffer.from('# caf\xe9 {{ y }}\r\nKERNEL=="sdb", SYMLINK+="vmdisks/c"\n', 'latin1'),
    );
    const r = await startRigOrSkip({
      hosts: [
        { name: 'kvm-a', fixtureDir: join(ROOT, 'examples/hosts/kvm-a') },
        { name: 'kvm-b', fixtureDir: join(ROOT, 'examples/hosts/kvm-b') },
        { name: 'kvm-c', fixtureDir: kvmC },
        { name: 'kvm-cut', fixtureDir: join(ROOT, 'examples/hosts/kvm-b'), faults: [{ kind: 'truncate' }] },
      ],
    });
    if (typeof r === 'string') {
      skip = r;
      return;
    }
    rig = r;
    rig.addAlias('kvm-down', await closedPort());
    // A stale output of a host that now fails must not survive the run.
    mkdirSync(join(work, 'collected'));
    writeFileSync(join(work, 'collected', 'kvm-cut.out'), 'stale\n');
    run = await collectWithAnsible(rig, [...REACHABLE, NONROOT, 'kvm-cut', 'kvm-down'], 'collected', {
      cwd: work,
      hostVars: { [NONROOT]: NONROOT_VARS },
    });
    console.log(`# ansible-playbook over ${REACHABLE.length + 1} rig hosts, a cut-short one and an unreachable one: ${run.durationMs} ms`);
  });
  after(async () => {
    await rig?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test('the play collects every reachable host, names the two that failed, and exits 2', (t) => {
    if (!rig) return t.skip(skip);
    assert.equal(run.status, 2, `${run.stdout}\n${run.stderr}`);
    assert.deepEqual(run.failedHosts.sort(), ['kvm-cut', 'kvm-down'], run.stdout.slice(-4000));
    assert.match(run.stdout, /"collected 4 of 6 hosts into [^"]*\/collected; failed: kvm-cut, kvm-down"/);
    assert.match(run.stdout, /fatal: \[kvm-down\]: FAILED! => .*kvm-down: unreachable: .*Connection refused/);
    assert.match(run.stdout, /fatal: \[kvm-cut\]: FAILED! => .*"kvm-cut: /);
    for (const h of [...REACHABLE, NONROOT]) assert.ok(existsSync(out(h)), `${h}.out`);
    assert.ok(!existsSync(out('kvm-down')));
    assert.ok(!existsSync(out('kvm-cut')), 'the stale kvm-cut.out is removed');
    // The relative out_dir is the working directory's.
    assert.equal(run.outDir, join(work, 'collected'));
  });

  test('each DIR/HOST.out is the raw collector output, byte for byte: no templating, no CRLF change, no re-encoding', (t) => {
    if (!rig) return t.skip(skip);
    for (const h of REACHABLE) assert.ok(directCollect(rig, h).equals(readFileSync(out(h))), h);
    const nonroot = directCollect(rig, NONROOT, ['--uri', NONROOT_VARS.libvirt_uri, '--sudo']);
    assert.ok(nonroot.equals(readFileSync(out(NONROOT))), NONROOT);
    const c = readFileSync(out('kvm-c'));
    // The templated domain's definition, exactly as the host printed it.
    const xml = templatedXml(pwned);
    const begin = Buffer.from(`#LDI-BEGIN virsh-dumpxml ${TEMPLATED_NAME}\n`);
    const at = c.indexOf(begin);
    assert.ok(at >= 0);
    assert.ok(c.subarray(at + begin.length, at + begin.length + xml.length).equals(xml));
    assert.ok(c.includes(Buffer.from('# caf\xe9 {{ y }}\r\n', 'latin1')));
    assert.ok(!existsSync(pwned), 'nothing evaluated the $(...) or `...` of the domain');
  });

  test('the snapshot of each DIR/HOST.out equals a live fetch of the host, apart from collectedAt', async (t) => {
    if (!rig) return t.skip(skip);
    for (const h of REACHABLE) {
      const fromFile = loadInventoryFile(out(h)).snapshot;
      const live = await fetchSnapshot(h, { sshConfigFile: rig.sshConfigPath });
      assert.deepEqual(comparable(fromFile), comparable(live), h);
    }
    const c = loadInventoryFile(out('kvm-c')).snapshot;
    const tmpl = c.domains?.find((d) => d.name === TEMPLATED_NAME);
    assert.equal(tmpl?.xml, templatedXml(pwned).toString('utf8'));
    assert.deepEqual(
      tmpl?.disks.map((d) => d.source),
      ['/dev/sdb'],
    );
    // Per-host libvirt_uri and sudo reach the script: the same as the CLI's --uri and --sudo.
    // (The file names the host by its uname -n, kvm-b; the live fetch by the alias.)
    const fromFile = loadInventoryFile(out(NONROOT)).snapshot;
    const live = await fetchSnapshot(NONROOT, { sshConfigFile: rig.sshConfigPath, libvirtUri: NONROOT_VARS.libvirt_uri, sudo: true });
    assert.equal(fromFile.libvirtUri, 'qemu:///session');
    assert.deepEqual(comparable(fromFile), comparable(live));
    if (!sudoUnavailable()) assert.equal(fromFile.tools.vxdmpadm, 'ok');
  });

  test('linting with --inventory DIR/kvm-a.out gives the findings of --host kvm-a', (t) => {
    if (!rig) return t.skip(skip);
    const offline = runCli(['--inventory', out('kvm-a'), '--format', 'json', 'examples/domains']);
    const live = runCli(['--host', 'kvm-a', '--ssh-config', rig.sshConfigPath, '--format', 'json', 'examples/domains']);
    assert.equal(live.status, 1, live.stderr);
    assert.ok(JSON.parse(live.stdout).findings.length > 0);
    assert.equal(offline.status, live.status, offline.stderr);
    assert.equal(offline.stdout, live.stdout);
  });

  test('the script reaches each host on standard input: no pseudo-terminal, nothing copied, host keys checked', (t) => {
    if (!rig) return t.skip(skip);
    const ssh = run.sshInvocations.filter((a) => a[0] === 'ssh');
    assert.deepEqual(
      run.sshInvocations.filter((a) => a[0] !== 'ssh'),
      [],
      'no scp or sftp',
    );
    const script = runCli(['collector-script']).stdout;
    const nonrootScript = runCli(['collector-script', '--uri', NONROOT_VARS.libvirt_uri, '--sudo']).stdout;
    const collectorRuns = ssh.filter((a) => /\| base64 -d \| sh -s$/.test(a[a.length - 1]));
    // One run per host (the unreachable one included); the ControlMaster may add checks (-O).
    assert.equal(collectorRuns.length, 6, JSON.stringify(ssh.map((a) => a.slice(0, -1))));
    for (const a of ssh) {
      assert.ok(!a.includes('-tt') && !a.includes('-t'), `no pseudo-terminal: ${a.slice(0, -1).join(' ')}`);
      assert.ok(!a.some((x) => /StrictHostKeyChecking=no/i.test(x)));
    }
    for (const a of collectorRuns) {
      const m = /^printf '%s' '([A-Za-z0-9+/=]+)' \| base64 -d \| sh -s$/.exec(a[a.length - 1]);
      assert.ok(m, 'the command line holds only base64 text besides printf, base64 and sh');
      const sent = Buffer.from(m[1], 'base64').toString('utf8');
      const host = a[a.length - 2];
      assert.equal(sent, host === NONROOT ? nonrootScript : script, host);
    }
  });
});
