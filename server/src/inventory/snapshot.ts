/**
 * The inventory snapshot: one host's block-device facts, as JSON on disk and in memory.
 * Produced from the collector's output (see parsers.ts); read by the resolver.
 */
export const SNAPSHOT_FORMAT = 'libvirt-domain-inventory/1';

export interface BlockDevice {
  /** Kernel name (sdb, dm-2, nvme0n1p1): the key. */
  kname: string;
  /** lsblk NAME (mpatha, vg-lv, sdb1). */
  name: string;
  path: string;
  /** lsblk TYPE: disk, part, mpath, lvm, crypt, raid1, rom, loop, … */
  type: string;
  size: number | null;
  vendor: string | null;
  model: string | null;
  serial: string | null;
  wwn: string | null;
  tran: string | null;
  hctl: string | null;
  fstype: string | null;
  label: string | null;
  uuid: string | null;
  partlabel: string | null;
  partuuid: string | null;
  mountpoints: string[];
  /** Kernel names of the devices this one sits on (a partition's disk, a map's path devices, an LV's PVs). */
  parents: string[];
}

export interface DmpPath {
  name: string;
  state: string;
  type?: string;
  transport?: string;
  ctlr?: string;
}

export interface DmpNode {
  name: string;
  state: string;
  enclosure: string;
  arrayName: string;
  arrayType: string;
  udid: string;
  scsi3Vpd: string | null;
  numPaths: number;
  paths: DmpPath[];
}

export interface VxDisk {
  device: string;
  type: string;
  disk: string | null;
  /** Disk group name without parentheses; null when the disk is in no group. */
  group: string | null;
  /** True when the group is imported on this host (a group shown in parentheses is not). */
  imported: boolean;
  status: string;
  osNativeName: string | null;
}

export interface HostDomainDisk {
  source: string;
  shareable: boolean;
  target?: string;
}

export interface HostDomain {
  name: string;
  disks: HostDomainDisk[];
}

export type ToolState = 'ok' | 'absent' | 'failed';

export interface InventorySnapshot {
  format: typeof SNAPSHOT_FORMAT;
  host: string;
  hostname?: string;
  collectedAt: string;
  devices: BlockDevice[];
  /** Absolute symlink path → absolute, normalised target (/dev/disk/by-*, /dev/mapper). */
  links: Record<string, string>;
  dmp?: { nodes: DmpNode[]; names: string[] };
  vxvm?: { disks: VxDisk[]; volumes: string[] /* "dg/vol" */ };
  cluster?: { mode: string; active: boolean };
  domains?: HostDomain[];
  /** `virsh --version`: which libvirt (and so which domain schema) the host runs. */
  libvirtVersion?: string;
  tools: Record<string, ToolState>;
  warnings: string[];
}

export class SnapshotError extends Error {}

/** Checks the shape of a parsed snapshot JSON enough that the resolver cannot trip over it. */
export function validateSnapshot(data: unknown, origin: string): InventorySnapshot {
  const fail = (why: string): never => {
    throw new SnapshotError(`${origin}: not an inventory snapshot (${why})`);
  };
  if (!data || typeof data !== 'object') fail('not a JSON object');
  const s = data as Partial<InventorySnapshot>;
  if (s.format !== SNAPSHOT_FORMAT) fail(`format is ${JSON.stringify(s.format)}, expected "${SNAPSHOT_FORMAT}"`);
  if (typeof s.host !== 'string' || !s.host) fail('missing "host"');
  if (!Array.isArray(s.devices)) fail('missing "devices" array');
  if (!s.links || typeof s.links !== 'object') fail('missing "links" object');
  for (const d of s.devices!) {
    if (!d || typeof d.kname !== 'string' || typeof d.path !== 'string') fail('a device lacks kname/path');
    if (!Array.isArray(d.parents)) d.parents = [];
    if (!Array.isArray(d.mountpoints)) d.mountpoints = [];
  }
  if (s.dmp && !Array.isArray(s.dmp.nodes)) fail('"dmp.nodes" is not an array');
  return {
    ...s,
    tools: s.tools ?? {},
    warnings: s.warnings ?? [],
    collectedAt: s.collectedAt ?? '',
  } as InventorySnapshot;
}
