import { diskFacts } from './diskFacts';
import { finding } from './finding';
import { userLabels, usersOfLun } from './lunUsers';
import type { Finding, RelatedElsewhere, Rule } from './types';

/** Places in other documents named per finding at most. */
const MAX_ELSEWHERE = 8;

/**
 * shared-without-shareable: the LUN is used by another domain (a peer document or a domain
 * defined on the host) and this disk lacks <shareable/>. A peer or host domain with this
 * domain's own name is the same VM (e.g. the host's copy of this file) and does not count.
 * The other documents' disks, where their place is known, are related information.
 */
export const sharedWithoutShareable: Rule = (ctx) => {
  const out: Finding[] = [];
  for (const f of diskFacts(ctx)) {
    if (f.disk.shareable || !f.identities.some((k) => k)) continue;
    const users = usersOfLun(f.identities, ctx.hosts, ctx.peers, ctx.model.name);
    const list = userLabels(users);
    if (!list.length) continue;
    const elsewhere: RelatedElsewhere[] = [];
    for (const u of users) {
      if (!u.place || elsewhere.length >= MAX_ELSEWHERE) continue;
      const who = u.name ?? u.origin ?? '';
      elsewhere.push({
        message: `${who}${u.target ? ` (${u.target})` : ''} maps the same LUN${u.shareable ? ' (shareable)' : ''}`,
        uri: u.place.uri,
        range: u.place.range,
      });
    }
    out.push(
      finding('shared-without-shareable', {
        message: `The LUN behind ${f.ref.value} is also used by ${list.slice(0, 3).join(', ')}${list.length > 3 ? ` and ${list.length - 3} more` : ''}, and this disk lacks <shareable/>. Add <shareable/> where sharing is intended (a guest cluster); otherwise use another LUN.`,
        start: f.ref.start,
        end: f.ref.end,
        elsewhere,
      }),
    );
  }
  return out;
};
