import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadInventoryFile } from '../../server/src/inventory/load';
import { HostIndex } from '../../server/src/inventory/resolver';
import type { BlockDevice } from '../../server/src/inventory/snapshot';

/** The repository: the nearest folder above this bundled test file that holds package.json (tests may sit in subfolders). */
export const ROOT = ((): string => {
  let d = __dirname;
  while (!existsSync(join(d, 'package.json')) && dirname(d) !== d) d = dirname(d);
  return d;
})();
export const EXAMPLE_INVENTORY = join(ROOT, 'examples/kvm-a.inventory.json');
export const CORPUS = join(ROOT, '..', 'shared', 'corpus', 'libvirt-11.3.0');

let kvmA: HostIndex | undefined;
export function exampleHost(): HostIndex {
  return (kvmA ??= loadInventoryFile(EXAMPLE_INVENTORY));
}

/** A domain document with the given <devices> content (`head`: elements before <os>, e.g. <blkiotune>). */
export function domainXml(devices: string, eol = '\n', head = ''): string {
  // Valid under libvirt's schema (name, memory, os), so only the rules under test speak.
  return [
    "<domain type='kvm'>",
    '  <name>t</name>',
    "  <memory unit='KiB'>1048576</memory>",
    ...(head ? [head] : []),
    "  <os><type arch='x86_64'>hvm</type></os>",
    '  <devices>',
    devices,
    '  </devices>',
    '</domain>',
    '',
  ].join(eol);
}

export function blockDisk(dev: string, target = 'vdb', extra = ''): string {
  return `    <disk type='block' device='disk'><source dev='${dev}'/><target dev='${target}' bus='virtio'/>${extra}</disk>`;
}

export const EXAMPLE_INVENTORY_B = join(ROOT, 'examples/kvm-b.inventory.json');
let kvmB: HostIndex | undefined;
export function exampleHostB(): HostIndex {
  return (kvmB ??= loadInventoryFile(EXAMPLE_INVENTORY_B));
}

/** A whole disk `/dev/KNAME` of 1 GiB with no identity, label or use; `over` sets the fields a test is about. */
export function blockDevice(kname: string, over: Partial<BlockDevice> = {}): BlockDevice {
  return {
    kname,
    name: kname,
    path: `/dev/${kname}`,
    type: 'disk',
    size: 1 << 30,
    vendor: null,
    model: null,
    serial: null,
    wwn: null,
    tran: null,
    hctl: null,
    fstype: null,
    label: null,
    uuid: null,
    partlabel: null,
    partuuid: null,
    mountpoints: [],
    parents: [],
    ...over,
  };
}
