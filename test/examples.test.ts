import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureSnapshot } from './support/fixtureHost';

const root = join(__dirname, '..', '..');

// The bundled example snapshot is generated from the example host's raw command outputs.
// Regenerate with: LDX_UPDATE_EXAMPLES=1 node scripts/run-tests.mjs examples
for (const host of ['kvm-a', 'kvm-b'])
  test(`examples/${host}.inventory.json is what the parsers make of examples/hosts/${host}`, () => {
    const snap = fixtureSnapshot(join(root, `examples/hosts/${host}`), host);
    const file = join(root, `examples/${host}.inventory.json`);
    const text = JSON.stringify(snap, null, 2) + '\n';
    if (process.env.LDX_UPDATE_EXAMPLES === '1') writeFileSync(file, text);
    assert.equal(snap.warnings.length, 0, snap.warnings.join('\n'));
    assert.equal(readFileSync(file, 'utf8'), text);
  });
