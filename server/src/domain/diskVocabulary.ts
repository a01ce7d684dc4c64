/**
 * The part of libvirt's domain format that disk authoring needs: elements and attributes inside
 * `<disk>` with their enumerated values, one line each (from libvirt's formatdomain documentation).
 */
export interface ValueDoc {
  value: string;
  doc: string;
}

export interface AttributeDoc {
  doc: string;
  values?: ValueDoc[];
}

export interface ElementDoc {
  doc: string;
  attributes: Record<string, AttributeDoc>;
  children?: string[];
}

const v = (value: string, doc: string): ValueDoc => ({ value, doc });

export const DISK_ELEMENTS: Record<string, ElementDoc> = {
  disk: {
    doc: 'A disk, cdrom or floppy presented to the guest.',
    attributes: {
      type: {
        doc: 'Where the data comes from.',
        values: [
          v('block', 'a host block device (<source dev>)'),
          v('file', 'a file on the host (<source file>)'),
          v('dir', 'a host directory as a virtual FAT disk'),
          v('network', 'a network protocol (rbd, iscsi, nbd, …)'),
          v('volume', 'a volume of a libvirt storage pool'),
          v('nvme', 'an NVMe namespace on a host PCI controller'),
          v('vhostuser', 'a vhost-user socket'),
        ],
      },
      device: {
        doc: 'How the guest sees it.',
        values: [
          v('disk', 'a disk (default)'),
          v(
            'lun',
            'a SCSI LUN passed through: SCSI commands (e.g. persistent reservations) reach the device; block, iscsi network or volume only',
          ),
          v('cdrom', 'a CD-ROM drive'),
          v('floppy', 'a floppy drive'),
        ],
      },
      sgio: {
        doc: "With device='lun': whether unprivileged SG_IO commands are filtered.",
        values: [v('filtered', 'filter (default)'), v('unfiltered', 'pass all SG_IO commands (needed by some cluster software)')],
      },
      rawio: { doc: "With device='lun': allow raw I/O (CAP_SYS_RAWIO) on the LUN.", values: [v('yes', 'allow'), v('no', 'do not allow')] },
      snapshot: {
        doc: 'Default snapshot behaviour for this disk.',
        values: [
          v('internal', 'internal snapshot'),
          v('external', 'external snapshot'),
          v('no', 'not part of snapshots'),
          v('manual', 'managed by the user'),
        ],
      },
      model: {
        doc: 'virtio device model.',
        values: [v('virtio', 'virtio'), v('virtio-transitional', 'virtio, transitional'), v('virtio-non-transitional', 'virtio 1.0 only')],
      },
    },
    children: [
      'driver',
      'source',
      'target',
      'address',
      'boot',
      'readonly',
      'shareable',
      'transient',
      'serial',
      'wwn',
      'vendor',
      'product',
      'blockio',
      'iotune',
      'geometry',
      'alias',
      'encryption',
      'auth',
      'backingStore',
    ],
  },
  driver: {
    doc: 'The hypervisor driver and its options for this disk.',
    attributes: {
      name: { doc: 'Driver name.', values: [v('qemu', 'QEMU')] },
      type: {
        doc: 'Image format.',
        values: [
          v('raw', 'raw data (use for block devices)'),
          v('qcow2', 'QEMU copy-on-write v2'),
          v('qed', 'QEMU enhanced disk'),
          v('vmdk', 'VMware'),
          v('vpc', 'VirtualPC'),
          v('vdi', 'VirtualBox'),
        ],
      },
      cache: {
        doc: 'Host page cache mode.',
        values: [
          v('none', 'O_DIRECT; required for shareable disks and live migration safety'),
          v('directsync', 'O_DIRECT and O_DSYNC'),
          v('writethrough', 'host cache, O_DSYNC'),
          v('writeback', 'host cache'),
          v('unsafe', 'host cache, flushes ignored'),
          v('default', 'hypervisor default'),
        ],
      },
      io: {
        doc: 'Asynchronous I/O mode.',
        values: [v('native', 'Linux AIO (with cache=none)'), v('threads', 'a thread pool'), v('io_uring', 'io_uring')],
      },
      discard: {
        doc: 'Whether guest discard/TRIM requests reach the device.',
        values: [v('unmap', 'pass discards'), v('ignore', 'ignore discards')],
      },
      detect_zeroes: {
        doc: 'Detect writes of zeros.',
        values: [v('off', 'no'), v('on', 'write zeros efficiently'), v('unmap', 'unmap when discard=unmap')],
      },
      error_policy: {
        doc: 'What to do on a write error.',
        values: [
          v('stop', 'pause the guest'),
          v('report', 'report to the guest'),
          v('ignore', 'ignore'),
          v('enospace', 'pause on ENOSPC only'),
        ],
      },
      rerror_policy: {
        doc: 'What to do on a read error.',
        values: [v('stop', 'pause the guest'), v('report', 'report to the guest'), v('ignore', 'ignore')],
      },
      copy_on_read: { doc: 'Populate the image from its backing file on read.', values: [v('on', 'yes'), v('off', 'no')] },
      iothread: { doc: 'The IOThread (number) serving this disk.' },
      queues: { doc: 'Number of virtio-blk queues.' },
    },
  },
  source: {
    doc: 'The host side of the disk.',
    attributes: {
      dev: { doc: "Host block device path (type='block'): use a stable name — DMP meta-device, /dev/disk/by-id/…, or a volume." },
      file: { doc: "Host file path (type='file')." },
      dir: { doc: "Host directory (type='dir')." },
      pool: { doc: "Storage pool name (type='volume')." },
      volume: { doc: "Volume name in the pool (type='volume')." },
      protocol: {
        doc: "Network protocol (type='network').",
        values: [
          v('rbd', 'Ceph RBD'),
          v('iscsi', 'iSCSI'),
          v('nbd', 'NBD'),
          v('gluster', 'GlusterFS'),
          v('http', 'HTTP'),
          v('https', 'HTTPS'),
          v('nfs', 'NFS'),
          v('ssh', 'SSH'),
        ],
      },
      name: { doc: "Network volume or image name (type='network')." },
      mode: {
        doc: 'For iSCSI pool volumes: how the LUN is reached.',
        values: [v('host', "through the host's iSCSI initiator"), v('direct', "by QEMU's own initiator")],
      },
      startupPolicy: {
        doc: 'What to do when the source is missing at start.',
        values: [v('mandatory', 'fail'), v('requisite', 'fail on boot, drop on migrate/restore'), v('optional', 'drop the disk')],
      },
    },
    children: ['reservations', 'seclabel', 'host', 'auth'],
  },
  target: {
    doc: "How the disk appears in the guest. dev is an ordering hint, not the guest's device name.",
    attributes: {
      dev: { doc: 'Logical name: vdX (virtio), sdX (scsi, sata, usb), hdX (ide), fdX (fdc), xvdX (xen).' },
      bus: {
        doc: 'The bus the disk is attached to.',
        values: [
          v('virtio', 'virtio-blk'),
          v('scsi', 'SCSI (use a virtio-scsi controller)'),
          v('sata', 'SATA (q35)'),
          v('ide', 'IDE (i440fx)'),
          v('usb', 'USB mass storage'),
          v('fdc', 'floppy controller'),
          v('xen', 'Xen'),
          v('sd', 'SD card'),
        ],
      },
      tray: { doc: 'Cdrom/floppy tray state.', values: [v('closed', 'closed'), v('open', 'open')] },
      removable: { doc: 'USB/SCSI removable flag.', values: [v('on', 'removable'), v('off', 'fixed')] },
      rotation_rate: { doc: 'Reported rotation rate (1 = SSD).' },
    },
  },
  reservations: {
    doc: "SCSI persistent reservations for device='lun' (I/O fencing in guest clusters).",
    attributes: {
      managed: {
        doc: 'Let libvirt run the qemu-pr-helper.',
        values: [v('yes', 'managed by libvirt'), v('no', 'use an existing helper (<source path>)')],
      },
      enabled: { doc: 'Enable reservations.', values: [v('yes', 'yes'), v('no', 'no')] },
    },
  },
  address: {
    doc: "Where the disk sits on the guest's bus.",
    attributes: {
      type: {
        doc: 'Address type.',
        values: [v('drive', 'controller/bus/target/unit (scsi, sata, ide)'), v('pci', 'PCI slot (virtio)'), v('ccw', 's390 channel')],
      },
      controller: { doc: 'Controller index.' },
      bus: { doc: 'Bus number.' },
      target: { doc: 'Target number.' },
      unit: { doc: 'Unit (LUN) number.' },
    },
  },
  boot: { doc: 'Boot order of this disk.', attributes: { order: { doc: 'Position in the boot order (1 = first).' } } },
  readonly: { doc: 'The guest cannot write the disk.', attributes: {} },
  shareable: { doc: "The disk is meant to be shared between domains (a guest cluster); use cache='none'.", attributes: {} },
  transient: { doc: 'Changes are discarded when the guest stops.', attributes: {} },
  serial: { doc: 'Serial number shown to the guest (virtio: /dev/disk/by-id/virtio-<serial>).', attributes: {} },
  wwn: { doc: 'WWN shown to the guest (scsi/ide).', attributes: {} },
  vendor: { doc: 'SCSI vendor string shown to the guest.', attributes: {} },
  product: { doc: 'SCSI product string shown to the guest.', attributes: {} },
  blockio: {
    doc: 'Block sizes shown to the guest.',
    attributes: {
      logical_block_size: { doc: 'Logical block size in bytes.' },
      physical_block_size: { doc: 'Physical block size in bytes.' },
    },
  },
  iotune: { doc: 'I/O throttling.', attributes: {} },
  geometry: {
    doc: 'Disk geometry override.',
    attributes: {
      cyls: { doc: 'Cylinders.' },
      heads: { doc: 'Heads.' },
      secs: { doc: 'Sectors.' },
      trans: { doc: 'BIOS translation.', values: [v('none', 'none'), v('lba', 'LBA'), v('auto', 'auto')] },
    },
  },
  alias: { doc: 'A user alias (name must start with ua-).', attributes: { name: { doc: 'The alias, ua-…' } } },
};

