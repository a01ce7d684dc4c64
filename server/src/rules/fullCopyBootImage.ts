import { cap } from '../encode';
import { formatBytes, type HostIndex } from '../inventory/resolver';
import { FULL_COPY_SNAPSHOT_TYPES, type VxVolumeInfo } from '../inventory/snapshot';
import { diskFacts } from './diskFacts';
import { finding } from './finding';
import { SPACEOPT_TYPICAL_PERCENT } from './snapshotDiverged';
import type { Finding, Rule } from './types';

const KIND: Record<string, string> = {
  fullinst: 'a full-sized instant snapshot (fullinst)',
  mirbrk: 'a mirror break-off snapshot (mirbrk)',
  volbrk: 'a linked break-off snapshot (volbrk)',
};

/** One host domain's use of a copy of the gold volume. */
interface CopyUse {
  domain: string;
  copy: VxVolumeInfo;
}

/** The host's domains (other than `self`) that map a copy (any snapshot) of the gold volume `gold`. */
function copyUsers(host: HostIndex, gold: string, self: string | undefined): CopyUse[] {
  const copies = new Map(host.vxSnapshotsOf(gold).map((c) => [`${c.dg}/${c.name}`, c]));
  const out: CopyUse[] = [];
  for (const d of host.snapshot.domains ?? []) {
    if (d.name === self) continue;
    for (const disk of d.disks) {
      const r = host.resolve(disk.source);
      const copy = r.vxVolume !== undefined ? copies.get(r.vxVolume) : undefined;
      if (copy) {
        out.push({ domain: d.name, copy });
        break;
      }
    }
  }
  return out;
}

function names(list: string[]): string {
  const shown = list.slice(0, 3).map((n) => cap(n, 64));
  return list.length > 3 ? `${shown.join(', ')} and ${list.length - 3} more` : shown.join(', ');
}

/**
 * full-copy-boot-image: the disk is a full-sized copy (fullinst, mirbrk, volbrk) of a VxVM volume that other
 * guests of the host map copies of too: a gold image copied in full once per guest.
 */
export const fullCopyBootImage: Rule = (ctx) => {
  const out: Finding[] = [];
  for (const f of diskFacts(ctx)) {
    const parts: string[] = [];
    f.resolutions.forEach((r, i) => {
      const v = r.vxInfo;
      const sn = v?.snapshot;
      if (!v || !sn || !FULL_COPY_SNAPSHOT_TYPES.includes(sn.type)) return;
      const host = ctx.hosts[i];
      const goldKey = `${sn.parentDg ?? v.dg}/${sn.parent}`;
      const others = copyUsers(host, goldKey, ctx.model.name).filter((u) => `${u.copy.dg}/${u.copy.name}` !== `${v.dg}/${v.name}`);
      if (!others.length) return;
      const goldSize = host.vxVolumeInfo(goldKey)?.sizeBytes;
      const full = others.filter((u) => FULL_COPY_SNAPSHOT_TYPES.includes(u.copy.snapshot!.type));
      // The full copies in use: this disk's and the other guests' (each volume once).
      const fullVolumes = new Map<string, VxVolumeInfo>([
        [`${v.dg}/${v.name}`, v],
        ...full.map((u): [string, VxVolumeInfo] => [`${u.copy.dg}/${u.copy.name}`, u.copy]),
      ]);
      const sizes = [...fullVolumes.values()].map((c) => c.sizeBytes ?? goldSize);
      const total = sizes.every((s) => s !== undefined) ? sizes.reduce((a, b) => a! + b!, 0) : undefined;
      const where = `on ${cap(r.host, 64)}`;
      const n = fullVolumes.size;
      let text =
        `VxVM volume ${cap(`${v.dg}/${v.name}`, 256)} is ${KIND[sn.type]} of gold image ${cap(goldKey, 256)}` +
        `${goldSize !== undefined ? ` (${formatBytes(goldSize)})` : ''}; ` +
        `${others.length} other guest${others.length > 1 ? 's' : ''} ${where} map${others.length > 1 ? '' : 's'} copies of it too (${names(others.map((u) => u.domain))})` +
        `, ${full.length} of them full: ${n} full cop${n > 1 ? 'ies' : 'y'}${total !== undefined ? `, ${formatBytes(total)} in all` : ''}`;
      if (goldSize !== undefined) {
        const [lo, hi] = SPACEOPT_TYPICAL_PERCENT.map((p) => (goldSize * p) / 100);
        text += `. Space-optimized snapshots would typically take ${SPACEOPT_TYPICAL_PERCENT[0]}–${SPACEOPT_TYPICAL_PERCENT[1]}% of it each: ${formatBytes(lo)}–${formatBytes(hi)}${n > 1 ? `, ${formatBytes(lo * n)}–${formatBytes(hi * n)} for ${n}` : ''}, one cache object serving them all`;
      }
      parts.push(text);
    });
    if (!parts.length) continue;
    out.push(
      finding('full-copy-boot-image', {
        message:
          `${f.ref.value}: ${parts.join('; ')}. A bare Linux boot image needs about 3 GB, a database guest about 6 GB: ` +
          'boot from space-optimized snapshots of the gold image (vxsnap make source=GOLD/newvol=NAME/cache=COBJ) rather than full copies.',
        start: f.ref.start,
        end: f.ref.end,
      }),
    );
  }
  return out;
};
