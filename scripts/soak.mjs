// A longer run that stops by itself: bundles test/fuzz/soak.ts to out/fuzz/soak.js and runs it
// against dist/server.js (build it first: npm run build). Usage:
//   npm run soak [-- --edits 10000 --docs 12 --seed 1 --ratio 1.2]
// It prints the server's RSS figures and exits 1 when the last quarter's median RSS exceeds
// ratio × the second quarter's median (or when the server logged a failure).
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
  entryPoints: { soak: 'test/fuzz/soak.ts' },
  outdir: 'out/fuzz',
  packages: 'external',
});
const r = spawnSync(process.execPath, ['--enable-source-maps', join(root, 'out/fuzz/soak.js'), ...process.argv.slice(2)], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
