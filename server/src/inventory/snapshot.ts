/**
 * The inventory snapshot: one host's block-device facts, as JSON on disk and in memory.
 * Produced from the collector's output (see parsers.ts); read by the resolver.
 */
import { normalizePath } from '../domain/pathClass';
import { cap, jsonText, terminalText } from '../encode';

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

/**
 * A VxVM volume as `vxprint -g DG -v -F '%name %len'` and `vxsnap -g DG -v list` describe it: its size,
 * and when it is a snapshot, of what and of which kind.
 */
export interface VxVolumeInfo {
  /** Disk group. */
  dg: string;
  /** Volume name (`/dev/vx/dsk/<dg>/<name>`). */
  name: string;
  /** vxprint's length (512-byte sectors) in bytes. */
  sizeBytes?: number;
  /** Set when vxsnap lists the volume as a snapshot of another. */
  snapshot?: VxSnapshotInfo;
}

export interface VxSnapshotInfo {
  /** vxsnap SNAPTYPE: `fullinst` (full-sized instant), `spaceopt` (space-optimized instant), `mirbrk`, `volbrk`, … */
  type: string;
  /** The parent volume's name. */
  parent: string;
  /** The parent's disk group (PARENTDG), when vxsnap shows it. */
  parentDg?: string;
  /** CHANGE_DATA: how much differs from the parent, in bytes (vxsnap prints it with a unit: 20M, 1.2G). */
  changedBytes?: number;
  /** CHANGE_DATA's percentage of the volume (the `(0.2%)` after the amount). */
  changedPercent?: number;
  /** SNAPDATE as vxsnap prints it (`2026/10/1 12:29`). */
  date?: string;
}

/** Snapshot types that hold a full-sized copy of the parent's data. */
export const FULL_COPY_SNAPSHOT_TYPES: readonly string[] = ['fullinst', 'mirbrk', 'volbrk'];

export interface HostDomainDisk {
  source: string;
  shareable: boolean;
  target?: string;
}

export interface HostDomain {
  name: string;
  /** The `<uuid>` of the persistent definition (lower case), when it has one. */
  uuid?: string;
  /** `running` when the domain is active (`virsh list --name`), else `shut off`. */
  state?: 'running' | 'shut off';
  disks: HostDomainDisk[];
  /** The persistent definition, byte for byte what `virsh dumpxml --inactive NAME` printed. */
  xml?: string;
}

/**
 * The longest domain definition kept (`HostDomain.xml`), in UTF-16 code units. libvirt sends a
 * definition as one RPC string of at most REMOTE_STRING_MAX (4 MiB): a longer text did not come from
 * libvirt, and is dropped whole (never cut: a cut definition would be written or compared as if whole).
 */
export const HOST_DOMAIN_XML_MAX = 8 * 1024 * 1024;

/** A UUID as libvirt prints it (`<uuid>` of dumpxml), in lower case. */
export const DOMAIN_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** `needs-root`: the tool is there but refused the login's privileges (vxdmpadm, vxdisk as non-root). */
export type ToolState = 'ok' | 'absent' | 'failed' | 'needs-root';

/** A site udev rules file (`/etc/udev/rules.d/*.rules`), as read from the host. */
export interface UdevRuleFile {
  /** Absolute path on the host. */
  file: string;
  text: string;
}

export interface StorageVolume {
  name: string;
  /** The volume's target path on the host (`virsh vol-list --details`): /dev/…, a file, … */
  path: string;
  type?: string;
}

/** A libvirt storage pool of the host (`virsh -r pool-list --all`, `pool-dumpxml`, `vol-list --details`). */
export interface StoragePool {
  name: string;
  /** dir, fs, logical, disk, iscsi, iscsi-direct, scsi, mpath, rbd, … */
  type: string;
  active: boolean;
  /** `<target><path>`. */
  targetPath?: string;
  /** `<source><device path>` values. */
  sourceDevices: string[];
  /** `<source><adapter>` attributes (type, name, parent, wwnn, wwpn) and its `<parentaddr><address>` as "domain:bus:slot.function". */
  adapter?: { type?: string; name?: string; parent?: string; wwnn?: string; wwpn?: string; parentaddr?: string };
  /** Volumes of an active pool; empty for an inactive one (not judged). */
  volumes: StorageVolume[];
}

/** A SCSI host adapter (`/sys/class/scsi_host/hostN`): what a stable reference to it would use. */
export interface ScsiHost {
  /** host3 */
  name: string;
  /** PCI address of the HBA, "0000:05:00.1", when it sits on PCI. */
  pciAddress?: string;
  /** For FC hosts (`/sys/class/fc_host/hostN/node_name`, `port_name`), without 0x. */
  wwnn?: string;
  wwpn?: string;
}

