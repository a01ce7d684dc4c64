/**
 * A host fixture of plain LUNs for the rig hosts that keep the real virsh (define, pull, the editor's
 * host editing): /dev/sdb… with WWNs and their by-id links, so every rule finds the disks the tests map
 * (a definition on the real libvirt names these paths; the devices exist only inside the rig).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** How many LUNs the fixture has. */
export const LUN_COUNT = 12;

const wwn = (i: number) => `0x6000000000000000000000000000${(0x1000 + i).toString(16)}`;

/** The stable path of LUN `i` (0 ≤ i < LUN_COUNT) on the fixture host. */
export const lun = (i: number): string => `/dev/disk/by-id/wwn-${wwn(i)}`;

/** Writes lsblk.json and links.tsv of the LUN host into `dir` (a fakeHost fixture directory). */
export function writeLunHostFixture(dir: string): void {
  const kname = (i: number) => `sd${String.fromCharCode(98 + i)}`;
  const devices = Array.from({ length: LUN_COUNT }, (_, i) => ({
    name: kname(i),
    kname: kname(i),
    path: `/dev/${kname(i)}`,
    type: 'disk',
    size: 1073741824,
    model: 'LDI TEST LUN',
    vendor: 'LDI',
    serial: `LDI${i}`,
    wwn: wwn(i),
    tran: 'fc',
    hctl: `1:0:0:${i}`,
    pkname: null,
    mountpoints: [null],
  }));
  writeFileSync(join(dir, 'lsblk.json'), JSON.stringify({ blockdevices: devices }));
  writeFileSync(join(dir, 'links.tsv'), devices.map((d, i) => `${lun(i)}\t../../${d.kname}\n`).join(''));
}
