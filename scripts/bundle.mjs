// esbuild settings shared by every bundle, and "bundle a TypeScript entry, then run it" for the
// longer runs (bench, fuzz, soak).
import * as esbuild from 'esbuild';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const root = new URL('..', import.meta.url).pathname;

export const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  loader: { '.sh': 'text' },
  absWorkingDir: root,
  define: { 'process.env.LDX_VERSION': JSON.stringify(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version) },
};

/** Bundles `entry` (repo-relative) to out/<dir>/<name>.js with node_modules external, runs it, exits with its status. */
export async function bundleAndRun(entry, dir, name, nodeArgs = []) {
  await esbuild.build({ ...common, entryPoints: { [name]: entry }, outdir: join('out', dir), packages: 'external' });
  const r = spawnSync(process.execPath, [...nodeArgs, join(root, 'out', dir, `${name}.js`), ...process.argv.slice(2)], {
    stdio: 'inherit',
    cwd: root,
  });
  process.exit(r.status ?? 1);
}