export interface InventorySnapshot {
  format: typeof SNAPSHOT_FORMAT;
  host: string;
  hostname?: string;
  collectedAt: string;
  devices: BlockDevice[];
  /** Absolute symlink path → absolute, normalised target (/dev/disk/by-*, /dev/mapper). */
  links: Record<string, string>;
  dmp?: { nodes: DmpNode[]; names: string[] };
  vxvm?: {
    disks: VxDisk[];
    volumes: string[] /* "dg/vol" */;
    /** Sizes and snapshot relations of the volumes of each imported disk group (vxprint, vxsnap). */
    volumeInfo?: VxVolumeInfo[];
  };
  cluster?: { mode: string; active: boolean };
  domains?: HostDomain[];
  /** `virsh --version`: which libvirt (and so which domain schema) the host runs. */
  libvirtVersion?: string;
  /** The libvirt URI the collector read domains and pools from (default qemu:///system). */
  libvirtUri?: string;
  udevRules?: UdevRuleFile[];
  pools?: StoragePool[];
  scsiHosts?: ScsiHost[];
  tools: Record<string, ToolState>;
  warnings: string[];
}

export class SnapshotError extends Error {}

// eslint-disable-next-line no-control-regex
const LINK_FORBIDDEN = /[\u0000-\u001f\u007f-\u009f]|(?:^|\/)\.\.(?:\/|$)/;

/**
 * Whether a link name or target (after relative-target resolution) must be dropped: it holds a `..`
 * segment, NUL or another control character (C0, DEL, C1). udev never makes such names; a link name
 * is offered as a fix, so `/dev/disk/by-id/wwn-x/../../../etc/…` must never become one.
 */
export function isForbiddenLinkPath(p: string): boolean {
  return LINK_FORBIDDEN.test(p);
}

/** Collects dropped links and words the one warning a snapshot gets for them. */
export class DroppedLinks {
  count = 0;
  private first: string | undefined;

  /** Records `link → target` when either must be dropped; returns true if dropped. */
  check(link: string, target: string): boolean {
    if (!isForbiddenLinkPath(link) && !isForbiddenLinkPath(target)) return false;
    this.count++;
    this.first ??= `${cap(link, 120)} -> ${cap(target, 120)}`;
    return true;
  }

  /** The warning, or undefined when nothing was dropped. */
  warning(): string | undefined {
    if (!this.count) return undefined;
    return `${this.count} link${this.count > 1 ? 's' : ''} dropped: a name or target with a ".." segment, NUL or a control character (first: ${terminalText(this.first!)})`;
  }
}

// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/;
const str = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null);
const strOr = (v: unknown, d: string): string => str(v) ?? d;
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const objects = (v: unknown): Record<string, unknown>[] =>
  Array.isArray(v) ? v.filter((x): x is Record<string, unknown> => !!x && typeof x === 'object' && !Array.isArray(x)) : [];

/**
 * Reads a parsed snapshot JSON into the typed form, dropping what does not have the expected type:
 * a snapshot file is input from elsewhere and must not be able to crash the resolver.
 */
