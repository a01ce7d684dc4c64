import { classifyPath, isUnstableName } from '../domain/pathClass';
import { stableCandidates, withReplacementFixes } from './stableAliases';
import { CODES } from './codes';
import type { Finding, Rule } from './types';

const SKIPPED_DEVICES = new Set(['cdrom', 'floppy']);

/** unstable-device-name: kernel names, mpathN friendly names and by-diskseq links. */
export const unstableDeviceName: Rule = ({ model, hosts }) => {
  const out: Finding[] = [];
  for (const disk of model.disks) {
    const ref = disk.hostPath;
    if (!ref || SKIPPED_DEVICES.has(disk.device?.value ?? '')) continue;
    const info = classifyPath(ref.value);
    if (!isUnstableName(info.cls)) continue;
    const { candidates } = stableCandidates(ref.value, hosts);
    const best = candidates.find((c) => c.kind !== 'by-path' && !c.bypassesMultipath);
    const what = info.cls === 'kernel-name' ? 'a kernel device name' : info.cls === 'mpath-friendly-name' ? 'a multipath user-friendly name' : 'a per-boot disk sequence link';
    out.push(
      withReplacementFixes(
        {
          code: 'unstable-device-name',
          severity: CODES['unstable-device-name'].severity,
          message: `${ref.value} is ${what}: ${info.why}` + (best ? ` Use ${best.path}.` : ' Use a /dev/disk/by-id, DMP or multipath name of the same device.'),
          start: ref.start,
          end: ref.end,
        },
        ref,
        candidates,
      ),
    );
  }
  return out;
};
