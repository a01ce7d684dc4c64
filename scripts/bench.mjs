// `npm run bench [-- --check|--quick]`: builds the bundles and the benchmark, then runs it.
import { spawnSync } from 'node:child_process';
import { bundleAndRun, root } from './bundle.mjs';

spawnSync(process.execPath, [root + 'scripts/build.mjs'], { stdio: 'inherit' });
await bundleAndRun('bench/run.ts', 'bench', 'run', ['--expose-gc']);
