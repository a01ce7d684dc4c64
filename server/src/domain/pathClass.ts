/**
 * What kind of name a host path is, judged from the path alone.
 * The classes follow how the name is derived (udev's persistent-storage rules, device-mapper, DMP, volume managers).
 */
export type PathClass =
  | 'kernel-name' // /dev/sdb, /dev/nvme0n1p2, /dev/dm-3: enumeration order, changes across reboots
  | 'mpath-friendly-name' // /dev/mapper/mpatha: assigned in discovery order, differs between hosts
  | 'boot-sequence' // /dev/disk/by-diskseq: a per-boot counter
  | 'guest-mutable' // by-label, by-uuid, by-partlabel, by-partuuid: read from the disk's content
  | 'hardware-id' // by-id from inquiry data: wwn-, scsi-, nvme-eui., ata-, …
  | 'multipath' // by-id/dm-uuid-mpath-<wwid>
  | 'dmp' // /dev/vx/dmp/<name>
  | 'volume' // /dev/<vg>/<lv>, /dev/mapper/<vg>-<lv>, dm-uuid-LVM-, /dev/vx/dsk/<dg>/<vol>
  | 'by-path' // HBA/port/target/LUN topology: one path of possibly several
  | 'device-mapper' // other /dev/mapper names and dm-name- links
  | 'removable' // /dev/cdrom, /dev/sr0, /dev/fd0
  | 'other-device' // something else under /dev
  | 'file'; // not under /dev

export interface PathInfo {
  cls: PathClass;
  /** One sentence on why the class matters. */
  why: string;
}

const WHY: Record<PathClass, string> = {
  'kernel-name': 'Kernel names follow device enumeration order and can point at another disk after a reboot or a rescan.',
  'mpath-friendly-name': 'multipath user-friendly names (mpathN) are assigned in discovery order and differ between hosts.',
  'boot-sequence': 'Disk sequence numbers are counted per boot and are reused for other disks after a reboot.',
  'guest-mutable': 'Labels and filesystem or partition UUIDs live inside the disk, so a guest can rewrite them (and clones share them).',
  'hardware-id': "Derived from the device's inquiry data (WWN, serial): stable across reboots and not writable from a guest.",
  multipath: 'The dm-multipath map of a LUN, named by its WWID: stable and keeps path failover.',
  dmp: 'A Veritas DMP meta-device: stable, keeps path failover, and normally named the same on every node of a cluster.',
  volume: "A logical volume: named by the volume manager's metadata, not by enumeration order.",
  'by-path': 'Names one HBA/target/LUN path: stable, but on a multipathed LUN it bypasses failover.',
  'device-mapper': 'A device-mapper name: stable as long as the map is configured with the same name.',
  removable: 'A removable-media device node.',
  'other-device': 'A device node that this tool has no stability rule for.',
  file: 'A plain file path on the host.',
};

const KERNEL_RE = /^\/dev\/(?:(?:sd|hd|vd|xvd)[a-z]+\d*|nvme\d+n\d+(?:p\d+)?|dm-\d+)$/;
const MPATH_FRIENDLY_RE = /^\/dev\/(?:mapper\/|disk\/by-id\/dm-name-)mpath[a-z]+(?:\d+|p\d+|-part\d+)?$/;
const GUEST_MUTABLE_RE = /^\/dev\/disk\/by-(?:label|partlabel|uuid|partuuid)\//;
const REMOVABLE_RE = /^\/dev\/(?:cdrom\d*|dvd\d*|sr\d+|scd\d+|fd\d+|floppy)$/;
const DEV_DIRS_NOT_VG = new Set([
  'disk',
  'mapper',
  'vx',
  'block',
  'char',
  'bus',
  'input',
  'net',
  'pts',
  'shm',
  'snd',
  'dri',
  'cpu',
  'fd',
  'hugepages',
  'mqueue',
  'v4l',
  'usb',
  'serial',
  'md',
]);

/** Lexically normalises a path: collapses `//`, drops `.`, resolves `..`. */
const NEEDS_NORMALIZING = /\/\/|\/\.\.?(?:\/|$)|.\/$/;

export function normalizePath(p: string): string {
  if (!p.startsWith('/') || !NEEDS_NORMALIZING.test(p)) return p;
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return '/' + out.join('/');
}

const classCache = new Map<string, PathInfo>();

/** The class of a path (memoised: the same paths are classified on every keystroke). */
export function classifyPath(path: string): PathInfo {
  let info = classCache.get(path);
  if (!info) {
    const cls = classify(normalizePath(path));
    info = { cls, why: WHY[cls] };
    if (classCache.size > 100_000) classCache.clear();
    classCache.set(path, info);
  }
  return info;
}

function classify(p: string): PathClass {
  if (!p.startsWith('/dev/')) return 'file';
  if (KERNEL_RE.test(p)) return 'kernel-name';
  if (MPATH_FRIENDLY_RE.test(p)) return 'mpath-friendly-name';
  if (GUEST_MUTABLE_RE.test(p)) return 'guest-mutable';
  if (REMOVABLE_RE.test(p)) return 'removable';
  if (p.startsWith('/dev/disk/by-diskseq/')) return 'boot-sequence';
  if (p.startsWith('/dev/disk/by-path/')) return 'by-path';
  if (p.startsWith('/dev/disk/by-id/')) {
    const n = p.slice('/dev/disk/by-id/'.length);
    if (n.startsWith('dm-uuid-mpath-') || /^dm-uuid-part\d+-mpath-/.test(n)) return 'multipath';
    if (n.startsWith('dm-uuid-LVM-') || n.startsWith('lvm-pv-uuid-')) return 'volume';
    if (n.startsWith('dm-')) return 'device-mapper';
    return 'hardware-id';
  }
  if (/^\/dev\/vx\/r?dmp\/[^/]+$/.test(p)) return 'dmp';
  if (/^\/dev\/vx\/r?dsk\/[^/]+\/[^/]+$/.test(p)) return 'volume';
  if (p.startsWith('/dev/mapper/')) return 'device-mapper';
  const parts = p.split('/');
  if (parts.length === 4 && !DEV_DIRS_NOT_VG.has(parts[2])) return 'volume';
  return 'other-device';
}

/**
 * Path classes that name block devices, the classes a host inventory can answer for: not plain files,
 * removable media, or other nodes under /dev (/dev/null, /dev/zero, character devices).
 */
const BLOCK_DEVICE_CLASSES: ReadonlySet<PathClass> = new Set<PathClass>([
  'kernel-name',
  'mpath-friendly-name',
  'boot-sequence',
  'guest-mutable',
  'hardware-id',
  'multipath',
  'dmp',
  'volume',
  'by-path',
  'device-mapper',
]);

/** Whether a path of this class names a block device (see BLOCK_DEVICE_CLASSES). */
export function namesBlockDevice(cls: PathClass): boolean {
  return BLOCK_DEVICE_CLASSES.has(cls);
}

/** Whether a path names a device whose name is not stable (the `unstable-device-name` family). */
export function isUnstableName(cls: PathClass): boolean {
  return cls === 'kernel-name' || cls === 'mpath-friendly-name' || cls === 'boot-sequence';
}
