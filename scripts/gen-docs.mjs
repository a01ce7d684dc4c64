// Regenerates the README's findings section from server/src/rules/codes.ts (the one source of truth).
import * as esbuild from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const root = new URL('..', import.meta.url).pathname;
const out = await esbuild.build({
  entryPoints: [root + 'server/src/rules/codesDoc.ts'],
  bundle: true,
  write: false,
  format: 'cjs',
  platform: 'node',
});
const mod = { exports: {} };
new Function('module', 'exports', 'require', out.outputFiles[0].text)(mod, mod.exports, createRequire(import.meta.url));
const readme = root + 'README.md';
writeFileSync(readme, mod.exports.withFindingsSection(readFileSync(readme, 'utf8')));
console.log('README.md findings section updated');
