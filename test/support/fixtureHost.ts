/**
 * Host fixture directories (examples/hosts/<name>/, test/fixtures/hosts/<name>/) hold what each
 * collector command prints on that host. This renders them as the sections the collector would
 * produce, so snapshots can be built without a host, and the ssh rig can serve the same files.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSnapshot, SectionInput } from '../../server/src/inventory/parsers';
import type { InventorySnapshot } from '../../server/src/inventory/snapshot';
import { fixturePools } from '../rig/fakeHost';

export const FIXTURE_COLLECTED_AT = '2026-11-01T09:00:00.000Z';

export function fixtureSections(dir: string): Map<string, SectionInput> {
  const sections = new Map<string, SectionInput>();
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  const put = (name: string, file: string, tool: string) => {
    if (existsSync(join(dir, file))) sections.set(name, { body: read(file), rc: 0, stderr: [] });
    else sections.set(name, { body: '', rc: null, stderr: [], absent: tool });
  };
  put('lsblk', 'lsblk.json', 'lsblk');
  put('links', 'links.tsv', 'find');
  // The collector always lists them (find under /dev): an empty body when the host has none.
  sections.set('dev-links', { body: existsSync(join(dir, 'dev-links.tsv')) ? read('dev-links.tsv') : '', rc: 0, stderr: [] });
  const rdir = join(dir, 'udev-rules');
  if (existsSync(rdir)) {
    // The shell's glob order (LC_ALL=C): byte order.
    const files = readdirSync(rdir)
      .filter((f) => f.endsWith('.rules'))
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    sections.set('udev-rules', { body: files.map((f) => `/etc/udev/rules.d/${f}\n`).join(''), rc: 0, stderr: [] });
    for (const f of files)
      sections.set(`udev-rule /etc/udev/rules.d/${f}`, { body: readFileSync(join(rdir, f), 'utf8'), rc: 0, stderr: [] });
  } else sections.set('udev-rules', { body: '', rc: null, stderr: [], absent: '/etc/udev/rules.d' });
  put('scsi-hosts', 'scsi-hosts.tsv', '/sys/class/scsi_host');
  put('vx-dmp-names', 'vx-dmp-names.txt', '/dev/vx/dmp');
  put('vx-dsk-names', 'vx-dsk-names.txt', '/dev/vx/dsk');
  put('vxdmpadm', 'vxdmpadm.txt', 'vxdmpadm');
  put('vxdisk', 'vxdisk.txt', 'vxdisk');
  put('vxdctl', 'vxdctl.txt', 'vxdctl');
  // Per disk group under /dev/vx/dsk, as the collector lists them: vxsnap/<dg>.txt and vxprint/<dg>.txt
  // (directory absent = tool absent; a disk group without a file is refused, as on the rig).
  for (const dg of volumeDiskGroups(dir))
    for (const tool of ['vxsnap', 'vxprint']) {
      const file = `${tool}/${dg}.txt`;
      if (!existsSync(join(dir, tool))) sections.set(`${tool} ${dg}`, { body: '', rc: null, stderr: [], absent: tool });
      else if (existsSync(join(dir, file))) sections.set(`${tool} ${dg}`, { body: read(file), rc: 0, stderr: [] });
      else
        sections.set(`${tool} ${dg}`, {
          body: '',
          rc: 1,
          stderr: [`VxVM ${tool} ERROR: Disk group ${dg}: no such disk group is imported`],
        });
    }
  const ddir = join(dir, 'domains');
  if (existsSync(ddir)) {
    const vf = join(dir, 'libvirt-version.txt');
    sections.set('libvirt-uri', { body: 'qemu:///system\n', rc: 0, stderr: [] });
    sections.set('libvirt-version', { body: existsSync(vf) ? read('libvirt-version.txt') : '9.0.0\n', rc: 0, stderr: [] });
    const names = readdirSync(ddir)
      .filter((f) => f.endsWith('.xml'))
      .map((f) => f.slice(0, -4))
      .sort();
    sections.set('virsh-list', { body: names.join('\n') + '\n\n', rc: 0, stderr: [] });
    for (const n of names) sections.set(`virsh-dumpxml ${n}`, { body: readFileSync(join(ddir, `${n}.xml`), 'utf8'), rc: 0, stderr: [] });
    // `virsh list --name`: the running domains (domains-running.txt, as the rig's fake virsh prints them).
    const running = existsSync(join(dir, 'domains-running.txt'))
      ? read('domains-running.txt')
          .split('\n')
          .filter((l) => l)
      : [];
    sections.set('virsh-list-active', { body: running.map((n) => `${n}\n`).join('') + '\n', rc: 0, stderr: [] });
    // Storage pools: pools/<name>.xml (pool-dumpxml), pools/<name>.vols (vol-list --details; present = active).
    const pools = fixturePools(dir) ?? { active: [], inactive: [] };
    const list = (l: string[]) => `${l.map((n) => `${n}\n`).join('')}\n`;
    sections.set('pool-list', { body: list(pools.active), rc: 0, stderr: [] });
    for (const n of pools.active) {
      sections.set(`pool-dumpxml ${n}`, { body: read(`pools/${n}.xml`), rc: 0, stderr: [] });
      sections.set(`pool-vols ${n}`, { body: read(`pools/${n}.vols`), rc: 0, stderr: [] });
    }
    sections.set('pool-list-inactive', { body: list(pools.inactive), rc: 0, stderr: [] });
    for (const n of pools.inactive) sections.set(`pool-dumpxml ${n}`, { body: read(`pools/${n}.xml`), rc: 0, stderr: [] });
  } else sections.set('virsh-list', { body: '', rc: null, stderr: [], absent: 'virsh' });
  return sections;
}

/**
 * The disk groups of vx-dsk-names.txt (its DG/VOL lines: the directories under /dev/vx/dsk), each once, in the
 * shell's glob order (bytes); names the collector skips are left out.
 */
export function volumeDiskGroups(dir: string): string[] {
  if (!existsSync(join(dir, 'vx-dsk-names.txt'))) return [];
  const groups = readFileSync(join(dir, 'vx-dsk-names.txt'), 'utf8')
    .split('\n')
    .flatMap((l) => (l.includes('/') ? [l.slice(0, l.indexOf('/'))] : []))
    .filter((g) => /^[A-Za-z0-9._+@][A-Za-z0-9._+@-]*$/.test(g));
  return [...new Set(groups)].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

export function fixtureSnapshot(dir: string, host: string): InventorySnapshot {
  return buildSnapshot({ host, collectedAt: FIXTURE_COLLECTED_AT, sections: fixtureSections(dir) });
}
