import { test } from 'node:test';
import assert from 'node:assert/strict';
import { identityKey } from '../server/src/inventory/resolver';
import { classifyPath } from '../server/src/domain/pathClass';
import { usersOfLun } from '../server/src/rules/lunUsers';
import { exampleHost } from './support/examples';

test('a path device of a DMP-managed LUN resolves to the LUN and ranks the DMP meta-device first', () => {
  const h = exampleHost();
  const r = h.resolve('/dev/sdc');
  assert.ok(r.found);
  assert.equal(r.device?.kname, 'sdc');
  assert.equal(r.lun?.id, 'wwn:60002ac000000000000000120001a2b3');
  assert.deepEqual(r.lun?.pathDevices.sort(), ['sdc', 'sdd']);
  assert.equal(r.lun?.dmp?.name, '3pardata0_12');
  assert.equal(r.bypassesMultipath, true);
  const a = h.aliases(r);
  assert.equal(a[0].path, '/dev/vx/dmp/3pardata0_12');
  assert.equal(a[0].kind, 'dmp');
  // by-id links of the LUN point at one path (no multipath udev rules): offered, but after and marked.
  const wwn = a.find((x) => x.kind === 'wwn')!;
  assert.equal(wwn.bypassesMultipath, true);
  assert.ok(a.indexOf(wwn) > 0);
  assert.equal(a[a.length - 1].kind, 'by-path');
});

test('the same LUN through its other path, its DMP node and its by-id link has one identity', () => {
  const h = exampleHost();
  const keys = ['/dev/sdc', '/dev/sdd', '/dev/vx/dmp/3pardata0_12', '/dev/disk/by-id/wwn-0x60002ac000000000000000120001a2b3'].map((p) =>
    identityKey(h.resolve(p)),
  );
  assert.equal(new Set(keys).size, 1, JSON.stringify(keys));
  assert.notEqual(identityKey(h.resolve('/dev/sde')), keys[0]);
});

test('dm-multipath: friendly name, map, partitions and path devices', () => {
  const h = exampleHost();
  const m = h.resolve('/dev/mapper/mpatha');
  assert.equal(m.device?.kname, 'dm-2');
  assert.equal(m.bypassesMultipath, false);
  assert.equal(h.aliases(m)[0].path, '/dev/disk/by-id/dm-uuid-mpath-36001405e5bf5c158c4e4a5398ccba2cc');
  const leg = h.resolve('/dev/sdi');
  assert.equal(leg.bypassesMultipath, true);
  assert.equal(identityKey(leg), identityKey(m));
  const byUuid = h.resolve('/dev/disk/by-uuid/4f3e2d1c-0b9a-4876-a5b4-c3d2e1f0a9b8');
  assert.equal(byUuid.partition, 1);
  assert.deepEqual(byUuid.via, ['/dev/dm-3']);
  assert.equal(h.aliases(byUuid)[0].path, '/dev/disk/by-id/dm-uuid-part1-mpath-36001405e5bf5c158c4e4a5398ccba2cc');
});

test('local NVMe and SATA: hardware ids, partitions, no guest-mutable alias', () => {
  const h = exampleHost();
  const n = h.aliases(h.resolve('/dev/nvme0n1'));
  assert.equal(n[0].path, '/dev/disk/by-id/nvme-eui.36344730528012340025384500000001');
  assert.ok(n.every((a) => classifyPath(a.path).cls !== 'guest-mutable' && classifyPath(a.path).cls !== 'kernel-name'));
  const p = h.aliases(h.resolve('/dev/disk/by-label/appdata'));
  assert.equal(p[0].path, '/dev/disk/by-id/nvme-eui.36344730528012340025384500000001-part1');
  const s = h.aliases(h.resolve('/dev/sda'));
  assert.equal(s[0].path, '/dev/vx/dmp/disk_0');
  assert.equal(s[1].path, '/dev/disk/by-id/wwn-0x5002538e40a1b2c3');
});

test('volumes and missing paths', () => {
  const h = exampleHost();
  assert.equal(h.resolve('/dev/guests/web01_data').device?.kname, 'dm-6');
  assert.equal(h.resolve('/dev/vx/dsk/appdg/appvol01').found, true);
  assert.equal(h.resolve('/dev/vx/dsk/appdg/nope').found, false);
  assert.equal(h.resolve('/dev/sdz').found, false);
  assert.equal(h.resolve('/dev/vx/dmp/emc_clariion0_91').lun?.dmp?.arrayType, 'CLR-A/PF');
});

test('host domains using a LUN are found by identity, not by path string', () => {
  const h = exampleHost();
  const users = usersOfLun(identityKey(h.resolve('/dev/sde'))!, [h], [], undefined);
  assert.deepEqual(
    users.map((u) => [u.source, u.name, u.host]),
    [['host-domain', 'web01', 'kvm-a']],
  );
  assert.equal(users[0].path, '/dev/vx/dmp/3pardata0_13');
  assert.deepEqual(usersOfLun(identityKey(h.resolve('/dev/sde'))!, [h], [], 'web01'), [], 'not a user of its own disks');
});
