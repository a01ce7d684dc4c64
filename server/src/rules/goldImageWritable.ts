import type { DiskModel } from '../domain/model';
import { cap } from '../encode';
import type { HostIndex } from '../inventory/resolver';
import type { VxVolumeInfo } from '../inventory/snapshot';
import { child, type XmlDocument, type XmlElement } from '../xml/parse';
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

/** The element of the document that starts at `start` (a disk of the model), descending only into the element that holds it. */
function elementAt(root: XmlElement | undefined, start: number): XmlElement | undefined {
  let el = root;
  while (el && el.start !== start) el = el.children.find((c) => c.start <= start && start < c.end);
  return el;
}

/**
 * "Add <readonly/>": the element on a line of its own right after the disk's <source> (after `/>`, or after
 * `</source>`), indented as the line the <source> is on, with that line's line break. Never preferred:
 * updating a gold image on purpose is the author's call, so fix-all leaves it.
 */
function addReadonly(doc: XmlDocument, disk: DiskModel): Fix | undefined {
  const el = elementAt(doc.root, disk.start);
  const src = el && child(el, 'source');
  if (!el || !src || child(el, 'readonly')) return undefined;
  const text = doc.text;
  const lineStart = Math.max(text.lastIndexOf('\n', src.start - 1), text.lastIndexOf('\r', src.start - 1)) + 1;
  const indent = /^[ \t]*/.exec(text.slice(lineStart, src.start))![0];
  const eol = /\r\n|\r|\n/.exec(text.slice(src.end))?.[0] ?? /\r\n|\r|\n/.exec(text)?.[0] ?? '\n';
  return { title: 'Add <readonly/>', preferred: false, edits: [{ start: src.end, end: src.end, newText: `${eol}${indent}<readonly/>` }] };
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
