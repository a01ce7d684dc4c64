/**
 * Issue 15, differs-from-host: a document whose domain a checked host defines (by UUID, else name)
 * gets the finding on each disk that differs from the host's definition, and on `<name>` for disks
 * added or removed; nothing without the host's domain list.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeDocument } from '../server/src/analysis';
import { HostIndex } from '../server/src/inventory/resolver';
import { SNAPSHOT_FORMAT, type HostDomain } from '../server/src/inventory/snapshot';
import { severityOf } from '../server/src/rules/finding';
import { blockDevice, blockDisk, domainXml } from './support/examples';

const A = '/dev/vx/dmp/3pardata0_12';
const B = '/dev/vx/dmp/3pardata0_13';
const C = '/dev/vx/dmp/emc_clariion0_91';

function host(name: string, domains: HostDomain[] | undefined): HostIndex {
  return new HostIndex({
    format: SNAPSHOT_FORMAT,
    host: name,
    collectedAt: '',
    devices: [blockDevice('sdb')],
    links: {},
    tools: {},
    warnings: [],
    ...(domains ? { domains } : {}),
  });
}

/** The host's definition of `t`: vdb on A, vdc on B. */
const defined = (over: Partial<HostDomain> = {}): HostDomain => ({
  name: 't',
  disks: [
    { source: A, shareable: false, target: 'vdb' },
    { source: B, shareable: false, target: 'vdc' },
  ],
  ...over,
});

function drift(text: string, hosts: HostIndex[]) {
  return analyzeDocument(text, hosts)
    .findings.filter((f) => f.code === 'differs-from-host')
    .map((f) => ({ at: text.slice(f.start, f.end), message: f.message, severity: f.severity }));
}

const two = (a: string, b: string, head = '') => domainXml([blockDisk(a, 'vdb'), blockDisk(b, 'vdc')].join('\n'), '\n', head);

test('drift on the edited disk only, naming the host and its value; equal disks give nothing', () => {
  assert.deepEqual(drift(two(A, B), [host('kvm-a', [defined()])]), []);
  const found = drift(two(A, C), [host('kvm-a', [defined()])]);
  assert.deepEqual(
    found.map((f) => f.at),
    [C],
  );
  assert.equal(
    found[0].message,
    `Differs from the definition on kvm-a: there disk vdc has source ${B}. Compare with the host's definition, then pull it or define this file.`,
  );
  assert.equal(found[0].severity, 'information');
  assert.equal(severityOf('differs-from-host'), 'information');
  // Two hosts that say the same are one finding naming both; the order of the host's disks does not matter.
  const both = drift(two(A, C), [host('kvm-a', [defined()]), host('kvm-b', [defined({ disks: [...defined().disks].reverse() })])]);
  assert.deepEqual(
    both.map((f) => f.message.split(':')[0]),
    ['Differs from the definition on kvm-a, kvm-b'],
  );
});

test('a disk moved to another target: on its target, naming the host target', () => {
  const text = domainXml([blockDisk(A, 'vdb'), blockDisk(B, 'vdd')].join('\n'));
  const found = drift(text, [host('kvm-a', [defined()])]);
  assert.deepEqual(
    found.map((f) => [f.at, f.message.replace(/\. Compare.*/, '')]),
    [['vdd', `Differs from the definition on kvm-a: there the disk with source ${B} is at target vdc`]],
  );
});

test('added and removed disks: on the root element name, naming them', () => {
  const text = domainXml([blockDisk(A, 'vdb'), blockDisk(C, 'vdd')].join('\n'));
  const found = drift(text, [host('kvm-a', [defined()])]);
  assert.deepEqual(
    found.map((f) => [f.at, f.message.replace(/\. Compare.*/, '')]),
    [
      [
        't',
        `Differs from the definition on kvm-a: this file adds disk vdd (${C}); the host's definition has disk vdc (${B}), which this file lacks`,
      ],
    ],
  );
  // Only removed: still on <name>.
  const fewer = drift(domainXml(blockDisk(A, 'vdb')), [host('kvm-a', [defined()])]);
  assert.deepEqual(
    fewer.map((f) => f.at),
    ['t'],
  );
  assert.match(fewer[0].message, /has disk vdc \(\/dev\/vx\/dmp\/3pardata0_13\), which this file lacks/);
  assert.doesNotMatch(fewer[0].message, /adds/);
});

test('matching by UUID beats name; a same-named domain with another UUID is another domain', () => {
  const uuid = '4dea22b3-1d52-d8f3-2516-782e98ab3fa0';
  const text = two(A, C, `  <uuid>${uuid.toUpperCase()}</uuid>`);
  // The host has a `t` with another UUID, and this domain (by UUID) under another name.
  const domains = [defined({ uuid: '11111111-2222-3333-4444-555555555555', disks: [] }), defined({ name: 'renamed', uuid })];
  const found = drift(text, [host('kvm-a', domains)]);
  assert.deepEqual(
    found.map((f) => [f.at, f.message.replace(/\. Compare.*/, '')]),
    [[C, `Differs from the definition on kvm-a (as renamed): there disk vdc has source ${B}`]],
  );
  // Only the same-named domain with another UUID: not this one, no drift.
  assert.deepEqual(drift(text, [host('kvm-a', [domains[0]])]), []);
  // A host domain without a known UUID is matched by name.
  assert.equal(drift(text, [host('kvm-a', [defined()])]).length, 1);
  // No UUID in the file: by name.
  assert.equal(drift(two(A, C), [host('kvm-a', [defined({ uuid })])]).length, 1);
});

test('no finding without the host domain list, or when the host does not define the domain', () => {
  assert.deepEqual(drift(two(A, C), [host('kvm-a', undefined)]), []);
  assert.deepEqual(drift(two(A, C), [host('kvm-a', [])]), []);
  assert.deepEqual(drift(two(A, C), [host('kvm-a', [defined({ name: 'other' })])]), []);
  assert.deepEqual(drift(two(A, C), []), []);
});

test('hostile host values are encoded: no control, bidi or line break reaches the message', () => {
  const evil = '/dev/vx/dmp/x\u001b]0;owned\u0007\n\u202eevil';
  const found = drift(two(A, C), [
    host('kvm-\u001b[31ma', [
      defined({
        disks: [
          { source: A, shareable: false, target: 'vdb' },
          { source: evil, shareable: false, target: 'vdc' },
          { source: `/dev/y${'z'.repeat(5000)}`, shareable: false, target: 'vd\u2028e' },
        ],
      }),
    ]),
  ]);
  assert.equal(found.length, 2);
  for (const f of found) {
    // eslint-disable-next-line no-control-regex -- control characters are what this checks for
    assert.ok(!/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/.test(f.message), JSON.stringify(f.message));
    assert.ok(f.message.length < 1500, `${f.message.length} characters`);
  }
  assert.ok(found[0].message.includes('kvm-\\x1b[31ma'), found[0].message);
  assert.ok(found.some((f) => f.message.includes('x\\x1b]0;owned\\x07\\x0a\\u202eevil')));
});
