// Bundles the three entry points (client, server, CLI) and the test files with esbuild.
// `vscode` stays external (the extension host provides it); the collector script is inlined as text.
import * as esbuild from 'esbuild';
import { readdirSync, statSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { readFileSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const common = {
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

function findTests(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name === 'e2e' || name === 'fixtures') continue;
      findTests(p, out);
    } else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

const args = new Set(process.argv.slice(2));
const production = args.has('--production');

await Promise.all([
  esbuild.build({ ...common, entryPoints: { client: 'client/src/extension.ts' }, outdir: 'dist', external: ['vscode'], minify: production }),
  esbuild.build({ ...common, entryPoints: { server: 'server/src/lsp/main.ts' }, outdir: 'dist', minify: production }),
  esbuild.build({ ...common, entryPoints: { cli: 'server/src/cli/main.ts' }, outdir: 'dist', minify: production }),
]);

if (args.has('--tests')) {
  rmSync(join(root, 'out/test'), { recursive: true, force: true });
  const tests = findTests(join(root, 'test'));
  await esbuild.build({
    ...common,
    entryPoints: tests,
    outdir: 'out/test',
    outbase: 'test',
    packages: 'external',
  });
}
