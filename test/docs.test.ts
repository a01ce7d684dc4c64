import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
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

test('the packaged README inlines each picture as a data: URI (the extension page shows only https: and data: images)', async () => {
  const mod = (await import(pathToFileURL(join(ROOT, 'scripts/packaged-readme.mjs')).href)) as {
    packagedReadme(readme: string, readFile: (p: string) => Buffer): string;
  };
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const read: string[] = [];
  const packaged = mod.packagedReadme(readme, (p) => {
    read.push(p);
    return readFileSync(join(ROOT, p));
  });
  const images = [...packaged.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]);
  assert.ok(images.length >= 2, `${images.length} pictures`);
  assert.deepEqual(
    images.filter((src) => !src.startsWith('data:image/png;base64,')),
    [],
  );
  // Each is the file's bytes, and nothing else of the README changed.
  for (const [i, p] of read.entries()) assert.ok(readFileSync(join(ROOT, p)).equals(Buffer.from(images[i].split(',')[1], 'base64')), p);
  let k = 0;
  assert.equal(
    packaged.replace(/\]\(data:[^)]+\)/g, () => `](${read[k++]})`),
    readme,
  );
  // https is kept; a picture the page could not show is an error naming it.
  assert.equal(
    mod.packagedReadme('![x](https://example.org/a.png)', () => Buffer.alloc(0)),
    '![x](https://example.org/a.png)',
  );
  for (const bad of ['../secret.png', 'file:///etc/a.png', 'images/a.svg', '/abs.png'])
    assert.throws(() => mod.packagedReadme(`![x](${bad})`, () => Buffer.alloc(1)), new RegExp(bad.replace(/[.*/]/g, '\\$&')));
});
