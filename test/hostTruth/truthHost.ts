/**
 * kvm-a (examples/kvm-a.inventory.json) with what issue 12 adds: site udev rules and their links,
 * storage pools with volumes, SCSI hosts. Built directly as a snapshot (the collector's parsing of
 * these sections is tested with the collector).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadInventoryFile } from '../../server/src/inventory/load';
import { HostIndex } from '../../server/src/inventory/resolver';
import type { InventorySnapshot } from '../../server/src/inventory/snapshot';
import { EXAMPLE_INVENTORY } from '../support/examples';

export const RULES_FILE = '/etc/udev/rules.d/99-vmdisks.rules';
export const RULES_TEXT = [
  '# Site links for guest disks',
  '',
  'ENV{DM_UUID}=="mpath-36001405e5bf5c158c4e4a5398ccba2cc", \\',
  '  SYMLINK+="vmdisks/db-data"',
  'KERNEL=="sdf", SUBSYSTEM=="block", SYMLINK+="vmdisks/old-%k"',
  'SUBSYSTEM=="block", ENV{ID_WWN}=="0x60002ac000000000000000120001a2b3", SYMLINK+="vmdisks/app-$env{ID_SERIAL}"',
  'KERNEL=="sd*", ENV{ID_SERIAL}=="36006016012345600a1b2c3d4e5f6a7b8", SYMLINK+="asm-disk1"',
  'KERNEL=="nvme0n1", SYMLINK+="fast0"',
  '',
].join('\n');

export function truthSnapshot(): InventorySnapshot {
  const s = JSON.parse(readFileSync(EXAMPLE_INVENTORY, 'utf8')) as InventorySnapshot;
  Object.assign(s.links, {
    '/dev/vmdisks/db-data': '/dev/dm-2',
    '/dev/vmdisks/old-sdf': '/dev/sdf',
    '/dev/vmdisks/app-360002ac000000000000000120001a2b3': '/dev/sdc',
    '/dev/asm-disk1': '/dev/sdg',
    '/dev/fast0': '/dev/nvme0n1',
  });
  delete s.domains; // the host's own domains would add sharing findings beside the ones under test
  s.udevRules = [{ file: RULES_FILE, text: RULES_TEXT }];
  s.pools = [
    {
      name: 'fcpool',
      type: 'scsi',
      active: true,
      targetPath: '/dev/disk/by-path',
      sourceDevices: [],
      adapter: { name: 'host3' },
      volumes: [{ name: 'unit:0:0:12', path: '/dev/disk/by-path/pci-0000:3b:00.0-fc-0x20210002ac01a2b3-lun-12' }],
    },
    {
      name: 'byid',
      type: 'scsi',
      active: true,
      targetPath: '/dev/disk/by-id',
      sourceDevices: [],
      volumes: [{ name: 'unit:0:0:0', path: '/dev/disk/by-id/dm-uuid-mpath-36001405e5bf5c158c4e4a5398ccba2cc' }],
    },
    {
      name: 'mp',
      type: 'mpath',
      active: true,
      targetPath: '/dev/mapper',
      sourceDevices: [],
      volumes: [{ name: 'dm-2', path: '/dev/mapper/mpatha' }],
    },
    {
      name: 'guests',
      type: 'logical',
      active: true,
      targetPath: '/dev/guests',
      sourceDevices: ['/dev/sda2'],
      volumes: [{ name: 'web01_data', path: '/dev/guests/web01_data' }],
    },
    {
      name: 'images',
      type: 'dir',
      active: true,
      targetPath: '/var/lib/libvirt/images',
      sourceDevices: [],
      volumes: [{ name: 'a.qcow2', path: '/var/lib/libvirt/images/a.qcow2' }],
    },
    { name: 'old', type: 'logical', active: false, sourceDevices: [], volumes: [] },
  ];
  s.scsiHosts = [
    { name: 'host3', pciAddress: '0000:3b:00.0', wwnn: '20000024ff3b0000', wwpn: '21000024ff3b0000' },
    { name: 'host4', pciAddress: '0000:3b:00.1', wwnn: '20000024ff3b0001', wwpn: '21000024ff3b0001' },
  ];
  return s;
}

/** kvm-a as a snapshot from before issue 12: no udev rules, pools or SCSI hosts, no links outside /dev/disk and /dev/mapper. */
export function oldHost(): HostIndex {
  const s = truthSnapshot();
  delete s.udevRules;
  delete s.pools;
  delete s.scsiHosts;
  for (const k of Object.keys(s.links)) if (!/^\/dev\/(?:disk|mapper)\//.test(k)) delete s.links[k];
  return new HostIndex(s);
}

let idx: HostIndex | undefined;
export function truthHost(): HostIndex {
  return (idx ??= new HostIndex(truthSnapshot()));
}

/** The snapshot written to a temporary file, for the CLI; `loaded` says whether the loader keeps the new sections. */
export function truthInventoryFile(): { file: string; loaded: { udevRules: boolean; pools: boolean; scsiHosts: boolean } } {
  const file = join(mkdtempSync(join(tmpdir(), 'ldx-truth-')), 'kvm-a.inventory.json');
  writeFileSync(file, JSON.stringify(truthSnapshot()));
  const back = loadInventoryFile(file).snapshot;
  return { file, loaded: { udevRules: !!back.udevRules?.length, pools: !!back.pools?.length, scsiHosts: !!back.scsiHosts?.length } };
}
