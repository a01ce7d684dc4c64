/**
 * Unit tests (node:test) of the extension's pure modules, which need no editor: the inventory view,
 * the status bar text, domain sniffing, settings path resolution; and package.json against the
 * server's finding codes. Bundled by test/e2e/build.mjs to out/e2e/unit/.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatSize, inventoryMarkdown, lunsOf, type SnapshotLike } from '../../../client/src/inventoryView';
import { resolveSettingPath, resolveSettings } from '../../../client/src/settings';
import { formatAge, looksLikeDomain, presentStatus, type InventoryState } from '../../../client/src/status';
import { ALL_CODES } from '../../../server/src/rules/codes';

const ROOT = join(__dirname, '..', '..', '..');

/** A small host: a DMP-managed ALUA LUN (2 paths), a dm-multipath LUN with a partition, a local disk with LVM. */
const SNAP: SnapshotLike = {
  host: 'kvm-t',
  hostname: 'kvm-t.example',
  collectedAt: '2026-01-02T03:04:05.000Z',
  devices: [
    { kname: 'sda', name: 'sda', path: '/dev/sda', type: 'disk', size: 480 * 2 ** 30, vendor: 'ATA', model: 'SSD', serial: 'S1', wwn: '0x5000000000000001', tran: 'sata', parents: [] },
    { kname: 'sda1', name: 'sda1', path: '/dev/sda1', type: 'part', size: 2 ** 30, mountpoints: ['/boot'], parents: ['sda'] },
    { kname: 'sda2', name: 'sda2', path: '/dev/sda2', type: 'part', size: 2 ** 30, parents: ['sda'] },
    { kname: 'dm-0', name: 'vg-guest1', path: '/dev/mapper/vg-guest1', type: 'lvm', size: 2 ** 30, parents: ['sda2'] },
    { kname: 'sdb', name: 'sdb', path: '/dev/sdb', type: 'disk', size: 500 * 2 ** 30, vendor: '3PARdata', model: 'VV', wwn: '0x60002ac0000000000000001200000001', tran: 'fc', parents: [] },
    { kname: 'sdc', name: 'sdc', path: '/dev/sdc', type: 'disk', size: 500 * 2 ** 30, vendor: '3PARdata', model: 'VV', wwn: '0x60002ac0000000000000001200000001', tran: 'fc', parents: [] },
    { kname: 'sdd', name: 'sdd', path: '/dev/sdd', type: 'disk', size: 100 * 2 ** 30, vendor: 'LIO-ORG', model: 'lun0', wwn: '0x6001405000000000000000000000000a', tran: 'iscsi', parents: [] },
    { kname: 'sde', name: 'sde', path: '/dev/sde', type: 'disk', size: 100 * 2 ** 30, vendor: 'LIO-ORG', model: 'lun0', wwn: '0x6001405000000000000000000000000a', tran: 'iscsi', parents: [] },
    { kname: 'dm-2', name: 'mpatha', path: '/dev/mapper/mpatha', type: 'mpath', size: 100 * 2 ** 30, parents: ['sdd', 'sde'] },
    { kname: 'dm-3', name: 'mpatha1', path: '/dev/mapper/mpatha1', type: 'part', size: 100 * 2 ** 30, parents: ['dm-2'] },
    { kname: 'sr0', name: 'sr0', path: '/dev/sr0', type: 'rom', size: 1024, parents: [] },
  ],
  links: {
    '/dev/disk/by-id/wwn-0x5000000000000001': '/dev/sda',
    '/dev/disk/by-id/wwn-0x60002ac0000000000000001200000001': '/dev/sdc',
    '/dev/disk/by-path/pci-0000:3b:00.0-fc-0x1-lun-12': '/dev/sdb',
    '/dev/disk/by-id/dm-uuid-mpath-36001405000000000000000000000000a': '/dev/dm-2',
    '/dev/disk/by-id/dm-name-mpatha': '/dev/dm-2',
    '/dev/disk/by-id/wwn-0x6001405000000000000000000000000a': '/dev/dm-2',
    '/dev/disk/by-id/dm-uuid-part1-mpath-36001405000000000000000000000000a': '/dev/dm-3',
    '/dev/disk/by-label/data': '/dev/dm-3',
    '/dev/mapper/mpatha': '/dev/dm-2',
    '/dev/mapper/vg-guest1': '/dev/dm-0',
    '/dev/disk/by-diskseq/4': '/dev/sdb',
  },
  dmp: {
    nodes: [{
      name: '3pardata0_12', state: 'enabled', enclosure: '3pardata0', arrayName: '3PARDATA', arrayType: 'ALUA',
      scsi3Vpd: 'NAA:60002AC0000000000000001200000001',
      paths: [{ name: 'sdb', state: 'enabled(a)', type: 'primary', ctlr: 'c3' }, { name: 'sdc', state: 'enabled(a)', type: 'primary', ctlr: 'c4' }],
    }],
    names: ['3pardata0_12'],
  },
  vxvm: { disks: [{ device: '3pardata0_12', disk: 'appdg01', group: 'appdg', imported: true, status: 'online shared' }], volumes: [] },
  cluster: { mode: 'enabled: cluster active - MASTER', active: true },
  domains: [
    { name: 'web01', disks: [{ source: '/dev/vx/dmp/3pardata0_12', target: 'vdb', shareable: false }, { source: '/dev/mapper/vg-guest1', target: 'vda', shareable: false }] },
    { name: 'db01', disks: [{ source: '/dev/disk/by-label/data', target: 'vdc', shareable: true }] },
  ],
  tools: { lsblk: 'ok', vxdmpadm: 'ok' },
  warnings: ['vxdisk: one line not understood'],
};

