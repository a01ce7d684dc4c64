import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeDocument } from '../server/src/analysis';
import { applyEdits, preferredEdits } from '../server/src/rules/applyFixes';
import { ALL_CODES, CODES, type CodeInfo } from '../server/src/rules/codes';
import { severityOf } from '../server/src/rules/finding';
import { blockDisk, domainXml, exampleHost, ROOT } from './support/examples';

const codes = (text: string, hosts = [exampleHost()]) => analyzeDocument(text, hosts).findings.map((f) => f.code);

test('unstable-device-name: kernel names, partitions, dm-N, mpathN, by-diskseq', () => {
  for (const p of [
    '/dev/sdb',
    '/dev/sdaa',
    '/dev/sda8',
    '/dev/hdc',
    '/dev/vdb1',
    '/dev/xvdf',
    '/dev/nvme0n1',
    '/dev/nvme1n2p3',
    '/dev/dm-3',
    '/dev/mapper/mpatha',
    '/dev/mapper/mpathb1',
    '/dev/disk/by-diskseq/7',
  ]) {
    assert.deepEqual(codes(domainXml(blockDisk(p)), []), ['unstable-device-name'], p);
  }
});

test('unstable-device-name: not LVs, DMP, VxVM volumes, by-id, by-path, files, cdrom/floppy', () => {
  for (const p of [
    '/dev/HostVG/QEMUGuest1',
    '/dev/vx/dmp/xiv0_8275',
    '/dev/vx/dsk/dg/vol',
    '/dev/disk/by-id/wwn-0x5000c500a1b2c3d4',
    '/dev/disk/by-path/pci-0000:00:1f.2-ata-1',
    '/dev/mapper/vg-lv',
    '/var/lib/libvirt/images/a.qcow2',
  ]) {
    assert.deepEqual(codes(domainXml(blockDisk(p)), []), [], p);
  }
  const cd = domainXml(
    `<disk type='block' device='cdrom'><source dev='/dev/hdc'/><target dev='hdc'/></disk><disk type='block' device='floppy'><source dev='/dev/fd0'/><target dev='fda'/></disk>`,
  );
  assert.deepEqual(codes(cd, []), []);
});

test('guest-mutable-identifier: label, partlabel, uuid, partuuid', () => {
  for (const p of [
    '/dev/disk/by-label/data',
    '/dev/disk/by-partlabel/x',
    '/dev/disk/by-uuid/0b1c6f0e',
    '/dev/disk/by-partuuid/5e1a2b3c-01',
  ]) {
    assert.deepEqual(codes(domainXml(blockDisk(p)), []), ['guest-mutable-identifier'], p);
  }
});

test('duplicate-target flags the second disk only', () => {
  const text = domainXml(
    [blockDisk('/dev/vx/dmp/a', 'vdb'), blockDisk('/dev/vx/dmp/b', 'vdc'), blockDisk('/dev/vx/dmp/c', 'vdb')].join('\n'),
  );
  const f = analyzeDocument(text).findings;
  assert.deepEqual(
    f.map((x) => x.code),
    ['duplicate-target'],
  );
  assert.equal(text.slice(f[0].start, f[0].end), 'vdb');
  assert.ok(f[0].start > text.indexOf('/dev/vx/dmp/c'));
});

test('source-type-mismatch: file-typed disk on /dev, block disk with file=', () => {
  const a = domainXml(`<disk type='file' device='disk'><source file='/dev/vx/dmp/emc0_1'/><target dev='vdb'/></disk>`);
  assert.deepEqual(codes(a, []), ['source-type-mismatch']);
  const b = domainXml(`<disk type='block' device='disk'><source file='/dev/vx/dmp/emc0_1'/><target dev='vdb'/></disk>`);
  assert.deepEqual(codes(b, []), ['source-type-mismatch']);
  for (const f of ['/var/lib/x.img', '/dev/null', '/dev/zero']) {
    const ok = domainXml(`<disk type='file' device='disk'><source file='${f}'/><target dev='vdb'/></disk>`);
    assert.deepEqual(codes(ok, []), [], f);
  }
});

