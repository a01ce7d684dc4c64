import { busOfTargetName, freeTargetNames } from '../domain/diskVocabulary';
import type { DiskModel } from '../domain/model';
import { cap, terminalText } from '../encode';
import { escapeXmlValue } from '../xml/entities';
import { finding } from './finding';
import type { Finding, Rule } from './types';

/** How a message names a disk: its source (path, pool/volume or network name), else its target. */
function diskName(d: DiskModel): string {
  const s = d.source;
  const src =
    d.hostPath?.value ??
    (s.pool && s.volume ? `${s.pool.value}/${s.volume.value}` : undefined) ??
    s.name?.value ??
    s.file?.value ??
    s.dev?.value;
  return src ? `the disk with source ${cap(src, 256)}` : 'another disk';
}

/**
 * duplicate-target: two disks with the same `<target dev>`. The later one is flagged, names the earlier
 * one (related information points at it) and is offered the next free name for its bus (not preferred:
 * which disk to rename is the author's choice, so fix-all leaves it).
 */
export const duplicateTarget: Rule = ({ model }) => {
  const out: Finding[] = [];
  const first = new Map<string, DiskModel>();
  const used = new Set<string>();
  // One free-name sequence per bus, resumed for each clash: thousands of clashes stay linear.
  const free = new Map<string, Generator<string, never>>();
  for (const disk of model.disks) {
    const dev = disk.target?.dev?.value;
    if (dev) used.add(dev);
  }
  for (const disk of model.disks) {
    const dev = disk.target?.dev;
    if (!dev || !dev.value) continue;
    const prev = first.get(dev.value);
    if (prev === undefined) {
      first.set(dev.value, disk);
      continue;
    }
    const bus = disk.target?.bus?.value || busOfTargetName(dev.value) || 'virtio';
    let names = free.get(bus);
    if (!names) free.set(bus, (names = freeTargetNames(bus, used)));
    const next = names.next().value;
    used.add(next); // a third disk with the same name is offered the one after
    const newText = escapeXmlValue(next, dev.quote);
    const other = prev.target!.dev!;
    out.push(
      finding('duplicate-target', {
        message: `Target ${dev.value} is already used by ${diskName(prev)} in this domain; libvirt refuses two disks with one target. Next free name for bus ${cap(bus, 64)}: ${next}.`,
        start: dev.start,
        end: dev.end,
        fixes:
          newText === undefined
            ? []
            : [
                {
                  title: `Use target ${next} (next free name for bus ${terminalText(cap(bus, 64))})`,
                  edits: [{ start: dev.start, end: dev.end, newText }],
                  preferred: false,
                },
              ],
        related: [{ message: `${dev.value} is first used here, by ${diskName(prev)}`, start: other.start, end: other.end }],
      }),
    );
  }
  return out;
};