describe('inventory view (client/src/inventoryView.ts)', () => {
  test('LUNs: path devices grouped by identity, DMP node, dm-multipath map, VxVM, users', () => {
    const luns = lunsOf(SNAP);
    assert.equal(luns.length, 3, 'sda, the 3PAR LUN, the iSCSI LUN; the cdrom is not a LUN');
    const [dmp, mp, local] = luns;
    assert.equal(dmp.identity, 'WWN 0x60002ac0000000000000001200000001');
    assert.deepEqual(dmp.paths.map((p) => [p.name, p.state, p.ctlr]), [['sdb', 'enabled(a)', 'c3'], ['sdc', 'enabled(a)', 'c4']]);
    assert.deepEqual(dmp.dmp, { node: '3pardata0_12', arrayName: '3PARDATA', arrayType: 'ALUA', enclosure: '3pardata0', state: 'enabled' });
    assert.deepEqual(dmp.aliases, ['/dev/vx/dmp/3pardata0_12']);
    assert.deepEqual(dmp.singlePathNames, ['/dev/disk/by-id/wwn-0x60002ac0000000000000001200000001', '/dev/disk/by-path/pci-0000:3b:00.0-fc-0x1-lun-12']);
    assert.deepEqual(dmp.vxvm, { disk: 'appdg01', group: 'appdg', imported: true, status: 'online shared' });
    assert.deepEqual(dmp.usedBy, [{ domain: 'web01', target: 'vdb', source: '/dev/vx/dmp/3pardata0_12', shareable: false, via: undefined }]);

    assert.deepEqual(mp.mpath, { name: 'mpatha', kname: 'dm-2' });
    // dm-name-mpathN and /dev/mapper/mpathN are user-friendly names: not stable aliases.
    assert.deepEqual(mp.aliases, ['/dev/disk/by-id/dm-uuid-mpath-36001405000000000000000000000000a', '/dev/disk/by-id/wwn-0x6001405000000000000000000000000a']);
    assert.deepEqual(mp.partitions, ['/dev/mapper/mpatha1']);
    assert.deepEqual(mp.usedBy, [{ domain: 'db01', target: 'vdc', source: '/dev/disk/by-label/data', shareable: true, via: 'part mpatha1' }]);

    assert.equal(local.identity, 'WWN 0x5000000000000001');
    assert.deepEqual(local.aliases, ['/dev/disk/by-id/wwn-0x5000000000000001']);
    assert.deepEqual(local.mountpoints, ['/boot (sda1)']);
    assert.deepEqual(local.usedBy.map((u) => [u.domain, u.via]), [['web01', 'lvm vg-guest1']]);
  });

  test('markdown: heading, a table row per LUN, details, collection warnings', () => {
    const md = inventoryMarkdown(SNAP, { source: 'ssh' });
    assert.match(md, /^# Inventory of kvm-t\n\nhostname `kvm-t.example` · collected 2026-01-02 03:04:05 UTC · source: ssh · cluster: enabled: cluster active - MASTER\n/);
    assert.match(md, /## LUNs \(3\)/);
    assert.match(md, /^\| 3PARdata VV \| 500 GiB \| `WWN 0x60002ac0000000000000001200000001` \| sdb, sdc \| DMP 3pardata0_12 \(ALUA\) \| `\/dev\/vx\/dmp\/3pardata0_12` \| web01 \(vdb\) \|$/m);
    assert.match(md, /^\| LIO-ORG lun0 \| 100 GiB \| .* \| sdd, sde \| dm-multipath mpatha \| `\/dev\/disk\/by-id\/dm-uuid-mpath-36001405000000000000000000000000a` \| db01 \(vdc\) \|$/m);
    assert.match(md, /- \*\*VxVM:\*\* disk `appdg01`, disk group `appdg` \(imported here\) · online shared/);
    assert.match(md, /- \*\*One path only \(no failover\):\*\* `\/dev\/disk\/by-id\/wwn-0x60002ac0000000000000001200000001`/);
    assert.match(md, /- \*\*Used by:\*\* db01 as vdc via `\/dev\/disk\/by-label\/data` \(part mpatha1\) · shareable/);
    assert.match(md, /- ⚠ vxdisk: one line not understood/);
    // Table cells cannot be broken by a pipe in a value.
    const odd = inventoryMarkdown({ host: 'h', devices: [{ kname: 'sdx', path: '/dev/sdx', type: 'disk', model: 'a|b', size: null }] });
    assert.match(odd, /\| a\\\|b \| \? \|/);
  });

  test('tolerates a sparse or foreign snapshot', () => {
    assert.deepEqual(lunsOf({}), []);
    assert.match(inventoryMarkdown({}), /# Inventory of \?/);
    assert.equal(lunsOf({ devices: [{ kname: 'sda', path: '/dev/sda', type: 'disk' }] })[0].identity, 'sda');
  });

  test('hostile or mutated snapshots never make the view throw', () => {
    const example = JSON.parse(readFileSync(join(ROOT, 'examples/kvm-a.inventory.json'), 'utf8'));
    const junk = [null, 0, 42, '', 'x', true, [], {}, [null], [1, 'a'], { a: 1 }, -1, NaN];
    // Replace each value reachable within three levels by each kind of junk.
    let cases = 0;
    const visit = (node: any, depth: number) => {
      if (!node || typeof node !== 'object' || depth > 3) return;
      for (const key of Object.keys(node).slice(0, 12)) {
        const saved = node[key];
        for (const j of junk) {
          node[key] = j;
          assert.doesNotThrow(() => inventoryMarkdown(example), `${key} = ${JSON.stringify(j)}`);
          cases++;
        }
        node[key] = saved;
        visit(saved, depth + 1);
      }
    };
    visit(example, 0);
    assert.ok(cases > 500, String(cases));
    for (const j of junk) assert.doesNotThrow(() => inventoryMarkdown(j));
  });

  test('the example host: every DMP node and the multipath map appear', () => {
    const snap = JSON.parse(readFileSync(join(ROOT, 'examples/kvm-a.inventory.json'), 'utf8')) as SnapshotLike;
    const luns = lunsOf(snap);
    for (const n of snap.dmp?.nodes ?? []) assert.ok(luns.some((l) => l.dmp?.node === n.name), n.name);
    assert.ok(luns.some((l) => l.mpath?.name === 'mpatha'));
    const md = inventoryMarkdown(snap);
    assert.match(md, /db01 as vdb via `\/dev\/disk\/by-id\/dm-uuid-mpath-/);
  });

  test('sizes', () => {
    assert.equal(formatSize(512), '512 B');
    assert.equal(formatSize(1.5 * 2 ** 40), '1.5 TiB');
    assert.equal(formatSize(500 * 2 ** 30), '500 GiB');
    assert.equal(formatSize(null), '?');
  });
});

describe('status bar text (client/src/status.ts)', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);
  const state = (hosts: InventoryState['hosts'], groups = [{ name: 'default', hosts: hosts.map((h) => h.host) }], hostAccess = true): InventoryState => ({ hostAccess, groups, hosts });

  test('freshness of the oldest live inventory of the group', () => {
    const s = presentStatus(state([
      { host: 'kvm-a', fetching: false, source: 'ssh', fetchedAt: now - 2 * 60_000 },
      { host: 'kvm-b', fetching: false, source: 'ssh', fetchedAt: now - 30_000 },
    ]), 'default', now);
    assert.equal(s.text, '$(server) kvm-a, kvm-b · 2 min');
    assert.equal(s.warning, false);
    assert.match(s.tooltip, /- `kvm-a`: fetched 2 min ago \(ssh\)\n- `kvm-b`: fetched just now \(ssh\)/);
    assert.match(s.tooltip, /Click to refresh/);
  });

  test('spinner while fetching, warning when a host failed, group names shown when chosen', () => {
    const fetching = presentStatus(state([{ host: 'kvm-a', fetching: true, source: 'none' }]), 'default', now);
    assert.equal(fetching.text, '$(sync~spin) kvm-a');
    assert.equal(fetching.fetching, true);
    const failed = presentStatus(state([
      { host: 'kvm-a', fetching: false, source: 'ssh', fetchedAt: now - 3 * 3600_000, error: 'kvm-a: connection refused', errorKind: 'refused' },
    ], [{ name: 'prod', hosts: ['kvm-a'] }]), 'prod', now);
    assert.equal(failed.text, '$(warning) prod: kvm-a · 3 h');
    assert.equal(failed.warning, true);
    assert.match(failed.tooltip, /⚠ kvm-a: connection refused/);
  });

  test('snapshots, restricted mode, nothing configured', () => {
    assert.equal(presentStatus(state([{ host: 'kvm-a', fetching: false, source: 'snapshot' }], [{ name: 'snapshots', hosts: ['kvm-a'] }]), 'snapshots', now).text, '$(server) kvm-a · snapshot');
    const restricted = presentStatus(state([{ host: 'kvm-a', fetching: false, source: 'none' }], undefined, false), 'default', now);
    assert.equal(restricted.text, '$(shield) kvm-a · offline');
    assert.match(restricted.tooltip, /Restricted Mode/);
    assert.doesNotMatch(restricted.tooltip, /Click to refresh/);
    assert.equal(presentStatus(state([], []), undefined, now).text, '$(server) no host inventory');
    assert.equal(presentStatus(undefined, undefined, now).text, '$(server) no host inventory');
    assert.equal(presentStatus(state([], [], false), undefined, now).text, '$(shield) no host inventory');
  });

  test('ages', () => {
    assert.equal(formatAge(59_000), 'just now');
    assert.equal(formatAge(60_000), '1 min');
    assert.equal(formatAge(59 * 60_000), '59 min');
    assert.equal(formatAge(47 * 3600_000), '47 h');
    assert.equal(formatAge(72 * 3600_000), '3 d');
    assert.equal(formatAge(-5), 'just now');
  });
});

describe('domain sniffing (client/src/status.ts)', () => {
  test('root element <domain> after prolog, comments, PIs and a DOCTYPE', () => {
    assert.ok(looksLikeDomain("<domain type='kvm'>"));
    assert.ok(looksLikeDomain('\ufeff<?xml version="1.0"?>\n<!-- virsh dumpxml -->\n<?pi x?>\n<!DOCTYPE domain [ <!ENTITY a "b"> ]>\n<domain>'));
    assert.ok(looksLikeDomain('<domain/>'));
    assert.ok(!looksLikeDomain('<domainsnapshot>'));
    assert.ok(!looksLikeDomain("<pool type='disk'>"));
    assert.ok(!looksLikeDomain('<!-- unterminated'));
    assert.ok(!looksLikeDomain(''));
  });
});

describe('settings (client/src/settings.ts)', () => {
  test('snapshot and ssh config paths resolved against the workspace folder', () => {
    assert.equal(resolveSettingPath('snap/kvm-a.json', '/ws', '/home/u'), '/ws/snap/kvm-a.json');
    assert.equal(resolveSettingPath('../../x.json', '/a/b/ws', '/home/u'), '/a/x.json');
    assert.equal(resolveSettingPath('~/inv/a.json', '/ws', '/home/u'), '/home/u/inv/a.json');
    assert.equal(resolveSettingPath('${workspaceFolder}/a.json', '/ws', '/home/u'), '/ws/a.json');
    assert.equal(resolveSettingPath('${userHome}/a.json', undefined, '/home/u'), '/home/u/a.json');
    assert.equal(resolveSettingPath('/abs/a.json', '/ws', '/home/u'), '/abs/a.json');
    assert.equal(resolveSettingPath('rel.json', undefined, '/home/u'), 'rel.json');
    const raw = { inventorySnapshot: ['a.json', '', '/b.json'], ssh: { configFile: 'ssh_config', path: 'ssh' }, hosts: ['kvm-a'] };
    assert.deepEqual(resolveSettings(raw, '/ws', '/h'), { inventorySnapshot: ['/ws/a.json', '', '/b.json'], ssh: { configFile: '/ws/ssh_config', path: 'ssh' }, hosts: ['kvm-a'] });
    assert.deepEqual(raw.inventorySnapshot, ['a.json', '', '/b.json'], 'input unchanged');
    assert.equal(resolveSettings(null, '/ws'), null);
  });
});

describe('package.json contributions', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const props = pkg.contributes.configuration.properties as Record<string, { scope?: string; description?: string; markdownDescription?: string; properties?: Record<string, unknown> }>;

  test('one severity property per finding code of the server', () => {
    assert.deepEqual(Object.keys(props['libvirtDomain.severity'].properties ?? {}).sort(), [...ALL_CODES].sort());
  });

  test('every setting is described; what runs a program or contacts a host is machine-scoped and restricted', () => {
    for (const [k, v] of Object.entries(props)) assert.ok(v.description || v.markdownDescription, `${k} has a description`);
    const restricted = pkg.capabilities.untrustedWorkspaces.restrictedConfigurations as string[];
    assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
    assert.ok(pkg.capabilities.untrustedWorkspaces.description);
    for (const k of ['libvirtDomain.hosts', 'libvirtDomain.ssh.path', 'libvirtDomain.ssh.configFile', 'libvirtDomain.ssh.extraArgs']) {
      assert.ok(restricted.includes(k), `${k} restricted`);
      assert.match(props[k].scope ?? '', /^machine(-overridable)?$/, `${k} scope`);
    }
  });

  test('commands are in the "Libvirt Domain" category; activation on XML', () => {
    for (const c of pkg.contributes.commands) assert.equal(c.category, 'Libvirt Domain', c.command);
    assert.deepEqual(pkg.activationEvents, ['onLanguage:xml']);
    assert.equal(pkg.engines.vscode, '^1.100.0');
  });
});
