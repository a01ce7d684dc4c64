// Bundles the three entry points (client, server, CLI) and the test files with esbuild.
// `vscode` stays external (the extension host provides it); the collector script is inlined as text.
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

import { common, root } from './bundle.mjs';

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

// libxml2-wasm is an ES module with top-level await: shipped beside the server bundle, unmodified,
// and loaded with a dynamic import (server/src/schema/libxml.ts).
function copyLibxml() {
  const libxml = join(root, 'node_modules/libxml2-wasm');
  rmSync(join(root, 'dist/libxml2-wasm'), { recursive: true, force: true });
  mkdirSync(join(root, 'dist/libxml2-wasm'), { recursive: true });
  for (const f of readdirSync(join(libxml, 'lib')))
    if (f.endsWith('.mjs')) cpSync(join(libxml, 'lib', f), join(root, 'dist/libxml2-wasm', f));
  for (const f of ['LICENSE', 'LICENSE.libxml2']) cpSync(join(libxml, f), join(root, 'dist/libxml2-wasm', f));
  writeFileSync(join(root, 'dist/libxml2-wasm/package.json'), '{"type":"module"}\n');
}

// One esbuild configuration per entry point (as vscode-eslint and rust-analyzer's client do).
const entries = [
  { ...common, entryPoints: { client: 'client/src/extension.ts' }, outdir: 'dist', external: ['vscode'], minify: production },
  { ...common, entryPoints: { server: 'server/src/lsp/main.ts' }, outdir: 'dist', minify: production },
  { ...common, entryPoints: { cli: 'server/src/cli/main.ts' }, outdir: 'dist', minify: production },
];

if (args.has('--watch')) {
  // `npm run watch` (and the launch configuration's pre-launch task): rebuild each bundle on change.
  // Type errors are tsc's job (`npx tsc -p . --noEmit --watch`); esbuild only bundles.
  const logRebuilds = {
    name: 'log-rebuilds',
    setup(build) {
      const name = Object.keys(build.initialOptions.entryPoints)[0];
      build.onEnd((r) => console.log(`[watch] ${name}: ${r.errors.length ? `${r.errors.length} error(s)` : 'built'}`));
    },
  };
  console.log('[watch] watching the client, server and CLI sources');
  copyLibxml();
  for (const e of entries) await (await esbuild.context({ ...e, plugins: [logRebuilds] })).watch();
} else {
  await Promise.all(entries.map((e) => esbuild.build(e)));
  copyLibxml();
}

// LDX_OUT (default `out`): where the tests are bundled, so that several builds can run side by side.
const out = process.env.LDX_OUT || 'out';
if (args.has('--tests') && !args.has('--watch')) {
  rmSync(join(root, out, 'test'), { recursive: true, force: true });
  const tests = findTests(join(root, 'test'));
  await esbuild.build({
    ...common,
    entryPoints: tests,
    outdir: join(out, 'test'),
    outbase: 'test',
    packages: 'external',
  });
}
