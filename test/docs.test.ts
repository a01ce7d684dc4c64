import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withFindingsSection } from '../server/src/rules/codesDoc';
import { ALL_CODES } from '../server/src/rules/codes';
import { ROOT } from './support/examples';

test('README findings section matches server/src/rules/codes.ts (run `npm run docs`)', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  assert.equal(withFindingsSection(readme), readme);
  for (const c of ALL_CODES) assert.ok(readme.includes(`### ${c}\n`), c);
});

/** The repository paths a document names in backticks (`server/src/…`, `client/src/…`, `test/…`, top-level files and folders). */
function namedPaths(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(/`([^`\s]+)`/g)) {
    const p = m[1].replace(/\/$/, '');
    if (/^(server|client|test|scripts|bench|syntaxes|examples|\.vscode)(\/|$)/.test(p) && !/[*<>…]/.test(p)) out.add(p);
  }
  return [...out];
}

test("README's layout table and ARCHITECTURE.md name only paths that exist", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const layout = readme.slice(readme.indexOf('## Layout'));
  const arch = readFileSync(join(ROOT, 'ARCHITECTURE.md'), 'utf8');
  for (const [doc, text] of [
    ['README layout', layout],
    ['ARCHITECTURE.md', arch],
  ] as const) {
    const paths = namedPaths(text);
    assert.ok(paths.length >= 10, `${doc} names the tree (${paths.length} paths)`);
    for (const p of paths) assert.ok(existsSync(join(ROOT, p)), `${doc} names ${p}, which does not exist`);
  }
  // Every source folder of the server is in the layout table.
  for (const d of readdirSync(join(ROOT, 'server/src'), { withFileTypes: true }))
    if (d.isDirectory()) assert.ok(layout.includes(`\`server/src/${d.name}\``), `the layout table lists server/src/${d.name}`);
});