test('xml-not-well-formed: one finding at the validator position; other XML is ignored', () => {
  const broken = '<domain>\n  <devices>\n    <disk type="block">\n  </devices>\n</domain>\n';
  const f = analyzeDocument(broken).findings;
  assert.deepEqual(
    f.map((x) => x.code),
    ['xml-not-well-formed'],
  );
  assert.equal(analyzeDocument('<network><x></network>').findings.length, 0);
  assert.equal(analyzeDocument('<network><name>x</name></network>').isDomain, false);
});

test('fixes: ranked aliases, preferred first, value-only edits, re-analysis is clean', () => {
  const text = domainXml(
    [blockDisk('/dev/sdc', 'vdb'), `    <disk type="block"><source dev="/dev/disk/by-label/appdata"/><target dev="vdc"/></disk>`].join(
      '\n',
    ),
    '\r\n',
  );
  const a = analyzeDocument(text, [exampleHost()]);
  const f = a.findings[0];
  assert.equal(f.code, 'unstable-device-name');
  assert.equal(f.fixes[0].preferred, true);
  assert.equal(f.fixes[0].edits[0].newText, '/dev/vx/dmp/3pardata0_12');
  assert.equal(f.fixes.filter((x) => x.preferred).length, 1);
  const byPath = f.fixes.filter((x) => x.edits[0].newText.includes('/by-path/'));
  assert.ok(byPath.length > 0 && byPath.every((x) => !x.preferred));
  const fixed = applyEdits(text, preferredEdits(a.findings));
  assert.equal(
    fixed
      .replace('/dev/vx/dmp/3pardata0_12', '/dev/sdc')
      .replace('/dev/disk/by-id/nvme-eui.36344730528012340025384500000001-part1', '/dev/disk/by-label/appdata'),
    text,
  );
  assert.deepEqual(analyzeDocument(fixed, [exampleHost()]).findings, []);
});

test('without an inventory there are findings but no fixes', () => {
  const a = analyzeDocument(domainXml(blockDisk('/dev/sdc')), []);
  assert.equal(a.findings.length, 1);
  assert.equal(a.findings[0].fixes.length, 0);
});

test('a path the host does not know gets no fix', () => {
  const a = analyzeDocument(domainXml(blockDisk('/dev/sdq')), [exampleHost()]);
  assert.equal(a.findings[0].fixes.length, 0);
});

test('findings take their severity from codes.ts; another severity is a variant codes.ts lists and documents', () => {
  for (const code of ALL_CODES) {
    const info: CodeInfo = CODES[code];
    assert.equal(severityOf(code), info.severity, code);
    for (const [name, severity] of Object.entries(info.variants ?? {})) {
      assert.notEqual(severity, info.severity, `${code}: ${name}`);
      assert.match(info.doc, new RegExp(`\\(${severity}\\)`), `${code}: the doc states the ${name} variant's severity`);
      assert.equal(severityOf(code, name as never), severity);
    }
  }
  // lun-not-whole-device: a partition is the code's error, a volume its documented warning.
  const lun = (p: string) =>
    analyzeDocument(domainXml(`<disk type='block' device='lun'><source dev='${p}'/><target dev='sda' bus='scsi'/></disk>`), []).findings;
  assert.deepEqual(
    lun('/dev/sdb1').map((f) => [f.code, f.severity]),
    [
      ['unstable-device-name', severityOf('unstable-device-name')],
      ['lun-not-whole-device', severityOf('lun-not-whole-device')],
    ],
  );
  assert.deepEqual(
    lun('/dev/vx/dsk/dg/vol').map((f) => [f.code, f.severity]),
    [['lun-not-whole-device', severityOf('lun-not-whole-device', 'volume')]],
  );
  // No rule names a severity, or reads one from CODES, itself: the constructor does.
  const dir = join(ROOT, 'server/src/rules');
  for (const file of readdirSync(dir)) {
    if (!file.endsWith('.ts') || ['codes.ts', 'codesDoc.ts', 'finding.ts'].includes(file)) continue;
    const src = readFileSync(join(dir, file), 'utf8');
    assert.doesNotMatch(src, /severity:\s*(?:CODES|'(?:error|warning|information|hint)')/, file);
    assert.doesNotMatch(src, /\bCODES\b/, file);
  }
});
