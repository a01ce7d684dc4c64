/**
 * Issue 15, comparing definitions: the file's disks against a host's definition (matched by target),
 * what libvirt dropped or rewrote on a define (its own normalisations are not changes), and the
 * review diff of the normalised texts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { definitionDiff, diskDrift, droppedOrRewritten, normalisedXml } from '../server/src/domain/compare';
import { buildDomainModel } from '../server/src/domain/model';
import type { HostDomain } from '../server/src/inventory/snapshot';
import { parseXml } from '../server/src/xml/parse';
import { blockDisk, CORPUS, domainXml } from './support/examples';

const model = (text: string) => buildDomainModel(parseXml(text))!;

/** A file as an administrator writes it: short forms libvirt expands. */
const FILE = `<domain type='kvm'>
  <name>t</name>
  <uuid>4DEA22B3-1D52-D8F3-2516-782E98AB3FA0</uuid>
  <memory unit='GiB'>1</memory>
  <currentMemory>1048576</currentMemory>
  <vcpu cpuset='0,1,2,3'>2</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
  </os>
  <!-- a comment libvirt drops: not a change -->
  <devices>
    <disk type='block' device='disk'>
      <driver name='qemu' type='raw' cache='none'/>
      <source dev='/dev/vx/dmp/3pardata0_12'/>
      <target dev='vdb' bus='virtio'/>
      <address type='pci' slot='3'/>
    </disk>
    <disk type='block' device='disk'>
      <source dev='/dev/vx/dmp/3pardata0_13'/>
      <target dev='vdc' bus='virtio'/>
    </disk>
    <controller type='pci' model='pcie-root-port'/>
    <interface type='network'>
      <mac address='52:54:00:AA:BB:CC'/>
      <source network='default'/>
    </interface>
  </devices>
  <description>  two
     words  </description>
</domain>
`;

/** What libvirt 9.0 gives back for FILE: additions, KiB, the expanded machine, lower-case ids, ranges, hex. */
const READBACK = `<domain type='kvm'>
  <name>t</name>
  <uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid>
  <memory unit='KiB'>1048576</memory>
  <currentMemory unit='KiB'>1048576</currentMemory>
  <vcpu placement='static' cpuset='0-3'>2</vcpu>
  <os>
    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>
    <boot dev='hd'/>
  </os>
  <cpu mode='custom' match='exact' check='none'>
    <model fallback='forbid'>qemu64</model>
  </cpu>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='block' device='disk'>
      <driver name='qemu' type='raw' cache='none'/>
      <source dev='/dev/vx/dmp/3pardata0_13'/>
      <target dev='vdc' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x04' slot='0x00' function='0x0'/>
    </disk>
    <disk type='block' device='disk'>
      <driver name='qemu' type='raw' cache='none'/>
      <source dev='/dev/vx/dmp/3pardata0_12'/>
      <target dev='vdb' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>
    </disk>
    <controller type='pci' index='0' model='pcie-root'/>
    <controller type='pci' index='1' model='pcie-root-port'>
      <model name='pcie-root-port'/>
      <target chassis='1' port='0x10'/>
    </controller>
    <interface type='network'>
      <mac address='52:54:00:aa:bb:cc'/>
      <source network='default'/>
      <model type='virtio'/>
    </interface>
  </devices>
  <description>two words</description>
</domain>
`;

test('droppedOrRewritten: what libvirt adds and normalises is no change', () => {
  assert.deepEqual(droppedOrRewritten(FILE, READBACK), []);
  assert.deepEqual(droppedOrRewritten(READBACK, READBACK), []);
  // Each normalisation on its own is what keeps the list empty: memory in another unit compares in bytes.
  assert.deepEqual(
    droppedOrRewritten(FILE, READBACK.replace("<memory unit='KiB'>1048576", "<memory unit='MiB'>1024")).map((c) => c.path),
    [],
  );
  assert.deepEqual(droppedOrRewritten(FILE.replace("machine='q35'", "machine='pc'"), READBACK.replace('pc-q35-7.2', 'pc-i440fx-7.2')), []);
});

