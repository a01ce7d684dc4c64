/**
 * Small generated host fixtures for a rig fleet (the format of fakeHost.ts): SAN LUNs of two paths
 * each, under Veritas DMP (`dmp`: vxdmpadm, /dev/vx/dmp) or dm-multipath (`mpath`: a map per LUN,
 * /dev/mapper, dm-uuid-mpath links), an optional filesystem label on a LUN, and domain definitions.
 * A LUN is named by its WWN: the same WWN on two hosts is the same LUN (shared storage).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface FleetLun {
  /** 32 hex digits (an NAA-6 WWN without 0x). */
  wwn: string;
  /** Its filesystem label (a `by-label` link to the LUN's device: its map, or its first path). */
  label?: string;
}

export interface FleetDisk {
  source: string;
  target: string;
  shareable?: boolean;
}

export interface FleetDomain {
  name: string;
  uuid: string;
  disks: FleetDisk[];
}

export interface FleetHostSpec {
  name: string;
  kind: 'dmp' | 'mpath';
  luns: FleetLun[];
  domains: FleetDomain[];
}

/** Kernel name of the `i`-th SCSI disk (sda, sdb, …; the system disk sda first). */
const sd = (i: number): string =>
  `sd${i < 26 ? String.fromCharCode(97 + i) : String.fromCharCode(96 + Math.floor(i / 26)) + String.fromCharCode(97 + (i % 26))}`;

/** The DMP node of the `l`-th LUN of a dmp host. */
export const dmpNode = (l: number): string => `3pardata0_${100 + l}`;
/** The kernel names of the two paths of the `l`-th LUN (after the system disk sda). */
export const lunPaths = (l: number): [string, string] => [sd(1 + 2 * l), sd(2 + 2 * l)];
/** The dm-multipath map of the `l`-th LUN of an mpath host: its name and kernel name. */
export const mpathMap = (l: number): { name: string; kname: string } => ({
  name: `mpath${String.fromCharCode(97 + l)}`,
  kname: `dm-${l + 2}`,
});
/** The stable name of the `l`-th LUN on a host of `kind`. */
export const stableName = (kind: FleetHostSpec['kind'], l: number, wwn: string): string =>
  kind === 'dmp' ? `/dev/vx/dmp/${dmpNode(l)}` : `/dev/disk/by-id/dm-uuid-mpath-3${wwn}`;

export function domainXml(d: FleetDomain): string {
  return [
    `<domain type='kvm'>`,
    `  <name>${d.name}</name>`,
    `  <uuid>${d.uuid}</uuid>`,
    `  <memory unit='KiB'>2097152</memory>`,
    `  <vcpu placement='static'>2</vcpu>`,
    `  <os>`,
    `    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>`,
    `  </os>`,
    `  <devices>`,
    `    <emulator>/usr/bin/qemu-system-x86_64</emulator>`,
    ...d.disks.flatMap((x) => [
      `    <disk type='block' device='disk'>`,
      `      <driver name='qemu' type='raw' cache='none' io='native'/>`,
      `      <source dev='${x.source}'/>`,
      `      <target dev='${x.target}' bus='virtio'/>`,
      ...(x.shareable ? [`      <shareable/>`] : []),
      `    </disk>`,
    ]),
    `  </devices>`,
    `</domain>`,
    '',
  ].join('\n');
}

/** lsblk's JSON entry for a device (every column the collector asks for; `extra` sets the known ones). */
export const dev = (kname: string, type: string, extra: Record<string, unknown> = {}) => ({
  name: kname,
  kname,
  path: `/dev/${kname}`,
  type,
  size: 107374182400,
  model: null,
  vendor: null,
  serial: null,
  wwn: null,
  tran: null,
  hctl: null,
  pkname: null,
  fstype: null,
  label: null,
  uuid: null,
  partlabel: null,
  partuuid: null,
  mountpoints: [null],
  ...extra,
});