/** Target name prefix per bus. */
export const TARGET_PREFIX: Record<string, string> = {
  virtio: 'vd',
  scsi: 'sd',
  sata: 'sd',
  usb: 'sd',
  ide: 'hd',
  fdc: 'fd',
  xen: 'xvd',
  sd: 'mmcblk',
};

/** The n-th drive letter suffix as the kernel counts: a … z, aa, ab, … */
export function driveLetters(n: number): string {
  let s = '';
  n += 1;
  while (n > 0) {
    n--;
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26);
  }
  return s;
}

/** The first free target name for a bus, given the names in use (vda, vdb, …, vdz, vdaa, …). */
export function nextTargetName(bus: string, used: Iterable<string>): string {
  return freeTargetNames(bus, used instanceof Set ? used : new Set(used)).next().value as string;
}

/**
 * The free target names for `bus`, in order, checked against `used` as each is reached: a caller that
 * adds every name it takes to `used` gets successive free names in linear total time.
 */
export function* freeTargetNames(bus: string, used: ReadonlySet<string>): Generator<string, never> {
  // A document's bus is data: 'constructor' must not reach Object.prototype.
  const prefix = Object.hasOwn(TARGET_PREFIX, bus) ? TARGET_PREFIX[bus] : 'vd';
  for (let i = 0; ; i++) {
    const name = `${prefix}${driveLetters(i)}`;
    if (!used.has(name)) yield name;
  }
}

/**
 * The bus a target name implies when `<target>` has no bus (libvirt picks it from the prefix): the
 * longest prefix of TARGET_PREFIX that starts the name; undefined when none does.
 */
export function busOfTargetName(dev: string): string | undefined {
  let best: { bus: string; len: number } | undefined;
  for (const [bus, prefix] of Object.entries(TARGET_PREFIX)) {
    if (dev.startsWith(prefix) && (!best || prefix.length > best.len)) best = { bus, len: prefix.length };
  }
  return best?.bus;
}
