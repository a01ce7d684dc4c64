import { classifyPath } from '../domain/pathClass';
import { finding } from './finding';
import { preferredOf, stableCandidates, withReplacementFixes } from './stableAliases';
import type { Finding, Rule } from './types';

/** guest-mutable-identifier: by-label, by-partlabel, by-uuid, by-partuuid (in disks, hostdevs and `<blkiotune>`). */
export const guestMutableIdentifier: Rule = ({ model, hosts }) => {
  const out: Finding[] = [];
  for (const disk of [...model.disks, ...(model.blkiotune ?? [])]) {
    const ref = disk.hostPath;
    if (!ref || classifyPath(ref.value).cls !== 'guest-mutable') continue;
    const { candidates } = stableCandidates(ref.value, hosts);
    const best = preferredOf(candidates);
    out.push(
      withReplacementFixes(
        finding('guest-mutable-identifier', {
          message:
            `${ref.value} is read from the disk's content: a guest can rewrite it and clones share it; never map storage by label or filesystem UUID.` +
            (best ? ` Use ${best.path}.` : ''),
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
