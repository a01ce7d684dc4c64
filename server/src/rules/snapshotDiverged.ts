import { cap } from '../encode';
import { formatBytes, type HostIndex } from '../inventory/resolver';
import type { VxVolumeInfo } from '../inventory/snapshot';
import { diskFacts } from './diskFacts';
import { finding } from './finding';
import type { Finding, Rule } from './types';

/** The share of its parent a space-optimized snapshot may differ by before it is reported (the guidance's upper figure). */
export const DIVERGED_PERCENT = 20;

/** What a space-optimized snapshot typically takes of its parent, in percent (the guidance's range). */
export const SPACEOPT_TYPICAL_PERCENT: readonly [number, number] = [5, DIVERGED_PERCENT];

/**
 * How much of its parent a snapshot differs by, in percent: vxsnap's own share of CHANGE_DATA, else the
 * amount over the parent's (or its own) size; undefined when neither is known.
 */
export function changedPercent(host: HostIndex, v: VxVolumeInfo): number | undefined {
  const sn = v.snapshot;
  if (!sn) return undefined;
  if (sn.changedPercent !== undefined) return sn.changedPercent;
  if (sn.changedBytes === undefined) return undefined;
  const size = host.vxVolumeInfo(`${sn.parentDg ?? v.dg}/${sn.parent}`)?.sizeBytes ?? v.sizeBytes;
  return size ? (100 * sn.changedBytes) / size : undefined;
}

const pct = (n: number) => `${n < 10 ? Number(n.toFixed(1)) : Math.round(n)}%`;

/** snapshot-diverged: a space-optimized snapshot that differs from its parent by more than 20%. */
export const snapshotDiverged: Rule = (ctx) => {
  const out: Finding[] = [];
  for (const f of diskFacts(ctx)) {
    const parts: string[] = [];
    f.resolutions.forEach((r, i) => {
      const v = r.vxInfo;
      if (!v?.snapshot || v.snapshot.type !== 'spaceopt') return;
      const share = changedPercent(ctx.hosts[i], v);
      if (share === undefined || share <= DIVERGED_PERCENT) return;
      const sn = v.snapshot;
      const where = ctx.hosts.length > 1 ? ` on ${cap(r.host, 64)}` : '';
      const amount = sn.changedBytes !== undefined ? ` (${formatBytes(sn.changedBytes)})` : '';
      parts.push(
        `space-optimized snapshot ${cap(`${v.dg}/${v.name}`, 256)}${where} differs from its parent ${cap(`${sn.parentDg ?? v.dg}/${sn.parent}`, 256)} by ${pct(share)}${amount}`,
      );
    });
    if (!parts.length) continue;
    out.push(
      finding('snapshot-diverged', {
        message:
          `${f.ref.value}: ${parts.join('; ')}, more than the ${DIVERGED_PERCENT}% a space-optimized snapshot typically stays within (${SPACEOPT_TYPICAL_PERCENT[0]}–${SPACEOPT_TYPICAL_PERCENT[1]}% of its parent), ` +
          "and its changes fill the cache object its sibling snapshots share. Install software on data disks rather than on the root file system, and keep changes to the gold image's operating system files small.",
        start: f.ref.start,
        end: f.ref.end,
      }),
    );
  }
  return out;
};