test("droppedOrRewritten over libvirt's own parse → format test pairs: its normalisations are not changes", (t) => {
  // tests/qemuxmlconfdata: X.xml is what was given, X.x86_64-latest.xml what libvirt formats from it.
  const dir = join(CORPUS, 'domains');
  if (!existsSync(dir)) return t.skip('corpus not present beside the repository (not CI)');
  const prefix = 'tests__qemuxmlconfdata__';
  const files = new Set(readdirSync(dir));
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  let pairs = 0;
  let clean = 0;
  for (const f of files) {
    if (!f.startsWith(prefix) || f.split('.').length !== 2) continue;
    const out = f.replace(/\.xml$/, '.x86_64-latest.xml');
    if (!files.has(out)) continue;
    pairs++;
    if (!droppedOrRewritten(read(f), read(out)).length) clean++;
  }
  assert.ok(pairs > 300, `${pairs} pairs`);
  // The rest are libvirt dropping or rewriting what those tests give it on purpose (live-only state, invalid values).
  assert.ok(clean / pairs > 0.9, `${clean} of ${pairs} without changes`);
  // Reordered and split elements, sizes without a unit, the primary video moved first: matched, not reported.
  for (const name of [
    'cputune',
    'cpu-numa-disordered',
    'video-qxl-heads',
    'tseg-explicit-size',
    'disk-metadata-cache',
    'hugepages-nodeset',
  ]) {
    const f = `${prefix}${name}.xml`;
    assert.deepEqual(
      droppedOrRewritten(read(f), read(f.replace(/\.xml$/, '.x86_64-latest.xml'))).map((c) => c.message),
      [],
      name,
    );
  }
});

test('droppedOrRewritten: a dropped attribute, a rewritten value, a dropped element, each one item', () => {
  const file = FILE.replace("cache='none'/>", "cache='unsafe' discard='unmap'/>")
    .replace("arch='x86_64'", "arch='i686'")
    .replace("<source network='default'/>", "<source network='default'/>\n      <frobnicate level='9'/>");
  const readback = READBACK.replace(
    "<driver name='qemu' type='raw' cache='none'/>\n      <source dev='/dev/vx/dmp/3pardata0_12'/>",
    "<driver name='qemu' type='raw' cache='unsafe'/>\n      <source dev='/dev/vx/dmp/3pardata0_12'/>",
  );
  const changes = droppedOrRewritten(file, readback);
  assert.deepEqual(
    changes.map((c) => [c.path, c.what, c.file, c.readback]),
    [
      ['os/type/@arch', 'attribute', 'i686', 'x86_64'],
      ['devices/disk[vdb]/driver/@discard', 'attribute', 'unmap', undefined],
      ['devices/interface[52:54:00:aa:bb:cc]/frobnicate', 'element', "<frobnicate level='9'/>", undefined],
    ],
  );
  assert.deepEqual(
    changes.map((c) => c.message),
    [
      "libvirt rewrote os/type/@arch: 'i686' → 'x86_64'",
      "libvirt dropped devices/disk[vdb]/driver/@discard='unmap'",
      "libvirt dropped devices/interface[52:54:00:aa:bb:cc]/frobnicate (<frobnicate level='9'/>)",
    ],
  );
  // Each item points at the file's value (or element).
  assert.deepEqual(
    changes.map((c) => file.slice(c.start, c.end)),
    ['i686', 'unmap', "<frobnicate level='9'/>"],
  );
});

test('droppedOrRewritten: disks are matched by target, not by order; a changed memory size is reported in both units', () => {
  // The readback lists vdc first: nothing is compared against the wrong disk.
  const file = FILE.replace("<target dev='vdc' bus='virtio'/>", "<target dev='vdc' bus='virtio'/>\n      <serial>DATA02</serial>");
  assert.deepEqual(
    droppedOrRewritten(file, READBACK).map((c) => c.message),
    ['libvirt dropped devices/disk[vdc]/serial (<serial>DATA02</serial>)'],
  );
  const mem = droppedOrRewritten(FILE, READBACK.replace("<memory unit='KiB'>1048576", "<memory unit='KiB'>2097152"));
  assert.deepEqual(
    mem.map((c) => c.message),
    ["libvirt rewrote memory: '1 GiB' → '2097152 KiB'"],
  );
  // A file's disk the readback has at another target is a dropped element there.
  const moved = droppedOrRewritten(FILE, READBACK.replace("<target dev='vdc'", "<target dev='vdd'"));
  assert.deepEqual(
    moved.map((c) => c.path),
    ['devices/disk[vdc]'],
  );
});

