/** Synthetic inputs for the benchmarks: large domains and a large host, deterministic. */
import { driveLetters } from '../server/src/domain/diskVocabulary';
import type { SectionInput } from '../server/src/inventory/parsers';

const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
export const lunWwn = (i: number) => `60002ac0000000000000${hex(i, 8)}a2b3`;
const kname = (n: number) => `sd${driveLetters(n)}`;

/**
 * A domain with `n` block disks on the generated host. `unstableEvery` = 3 (the default, the worst
 * case) names a third of the disks by kernel name, a third by a single-path by-id link (both flagged)
 * and a third by DMP node; a larger value flags one disk in `unstableEvery` of each kind and uses
 * DMP nodes for the rest, as a maintained definition would.
 */
export function domainWithDisks(n: number, name = `big${n}`, unstableEvery = 3): string {
  const out = [
    `<domain type='kvm'>`,
    `  <name>${name}</name>`,
    `  <memory unit='KiB'>4194304</memory>`,
    `  <os>`,
    `    <type arch='x86_64'>hvm</type>`,
    `  </os>`,
    `  <devices>`,
  ];
  for (let i = 0; i < n; i++) {
    const lun = i % 10000;
    const k = i % unstableEvery;
    const src = k === 0 ? `/dev/${kname(lun * 4)}` : k === 1 ? `/dev/disk/by-id/wwn-0x${lunWwn(lun)}` : `/dev/vx/dmp/3pardata0_${lun}`;
    out.push(
      `    <disk type='block' device='disk'>`,
      `      <driver name='qemu' type='raw' cache='none'/>`,
      `      <source dev='${src}'/>`,
      `      <target dev='vd${driveLetters(i)}' bus='virtio'/>`,
      `    </disk>`,
    );
  }
  out.push('  </devices>', '</domain>', '');
  return out.join('\n');
}

/** Collector sections of a host with `luns` LUNs × `paths` paths under DMP, by-id/by-path links and `domains` domains. */
export function bigHostSections(luns: number, paths: number, domains: number): Map<string, SectionInput> {
  const devices: object[] = [];
  const links: string[] = [];
  const dmp: string[] = [];
  for (let l = 0; l < luns; l++) {
    const wwn = lunWwn(l);
    const names: string[] = [];
    for (let p = 0; p < paths; p++) {
      const k = kname(l * paths + p);
      names.push(k);
      devices.push({
        name: k,
        kname: k,
        path: `/dev/${k}`,
        type: 'disk',
        size: 107374182400,
        model: 'VV',
        vendor: '3PARdata',
        serial: `2FF7${hex(l, 8)}`,
        wwn: `0x${wwn}`,
        tran: 'fc',
        hctl: `${p}:0:0:${l}`,
        pkname: null,
        fstype: null,
        label: null,
        uuid: null,
        partlabel: null,
        partuuid: null,
        mountpoints: [null],
      });
      links.push(`/dev/disk/by-path/pci-0000:3b:00.${p}-fc-0x2021000${p}ac01a2b3-lun-${l}\t../../${k}`);
    }
    links.push(`/dev/disk/by-id/wwn-0x${wwn}\t../../${names[paths - 1]}`, `/dev/disk/by-id/scsi-3${wwn}\t../../${names[paths - 1]}`);
    dmp.push(
      `dmpdev          = 3pardata0_${l}`,
      'state           = enabled',
      'enclosure       = 3pardata0',
      'array-name      = 3PARDATA',
      'array-type      = ALUA',
      `udid            = 3PARdata%5FVV%5F1A2B3%5F${wwn.toUpperCase()}`,
      `scsi3_vpd       = NAA:${wwn.toUpperCase()}`,
      `num_paths       = ${paths}`,
      ...names.map((k, p) => `path            = ${k} enabled(a) primary FC c${p} c${p} - - -`),
      '',
    );
  }
  const sections = new Map<string, SectionInput>();
  const ok = (body: string): SectionInput => ({ body, rc: 0, stderr: [] });
  sections.set('lsblk', ok(JSON.stringify({ blockdevices: devices })));
  sections.set('links', ok(links.join('\n') + '\n'));
  sections.set('vx-dmp-names', ok(Array.from({ length: luns }, (_, l) => `3pardata0_${l}`).join('\n') + '\n'));
  sections.set('vxdmpadm', ok(dmp.join('\n')));
  sections.set('vxdctl', ok('mode: enabled: cluster active - MASTER\n'));
  const names = Array.from({ length: domains }, (_, d) => `guest${d}`);
  sections.set('virsh-list', ok(names.join('\n') + '\n\n'));
  names.forEach((n, d) =>
    sections.set(
      `virsh-dumpxml ${n}`,
      ok(domainWithDisks(2, n).replace(/3pardata0_(\d+)/g, (_m, x) => `3pardata0_${(Number(x) + d * 7) % luns}`)),
    ),
  );
  return sections;
}
