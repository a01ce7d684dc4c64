/** Synthetic inputs for the benchmarks: large domains and a large host, deterministic. */
import { driveLetters } from '../server/src/domain/diskVocabulary';
import type { SectionInput } from '../server/src/inventory/parsers';
import { dev, domainXml } from '../test/rig/fleet';

const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
export const lunWwn = (i: number) => `60002ac0000000000000${hex(i, 8)}a2b3`;
const kname = (n: number) => `sd${driveLetters(n)}`;

/** lsblk's entry for path `p` of LUN `l` (a 3PAR virtual volume seen over FC). */
const fcPath = (k: string, p: number, l: number, serialNo: number, wwn: string, model: string) =>
  dev(k, 'disk', { model, vendor: '3PARdata', serial: `2FF7${hex(serialNo, 8)}`, wwn: `0x${wwn}`, tran: 'fc', hctl: `${p}:0:0:${l}` });
const byPathLink = (k: string, p: number, l: number) =>
  `/dev/disk/by-path/pci-0000:3b:00.${p}-fc-0x2021000${p}ac01a2b3-lun-${l}\t../../${k}`;

/** LUN `l` (`paths` FC paths, the kernel names sd… from `l * paths`) into lsblk devices, udev links and a vxdmpadm record. */
function addLun(
  out: { devices: object[]; links: string[]; dmp: string[] },
  l: number,
  wwn: string,
  paths: number,
  serialNo: number,
  model: string,
): void {
  const names: string[] = [];
  for (let p = 0; p < paths; p++) {
    const k = kname(l * paths + p);
    names.push(k);
    out.devices.push(fcPath(k, p, l, serialNo, wwn, model));
    out.links.push(byPathLink(k, p, l));
  }
  out.links.push(`/dev/disk/by-id/wwn-0x${wwn}\t../../${names[paths - 1]}`, `/dev/disk/by-id/scsi-3${wwn}\t../../${names[paths - 1]}`);
  out.dmp.push(
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
  for (let l = 0; l < luns; l++) addLun({ devices, links, dmp }, l, lunWwn(l), paths, l, 'VV');
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

/** Raw collector output (what `ssh HOST sh -s < collector` prints) holding `sections`, as the script frames them. */
export function collectorOutputText(sections: Map<string, SectionInput>): string {
  const out = ['#LDI-COLLECTOR 1\n'];
  for (const [name, s] of sections) {
    if (s.absent !== undefined) {
      out.push(`#LDI-ABSENT ${name} ${s.absent}\n`);
      continue;
    }
    out.push(`#LDI-BEGIN ${name}\n`, s.body, `\n#LDI-END ${name} rc=${s.rc ?? 0}\n`, ...s.stderr.map((l) => `#LDI-ERR ${name} ${l}\n`));
  }
  out.push('#LDI-DONE\n');
  return out.join('');
}

/** A host of the generated fleet: its name and its collector output. */
export interface FleetHost {
  name: string;
  output: string;
}

export interface FleetOptions {
  hosts: number;
  /** LUNs per host (every host of a cluster sees the same LUNs: its shared storage). */
  luns: number;
  paths: number;
  domains: number;
  /** Hosts per cluster. */
  clusterSize: number;
}

const uuidOf = (a: number, b: number) => `${hex(a, 8)}-${hex(b, 4)}-4000-8000-${hex(a * 1000 + b, 12)}`;

/**
 * Host `h` of a fleet: `luns` LUNs × `paths` paths under DMP (a 3PAR array, ALUA) seen by every host of
 * its cluster, lsblk printed as lsblk prints it (indented), by-id and by-path links, and `domains`
 * domains of four disks each, on LUNs no other host of the cluster uses: the DMP node (stable), a by-id
 * link (one path: multipath-bypass), a kernel name in every tenth domain, else a DMP node. Seeded fleet
 * cases: domain 0 of each host maps the cluster's LUN 0 with <shareable/> (a guest cluster: no finding);
 * domain 1 maps the cluster's last LUN without it on every host of the cluster (shared-without-shareable
 * on each); the last domain of the cluster's first host is also defined (same UUID) on the second.
 */
export function fleetHost(h: number, o: FleetOptions): FleetHost {
  const name = `kvm${String(h).padStart(3, '0')}`;
  const cluster = Math.floor(h / o.clusterSize);
  const slot = h % o.clusterSize;
  const base = cluster * o.luns;
  const devices: object[] = [];
  const links: string[] = [];
  const dmp: string[] = [];
  for (let l = 0; l < o.luns; l++) addLun({ devices, links, dmp }, l, lunWwn(base + l), o.paths, base + l, 'VV              ');
  const domain = (d: number, uuidHost: number, disks: { src: string; shareable?: boolean }[]) =>
    domainXml({
      name: `guest${cluster}-${d}-${uuidHost}`,
      uuid: uuidOf(uuidHost, d),
      disks: disks.map((x, i) => ({ source: x.src, target: `vd${driveLetters(i)}`, ...(x.shareable ? { shareable: true } : {}) })),
    });
  // Each host of the cluster uses its own quarter of the LUNs (LUN 0 and the last one are the shared ones).
  const span = Math.floor((o.luns - 2) / o.clusterSize);
  const lunFor = (d: number, k: number) => 1 + slot * span + ((d * 4 + k) % span);
  const doms = new Map<string, string>();
  for (let d = 0; d < o.domains; d++) {
    const disks = [0, 1, 2, 3].map((k): { src: string; shareable?: boolean } => {
      const l = lunFor(d, k);
      if (k === 1) return { src: `/dev/disk/by-id/wwn-0x${lunWwn(base + l)}` };
      if (k === 2 && d % 10 === 0) return { src: `/dev/${kname(l * o.paths)}` };
      return { src: `/dev/vx/dmp/3pardata0_${l}` };
    });
    if (d === 0) disks[3] = { src: '/dev/vx/dmp/3pardata0_0', shareable: true };
    if (d === 1) disks[3] = { src: `/dev/vx/dmp/3pardata0_${o.luns - 1}` };
    doms.set(`guest${cluster}-${d}-${h}`, domain(d, h, disks));
  }
  if (slot === 1) {
    // The failover copy of the first host's last domain (its LUNs are those of slot 0).
    const d = o.domains - 1;
    const first = h - 1;
    const disks = [0, 1, 2, 3].map((k) => ({ src: `/dev/vx/dmp/3pardata0_${1 + (((d * 4 + k) % span) + 0 * span)}` }));
    doms.set(`guest${cluster}-${d}-${first}`, domain(d, first, disks));
  }
  const sections = new Map<string, SectionInput>();
  const ok = (body: string): SectionInput => ({ body, rc: 0, stderr: [] });
  sections.set('uname', ok(`${name}\n`));
  sections.set('lsblk', ok(JSON.stringify({ blockdevices: devices }, null, 3) + '\n'));
  sections.set('links', ok(links.join('\n') + '\n'));
  sections.set('vx-dmp-names', ok(Array.from({ length: o.luns }, (_, l) => `3pardata0_${l}`).join('\n') + '\n'));
  sections.set('vxdmpadm', ok(dmp.join('\n')));
  sections.set('vxdctl', ok('mode: enabled: cluster active - MASTER\n'));
  sections.set('libvirt-uri', ok('qemu:///system\n'));
  sections.set('libvirt-version', ok('9.0.0\n'));
  sections.set('virsh-list', ok([...doms.keys()].join('\n') + '\n\n'));
  for (const [n, xml] of doms) sections.set(`virsh-dumpxml ${n}`, ok(xml));
  sections.set('virsh-list-active', ok('\n'));
  return { name, output: collectorOutputText(sections) };
}
