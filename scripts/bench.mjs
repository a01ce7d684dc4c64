// `npm run bench [-- --check|--quick]`: builds the bundles and the benchmark, then runs it.
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
spawnSync(process.execPath, [root + 'scripts/build.mjs'], { stdio: 'inherit' });
await esbuild.build({
  entryPoints: [root + 'bench/run.ts'], bundle: true, platform: 'node', target: 'node20', format: 'cjs',
  outfile: root + 'out/bench/run.js', packages: 'external', loader: { '.sh': 'text' }, logLevel: 'warning',
});
const r = spawnSync(process.execPath, ['--expose-gc', root + 'out/bench/run.js', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
