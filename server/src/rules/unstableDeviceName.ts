import { isRemovableMedia, type DiskModel, type HostPathRef } from '../domain/model';
import { classifyPath, isUnstableName } from '../domain/pathClass';
import { cap } from '../encode';
import type { HostIndex } from '../inventory/resolver';
import { finding } from './finding';
import { preferredOf, stableCandidates, withReplacementFixes } from './stableAliases';
import type { Finding, Rule } from './types';

/** A kernel-keyed site udev link in the chain of `path` on some host, with the host. */
function kernelKeyedLink(path: string, hosts: HostIndex[]) {
  for (const h of hosts) {
    const r = h.resolve(path);
    const hit = r.siteLinks?.find((s) => s.rule.keyedOn === 'kernel');
    if (hit) return { host: h.host, res: r, ...hit };
  }
  return undefined;
}

/** A volume name that is a kernel name: an `mpath` pool's dm-N, a `disk` or `scsi` pool's sdb1. */
function isKernelVolumeName(name: string): boolean {
  return !name.includes('/') && classifyPath(`/dev/${name}`).cls === 'kernel-name';
}

/**
 * unstable-device-name: kernel names, mpathN friendly names and by-diskseq links; links made by a
 * site udev rule keyed on the kernel name; pool volumes named by kernel names. In `<disk>`,
 * `<hostdev><block>` and `<blkiotune><device><path>`.
 */
export const unstableDeviceName: Rule = ({ model, hosts }) => {
  const out: Finding[] = [];
  const places: DiskModel[] = [...model.disks, ...(model.blkiotune ?? [])];
  for (const disk of places) {
    if (isRemovableMedia(disk)) continue;
    if (disk.volumeRef) {
      const v = disk.volumeRef;
      if (!isKernelVolumeName(v.value)) continue;
      // The stable name of what the volume is on the host(s), for the message only: no automatic fix.
      const paths = [
        ...new Set(
          hosts.flatMap((h) => {
            const l = h.poolVolume(v.pool.value, v.value);
            return l.ok ? [l.path] : [];
          }),
        ),
      ];
      const best = paths.length === 1 ? preferredOf(stableCandidates(paths[0], hosts).candidates) : undefined;
      out.push(
        finding('unstable-device-name', {
          message:
            `Volume ${v.value} of pool ${v.pool.value}${paths.length === 1 ? ` (${paths[0]})` : ''} is named by a kernel device name, which follows enumeration order (dm-N follows the device-mapper minor) and can name another disk after a reboot or on another host.` +
            (best
              ? ` Use <disk type='block'> with <source dev='${best.path}'/>.`
              : " Use a type='block' disk with a /dev/disk/by-id, DMP or multipath name of the same device."),
          start: v.start,
          end: v.end,
        }),
      );
      continue;
    }
    const ref: HostPathRef | undefined = disk.hostPath;
    if (!ref) continue;
    const info = classifyPath(ref.value);
    if (isUnstableName(info.cls)) {
      const { candidates } = stableCandidates(ref.value, hosts);
      const best = preferredOf(candidates);
      const what =
        info.cls === 'kernel-name'
          ? 'a kernel device name'
          : info.cls === 'mpath-friendly-name'
            ? 'a multipath user-friendly name'
            : 'a per-boot disk sequence link';
      out.push(
        withReplacementFixes(
          finding('unstable-device-name', {
            message:
              `${ref.value} is ${what}: ${info.why}` +
              (best ? ` Use ${best.path}.` : ' Use a /dev/disk/by-id, DMP or multipath name of the same device.'),
            start: ref.start,
            end: ref.end,
          }),
          ref,
          candidates,
        ),
      );
      continue;
    }
    if (!hosts.length || info.cls === 'file' || info.cls === 'guest-mutable') continue;
    const hit = kernelKeyedLink(ref.value, hosts);
    if (!hit) continue;
    const { candidates } = stableCandidates(ref.value, hosts);
    const best = preferredOf(candidates);
    const dev = hit.res.device ? ` (on ${hit.host} it points at /dev/${hit.res.device.kname})` : '';
    const link = hit.link === ref.value ? ref.value : `${ref.value} goes through ${hit.link}, which`;
    out.push(
      withReplacementFixes(
        finding('unstable-device-name', {
          message:
            `${link} is made by the udev rule at ${cap(hit.rule.file, 256)}:${hit.rule.line} on ${hit.host}, keyed on the kernel name (${cap(hit.rule.keyedBy.join(', '), 256)})${dev}: as unstable as the kernel name itself, it can name another disk after a reboot or a rescan.` +
            (best
              ? ` Use ${best.path}, or key the rule on the LUN's identity (ENV{ID_WWN}, ENV{ID_SERIAL} or ENV{DM_UUID}).`
              : " Key the rule on the LUN's identity (ENV{ID_WWN}, ENV{ID_SERIAL} or ENV{DM_UUID}), or use a /dev/disk/by-id, DMP or multipath name."),
          start: ref.start,
          end: ref.end,
        }),
        ref,
        candidates,
      ),
    );
  }
  return out;
};
