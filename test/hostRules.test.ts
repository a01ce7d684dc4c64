/**
 * Host-aware rules on snapshots of real layouts: kvm-a (DMP over a 3PAR ALUA array and an EMC
 * CLARiiON A/PF array, dm-multipath with udev link rules, an LVM PV, a VxVM group imported here and
 * one shown in parentheses, cluster active) and kvm-b (same LUNs under other kernel names, one LUN
 * with another DMP name, dm-multipath without udev link rules). Fixes are applied and re-analysed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeDocument } from '../server/src/analysis';
import { HostIndex } from '../server/src/inventory/resolver';
import { applyEdits } from '../server/src/rules/applyFixes';
import { isActivePassive } from '../server/src/rules/activePassiveDmp';
import type { FindingCode } from '../server/src/rules/codes';
import type { PeerDomain } from '../server/src/rules/types';
import { blockDisk, domainXml, exampleHost, exampleHostB } from './support/examples';

const A = () => [exampleHost()];
const AB = () => [exampleHost(), exampleHostB()];

function codesFor(path: string, hosts: HostIndex[], peers: PeerDomain[] = [], extra = ''): FindingCode[] {
  return analyzeDocument(domainXml(blockDisk(path, 'vdb', extra)), hosts, peers).findings.map((f) => f.code);
}

/** Applies the preferred fix of the first finding with `code`, re-analyses, and checks none of that code remains. */
function fixAndRecheck(path: string, code: FindingCode, hosts: HostIndex[]): string {
  const text = domainXml(blockDisk(path));
  const f = analyzeDocument(text, hosts).findings.find((x) => x.code === code);
  assert.ok(f, `${path}: no ${code}`);
  const fix = f.fixes.find((x) => x.preferred);
  assert.ok(fix, `${path}: ${code} has no preferred fix`);
  const fixed = applyEdits(text, fix.edits);
  const after = analyzeDocument(fixed, hosts).findings.map((x) => x.code);
  assert.ok(!after.includes(code), `${code} remains after the fix: ${after}`);
  return fix.edits[0].newText;
}

test('device-not-found: only when no checked host has the path', () => {
  assert.ok(codesFor('/dev/vx/dmp/emc_clariion0_19', A()).includes('device-not-found'));
  assert.ok(codesFor('/dev/disk/by-id/wwn-0x50000000deadbeef', A()).includes('device-not-found'));
  assert.ok(!codesFor('/dev/vx/dmp/emc_clariion0_91', A()).includes('device-not-found'));
  assert.ok(!codesFor('/var/lib/libvirt/images/x.img', A()).includes('device-not-found'));
  assert.deepEqual(codesFor('/dev/vx/dmp/nope', []), []); // no inventory, no opinion
});

test('multipath-bypass: DMP subpath, by-path, by-id without multipath udev rules; not the map or DMP node', () => {
  assert.ok(codesFor('/dev/sdd', A()).includes('multipath-bypass'));
  assert.ok(codesFor('/dev/disk/by-path/pci-0000:3b:00.0-fc-0x20210002ac01a2b3-lun-12', A()).includes('multipath-bypass'));
  assert.ok(codesFor('/dev/disk/by-id/wwn-0x60002ac000000000000000120001a2b3', A()).includes('multipath-bypass'));
  assert.ok(!codesFor('/dev/vx/dmp/3pardata0_12', A()).includes('multipath-bypass'));
  // dm-multipath with udev rules (kvm-a): wwn- points at the map and is fine; without them (kvm-b) it bypasses.
  const wwn = '/dev/disk/by-id/wwn-0x6001405e5bf5c158c4e4a5398ccba2cc';
  assert.ok(!codesFor(wwn, A()).includes('multipath-bypass'));
  assert.ok(codesFor(wwn, [exampleHostB()]).includes('multipath-bypass'));
  assert.ok(codesFor('/dev/sdi', A()).includes('multipath-bypass'));
  assert.equal(fixAndRecheck('/dev/sdd', 'multipath-bypass', A()), '/dev/vx/dmp/3pardata0_12');
  assert.equal(fixAndRecheck(wwn, 'multipath-bypass', [exampleHostB()]), '/dev/disk/by-id/dm-uuid-mpath-36001405e5bf5c158c4e4a5398ccba2cc');
});

