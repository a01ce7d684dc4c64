import { CODES } from './codes';
import type { Finding, Rule } from './types';

/** duplicate-target: two disks with the same `<target dev>`. */
export const duplicateTarget: Rule = ({ model }) => {
  const out: Finding[] = [];
  const first = new Map<string, number>();
  for (const disk of model.disks) {
    const dev = disk.target?.dev;
    if (!dev || !dev.value) continue;
    const prev = first.get(dev.value);
    if (prev === undefined) {
      first.set(dev.value, dev.start);
      continue;
    }
    out.push({
      code: 'duplicate-target',
      severity: CODES['duplicate-target'].severity,
      message: `Target ${dev.value} is already used by another disk of this domain.`,
      start: dev.start,
      end: dev.end,
      fixes: [],
    });
  }
  return out;
};
