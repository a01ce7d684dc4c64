// Host truth II, collection side (issue 12 items 1, 2 and 8): the collector's new sections
// (symlinks elsewhere under /dev, site udev rules, storage pools and volumes, SCSI hosts, the
// libvirt URI) run for real through the rig's sshd, as root and as a non-root member of a
// libvirt-like group; privileges a tool lacks are their own failure class; the URI is checked;
// the non-root login's `--sudo` (sudo -n, with the rig's sudoers drop-in) runs for real.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { splitCollectorOutput } from '../../server/src/inventory/collectorOutput';
import { fetchSnapshot, snapshotFromCollectorOutput } from '../../server/src/inventory/fetch';
import { buildSnapshot, parsePoolXml, parseScsiHosts, parseVolList, SUDO_TOOLS } from '../../server/src/inventory/parsers';
import { validateSnapshot, type InventorySnapshot } from '../../server/src/inventory/snapshot';
import {
  COLLECTOR_SCRIPT,
  collectorScript,
  DEFAULT_LIBVIRT_URI,
  fetchCollectorOutput,
  validateLibvirtUri,
} from '../../server/src/inventory/transport';
import { COLLECTOR_INVOCATIONS, RIG_SUDO_COMMANDS, rigSudoers, SYSTEM_URI } from '../rig/fakeHost';
import { repoRoot } from '../rig/paths';
import { RIG_USER } from '../rig/prereq';
import { startRigOrSkip, sudoUnavailable, type Rig } from '../rig/sshRig';
import { runCli } from '../support/cli';
import { FIXTURE_COLLECTED_AT, fixtureSections, fixtureSnapshot } from '../support/fixtureHost';

const ROOT = repoRoot();
const KVM_A = join(ROOT, 'examples', 'hosts', 'kvm-a');
const KVM_B = join(ROOT, 'examples', 'hosts', 'kvm-b');

/** A snapshot without what differs between two collections of the same host (time, destination). */
function comparable(s: InventorySnapshot): unknown {
  return { ...s, collectedAt: FIXTURE_COLLECTED_AT, host: 'H', warnings: s.warnings.map((w) => w.replace(/on \S+:/, 'on H:')) };
}

