// What the fuzzers start from: libvirt's own test domains (the corpus beside the
// repository), the example domains, and the paths the example hosts know.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostIndex } from '../../server/src/inventory/resolver';
import { CORPUS, exampleHost, exampleHostB, ROOT } from '../support/examples';

export const CORPUS_DOMAINS = join(CORPUS, 'domains');
export const EXAMPLE_DOMAINS = join(ROOT, 'examples', 'domains');

export interface Seed {
  name: string;
  text: string;
}

export interface SeedSet {
  seeds: Seed[];
  /** Whether the libvirt corpus was found (it is required under CI). */
  corpus: boolean;
  /** Why it is missing, when it is. */
  missing?: string;
}

function readDir(dir: string, prefix: string): Seed[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.xml'))
    .sort()
    .map((f) => ({ name: `${prefix}/${f}`, text: readFileSync(join(dir, f), 'utf8') }));
}

/**
 * The example domains always; the corpus when it is there. Under CI (env CI set) a missing corpus
 * throws, so a run never passes silently without it.
 */
export function loadSeeds(): SeedSet {
  const examples = readDir(EXAMPLE_DOMAINS, 'examples/domains');
  if (!existsSync(CORPUS_DOMAINS)) {
    const missing = `corpus not found at ${CORPUS_DOMAINS}`;
    if (process.env.CI) throw new Error(`${missing} (required when CI is set)`);
    return { seeds: examples, corpus: false, missing };
  }
  return { seeds: [...examples, ...readDir(CORPUS_DOMAINS, 'corpus')], corpus: true };
}

/** Every path an example host knows (devices, links, DMP and VxVM names), plus their partitions. */
export function inventoryPaths(hosts: HostIndex[] = [exampleHost(), exampleHostB()]): string[] {
  const out = new Set<string>();
  for (const h of hosts) {
    const s = h.snapshot;
    for (const d of s.devices) {
      out.add(d.path);
      out.add(`/dev/${d.kname}`);
    }
    for (const [link, target] of Object.entries(s.links)) {
      out.add(link);
      out.add(target);
    }
    for (const n of s.dmp?.names ?? []) out.add(`/dev/vx/dmp/${n}`);
    for (const v of s.vxvm?.volumes ?? []) out.add(`/dev/vx/dsk/${v}`);
    for (const d of s.domains ?? []) for (const k of d.disks) out.add(k.source);
  }
  return [...out].sort();
}
