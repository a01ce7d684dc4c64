import { diskFacts } from './diskFacts';
import { finding } from './finding';
import { userLabels, usersOfLun } from './lunUsers';
import type { Finding, Rule } from './types';

/**
 * shared-without-shareable: the LUN is used by another domain (a peer document or a domain
 * defined on the host) and this disk lacks <shareable/>. A peer or host domain with this
 * domain's own name is the same VM (e.g. the host's copy of this file) and does not count.
 */
export const sharedWithoutShareable: Rule = (ctx) => {
  const out: Finding[] = [];
  for (const f of diskFacts(ctx)) {
    if (f.disk.shareable || !f.identities.some((k) => k)) continue;
    const list = userLabels(usersOfLun(f.identities, ctx.hosts, ctx.peers, ctx.model.name));
    if (!list.length) continue;
    out.push(
      finding('shared-without-shareable', {
        message: `The LUN behind ${f.ref.value} is also used by ${list.slice(0, 3).join(', ')}${list.length > 3 ? ` and ${list.length - 3} more` : ''}, and this disk lacks <shareable/>. Add <shareable/> where sharing is intended (a guest cluster); otherwise use another LUN.`,
        start: f.ref.start,
        end: f.ref.end,
      }),
    );
  }
  return out;
};