test('droppedOrRewritten: reordered devices matched by address or as the primary video; a live domain id is no setting', () => {
  const video = (model: string, slot?: string) =>
    `<video><model type='${model}'/>${slot ? `<address type='pci' bus='0' slot='${slot}' function='0'/>` : ''}</video>`;
  // The readback lists the same devices the other way round, addresses written out in hex.
  const file = domainXml(`    ${video('vga', '3')}\n    ${video('qxl', '4')}`);
  const back = domainXml(`    ${video('qxl', '0x04')}\n    ${video('vga', '0x03')}`);
  assert.deepEqual(droppedOrRewritten(file, back), []);
  // No addresses: libvirt moves the primary video first.
  const primary = (t: string) => `<video><model type='${t}' primary='yes'/></video>`;
  assert.deepEqual(
    droppedOrRewritten(domainXml(`    ${video('vga')}\n    ${primary('qxl')}`), domainXml(`    ${primary('qxl')}\n    ${video('vga')}`)),
    [],
  );
  assert.deepEqual(droppedOrRewritten(FILE.replace("<domain type='kvm'>", "<domain type='kvm' id='7'>"), READBACK), []);
});

test('droppedOrRewritten: document and host text in messages cannot break a line or send an escape', () => {
  const file = domainXml(blockDisk('/dev/sdb', 'vd\u202eb', '<serial>a\u009bb\u202ec</serial>'));
  const readback = domainXml(blockDisk('/dev/sdb', 'vd\u202eb', '<serial>x&#10;y&#x85;[2J</serial>'));
  const [c] = droppedOrRewritten(file, readback);
  assert.equal(c.path, 'devices/disk[vd\u202eb]/serial');
  assert.equal(c.file, 'a\u009bb\u202ec');
  assert.equal(c.message, "libvirt rewrote devices/disk[vd\\u202eb]/serial: 'a\\x9bb\\u202ec' → 'x y\\x85[2J'");
});

test('normalisedXml: one element per line, two spaces, attributes in source order, no comments, text trimmed', () => {
  const text = `<?xml version="1.0"?>\r\n<!-- head -->\r\n<domain type="kvm"><name>  t </name><devices><disk type='block' device="disk"><source dev="/dev/a&amp;b"/>
    <!-- x --><target bus='virtio' dev='vdb'/></disk></devices></domain>`;
  assert.equal(
    normalisedXml(text),
    [
      "<domain type='kvm'>",
      '  <name>t</name>',
      '  <devices>',
      "    <disk type='block' device='disk'>",
      "      <source dev='/dev/a&amp;b'/>",
      "      <target bus='virtio' dev='vdb'/>",
      '    </disk>',
      '  </devices>',
      '</domain>',
      '',
    ].join('\n'),
  );
  // A control or bidi character in a value becomes a character reference: the same XML, one safe line.
  assert.equal(normalisedXml("<a b='x\u0085y&#9;'>p\u202eq</a>"), "<a b='x&#x85;y&#x9;'>p&#x202e;q</a>\n");
});