export function validateSnapshot(data: unknown, origin: string): InventorySnapshot {
  const fail = (why: string): never => {
    throw new SnapshotError(`${origin}: not an inventory snapshot (${why})`);
  };
  if (!data || typeof data !== 'object' || Array.isArray(data)) fail('not a JSON object');
  const s = data as Record<string, unknown>;
  if (s.format !== SNAPSHOT_FORMAT)
    fail(`format is ${s.format === undefined ? 'missing' : jsonText(s.format).slice(0, 60)}, expected "${SNAPSHOT_FORMAT}"`);
  if (typeof s.host !== 'string' || !s.host) fail('missing "host"');
  if (!Array.isArray(s.devices)) fail('missing "devices" array');
  if (!s.links || typeof s.links !== 'object' || Array.isArray(s.links)) fail('missing "links" object');
  const devices: BlockDevice[] = [];
  for (const d of objects(s.devices)) {
    const kname = str(d.kname);
    const path = str(d.path);
    if (!kname || !path) continue;
    const size = typeof d.size === 'number' && Number.isFinite(d.size) ? d.size : null;
    devices.push({
      kname,
      path,
      name: strOr(d.name, kname),
      type: strOr(d.type, 'disk'),
      size,
      vendor: str(d.vendor),
      model: str(d.model),
      serial: str(d.serial),
      wwn: str(d.wwn),
      tran: str(d.tran),
      hctl: str(d.hctl),
      fstype: str(d.fstype),
      label: str(d.label),
      uuid: str(d.uuid),
      partlabel: str(d.partlabel),
      partuuid: str(d.partuuid),
      mountpoints: strings(d.mountpoints),
      parents: strings(d.parents),
    });
  }
  // Normalised as parseLinks normalises raw output; names or targets with "..", NUL or controls dropped.
  const links: Record<string, string> = Object.create(null);
  const dropped = new DroppedLinks();
  for (const [k, v] of Object.entries(s.links as Record<string, unknown>)) {
    if (typeof v !== 'string' || dropped.check(k, v)) continue;
    links[normalizePath(k)] = normalizePath(v);
  }
  const warnings = strings(s.warnings);
  const droppedWarning = dropped.warning();
  if (droppedWarning) warnings.push(droppedWarning);
  const snap: InventorySnapshot = {
    format: SNAPSHOT_FORMAT,
    host: s.host as string,
    collectedAt: strOr(s.collectedAt, ''),
    devices,
    links,
    tools: {},
    warnings,
  };
  if (typeof s.hostname === 'string') snap.hostname = s.hostname;
  if (typeof s.libvirtVersion === 'string') snap.libvirtVersion = s.libvirtVersion;
  if (s.tools && typeof s.tools === 'object')
    for (const [k, v] of Object.entries(s.tools))
      if (v === 'ok' || v === 'absent' || v === 'failed' || v === 'needs-root') snap.tools[k] = v;
  const dmp = s.dmp as Record<string, unknown> | undefined;
  if (dmp && typeof dmp === 'object') {
    snap.dmp = {
      names: strings(dmp.names),
      nodes: objects(dmp.nodes).flatMap((n) => {
        const name = str(n.name);
        if (!name) return [];
        const paths = objects(n.paths).flatMap((p) => (str(p.name) ? [{ name: str(p.name)!, state: strOr(p.state, '') }] : []));
        return [
          {
            name,
            state: strOr(n.state, ''),
            enclosure: strOr(n.enclosure, ''),
            arrayName: strOr(n.arrayName, ''),
            arrayType: strOr(n.arrayType, ''),
            udid: strOr(n.udid, ''),
            scsi3Vpd: str(n.scsi3Vpd),
            numPaths: typeof n.numPaths === 'number' && Number.isFinite(n.numPaths) ? n.numPaths : paths.length,
            paths,
          },
        ];
      }),
    };
  }
  const vx = s.vxvm as Record<string, unknown> | undefined;
  if (vx && typeof vx === 'object') {
    snap.vxvm = {
      volumes: strings(vx.volumes),
      disks: objects(vx.disks).flatMap((d) =>
        str(d.device)
          ? [
              {
                device: str(d.device)!,
                type: strOr(d.type, ''),
                disk: str(d.disk),
                group: str(d.group),
                imported: d.imported === true,
                status: strOr(d.status, ''),
                osNativeName: str(d.osNativeName),
              },
            ]
          : [],
      ),
    };
  }
  if (vx && typeof vx === 'object' && Array.isArray(vx.volumeInfo) && snap.vxvm) snap.vxvm.volumeInfo = volumeInfoOf(vx.volumeInfo);
  const cl = s.cluster as Record<string, unknown> | undefined;
  if (cl && typeof cl === 'object') snap.cluster = { mode: strOr(cl.mode, ''), active: cl.active === true };
  if (Array.isArray(s.domains)) {
    snap.domains = objects(s.domains).flatMap((d): HostDomain[] => {
      const name = str(d.name);
      if (!name) return [];
      const uuid = typeof d.uuid === 'string' ? d.uuid.toLowerCase() : undefined;
      const state = d.state === 'running' || d.state === 'shut off' ? d.state : undefined;
      // The definition as the host printed it, kept whole or not at all (no NUL: not XML text).
      const xml = typeof d.xml === 'string' && d.xml.length <= HOST_DOMAIN_XML_MAX && !d.xml.includes('\0') ? d.xml : undefined;
      return [
        {
          name,
          ...(uuid && DOMAIN_UUID.test(uuid) ? { uuid } : {}),
          ...(state ? { state } : {}),
          disks: objects(d.disks).flatMap((x) =>
            str(x.source)
              ? [{ source: str(x.source)!, shareable: x.shareable === true, ...(str(x.target) ? { target: str(x.target)! } : {}) }]
              : [],
          ),
          ...(xml !== undefined ? { xml } : {}),
        },
      ];
    });
  }
  if (typeof s.libvirtUri === 'string' && s.libvirtUri && !CONTROLS.test(s.libvirtUri)) snap.libvirtUri = s.libvirtUri;
  // Paths from elsewhere: kept only when absolute, without "..", NUL or controls, and normalised.
  const path = (v: unknown): string | undefined => {
    const p = str(v);
    return p && p.startsWith('/') && !isForbiddenLinkPath(p) ? normalizePath(p) : undefined;
  };
  const text = (v: unknown): string | undefined => {
    const t = str(v);
    return t && !CONTROLS.test(t) ? t : undefined;
  };
  if (Array.isArray(s.udevRules)) {
    snap.udevRules = objects(s.udevRules).flatMap((r) => {
      const file = path(r.file);
      return file && typeof r.text === 'string' && !r.text.includes('\0') ? [{ file, text: r.text }] : [];
    });
  }
  if (Array.isArray(s.pools)) {
    snap.pools = objects(s.pools).flatMap((p): StoragePool[] => {
      const name = text(p.name);
      if (!name) return [];
      const pool: StoragePool = {
        name,
        type: text(p.type) ?? '',
        active: p.active === true,
        sourceDevices: strings(p.sourceDevices).flatMap((d) => path(d) ?? []),
        volumes: objects(p.volumes).flatMap((v) => {
          const vn = text(v.name);
          const vp = path(v.path);
          return vn && vp ? [{ name: vn, path: vp, ...(text(v.type) ? { type: text(v.type)! } : {}) }] : [];
        }),
      };
      const tp = path(p.targetPath);
      if (tp) pool.targetPath = tp;
      const ad = p.adapter;
      if (ad && typeof ad === 'object' && !Array.isArray(ad)) {
        const a = ad as Record<string, unknown>;
        const adapter: NonNullable<StoragePool['adapter']> = {};
        for (const k of ['type', 'name', 'parent', 'wwnn', 'wwpn', 'parentaddr'] as const) {
          const x = text(a[k]);
          if (x) adapter[k] = x;
        }
        pool.adapter = adapter;
      }
      return [pool];
    });
  }
  if (Array.isArray(s.scsiHosts)) {
    snap.scsiHosts = objects(s.scsiHosts).flatMap((h): ScsiHost[] => {
      const name = text(h.name);
      if (!name) return [];
      const host: ScsiHost = { name };
      for (const k of ['pciAddress', 'wwnn', 'wwpn'] as const) {
        const x = text(h[k]);
        if (x) host[k] = x;
      }
      return [host];
    });
  }
  return snap;
}

