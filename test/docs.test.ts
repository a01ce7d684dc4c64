import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withFindingsSection } from '../server/src/rules/codesDoc';
import { ALL_CODES } from '../server/src/rules/codes';
import { ROOT } from './support/examples';

test('README findings section matches server/src/rules/codes.ts (run `npm run docs`)', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  assert.equal(withFindingsSection(readme), readme);
  for (const c of ALL_CODES) assert.ok(readme.includes(`### ${c}\n`), c);
});
