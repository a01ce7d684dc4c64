import type { Resolution } from '../inventory/resolver';
import { diskFacts, hostList } from './diskFacts';
import { finding } from './finding';
import type { Finding, Rule } from './types';

/** Partition names recognisable from the path alone (kernel names, by-id/-partN links, multipath map partitions). */
const PARTITION_RE =
  /^\/dev\/(?:(?:sd|hd|vd|xvd)[a-z]+\d+|nvme\d+n\d+p\d+|disk\/by-(?:id|path)\/.+-part\d+|disk\/by-id\/dm-uuid-part\d+-.+|mapper\/mpath[a-z]+(?:p|-part)\d+)$/;
const VX_VOLUME_RE = /^\/dev\/vx\/r?dsk\/[^/]+\/[^/]+$/;

type Kind = 'partition' | 'volume';

function kindOn(r: Resolution): { kind: Kind; what: string } | undefined {
  if (!r.found) return undefined;
  if (r.partition !== undefined)
    return {
      kind: 'partition',
      what: `partition ${r.partition}${r.dmp ? ` of DMP node ${r.dmp.name}` : r.device ? ` (/dev/${r.device.kname})` : ''}`,
    };
  if (r.vxVolume) return { kind: 'volume', what: `VxVM volume ${r.vxVolume}` };
  if (r.device?.type === 'lvm') return { kind: 'volume', what: `LVM logical volume ${r.device.name}` };
  return undefined;
}

/**
 * lun-not-whole-device: `device='lun'` (SCSI passthrough) on a partition (error: the kernel refuses
 * SG_IO there) or on an LV or a VxVM volume (warning: no SCSI target behind it). With hosts, judged
 * from what the path reaches; without, from names that say so themselves.
 */
export const lunNotWholeDevice: Rule = (ctx) => {
  const out: Finding[] = [];
  const judged = new Set<object>();
  for (const f of diskFacts(ctx)) {
    if (f.disk.device?.value !== 'lun' || !f.resolutions.some((r) => r.found)) continue;
    judged.add(f.disk);
    const hits = f.resolutions.map(kindOn);
    const first = hits.find((h) => h);
    if (!first) continue;
    const on = f.resolutions.filter((_, i) => hits[i]).map((r) => r.host);
    const partition = hits.some((h) => h?.kind === 'partition');
    out.push(notWhole(f.ref, partition ? 'partition' : 'volume', `${f.label} is ${first.what} on ${hostList(on)}`));
  }
  // Without an inventory (or where no host has it), names that are partitions or VxVM volumes by themselves.
  for (const disk of ctx.model.disks) {
    const ref = disk.hostPath;
    if (judged.has(disk) || disk.device?.value !== 'lun' || !ref) continue;
    if (PARTITION_RE.test(ref.value)) out.push(notWhole(ref, 'partition', `${ref.value} names a partition`));
    else if (VX_VOLUME_RE.test(ref.value)) out.push(notWhole(ref, 'volume', `${ref.value} is a VxVM volume`));
  }
  return out;
};

/** On a partition: the code's severity (error). On an LV or a VxVM volume: its documented `volume` variant (warning). */
function notWhole(ref: { start: number; end: number }, kind: Kind, what: string): Finding {
  return finding('lun-not-whole-device', {
    variant: kind === 'volume' ? 'volume' : undefined,
    message:
      kind === 'partition'
        ? `device='lun' passes SCSI commands through, but ${what}: the kernel refuses SG_IO on a partition, so the guest gets I/O errors where it expects SCSI-3 reservations. Map the whole LUN (its DMP meta-device or multipath map), or use device='disk'.`
        : `device='lun' passes SCSI commands through, but ${what}: there is no SCSI target behind it to pass them to. Use device='disk', or map the whole LUN for SCSI passthrough.`,
    start: ref.start,
    end: ref.end,
  });
}
