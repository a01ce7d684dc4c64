// Long fuzz runs: bundles test/fuzz/main.ts (the same fuzzer library `npm test` runs briefly)
// to out/fuzz/main.js and runs it. Usage:
//   npm run fuzz -- --iterations N [--seed S] [--bound MS] [--limits short|long] [--targets docs,host]
// Failing inputs go to test-output/fuzz/; the exit status is 1 when anything failed.
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
await esbuild.build({
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  loader: { '.sh': 'text' },
  absWorkingDir: root,
  entryPoints: { main: 'test/fuzz/main.ts' },
  outdir: 'out/fuzz',
  packages: 'external',
});
const r = spawnSync(process.execPath, ['--enable-source-maps', join(root, 'out/fuzz/main.js'), ...process.argv.slice(2)], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