test('active-passive-dmp: A/P family on an active cluster node only', () => {
  for (const t of ['A/P', 'A/PF', 'A/PG', 'A/P-C', 'A/PF-C', 'A/PG-C', 'A/PF-LSI', 'CLR-A/PF']) assert.ok(isActivePassive(t), t);
  for (const t of ['A/A', 'A/A-A', 'ALUA', 'IBMSVC-ALUA', 'VMAX-A/A', 'CLR-ALUA', 'OTHER_DISKS', '']) assert.ok(!isActivePassive(t), t);
  assert.ok(codesFor('/dev/vx/dmp/emc_clariion0_91', A()).includes('active-passive-dmp'));
  assert.ok(codesFor('/dev/sdg', A()).includes('active-passive-dmp'));
  assert.ok(!codesFor('/dev/vx/dmp/3pardata0_12', A()).includes('active-passive-dmp'));
  const inactive = new HostIndex({ ...exampleHost().snapshot, cluster: { mode: 'enabled: cluster inactive', active: false } });
  assert.ok(!codesFor('/dev/vx/dmp/emc_clariion0_91', [inactive]).includes('active-passive-dmp'));
  const f = analyzeDocument(domainXml(blockDisk('/dev/vx/dmp/emc_clariion0_91')), A()).findings.find(
    (x) => x.code === 'active-passive-dmp',
  )!;
  assert.equal(f.severity, 'error');
  assert.equal(f.fixes.length, 0);
  assert.match(f.message, /VxVM volume/);
});

test('device-in-use-by-host: mounts, swap, LVM PV, imported VxVM group; not unused LVs, volumes or groups imported elsewhere', () => {
  const inUse = (p: string) => codesFor(p, A()).includes('device-in-use-by-host');
  assert.ok(inUse('/dev/sda'), 'whole disk with /boot and a PV');
  assert.ok(inUse('/dev/vx/dmp/disk_0'), 'same disk through DMP');
  assert.ok(inUse('/dev/sda2'), 'LVM PV');
  assert.ok(inUse('/dev/disk/by-uuid/0b1c6f0e-5f7e-4c43-9d1b-3c2c7a9a1e01'), 'mounted /boot');
  assert.ok(inUse('/dev/mapper/rhel-swap'), 'swap');
  assert.ok(inUse('/dev/rhel/root'), 'mounted root LV');
  assert.ok(inUse('/dev/vx/dmp/3pardata0_14'), 'disk of appdg imported here');
  assert.ok(inUse('/dev/sdk'), 'a path of that disk');
  assert.ok(!inUse('/dev/guests/web01_data'), 'unused LV');
  assert.ok(!inUse('/dev/vx/dsk/appdg/appvol01'), 'VxVM volume');
  assert.ok(!inUse('/dev/vx/dmp/3pardata0_13'), 'group (olddg) imported elsewhere');
  assert.ok(!inUse('/dev/vx/dmp/3pardata0_12'), 'free LUN');
  const msg = analyzeDocument(domainXml(blockDisk('/dev/sda')), A()).findings.find((x) => x.code === 'device-in-use-by-host')!.message;
  assert.match(msg, /mounted on \/boot/);
  assert.match(msg, /LVM physical volume/);
});

