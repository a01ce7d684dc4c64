/**
 * Host fixture directories (examples/hosts/<name>/, test/fixtures/hosts/<name>/) hold what each
 * collector command prints on that host. This renders them as the sections the collector would
 * produce, so snapshots can be built without a host, and the ssh rig can serve the same files.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSnapshot, SectionInput } from '../../server/src/inventory/parsers';
import type { InventorySnapshot } from '../../server/src/inventory/snapshot';

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
  put('vx-dmp-names', 'vx-dmp-names.txt', '/dev/vx/dmp');
  put('vx-dsk-names', 'vx-dsk-names.txt', '/dev/vx/dsk');
  put('vxdmpadm', 'vxdmpadm.txt', 'vxdmpadm');
  put('vxdisk', 'vxdisk.txt', 'vxdisk');
  put('vxdctl', 'vxdctl.txt', 'vxdctl');
  const ddir = join(dir, 'domains');
  if (existsSync(ddir)) {
    const vf = join(dir, 'libvirt-version.txt');
    sections.set('libvirt-version', { body: existsSync(vf) ? read('libvirt-version.txt') : '9.0.0\n', rc: 0, stderr: [] });
    const names = readdirSync(ddir).filter((f) => f.endsWith('.xml')).map((f) => f.slice(0, -4)).sort();
    sections.set('virsh-list', { body: names.join('\n') + '\n\n', rc: 0, stderr: [] });
    for (const n of names) sections.set(`virsh-dumpxml ${n}`, { body: readFileSync(join(ddir, `${n}.xml`), 'utf8'), rc: 0, stderr: [] });
  } else sections.set('virsh-list', { body: '', rc: null, stderr: [], absent: 'virsh' });
  return sections;
}

export function fixtureSnapshot(dir: string, host: string): InventorySnapshot {
  return buildSnapshot({ host, collectedAt: FIXTURE_COLLECTED_AT, sections: fixtureSections(dir) });
}