test('definitionDiff: only the changed source line; equal definitions give the empty string', () => {
  const host = domainXml(blockDisk('/dev/vx/dmp/3pardata0_12', 'vdb') + '\n' + blockDisk('/dev/vx/dmp/3pardata0_13', 'vdc'));
  // The same definition written differently: other quotes, indentation, a comment.
  const same = host
    .replace(/'/g, '"')
    .replace(/\n {2}/g, '\n\t')
    .replace('<devices>', '<devices><!-- mine -->');
  assert.equal(definitionDiff(host, same, { host: 'kvm-a:t', file: 't.xml' }), '');
  const edited = same.replace('3pardata0_13', 'emc_clariion0_91');
  const diff = definitionDiff(host, edited, { host: 'kvm-a:t', file: 't.xml' });
  const lines = diff.split('\n');
  assert.equal(lines[0], '--- kvm-a:t');
  assert.equal(lines[1], '+++ t.xml');
  assert.deepEqual(
    lines.filter((l) => /^[-+](?![-+]{2} )/.test(l)),
    ["-      <source dev='/dev/vx/dmp/3pardata0_13'/>", "+      <source dev='/dev/vx/dmp/emc_clariion0_91'/>"],
  );
  // Labels stay one line each (quoted as git quotes file names).
  assert.equal(definitionDiff(host, edited, { host: 'a\nb\u001b', file: 'c' }).split('\n')[0], '--- "a\\nb\\033"');
});

function hostDomain(disks: HostDomain['disks'], over: Partial<HostDomain> = {}): HostDomain {
  return { name: 't', disks, ...over };
}

test('diskDrift: disks matched by target; only the differing one; equal disks nothing', () => {
  const file = model(
    domainXml([blockDisk('/dev/vx/dmp/a', 'vdb'), blockDisk('/dev/vx/dmp/b', 'vdc'), blockDisk('/dev/vx/dmp/c', 'vdd')].join('\n')),
  );
  // The host lists them in another order: matching is by target, not position.
  const host = hostDomain([
    { source: '/dev/vx/dmp/c', shareable: false, target: 'vdd' },
    { source: '/dev/vx/dmp/B2', shareable: false, target: 'vdc' },
    { source: '/dev/vx/dmp/a', shareable: false, target: 'vdb' },
  ]);
  const drift = diskDrift(file, host);
  assert.equal(drift.length, 1);
  const d = drift[0];
  assert.ok(d.kind === 'source');
  assert.equal(d.target, 'vdc');
  assert.equal(d.host, '/dev/vx/dmp/B2');
  assert.equal(d.file.value, '/dev/vx/dmp/b');
  assert.deepEqual(diskDrift(file, hostDomain(host.disks.map((x) => (x.target === 'vdc' ? { ...x, source: '/dev/vx/dmp/b' } : x)))), []);
  // libvirt's path sanitising (a doubled or trailing slash) is no difference.
  assert.deepEqual(diskDrift(model(domainXml(blockDisk('/dev//vx/dmp/a/', 'vdb'))), hostDomain([host.disks[2]])), []);
});

test('diskDrift: added and removed disks, and a disk moved to another target', () => {
  const text = domainXml(
    [blockDisk('/dev/vx/dmp/a', 'vdb'), blockDisk('/dev/vx/dmp/new', 'vdc'), blockDisk('/dev/vx/dmp/m', 'vde')].join('\n'),
  );
  const host = hostDomain([
    { source: '/dev/vx/dmp/a', shareable: false, target: 'vdb' },
    { source: '/dev/vx/dmp/old', shareable: false, target: 'vdd' },
    { source: '/dev/vx/dmp/m', shareable: false, target: 'vdf' },
  ]);
  const drift = diskDrift(model(text), host);
  assert.deepEqual(
    drift.map((d) => [
      d.kind,
      d.kind === 'target' ? d.source : d.target,
      d.kind === 'target' ? d.host : d.kind === 'source' ? d.host : d.source,
    ]),
    [
      ['added', 'vdc', '/dev/vx/dmp/new'],
      ['target', '/dev/vx/dmp/m', 'vdf'],
      ['removed', 'vdd', '/dev/vx/dmp/old'],
    ],
  );
  const moved = drift[1];
  assert.ok(moved.kind === 'target');
  assert.equal(text.slice(moved.file.start, moved.file.end), 'vde');
  // A file disk that names no host path (a pool volume) is compared only where the host has its target.
  const vol = model(
    domainXml("    <disk type='volume' device='disk'><source pool='p' volume='v'/><target dev='vdb' bus='virtio'/></disk>"),
  );
  assert.deepEqual(diskDrift(vol, hostDomain([])), []);
  assert.deepEqual(
    diskDrift(vol, host).map((d) => [d.kind, d.kind === 'source' ? d.file.value : '']),
    [
      ['source', 'p/v'],
      ['removed', ''],
      ['removed', ''],
    ],
  );
});
