import { diskFacts } from './diskFacts';
import { finding } from './finding';
import type { Finding, Rule } from './types';

/** missing-serial: with several hosts, a block disk without <serial> (a hint; no fix). */
export const missingSerial: Rule = (ctx) => {
  const out: Finding[] = [];
  if (ctx.hosts.length < 2) return out;
  for (const f of diskFacts(ctx)) {
    if (f.disk.kind !== 'disk' || f.disk.serial || f.disk.device?.value === 'lun') continue;
    // Only where the disk really is the same on every host; otherwise inconsistent-across-hosts says more.
    if (f.identities.some((k) => k === undefined || k !== f.identities[0])) continue;
    out.push(
      finding('missing-serial', {
        message:
          "This disk can run on several hosts: give it a <serial> so the guest's own /dev/disk/by-id/virtio-<serial> name is stable too.",
        start: f.ref.start,
        end: f.ref.end,
      }),
    );
  }
  return out;
};
