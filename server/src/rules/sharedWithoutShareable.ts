import { identityKey } from '../inventory/resolver';
import { CODES } from './codes';
import { diskFacts } from './diskFacts';
import type { Finding, Rule } from './types';

/**
 * shared-without-shareable: the LUN is used by another domain (a peer document or a domain
 * defined on the host) and this disk lacks <shareable/>. A peer or host domain with this
 * domain's own name is the same VM (e.g. the host's copy of this file) and does not count.
 */
export const sharedWithoutShareable: Rule = (ctx) => {
  const out: Finding[] = [];
  const facts = diskFacts(ctx).filter((f) => !f.disk.shareable && f.identities.some((k) => k));
  if (!facts.length) return out;
  const self = ctx.model.name;
  // identity on host i → users, built once per analysis.
  const peerUsers = ctx.hosts.map((h) => {
    const m = new Map<string, string[]>();
    for (const p of ctx.peers) {
      if (self && p.name === self) continue;
      for (const d of p.disks) {
        const k = identityKey(h.resolve(d.path));
        if (!k) continue;
        const label = `${p.name ?? p.origin}`;
        const list = m.get(k) ?? [];
        if (!list.includes(label)) list.push(label);
        m.set(k, list);
      }
    }
    return m;
  });
  for (const f of facts) {
    const users = new Set<string>();
    f.resolutions.forEach((r, i) => {
      const k = f.identities[i];
      if (!k) return;
      for (const u of peerUsers[i].get(k) ?? []) users.add(u);
      for (const u of ctx.hosts[i].domainsUsing(r)) if (u.domain !== self) users.add(`${u.domain} (defined on ${r.host})`);
    });
    if (!users.size) continue;
    const list = [...users].sort(); // the same documents give the same message, whatever order they were seen in
    out.push({
      code: 'shared-without-shareable',
      severity: CODES['shared-without-shareable'].severity,
      message: `The LUN behind ${f.ref.value} is also used by ${list.slice(0, 3).join(', ')}${list.length > 3 ? ` and ${list.length - 3} more` : ''}, and this disk lacks <shareable/>. Add <shareable/> where sharing is intended (a guest cluster); otherwise use another LUN.`,
      start: f.ref.start,
      end: f.ref.end,
      fixes: [],
    });
  }
  return out;
};