test('shared-without-shareable: by LUN identity across peers and host domains; <shareable/> and the domain itself are fine', () => {
  const peer: PeerDomain = { origin: 'other.xml', name: 'other', disks: [{ path: '/dev/vx/dmp/3pardata0_12', shareable: true }] };
  assert.ok(codesFor('/dev/sdd', A(), [peer]).includes('shared-without-shareable'));
  assert.ok(codesFor('/dev/disk/by-id/wwn-0x60002ac000000000000000120001a2b3', A(), [peer]).includes('shared-without-shareable'));
  assert.ok(!codesFor('/dev/sdd', A(), [peer], '<shareable/>').includes('shared-without-shareable'));
  assert.ok(!codesFor('/dev/vx/dmp/3pardata0_12', A(), []).includes('shared-without-shareable'));
  // web01 is defined on kvm-a with DMP node 3pardata0_13; path sdf reaches it too.
  assert.ok(codesFor('/dev/sdf', A()).includes('shared-without-shareable'));
  const self = domainXml(blockDisk('/dev/vx/dmp/3pardata0_13')).replace('<name>t</name>', '<name>web01</name>');
  assert.ok(!analyzeDocument(self, A()).findings.some((f) => f.code === 'shared-without-shareable'));
});

test('duplicate-device: the same LUN twice in one domain, through different names', () => {
  const text = domainXml(
    [blockDisk('/dev/vx/dmp/3pardata0_12', 'vdb'), blockDisk('/dev/disk/by-id/wwn-0x60002ac000000000000000120001a2b3', 'vdc')].join('\n'),
  );
  const f = analyzeDocument(text, A()).findings.filter((x) => x.code === 'duplicate-device');
  assert.equal(f.length, 1);
  assert.ok(f[0].start > text.indexOf('vdb'));
  assert.ok(
    !analyzeDocument(
      domainXml([blockDisk('/dev/vx/dmp/3pardata0_12', 'vdb'), blockDisk('/dev/vx/dmp/3pardata0_14', 'vdc')].join('\n')),
      A(),
    ).findings.some((x) => x.code === 'duplicate-device'),
  );
});

