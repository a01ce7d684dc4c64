// Bundles the editor (e2e) tests with esbuild:
//   test/e2e/runTest.ts                      -> out/e2e/runTest.js   (node side; packages stay external)
//   test/e2e/suite/index.ts + **/*.e2e.ts    -> out/e2e/suite/       (extension host side; `vscode` and
//                                                                     `mocha` external: resolved from node_modules)
//   test/e2e/unit/*.test.ts                  -> out/e2e/unit/        (node:test unit tests of the client's pure
//                                                                     modules; run with node --test, no editor)
// Usage: node test/e2e/build.mjs [extra .e2e.ts files...]
//   extra files (e.g. a suite kept outside the repo) are bundled into out/e2e/suite/ as well.
import * as esbuild from 'esbuild';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const argv = process.argv.slice(2);
const outdir = join(root, 'out/e2e');
const extra = argv.map((f) => resolve(f));

function findE2e(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) findE2e(p, out);
    else if (name.endsWith('.e2e.ts')) out.push(p);
  }
  return out;
}

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'inline',
  logLevel: 'warning',
  absWorkingDir: root,
};

rmSync(outdir, { recursive: true, force: true });
const suiteDir = join(root, 'test/e2e/suite');
const entries = { index: join(suiteDir, 'index.ts') };
for (const f of findE2e(suiteDir)) entries[relative(suiteDir, f).replace(/\.ts$/, '')] = f;
for (const f of extra) entries[basename(f).replace(/\.ts$/, '')] = f;

const unitDir = join(root, 'test/e2e/unit');
const units = readdirSync(unitDir)
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => join(unitDir, f));
await Promise.all([
  esbuild.build({ ...common, entryPoints: { runTest: join(root, 'test/e2e/runTest.ts') }, outdir, packages: 'external' }),
  esbuild.build({ ...common, entryPoints: entries, outdir: join(outdir, 'suite'), external: ['vscode', 'mocha'] }),
  esbuild.build({ ...common, entryPoints: units, outdir: join(outdir, 'unit'), external: ['vscode'] }),
]);
console.log(
  `e2e build: ${Object.keys(entries).length - 1} editor test file(s), ${units.length} unit test file(s) -> ${relative(root, outdir)}`,
);