/** The fields this part of issue 12 fills, and the ones they rest on. */
const fresh = (x: InventorySnapshot) => ({
  links: x.links,
  udevRules: x.udevRules,
  pools: x.pools,
  scsiHosts: x.scsiHosts,
  libvirtUri: x.libvirtUri,
  domains: x.domains,
  devices: x.devices,
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

describe('new sections through a real sshd (rig), as root and as a non-root user', () => {
  let rig: Rig | undefined;
  let skip = '';
  before(async () => {
    const r = await startRigOrSkip({
      hosts: [
        { name: 'kvm-a', fixtureDir: KVM_A },
        { name: 'kvm-b', fixtureDir: KVM_B },
        // The same host where the non-root user is not in sudoers, and where it may run vxdctl only.
        { name: 'kvm-a-nosudo', fixtureDir: KVM_A, sudoCommands: [] },
        { name: 'kvm-a-othersudo', fixtureDir: KVM_A, sudoCommands: [RIG_SUDO_COMMANDS[2]] },
      ],
    });
    if (typeof r === 'string') skip = r;
    else rig = r;
  });
  after(async () => rig?.stop());
  const opts = () => ({ sshConfigFile: rig!.sshConfigPath, timeoutMs: 20_000 });

  test('as root: every new section comes back and the snapshot is the one built from the saved outputs', async (t) => {
    if (!rig) return t.skip(skip);
    const { raw, output } = await fetchCollectorOutput('kvm-a', opts());
    assert.equal(output.complete, true);
    const sec = (n: string) => output.sections.get(n)!;
    assert.equal(sec('libvirt-uri').body, 'qemu:///system\n');
    assert.equal(
      sec('dev-links')
        .body.split('\n')
        .filter((l) => l)
        .sort()
        .join('\n'),
      readFileSync(join(KVM_A, 'dev-links.tsv'), 'utf8')
        .split('\n')
        .filter((l) => l)
        .sort()
        .join('\n'),
    );
    assert.equal(sec('udev-rules').body, '/etc/udev/rules.d/99-vmdisks.rules\n');
    assert.equal(
      sec('udev-rule /etc/udev/rules.d/99-vmdisks.rules').body,
      readFileSync(join(KVM_A, 'udev-rules', '99-vmdisks.rules'), 'utf8'),
    );
    assert.equal(sec('scsi-hosts').body, readFileSync(join(KVM_A, 'scsi-hosts.tsv'), 'utf8'));
    assert.equal(sec('pool-list').body, 'default\nfc-3par\nguests\nmpath\n\n');
    assert.equal(sec('pool-list-inactive').body, 'fc-b\niscsi-old\n\n');
    assert.equal(sec('pool-vols mpath').body, readFileSync(join(KVM_A, 'pools', 'mpath.vols'), 'utf8'));
    assert.equal(output.sections.has('pool-vols iscsi-old'), false, 'no vol-list for an inactive pool');

    // The live snapshot, the snapshot from the saved raw output and the one from the fixture files agree.
    const live = await fetchSnapshot('kvm-a', opts());
    const saved = snapshotFromCollectorOutput('kvm-a', splitCollectorOutput(raw.stdout));
    const files = fixtureSnapshot(KVM_A, 'kvm-a');
    assert.deepEqual(comparable(saved), comparable(live));
    // (the fixture files have no uname, and list DMP nodes in vxdmpadm's order, not ls's: the new fields are compared)
    assert.deepEqual(fresh(live), fresh(files));
    assert.deepEqual(live.warnings, []);
    assert.equal(live.libvirtUri, 'qemu:///system');
    assert.equal(live.links['/dev/vmdisks/db-data'], '/dev/dm-7');
    assert.equal(live.links['/dev/vmdisks/scratch'], '/dev/sdo');
    assert.match(live.udevRules![0].text, /KERNEL=="sdo", SYMLINK\+="vmdisks\/scratch"/);
    assert.deepEqual(
      live.pools!.map((p) => [p.name, p.type, p.active, p.volumes.length]),
      [
        ['default', 'dir', true, 2],
        ['fc-3par', 'scsi', true, 4],
        ['guests', 'logical', true, 1],
        ['mpath', 'mpath', true, 2],
        ['fc-b', 'scsi', false, 0],
        ['iscsi-old', 'iscsi', false, 0],
      ],
    );
    assert.deepEqual(live.pools!.find((p) => p.name === 'fc-3par')!.adapter, { type: 'scsi_host', name: 'host3' });
    assert.deepEqual(live.pools!.find((p) => p.name === 'fc-b')!.adapter, { type: 'scsi_host', parentaddr: '0000:3b:00.1' });
    assert.deepEqual(live.pools!.find((p) => p.name === 'guests')!.sourceDevices, ['/dev/sda2']);
    assert.deepEqual(
      live.scsiHosts!.find((h) => h.name === 'host3'),
      { name: 'host3', pciAddress: '0000:3b:00.0', wwnn: '20000024ff7a1b2c', wwpn: '21000024ff7a1b2c' },
    );
    // The snapshot survives a JSON round trip through validateSnapshot unchanged.
    const again = validateSnapshot(JSON.parse(JSON.stringify(live)), 'live');
    assert.deepEqual(fresh(again), fresh(live));
    assert.deepEqual(again.tools, live.tools);

    // virsh always ran with -c qemu:///system and -r; pool names passed after "--".
    const virsh = rig
      .host('kvm-a')
      .readToolLog()
      .filter((l) => l[0] === 'virsh' && l[1] !== '--version');
    assert.ok(virsh.length >= 10);
    for (const l of virsh) assert.deepEqual(l.slice(1, 4), ['-c', SYSTEM_URI, '-r'], l.join(' '));
    assert.ok(virsh.some((l) => l.join(' ') === 'virsh -c qemu:///system -r vol-list --details -- fc-3par'));

    // A host with none of it: no pools, no udev rules directory, no SCSI hosts.
    const b = await fetchSnapshot('kvm-b', opts());
    assert.deepEqual(b.pools, []);
    assert.equal(b.udevRules, undefined);
    assert.equal(b.tools['udev-rules'], 'absent');
    assert.equal(b.scsiHosts, undefined);
    assert.deepEqual(fresh(b), fresh(fixtureSnapshot(KVM_B, 'kvm-b')));
  });

  test('as a non-root member of the libvirt-like group: the system URI shows the same domains and pools; VxVM needs root', async (t) => {
    if (!rig) return t.skip(skip);
    const alias = rig.host('kvm-a').aliases.nonRoot;
    const root = await fetchSnapshot('kvm-a', opts());
    const user = await fetchSnapshot(alias, opts());
    assert.deepEqual(user.domains, root.domains, 'qemu:///system, not the empty qemu:///session');
    assert.ok(user.domains!.length >= 2);
    assert.deepEqual(user.pools, root.pools);
    assert.equal(user.tools.vxdmpadm, 'needs-root');
    assert.equal(user.tools.vxdisk, 'needs-root');
    assert.equal(user.tools.vxdctl, 'ok');
    assert.equal(user.dmp?.nodes.length ?? 0, 0);
    assert.deepEqual(user.dmp?.names, root.dmp?.names, '/dev/vx/dmp is listed without privileges');
    const w = user.warnings.filter((x) => x.startsWith('needs root'));
    assert.equal(w.length, 2, user.warnings.join('\n'));
    assert.match(
      w[0],
      new RegExp(`^needs root on ${alias.replace(/\./g, '\\.')}: vxdmpadm \\(run as root, or set libvirtDomain\\.ssh\\.sudo / --sudo`),
    );
    assert.match(w[1], /^needs root on \S+: vxdisk /);
    // The same user with the session URI (what virsh without -c gives a non-root login) sees nothing.
    const session = await fetchSnapshot(alias, { ...opts(), libvirtUri: 'qemu:///session' });
    assert.equal(session.libvirtUri, 'qemu:///session');
    assert.deepEqual(session.domains, []);
    assert.deepEqual(session.pools, []);
    // Raw saved output of the non-root run gives the same snapshot as the live fetch.
    const { raw } = await fetchCollectorOutput(alias, opts());
    assert.deepEqual(comparable(snapshotFromCollectorOutput(alias, splitCollectorOutput(raw.stdout))), comparable(user));
  });

  test("--sudo variant: the script differs only in its setting line, and the README and the rig's sudoers name its commands", () => {
    // The script calls exactly "sudo -n <full path> <the documented arguments>".
    const s = collectorScript({ sudo: true });
    assert.equal(s.replace('\nLDI_SUDO=1\n', '\nLDI_SUDO=0\n'), COLLECTOR_SCRIPT);
    assert.match(s, /run "\$sec" sudo -n "\$t" "\$@"/);
    assert.match(COLLECTOR_SCRIPT, /^priv vxdmpadm vxdmpadm list dmpnode all$/m);
    assert.match(COLLECTOR_SCRIPT, /^priv vxdisk vxdisk -e -o alldgs list$/m);
    assert.match(COLLECTOR_SCRIPT, /^priv vxdctl vxdctl -c mode$/m);
    assert.deepEqual(SUDO_TOOLS, ['vxdmpadm', 'vxdisk', 'vxdctl']);
    // The README's sudoers line names exactly these invocations, and the rig's drop-in is that line.
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const tool of SUDO_TOOLS) {
      const args = COLLECTOR_INVOCATIONS[tool as 'vxdmpadm'].join(' ');
      assert.ok(readme.includes(`/usr/sbin/${tool} ${args}`), `README sudoers line for ${tool} ${args}`);
    }
    const line = /^kvmaudit ALL=\(root\) NOPASSWD: (.*)$/m.exec(readme);
    assert.ok(line, "the README's sudoers line");
    assert.deepEqual(line[1].split(', '), RIG_SUDO_COMMANDS);
    assert.ok(rigSudoers(RIG_SUDO_COMMANDS).includes(`${RIG_USER} ALL=(root) NOPASSWD: ${line[1]}\n`));
  });

  test('--sudo for real: the non-root login gets the DMP and VxVM facts through sudo -n; a user sudo refuses gets needs-root', async (t) => {
    if (!rig) return t.skip(skip);
    const why = sudoUnavailable();
    if (why) {
      if (process.env.CI) assert.fail(`--sudo cannot run for real under CI: ${why}`);
      return t.skip(why);
    }
    const a = rig.host('kvm-a');
    const alias = a.aliases.nonRoot;
    const root = await fetchSnapshot('kvm-a', opts());
    assert.ok(root.dmp!.nodes.length > 0);

    // Without --sudo: needs-root (as above).
    const plain = await fetchSnapshot(alias, opts());
    assert.equal(plain.tools.vxdmpadm, 'needs-root');
    assert.equal(plain.tools.vxdisk, 'needs-root');
    assert.equal(plain.dmp?.nodes.length ?? 0, 0);

    // With --sudo, through the CLI as a user would run it: the same facts as the root login.
    const dir = mkdtempSync(join(tmpdir(), 'ldi-sudo-'));
    try {
      const out = join(dir, 'kvm-a.json');
      const before = a.readToolLog().length;
      const r = runCli(['inventory', '--host', alias, '--ssh-config', rig.sshConfigPath, '--sudo', '--out', out]);
      assert.equal(r.status, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /warning/, r.stderr);
      const user = JSON.parse(readFileSync(out, 'utf8')) as InventorySnapshot;
      assert.equal(user.tools.vxdmpadm, 'ok');
      assert.equal(user.tools.vxdisk, 'ok');
      assert.equal(user.tools.vxdctl, 'ok');
      assert.deepEqual(user.warnings, []);
      assert.ok(user.dmp!.nodes.length > 0);
      assert.deepEqual(user.dmp, root.dmp);
      assert.deepEqual(user.vxvm, root.vxvm);
      assert.deepEqual(user.domains, root.domains);
      // Each ran once, with exactly the collector's arguments (as root: the fake tools refuse anyone else).
      const vx = a
        .readToolLog()
        .slice(before)
        .filter((l) => (SUDO_TOOLS as string[]).includes(l[0]));
      assert.deepEqual(
        vx,
        SUDO_TOOLS.map((tool) => [tool, ...COLLECTOR_INVOCATIONS[tool as 'vxdmpadm']]),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // The same through the transport directly.
    const direct = await fetchSnapshot(alias, { ...opts(), sudo: true });
    assert.deepEqual(direct.dmp, root.dmp);
    assert.deepEqual(direct.warnings, []);
    // sudo ran silently (no stderr: the simulated host's name resolves, no tty is asked for).
    const { output } = await fetchCollectorOutput(alias, { ...opts(), sudo: true });
    for (const tool of SUDO_TOOLS) assert.deepEqual([output.sections.get(tool)!.rc, output.sections.get(tool)!.stderr], [0, []], tool);

    // A host where the user is not in sudoers at all: sudo -n refuses every tool.
    const none = await fetchSnapshot(rig.host('kvm-a-nosudo').aliases.nonRoot, { ...opts(), sudo: true });
    for (const tool of SUDO_TOOLS) assert.equal(none.tools[tool], 'needs-root', tool);
    assert.equal(none.dmp?.nodes.length ?? 0, 0);
    const refused = none.warnings.filter((w) => w.startsWith('needs root'));
    assert.equal(refused.length, 3, none.warnings.join('\n'));
    for (const w of refused)
      assert.match(w, /\(sudo -n was refused: add the sudoers entry from the README\): sudo: a password is required/);
    assert.deepEqual(none.domains, root.domains, 'the rest of the inventory is unaffected');

    // A host whose sudoers allows another command only (vxdctl): the other two are refused.
    const other = await fetchSnapshot(rig.host('kvm-a-othersudo').aliases.nonRoot, { ...opts(), sudo: true });
    assert.equal(other.tools.vxdctl, 'ok');
    assert.equal(other.tools.vxdmpadm, 'needs-root');
    assert.equal(other.tools.vxdisk, 'needs-root');
    const w2 = other.warnings.filter((w) => w.startsWith('needs root'));
    assert.equal(w2.length, 2, other.warnings.join('\n'));
    for (const w of w2) assert.match(w, /sudo -n was refused: add the sudoers entry from the README\): sudo: a password is required/);

    // root never goes through sudo.
    const rootSudo = await fetchSnapshot('kvm-a-nosudo', { ...opts(), sudo: true });
    assert.equal(rootSudo.tools.vxdmpadm, 'ok', 'root never goes through sudo');
  });

  test('collector time on the rig (median of 5)', async (t) => {
    if (!rig) return t.skip(skip);
    const times = async (script?: string) => {
      const ms: number[] = [];
      for (let i = 0; i < 5; i++) ms.push((await fetchCollectorOutput('kvm-a', { ...opts(), script })).raw.durationMs);
      return median(ms);
    };
    if (process.env.LDX_COLLECTOR_PROFILE) {
      const prof = COLLECTOR_SCRIPT.replace(
        `printf '#LDI-BEGIN %s\\n' "$sec"`,
        `printf '#LDI-BEGIN %s\\n' "$sec"; printf '%s %s\\n' "$(date +%s.%N)" "$sec" >&2`,
      );
      const r = await fetchCollectorOutput('kvm-a', { ...opts(), script: prof });
      console.log(
        r.raw.stderr
          .split('\n')
          .map((l) => `# ${l}`)
          .join('\n'),
        r.raw.durationMs,
      );
    }
    const now = await times();
    const baselineFile = process.env.LDX_COLLECTOR_BASELINE;
    const base = baselineFile && existsSync(baselineFile) ? await times(readFileSync(baselineFile, 'utf8')) : undefined;
    t.diagnostic(`collector on kvm-a: ${now} ms${base !== undefined ? ` (baseline script: ${base} ms)` : ''}`);
    console.log(`# collector on kvm-a: ${now} ms${base !== undefined ? ` (baseline script: ${base} ms)` : ''}`);
    assert.ok(now < 5000);
  });
});

describe('libvirt URI: checked strictly before it is placed in the script', () => {
  test('hostile URIs are refused, before anything is spawned', async () => {
    const hostile = [
      "qemu:///system'; touch /tmp/pwned; '",
      'qemu:///system\nid',
      'qemu:///$(id)',
      'qemu:///`id`',
      'qemu:///system"',
      '-c',
      '',
      'qemu+ssh://a b/system',
      'qemu:///system;id',
      'qemu:///system|id',
      'QEMU:///system',
      'qemu:///sys tem',
      'qemu:///system\\',
      'qemu:///system?x=$(id)',
      `qemu:///${'a'.repeat(300)}`,
    ];
    for (const uri of hostile) {
      assert.throws(() => validateLibvirtUri(uri), /refused/, JSON.stringify(uri));
      assert.throws(() => collectorScript({ libvirtUri: uri }), /refused/, JSON.stringify(uri));
      let spawned = false;
      await assert.rejects(
        fetchCollectorOutput('local', {
          libvirtUri: uri,
          onSpawn: () => {
            spawned = true;
          },
        }),
        (e: Error & { kind?: string }) => e.kind === 'bad-destination',
      );
      assert.equal(spawned, false);
    }
  });

  test('ordinary URIs are accepted and single-quoted into the setting line only', () => {
    for (const uri of [
      'qemu:///system',
      'qemu:///session',
      'qemu+ssh://root@kvm-b/system',
      'qemu+tls://[fd00::1]:16514/system?no_verify=1',
      'xen:///system',
    ]) {
      validateLibvirtUri(uri);
      const s = collectorScript({ libvirtUri: uri });
      assert.equal(s.replace(`\nLDI_URI='${uri}'\n`, `\nLDI_URI='${DEFAULT_LIBVIRT_URI}'\n`), COLLECTOR_SCRIPT, uri);
    }
    assert.equal(collectorScript({}), COLLECTOR_SCRIPT);
    assert.equal(collectorScript({ libvirtUri: DEFAULT_LIBVIRT_URI, sudo: false }), COLLECTOR_SCRIPT);
  });
});

describe('parsers of the new sections, tolerant', () => {
  test('vol-list --details: names and paths with spaces, an empty pool, garbage', () => {
    const text = [
      ' Name             Path                                   Type   Capacity     Allocation',
      '------------------------------------------------------------------------------------------',
      ' my disk.qcow2    /var/lib/libvirt/images/my disk.qcow2  file   10.00 GiB    1.20 GiB',
      ' unit:0:0:1       /dev/disk/by-path/pci-0000:3b:00.0-fc-0x1-lun-1  block  1.00 TiB  1.00 TiB',
      ' evil             /dev/../etc/shadow                     file   1.00 KiB     1.00 KiB',
      '',
    ].join('\n');
    assert.deepEqual(parseVolList(text), [
      { name: 'my disk.qcow2', path: '/var/lib/libvirt/images/my disk.qcow2', type: 'file' },
      { name: 'unit:0:0:1', path: '/dev/disk/by-path/pci-0000:3b:00.0-fc-0x1-lun-1', type: 'block' },
    ]);
    assert.deepEqual(parseVolList(' Name   Path   Type   Capacity   Allocation\n--------------------------------------------\n\n'), []);
    assert.deepEqual(parseVolList(''), []);
    assert.throws(() => parseVolList('error: something\n'), /header/);
  });

  test('pool-dumpxml: parentaddr, device paths filtered, not a pool', () => {
    const p = parsePoolXml(
      'x',
      `<pool type='scsi'><name>x</name><source><device path='/dev/sdb'/><device path='/dev/../etc/passwd'/><device path='iqn.2003-01.x'/>
      <adapter type='fc_host' parent='scsi_host5' wwnn='20000000c9831b4b' wwpn='10000000c9831b4b'><parentaddr unique_id='1'><address domain='0x0000' bus='0x5' slot='0x00' function='0x1'/></parentaddr></adapter></source>
      <target><path>/dev/disk/by-path</path></target></pool>`,
      true,
    );
    assert.deepEqual(p.sourceDevices, ['/dev/sdb']);
    assert.deepEqual(p.adapter, {
      type: 'fc_host',
      parent: 'scsi_host5',
      wwnn: '20000000c9831b4b',
      wwpn: '10000000c9831b4b',
      parentaddr: '0000:05:00.1',
    });
    assert.equal(p.targetPath, '/dev/disk/by-path');
    assert.throws(() => parsePoolXml('y', '<domain/>', true), /not <pool>/);
    assert.throws(() => parsePoolXml('y', '<pool', true), /not well-formed/);
  });

  test('scsi-hosts: PCI address from the sysfs link, FC names without 0x', () => {
    assert.deepEqual(
      parseScsiHosts(
        'host3\t../../devices/pci0000:00/0000:00:03.0/0000:05:00.1/host3/scsi_host/host3\t0x20000024FF7A1B2C\t0x21000024ff7a1b2c\nhost9\t../../devices/platform/host9/scsi_host/host9\nbogus\tx\n',
      ),
      [{ name: 'host3', pciAddress: '0000:05:00.1', wwnn: '20000024ff7a1b2c', wwpn: '21000024ff7a1b2c' }, { name: 'host9' }],
    );
  });

  test('a failing pool, a refused tool, a hostile rules file name: warnings and states, never an exception', () => {
    const sections = fixtureSections(KVM_A);
    sections.set('pool-vols mpath', {
      body: '',
      rc: 1,
      stderr: ["error: Requested operation is not valid: storage pool 'mpath' is not active"],
    });
    sections.set('pool-dumpxml guests', { body: '<pool', rc: 0, stderr: [] });
    sections.set('vxdisk', { body: '', rc: 1, stderr: ['sudo: a password is required'] });
    sections.set('vxdmpadm', { body: '', rc: 126, stderr: [] });
    sections.set('udev-rules', { body: '/etc/udev/rules.d/../../shadow.rules\n/etc/udev/rules.d/99-vmdisks.rules\n', rc: 0, stderr: [] });
    sections.set('udev-rule /etc/udev/rules.d/../../shadow.rules', { body: 'x', rc: 0, stderr: [] });
    const s = buildSnapshot({ host: 'kvm-a', collectedAt: FIXTURE_COLLECTED_AT, sections });
    assert.equal(s.tools['pool-vols mpath'], 'failed');
    assert.deepEqual(s.pools!.find((p) => p.name === 'mpath')!.volumes, []);
    assert.equal(
      s.pools!.some((p) => p.name === 'guests'),
      false,
    );
    assert.equal(s.tools.vxdisk, 'needs-root');
    assert.equal(s.tools.vxdmpadm, 'needs-root');
    assert.ok(
      s.warnings.some((w) => /^needs root on kvm-a: vxdisk \(sudo -n was refused: add the sudoers entry/.test(w)),
      s.warnings.join('\n'),
    );
    assert.deepEqual(
      s.udevRules!.map((r) => r.file),
      ['/etc/udev/rules.d/99-vmdisks.rules'],
    );
    assert.ok(s.warnings.some((w) => /udev rules file name refused/.test(w)));
  });

  test('validateSnapshot keeps well-typed pools, rules and SCSI hosts, drops the rest', () => {
    const base = JSON.parse(readFileSync(join(ROOT, 'examples', 'kvm-a.inventory.json'), 'utf8'));
    const v = validateSnapshot(
      {
        ...base,
        libvirtUri: 'qemu:///system',
        tools: { vxdmpadm: 'needs-root', x: 'bogus' },
        udevRules: [
          { file: '/etc/udev/rules.d/a.rules', text: 'KERNEL=="sdb", SYMLINK+="x"' },
          { file: '/etc/../x', text: '' },
          { file: 3 },
        ],
        pools: [
          {
            name: 'p',
            type: 'mpath',
            active: true,
            sourceDevices: ['/dev/sdb', '/dev/../x', 5],
            targetPath: '/dev/mapper',
            volumes: [
              { name: 'dm-7', path: '/dev/dm-7', type: 'block' },
              { name: 'e', path: 'rel' },
            ],
            adapter: { name: 'host3', evil: 'x', parentaddr: '0000:05:00.1' },
          },
          { name: '\u0007bell', type: 'dir' },
          'nope',
        ],
        scsiHosts: [{ name: 'host3', pciAddress: '0000:05:00.1', wwnn: 7 }, {}],
      },
      't',
    );
    assert.equal(v.tools.vxdmpadm, 'needs-root');
    assert.equal(v.tools.x, undefined);
    assert.deepEqual(v.udevRules, [{ file: '/etc/udev/rules.d/a.rules', text: 'KERNEL=="sdb", SYMLINK+="x"' }]);
    assert.deepEqual(v.pools, [
      {
        name: 'p',
        type: 'mpath',
        active: true,
        sourceDevices: ['/dev/sdb'],
        targetPath: '/dev/mapper',
        volumes: [{ name: 'dm-7', path: '/dev/dm-7', type: 'block' }],
        adapter: { name: 'host3', parentaddr: '0000:05:00.1' },
      },
    ]);
    assert.deepEqual(v.scsiHosts, [{ name: 'host3', pciAddress: '0000:05:00.1', wwnn: '7' }]);
    assert.equal(v.libvirtUri, 'qemu:///system');
  });
});
