import type { DiskModel } from '../domain/model';
import { cap } from '../encode';
import type { HostIndex } from '../inventory/resolver';
import type { VxVolumeInfo } from '../inventory/snapshot';
import type { XmlDocument } from '../xml/parse';
import { diskFacts } from './diskFacts';
import { finding } from './finding';
import type { Finding, Fix, Rule } from './types';

/** Snapshot types that keep depending on their parent's blocks: writes to the parent are copied into them first. */
const INSTANT_TYPES = ['spaceopt', 'fullinst'];

/** The space-optimized and full-sized instant snapshots of a VxVM volume `dg/vol` on a host. */
export function goldImageSnapshots(host: HostIndex, dgVol: string): VxVolumeInfo[] {
  return host.vxSnapshotsOf(dgVol).filter((s) => INSTANT_TYPES.includes(s.snapshot!.type));
}

function listed(names: string[]): string {
  const shown = names.slice(0, 3).map((n) => cap(n, 256));
  return names.length > 3 ? `${shown.join(', ')} and ${names.length - 3} more` : shown.join(', ');
}

/** The line break that ends line `line` (undefined on the last line), from the line index: no scan of the text. */
function lineBreakAfter(doc: XmlDocument, line: number): string | undefined {
  if (line + 1 >= doc.lines.lineCount) return undefined;
  const next = doc.lines.offsetAt({ line: line + 1, character: 0 });
  return doc.text.slice(next - 2, next) === '\r\n' ? '\r\n' : doc.text[next - 1];
}

/**
 * "Add <readonly/>": the element on a line of its own right after the disk's <source> (after `/>`, or after
 * `</source>`), indented as the line the <source> is on, with the line break of the line it follows (the
 * document's first one when that is the last line). Never preferred: updating a gold image on purpose is
 * the author's call, so fix-all leaves it. Lines are found through the line index, so a document of many
 * disks on one line is not scanned once per disk.
 */
function addReadonly(doc: XmlDocument, disk: DiskModel): Fix | undefined {
  const { sourceStart: start, sourceEnd: end } = disk;
  if (start === undefined || end === undefined || disk.readonly) return undefined;
  const lineStart = doc.lines.offsetAt({ line: doc.lines.positionAt(start).line, character: 0 });
  const indent = /^[ \t]*/.exec(doc.text.slice(lineStart, start))![0];
  const eol = lineBreakAfter(doc, doc.lines.positionAt(end).line) ?? lineBreakAfter(doc, 0) ?? '\n';
  return { title: 'Add <readonly/>', preferred: false, edits: [{ start: end, end, newText: `${eol}${indent}<readonly/>` }] };
}

/** gold-image-writable: a volume with space-optimized or full-sized instant snapshots, mapped without <readonly/>. */
export const goldImageWritable: Rule = (ctx) => {
  const out: Finding[] = [];
  for (const f of diskFacts(ctx)) {
    if (f.disk.readonly) continue;
    const parts: string[] = [];
    f.resolutions.forEach((r, i) => {
      if (!r.vxVolume) return;
      const snaps = goldImageSnapshots(ctx.hosts[i], r.vxVolume);
      if (!snaps.length) return;
      const spaceopt = snaps.filter((s) => s.snapshot!.type === 'spaceopt').length;
      const kinds = [
        spaceopt ? `${spaceopt} space-optimized` : '',
        snaps.length - spaceopt ? `${snaps.length - spaceopt} full-sized instant` : '',
      ].filter(Boolean);
      const where = ctx.hosts.length > 1 ? ` on ${cap(r.host, 64)}` : '';
      parts.push(
        `VxVM volume ${cap(r.vxVolume, 256)}${where} has ${kinds.join(' and ')} snapshot${snaps.length > 1 ? 's' : ''} (${listed(snaps.map((s) => `${s.dg}/${s.name}`))})`,
      );
    });
    if (!parts.length) continue;
    const fix = addReadonly(ctx.doc, f.disk);
    out.push(
      finding('gold-image-writable', {
        message:
          `${f.ref.value} is a gold image mapped without <readonly/>: ${parts.join('; ')}. ` +
          "Every write to it is first copied into its snapshots (into each space-optimized snapshot's cache object), and new snapshots start from what the guest changed.",
        start: f.ref.start,
        end: f.ref.end,
        fixes: fix ? [fix] : [],
      }),
    );
  }
  return out;
};
