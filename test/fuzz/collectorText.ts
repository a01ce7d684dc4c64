// Renders collector sections as the text collector.sh prints (format 1), so host output can be
// produced, mutated and served (by a fake ssh) without a host.
import { join } from 'node:path';
import { fixtureSections } from '../support/fixtureHost';
import { ROOT } from '../support/examples';

export interface RenderSection {
  name: string;
  body: string;
  rc: number | null;
  stderr: string[];
  absent?: string;
}

export interface RenderOptions {
  /** Line end of the marker lines (a saved file may have CRLF). */
  eol?: string;
  /** Append the #LDI-DONE sentinel (default true). */
  done?: boolean;
  /** Text before the header (a login banner). */
  banner?: string;
}

export function renderSection(s: RenderSection, eol = '\n'): string {
  if (s.absent !== undefined) return `#LDI-ABSENT ${s.name} ${s.absent}${eol}`;
  let out = `#LDI-BEGIN ${s.name}${eol}${s.body}${eol}#LDI-END ${s.name} rc=${s.rc ?? ''}${eol}`;
  for (const l of s.stderr) out += `#LDI-ERR ${s.name} ${l}${eol}`;
  return out;
}

export function renderCollectorOutput(sections: RenderSection[], o: RenderOptions = {}): string {
  const eol = o.eol ?? '\n';
  return `${o.banner ?? ''}#LDI-COLLECTOR 1${eol}${sections.map((s) => renderSection(s, eol)).join('')}${o.done === false ? '' : `#LDI-DONE${eol}`}`;
}

/** The sections a host fixture directory stands for, in the collector's order, with `uname`. */
export function fixtureRenderSections(dir: string, hostname: string): RenderSection[] {
  const m = fixtureSections(dir);
  const out: RenderSection[] = [{ name: 'uname', body: `${hostname}\n`, rc: 0, stderr: [] }];
  for (const [name, s] of m) out.push({ name, body: s.body, rc: s.rc, stderr: [...s.stderr], ...(s.absent ? { absent: s.absent } : {}) });
  return out;
}

export const HOST_FIXTURES: { name: string; dir: string }[] = [
  { name: 'kvm-a', dir: join(ROOT, 'examples/hosts/kvm-a') },
  { name: 'kvm-b', dir: join(ROOT, 'examples/hosts/kvm-b') },
  { name: 'rig-basic', dir: join(ROOT, 'test/fixtures/hosts/rig-basic') },
];

/** Whole collector output of a fixture host. */
export function fixtureCollectorOutput(name: 'kvm-a' | 'kvm-b' | 'rig-basic', o: RenderOptions = {}): string {
  const f = HOST_FIXTURES.find((h) => h.name === name)!;
  return renderCollectorOutput(fixtureRenderSections(f.dir, name), o);
}