/** Writes the host's fixture directory under `parent` (named after the host); returns its path. */
export function writeFleetHost(parent: string, spec: FleetHostSpec): string {
  const dir = join(parent, spec.name);
  mkdirSync(join(dir, 'domains'), { recursive: true });
  // The system disk: a local SATA disk with a root partition.
  const sysWwn = `5000c500${Buffer.from(spec.name).toString('hex').padEnd(8, '0').slice(0, 8)}`;
  const blockdevices: object[] = [
    dev('sda', 'disk', {
      model: 'ST2000NM0055',
      vendor: 'ATA     ',
      serial: `Z${spec.name}`,
      wwn: `0x${sysWwn}`,
      tran: 'sata',
      hctl: '0:0:0:0',
      children: [dev('sda1', 'part', { pkname: 'sda', fstype: 'xfs', mountpoints: ['/'] })],
    }),
  ];
  const links: string[] = [`/dev/disk/by-id/wwn-0x${sysWwn}\t../../sda`, `/dev/disk/by-id/wwn-0x${sysWwn}-part1\t../../sda1`];
  const dmp: string[] = [];
  spec.luns.forEach((lun, l) => {
    const paths = lunPaths(l);
    const map = mpathMap(l);
    paths.forEach((k, p) => {
      const children = spec.kind === 'mpath' ? [dev(map.kname, 'mpath', { name: map.name, pkname: k, label: lun.label ?? null })] : [];
      blockdevices.push(
        dev(k, 'disk', {
          model: 'VV              ',
          vendor: '3PARdata',
          serial: `2FF70002${lun.wwn.slice(-8)}`,
          wwn: `0x${lun.wwn}`,
          tran: 'fc',
          hctl: `${p + 3}:0:0:${l}`,
          label: spec.kind === 'dmp' ? (lun.label ?? null) : null,
          ...(children.length ? { children } : {}),
        }),
      );
      links.push(`/dev/disk/by-path/pci-0000:3b:00.${p}-fc-0x2021000${p}ac01a2b3-lun-${l}\t../../${k}`);
    });
    if (spec.kind === 'dmp') {
      links.push(`/dev/disk/by-id/wwn-0x${lun.wwn}\t../../${paths[1]}`, `/dev/disk/by-id/scsi-3${lun.wwn}\t../../${paths[1]}`);
      if (lun.label) links.push(`/dev/disk/by-label/${lun.label}\t../../${paths[1]}`);
      const W = lun.wwn.toUpperCase();
      dmp.push(
        `dmpdev          = ${dmpNode(l)}`,
        'state           = enabled',
        'enclosure       = 3pardata0',
        'array-name      = 3PARDATA',
        'array-type      = ALUA',
        `udid            = 3PARdata%5FVV%5F1A2B3%5F${W}`,
        `scsi3_vpd       = NAA:${W}`,
        'num_paths       = 2',
        ...paths.map((k, p) => `path            = ${k} enabled(a) primary FC c${p + 3} c${p + 3} - - -`),
        '',
      );
    } else {
      links.push(
        `/dev/disk/by-id/dm-name-${map.name}\t../../${map.kname}`,
        `/dev/disk/by-id/dm-uuid-mpath-3${lun.wwn}\t../../${map.kname}`,
        `/dev/disk/by-id/wwn-0x${lun.wwn}\t../../${map.kname}`,
        `/dev/disk/by-id/scsi-3${lun.wwn}\t../../${map.kname}`,
        `/dev/mapper/${map.name}\t../${map.kname}`,
      );
      if (lun.label) links.push(`/dev/disk/by-label/${lun.label}\t../../${map.kname}`);
    }
  });
  writeFileSync(join(dir, 'lsblk.json'), JSON.stringify({ blockdevices }, null, 3) + '\n');
  writeFileSync(join(dir, 'links.tsv'), links.join('\n') + '\n');
  if (spec.kind === 'dmp') {
    writeFileSync(join(dir, 'vxdmpadm.txt'), dmp.join('\n'));
    writeFileSync(join(dir, 'vx-dmp-names.txt'), spec.luns.map((_, l) => `${dmpNode(l)}\n`).join(''));
    writeFileSync(join(dir, 'vxdctl.txt'), 'mode: enabled\n');
  }
  for (const d of spec.domains) writeFileSync(join(dir, 'domains', `${d.name}.xml`), domainXml(d));
  return dir;
}