/** A VxVM object name as kept: 1 to 256 characters, no `/`, no control character. */
function vxName(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 && v.length <= 256 && !v.includes('/') && !CONTROLS.test(v) ? v : undefined;
}

/** A byte count as kept: a whole number from 0 to 2^63 (no volume is larger). */
function byteCount(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 2 ** 63 ? v : undefined;
}

/** `vxvm.volumeInfo` from a snapshot file: names checked, numbers bounded, unknown fields dropped. */
function volumeInfoOf(list: unknown[]): VxVolumeInfo[] {
  return objects(list).flatMap((v): VxVolumeInfo[] => {
    const dg = vxName(v.dg);
    const name = vxName(v.name);
    if (!dg || !name) return [];
    const info: VxVolumeInfo = { dg, name };
    const size = byteCount(v.sizeBytes);
    if (size !== undefined) info.sizeBytes = size;
    const sn = v.snapshot;
    if (sn && typeof sn === 'object' && !Array.isArray(sn)) {
      const o = sn as Record<string, unknown>;
      const type = typeof o.type === 'string' && /^[A-Za-z0-9_-]{1,40}$/.test(o.type) ? o.type : undefined;
      const parent = vxName(o.parent);
      if (type && parent) {
        const snapshot: VxSnapshotInfo = { type, parent };
        const parentDg = vxName(o.parentDg);
        if (parentDg) snapshot.parentDg = parentDg;
        const changed = byteCount(o.changedBytes);
        if (changed !== undefined) snapshot.changedBytes = changed;
        if (typeof o.changedPercent === 'number' && Number.isFinite(o.changedPercent) && o.changedPercent >= 0 && o.changedPercent <= 100)
          snapshot.changedPercent = o.changedPercent;
        if (typeof o.date === 'string' && o.date.length <= 64 && !CONTROLS.test(o.date)) snapshot.date = o.date;
        info.snapshot = snapshot;
      }
    }
    return [info];
  });
}