test('inconsistent-across-hosts: missing on a host or another LUN there; fixes valid on every host', () => {
  assert.ok(codesFor('/dev/sdc', AB()).includes('inconsistent-across-hosts'), 'sdc is another LUN on kvm-b');
  assert.ok(codesFor('/dev/vx/dmp/3pardata0_13', AB()).includes('inconsistent-across-hosts'), 'another DMP name on kvm-b');
  assert.ok(!codesFor('/dev/vx/dmp/3pardata0_12', AB()).includes('inconsistent-across-hosts'), 'same DMP name on both');
  assert.ok(!codesFor('/dev/disk/by-id/dm-uuid-mpath-36001405e5bf5c158c4e4a5398ccba2cc', AB()).includes('inconsistent-across-hosts'));
  // mpatha exists on kvm-a only (kvm-b calls it mpathb): a host group never guesses, so the WWID name (valid on
  // both) is offered as mapping kvm-a's LUN, not preferred (issue 12, item 5); applied, the value is consistent.
  const mp = domainXml(blockDisk('/dev/mapper/mpatha'));
  const fmp = analyzeDocument(mp, AB()).findings.find((x) => x.code === 'inconsistent-across-hosts')!;
  assert.ok(!fmp.fixes.some((x) => x.preferred));
  const wwid = fmp.fixes.find((x) => x.edits[0].newText === '/dev/disk/by-id/dm-uuid-mpath-36001405e5bf5c158c4e4a5398ccba2cc')!;
  assert.match(wwid.title, /^Map kvm-a's LUN \(LUN WWN 0x6001405e5bf5c158c4e4a5398ccba2cc\): use /);
  assert.ok(!analyzeDocument(applyEdits(mp, wwid.edits), AB()).findings.some((x) => x.code === 'inconsistent-across-hosts'));
  // LUN 13: DMP names differ and its by-id links reach single paths, so nothing is valid on both hosts.
  const f13 = analyzeDocument(domainXml(blockDisk('/dev/vx/dmp/3pardata0_13')), AB()).findings.find(
    (x) => x.code === 'inconsistent-across-hosts',
  )!;
  assert.equal(f13.fixes.length, 0);
  // unstable-device-name fixes are restricted the same way. sdd is LUN 12 on kvm-a and the mpath LUN on kvm-b:
  // each fix maps one host's LUN, says which, is valid on both, and none is preferred (issue 12, item 5).
  const u = analyzeDocument(domainXml(blockDisk('/dev/sdd')), AB()).findings.find((x) => x.code === 'unstable-device-name')!;
  assert.ok(u.fixes.length >= 2);
  for (const fx of u.fixes) {
    const host = /^Map (kvm-[ab])'s LUN/.exec(fx.title)?.[1];
    assert.ok(host, fx.title);
    const meant = (host === 'kvm-a' ? exampleHost() : exampleHostB()).resolve('/dev/sdd').lun?.id;
    for (const h of AB()) assert.equal(h.resolve(fx.edits[0].newText).lun?.id, meant, `${fx.title} on ${h.host}`);
  }
  assert.equal(
    u.fixes.find((x) => x.preferred),
    undefined,
  );
});

test('missing-serial: information with several hosts, only for disks that are the same on all', () => {
  const f = analyzeDocument(domainXml(blockDisk('/dev/vx/dmp/3pardata0_12')), AB()).findings.find((x) => x.code === 'missing-serial')!;
  assert.equal(f.severity, 'information');
  assert.equal(f.fixes.length, 0);
  assert.ok(!codesFor('/dev/vx/dmp/3pardata0_12', AB(), [], '<serial>DATA01</serial>').includes('missing-serial'));
  assert.ok(!codesFor('/dev/vx/dmp/3pardata0_12', A()).includes('missing-serial'));
});

test('unstable and guest-mutable fixes on real layouts leave no finding of their kind', () => {
  for (const p of ['/dev/sdc', '/dev/nvme0n1', '/dev/mapper/mpatha', '/dev/dm-2']) fixAndRecheck(p, 'unstable-device-name', A());
  for (const p of [
    '/dev/disk/by-label/appdata',
    '/dev/disk/by-uuid/4f3e2d1c-0b9a-4876-a5b4-c3d2e1f0a9b8',
    '/dev/disk/by-partuuid/a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
  ])
    fixAndRecheck(p, 'guest-mutable-identifier', A());
  // dm-2 is the same map on both hosts (the same LUN): a consistent value still gets its preferred fix.
  assert.equal(fixAndRecheck('/dev/dm-2', 'unstable-device-name', AB()), '/dev/disk/by-id/dm-uuid-mpath-36001405e5bf5c158c4e4a5398ccba2cc');
});

test('a refreshed inventory of the second host changes the fix candidates (no stale cache by host name)', () => {
  // The wwn- link of LUN 12 is that LUN on both hosts (sdd, the old probe here, is another LUN on kvm-b: no preferred fix).
  const text = domainXml(blockDisk('/dev/disk/by-id/wwn-0x60002ac000000000000000120001a2b3'));
  const preferred = (hosts: HostIndex[]) =>
    analyzeDocument(text, hosts)
      .findings.find((x) => x.code === 'multipath-bypass')!
      .fixes.find((x) => x.preferred)?.edits[0].newText;
  assert.equal(preferred(AB()), '/dev/vx/dmp/3pardata0_12');
  // kvm-b refreshed: its DMP node for LUN 12 now has another name, so the DMP name is no longer valid on both hosts.
  const b = exampleHostB().snapshot;
  const renamed = JSON.parse(JSON.stringify(b).replace(/3pardata0_12/g, '3pardata9_12'));
  const refreshed = new HostIndex({ ...renamed, links: { ...b.links } });
  assert.notEqual(preferred([exampleHost(), refreshed]), '/dev/vx/dmp/3pardata0_12');
});
