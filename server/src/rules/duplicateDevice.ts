import { CODES } from './codes';
import { diskFacts } from './diskFacts';
import type { Finding, Rule } from './types';

/** duplicate-device: two disks of this domain reach the same LUN (by identity) on some host. */
export const duplicateDevice: Rule = (ctx) => {
  const out: Finding[] = [];
  const facts = diskFacts(ctx);
  const seen = ctx.hosts.map(() => new Map<string, string>());
  for (const f of facts) {
    let dup: string | undefined;
    f.identities.forEach((k, i) => {
      if (!k) return;
      const first = seen[i].get(k);
      if (first !== undefined && !dup) dup = first;
      else if (first === undefined) seen[i].set(k, f.ref.value);
    });
    if (dup === undefined) continue;
    out.push({
      code: 'duplicate-device',
      severity: CODES['duplicate-device'].severity,
      message: `${f.ref.value} reaches the same LUN as ${dup}, already used by this domain.`,
      start: f.ref.start,
      end: f.ref.end,
      fixes: [],
    });
  }
  return out;
};
