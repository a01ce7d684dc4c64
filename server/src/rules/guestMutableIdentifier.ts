import { classifyPath } from '../domain/pathClass';
import { stableCandidates, withReplacementFixes } from './stableAliases';
import { CODES } from './codes';
import type { Finding, Rule } from './types';

/** guest-mutable-identifier: by-label, by-partlabel, by-uuid, by-partuuid (in disks, hostdevs and `<blkiotune>`). */
export const guestMutableIdentifier: Rule = ({ model, hosts }) => {
  const out: Finding[] = [];
  for (const disk of [...model.disks, ...(model.blkiotune ?? [])]) {
    const ref = disk.hostPath;
    if (!ref || classifyPath(ref.value).cls !== 'guest-mutable') continue;
    const { candidates } = stableCandidates(ref.value, hosts);
    const best = candidates.find((c) => c.kind !== 'by-path' && !c.bypassesMultipath);
    out.push(
      withReplacementFixes(
        {
          code: 'guest-mutable-identifier',
          severity: CODES['guest-mutable-identifier'].severity,
          message:
            `${ref.value} is read from the disk's content: a guest can rewrite it and clones share it; never map storage by label or filesystem UUID.` +
            (best ? ` Use ${best.path}.` : ''),
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
