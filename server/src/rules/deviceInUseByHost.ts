import { diskFacts } from './diskFacts';
import { finding } from './finding';
import type { Finding, Rule } from './types';

/** device-in-use-by-host: mounted, swap, PV, md member or in an imported VxVM disk group on a host. */
export const deviceInUseByHost: Rule = (ctx) => {
  const out: Finding[] = [];
  for (const f of diskFacts(ctx)) {
    const uses: string[] = [];
    f.resolutions.forEach((r, i) => {
      for (const u of ctx.hosts[i].hostUsage(r)) uses.push(ctx.hosts.length > 1 ? `on ${r.host}: ${u}` : u);
    });
    if (!uses.length) continue;
    const where = ctx.hosts.length > 1 ? '' : ` on ${ctx.hosts[0].host}`;
    out.push(
      finding('device-in-use-by-host', {
        message: `${f.ref.value} is in use by the host${where}: ${uses.slice(0, 3).join('; ')}${uses.length > 3 ? `; and ${uses.length - 3} more` : ''}. Host and guest writing one disk corrupt it.`,
        start: f.ref.start,
        end: f.ref.end,
      }),
    );
  }
  return out;
};
