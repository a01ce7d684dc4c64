/**
 * Gold images and space-optimized snapshots (issue 18): the vxsnap and vxprint parsers on the layouts of
 * Veritas's administrator's guides (and tolerant of others), the volume facts in the snapshot and the
 * resolver, the three findings positive and negative on the example host kvm-b, and the collector's new
 * sections for real on the rig.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeDocument } from '../server/src/analysis';
import { applyEdits, preferredEdits } from '../server/src/rules/applyFixes';
import { LanguageService } from '../server/src/languageService';
import { fetchCollectorOutput } from '../server/src/inventory/transport';
import { fetchSnapshot } from '../server/src/inventory/fetch';
import {
  buildSnapshot,
  ParseError,
  parseVxAmount,
  parseVxprintLengths,
  parseVxsnapList,
  type SectionInput,
} from '../server/src/inventory/parsers';
import { HostIndex } from '../server/src/inventory/resolver';
import { validateSnapshot } from '../server/src/inventory/snapshot';
import type { Finding } from '../server/src/rules/types';
import { DG_TOOL_INVOCATIONS, RIG_SUDO_COMMANDS } from './rig/fakeHost';
import { startRigOrSkip, sudoUnavailable, type Rig } from './rig/sshRig';
import { exampleHostB, ROOT } from './support/examples';
import { fixtureSections, fixtureSnapshot } from './support/fixtureHost';

const KVM_B = join(ROOT, 'examples/hosts/kvm-b');
const GiB = 2 ** 30;
const MiB = 2 ** 20;

// The columns and value forms of the guides' `vxsnap -g dg -vx list` example; the rows are our own.
const DOCUMENTED = [
  'NAME     DG    OBJTYPE SNAPTYPE  PARENT  PARENTDG  SNAPDATE        CHANGE_DATA    SYNCED_DATA',
  'base     dgx   vol     -         -       -         -               -              16G (100%)',
  'copy1    dgy   vol     fullinst  base    dgx       2025/7/3 09:41  64M (0.4%)     96M (0.6%)',
  'copy2    dgx   vol     mirbrk    base    dgx       2025/7/3 09:41  300M (1.8%)    16G (100%)',
  'copy3    dgx   vol     volbrk    base    dgx       2025/7/3 09:42  1.5G (9.4%)    16G (100%)',
  'so21     dgx   vol     spaceopt  copy2   dgx       2025/7/4 10:00  3.2G (20%)     3.2G (20%)',
  'base-02  dgx   plex    snapmir   base    dgx       -               -              80M (0.5%)',
  'mbase    dgy   vol     mirvol    base    dgx       -               -              90M (0.6%)',
  'set1     dgx   vset    -         -       -         -               -              4G (100%)',
  'base-03  dgx   plex    detmir    base    dgx       -               40M (0.2%)     -',
  '',
].join('\n');

describe('vxsnap and vxprint parsers', () => {
  test('units: binary multiples with a unit, nothing guessed without one', () => {
    assert.equal(parseVxAmount('20M'), 20 * MiB);
    assert.equal(parseVxAmount('1.2G'), Math.round(1.2 * GiB));
    assert.equal(parseVxAmount('512k'), 512 * 1024);
    assert.equal(parseVxAmount('3T'), 3 * 1024 * GiB);
    for (const w of ['512', '-', '', '20%', '(0.2%)', 'G']) assert.equal(parseVxAmount(w), undefined, w);
  });

  test("the guides' -v layout: snapshot types, parents (in another disk group too), changed data, dates; plexes and volume sets left out", () => {
    const vols = parseVxsnapList(DOCUMENTED, 'dgx');
    assert.deepEqual(
      vols.map((v) => `${v.dg}/${v.name}`),
      ['dgx/base', 'dgy/copy1', 'dgx/copy2', 'dgx/copy3', 'dgx/so21', 'dgy/mbase'],
    );
    assert.equal(vols[0].snapshot, undefined, 'the parent itself is no snapshot');
    assert.deepEqual(vols[1].snapshot, {
      type: 'fullinst',
      parent: 'base',
      parentDg: 'dgx',
      changedBytes: 64 * MiB,
      changedPercent: 0.4,
      date: '2025/7/3 09:41',
    });
    assert.deepEqual(
      vols.map((v) => [v.snapshot?.type, v.snapshot?.changedPercent]),
      [
        [undefined, undefined],
        ['fullinst', 0.4],
        ['mirbrk', 1.8],
        ['volbrk', 9.4],
        ['spaceopt', 20],
        ['mirvol', undefined],
      ],
    );
    assert.equal(vols[4].snapshot!.changedBytes, Math.round(3.2 * GiB));
    assert.equal(vols[5].snapshot!.date, undefined, 'a "-" date is no date');
  });

  test('another layout: columns in another order and width, some missing, a %DIRTY column; `vxsnap print` rows without a NAME', () => {
    const other = [
      'NAME      SNAPTYPE PARENT SNAPSHOT OBJTYPE %DIRTY CHANGE_DATA',
      'w1        spaceopt g1     -        vol     31.5   6.3G',
      'g1        -        -      w1       vol     -      -',
      'w2        fullinst g1     -        vol     2      (2%)',
      'odd       fullinst g1     -        vol     2      1G (2%) extra words',
      '',
    ].join('\n');
    const vols = parseVxsnapList(other, 'golddg');
    assert.deepEqual(
      vols.map((v) => [
        v.dg,
        v.name,
        v.snapshot?.type,
        v.snapshot?.parent,
        v.snapshot?.parentDg,
        v.snapshot?.changedPercent,
        v.snapshot?.changedBytes,
      ]),
      [
        ['golddg', 'w1', 'spaceopt', 'g1', undefined, 31.5, Math.round(6.3 * GiB)],
        ['golddg', 'g1', undefined, undefined, undefined, undefined, undefined],
        ['golddg', 'w2', 'fullinst', 'g1', undefined, 2, undefined],
      ],
      'a row with words left over is not guessed at',
    );
    const print = [
      'NAME     SNAPOBJECT     TYPE    PARENT   SNAPSHOT   %DIRTY   %VALID',
      '',
      'vol1     --             volume  --       --         --       100',
      '         snapvol1_snp1  volume  --       snapvol1   1.30     --',
      'snapvol1 vol1_snp1      volume  vol1     --         1.30     1.30',
    ].join('\n');
    // No SNAPTYPE column: the volumes are listed, no snapshot type is invented.
    assert.deepEqual(
      parseVxsnapList(print, 'mydg').map((v) => [v.name, v.snapshot]),
      [
        ['vol1', undefined],
        ['snapvol1', undefined],
      ],
    );
  });

  test('empty output is no snapshots; output without the header is refused', () => {
    assert.deepEqual(parseVxsnapList('', 'dg'), []);
    assert.deepEqual(parseVxsnapList('\n', 'dg'), []);
    assert.throws(() => parseVxsnapList('VxVM vxsnap ERROR V-5-1-0 something\n', 'dg'), ParseError);
  });

  test('vxprint -F "%name %len": sectors of 512 bytes; other lines skipped; nothing but other lines refused', () => {
    assert.deepEqual(parseVxprintLengths('Disk group: dgx\n\nbase 33554432\ncopy2 33554432\n', 'dgx'), [
      { dg: 'dgx', name: 'base', sizeBytes: 16 * GiB },
      { dg: 'dgx', name: 'copy2', sizeBytes: 16 * GiB },
    ]);
    assert.deepEqual(parseVxprintLengths('', 'dgx'), []);
    assert.throws(() => parseVxprintLengths('vxprint: no such disk group\n', 'dgx'), ParseError);
  });

  test('the snapshot: both outputs merged per volume; needs-root and refused sudo classified; a JSON round trip keeps it, bounded', () => {
    const snap = fixtureSnapshot(KVM_B, 'kvm-b');
    assert.deepEqual(snap.warnings, []);
    assert.equal(snap.tools['vxsnap appdg'], 'ok');
    assert.equal(snap.tools['vxprint appdg'], 'ok');
    const info = new Map(snap.vxvm!.volumeInfo!.map((v) => [v.name, v]));
    assert.deepEqual(info.get('web-so02'), {
      dg: 'appdg',
      name: 'web-so02',
      sizeBytes: 20 * GiB,
      snapshot: {
        type: 'spaceopt',
        parent: 'gold01',
        parentDg: 'appdg',
        changedBytes: Math.round(5.4 * GiB),
        changedPercent: 27,
        date: '2026/3/30 11:05',
      },
    });
    assert.deepEqual(info.get('data01'), { dg: 'appdg', name: 'data01', sizeBytes: 50 * GiB }, 'a data volume: vxprint only');
    assert.deepEqual(validateSnapshot(JSON.parse(JSON.stringify(snap)), 't').vxvm, snap.vxvm);

    const hostile = JSON.parse(JSON.stringify(snap)) as { vxvm: { volumeInfo: unknown[] } };
    hostile.vxvm.volumeInfo = [
      { dg: 'dg', name: 'a/b', sizeBytes: 1 },
      { dg: 'dg', name: 'neg', sizeBytes: -5, snapshot: { type: 'spaceopt', parent: 'p', changedPercent: 500, changedBytes: 1.5 } },
      { dg: 'dg', name: 'bad-type', snapshot: { type: 'x y', parent: 'p' } },
      'nonsense',
    ];
    assert.deepEqual(validateSnapshot(hostile, 't').vxvm!.volumeInfo, [
      { dg: 'dg', name: 'neg', snapshot: { type: 'spaceopt', parent: 'p' } },
      { dg: 'dg', name: 'bad-type' },
    ]);

    // The per-disk-group sections are privileged like vxdisk: a refusal is needs-root, not a failure.
    const sections = fixtureSections(KVM_B);
    const refused: SectionInput = { body: '', rc: 1, stderr: ['sudo: a password is required'] };
    sections.set('vxsnap appdg', refused);
    sections.set('vxprint appdg', { body: '', rc: 1, stderr: ['VxVM vxprint ERROR: Permission denied (must be run as root)'] });
    const s2 = buildSnapshot({ host: 'kvm-b', collectedAt: 'now', sections });
    assert.equal(s2.tools['vxsnap appdg'], 'needs-root');
    assert.equal(s2.tools['vxprint appdg'], 'needs-root');
    assert.equal(s2.vxvm!.volumeInfo, undefined);
    assert.ok(
      s2.warnings.some((w) => /^needs root on kvm-b: vxsnap \(sudo -n was refused/.test(w)),
      s2.warnings.join('\n'),
    );
  });
});

describe('resolver: the volume facts of /dev/vx/dsk and /dev/vx/rdsk', () => {
  test('size and snapshot facts for both names; the snapshots of a parent', () => {
    const h = exampleHostB();
    for (const p of ['/dev/vx/dsk/appdg/web-so01', '/dev/vx/rdsk/appdg/web-so01']) {
      const r = h.resolve(p);
      assert.equal(r.found, true, p);
      assert.equal(r.vxInfo?.sizeBytes, 20 * GiB, p);
      assert.equal(r.vxInfo?.snapshot?.type, 'spaceopt', p);
      assert.equal(r.vxInfo?.snapshot?.parent, 'gold01', p);
    }
    assert.equal(h.resolve('/dev/vx/dsk/appdg/data01').vxInfo?.snapshot, undefined);
    assert.deepEqual(
      h.vxSnapshotsOf('appdg/gold01').map((v) => `${v.name}:${v.snapshot!.type}`),
      ['web-full01:fullinst', 'web-full02:fullinst', 'web-so01:spaceopt', 'web-so02:spaceopt'],
    );
    assert.deepEqual(h.vxSnapshotsOf('appdg/data01'), []);
  });
});

/** A domain named `name` whose first disk is the VxVM volume `vol` of appdg. */
function guest(name: string, vol: string, readonly = false): string {
  return [
    "<domain type='kvm'>",
    `  <name>${name}</name>`,
    "  <memory unit='KiB'>1048576</memory>",
    "  <os><type arch='x86_64'>hvm</type></os>",
    '  <devices>',
    `    <disk type='block' device='disk'><source dev='/dev/vx/dsk/appdg/${vol}'/><target dev='vda' bus='virtio'/>${readonly ? '<readonly/>' : ''}</disk>`,
    '  </devices>',
    '</domain>',
    '',
  ].join('\n');
}

const GOLD_CODES = ['full-copy-boot-image', 'snapshot-diverged', 'gold-image-writable'];
function goldFindings(text: string, hosts: HostIndex[] = [exampleHostB()]): Finding[] {
  return analyzeDocument(text, hosts).findings.filter((f) => GOLD_CODES.includes(f.code));
}

describe('findings on kvm-b (a gold image, two full-sized instant snapshots, two space-optimized ones, a cache and a data volume)', () => {
  test('full-copy-boot-image: a full copy of a gold image other guests use copies of', () => {
    const [f, ...rest] = goldFindings(guest('web11', 'web-full01'));
    assert.deepEqual(rest, []);
    assert.equal(f.code, 'full-copy-boot-image');
    assert.equal(f.severity, 'information');
    assert.equal(
      f.message,
      '/dev/vx/dsk/appdg/web-full01: VxVM volume appdg/web-full01 is a full-sized instant snapshot (fullinst) of gold image appdg/gold01 (20.0 GiB); ' +
        '3 other guests on kvm-b map copies of it too (web12, web13, web14), 1 of them full: 2 full copies, 40.0 GiB in all. ' +
        'Space-optimized snapshots would typically take 5–20% of it each: 1.0 GiB–4.0 GiB, 2.0 GiB–8.0 GiB for 2, one cache object serving them all. ' +
        'A bare Linux boot image needs about 3 GB, a database guest about 6 GB: boot from space-optimized snapshots of the gold image (vxsnap make source=GOLD/newvol=NAME/cache=COBJ) rather than full copies.',
    );
    // The document's own definition on the host (web11) is not another guest: a new guest on web-full02 counts web11.
    assert.match(
      goldFindings(guest('web99', 'web-full02'))[0].message,
      /3 other guests on kvm-b map copies of it too \(web11, web13, web14\), 1 of them full: 2 full copies/,
    );
  });

  test('full-copy-boot-image: not for a full copy nobody else shares a gold image with, nor for a space-optimized one', () => {
    const snap = fixtureSnapshot(KVM_B, 'kvm-b');
    snap.domains = snap.domains!.filter((d) => d.name === 'web11');
    assert.deepEqual(goldFindings(guest('web11', 'web-full01'), [new HostIndex(snap)]), []);
    assert.deepEqual(goldFindings(guest('web13', 'web-so01')), [], 'space-optimized, 4% changed: nothing');
  });

  test('snapshot-diverged: more than 20% changed; the percentage from the amount when vxsnap gives none', () => {
    const [f, ...rest] = goldFindings(guest('web14', 'web-so02'));
    assert.deepEqual(rest, []);
    assert.equal(f.code, 'snapshot-diverged');
    assert.equal(f.severity, 'information');
    assert.match(
      f.message,
      /^\/dev\/vx\/dsk\/appdg\/web-so02: space-optimized snapshot appdg\/web-so02 differs from its parent appdg\/gold01 by 27% \(5\.4 GiB\), more than the 20%/,
    );
    assert.match(
      f.message,
      /Install software on data disks rather than on the root file system, and keep changes to the gold image's operating system files small\./,
    );

    const snap = fixtureSnapshot(KVM_B, 'kvm-b');
    const so = (name: string) => snap.vxvm!.volumeInfo!.find((v) => v.name === name)!.snapshot!;
    // 20% exactly is within the guidance; the share from the amount over the parent's 20 GiB: 4.4 GiB is 22%.
    so('web-so02').changedPercent = 20;
    delete so('web-so01').changedPercent;
    so('web-so01').changedBytes = Math.round(4.4 * GiB);
    const h = new HostIndex(snap);
    assert.deepEqual(goldFindings(guest('web14', 'web-so02'), [h]), []);
    assert.match(
      goldFindings(guest('web13', 'web-so01'), [h])[0]?.message ?? '',
      /differs from its parent appdg\/gold01 by 22% \(4\.4 GiB\)/,
    );
  });

  test('gold-image-writable: the gold image without <readonly/>; not with it, not a data or cache volume', () => {
    const text = guest('tmpl01', 'gold01');
    const [f, ...rest] = goldFindings(text);
    assert.deepEqual(rest, []);
    assert.equal(f.code, 'gold-image-writable');
    assert.equal(f.severity, 'warning');
    assert.equal(
      f.message,
      '/dev/vx/dsk/appdg/gold01 is a gold image mapped without <readonly/>: VxVM volume appdg/gold01 has 2 space-optimized and 2 full-sized instant snapshots ' +
        "(appdg/web-full01, appdg/web-full02, appdg/web-so01 and 1 more). Every write to it is first copied into its snapshots (into each space-optimized snapshot's cache object), and new snapshots start from what the guest changed.",
    );
    // One quick fix, never preferred (updating the gold image on purpose is the author's call): <readonly/> after <source>.
    const src = "<source dev='/dev/vx/dsk/appdg/gold01'/>";
    const at = text.indexOf(src) + src.length;
    assert.deepEqual(f.fixes, [
      { title: 'Add <readonly/>', preferred: false, edits: [{ start: at, end: at, newText: '\n    <readonly/>' }] },
    ]);
    assert.deepEqual(goldFindings(guest('tmpl01', 'gold01', true)), []);
    assert.deepEqual(goldFindings(guest('db11', 'data01')), [], 'a data volume without snapshots is not a gold image');
    assert.deepEqual(goldFindings(guest('x', 'cachevol')), []);
    // Without the vxsnap facts (kvm-a's inventory has none) nothing is said.
    const snap = fixtureSnapshot(KVM_B, 'kvm-b');
    delete snap.vxvm!.volumeInfo;
    assert.deepEqual(goldFindings(text, [new HostIndex(snap)]), []);
  });

  test("gold-image-writable's fix: <readonly/> on its own line after <source>, indented as that line, with its line break; fix-all leaves it", () => {
    // The host's own tmpl01 without its <readonly/>, with tabs and CRLF; and with a <source> that has children.
    const host = exampleHostB().snapshot.domains!.find((d) => d.name === 'tmpl01')!.xml!;
    const writable = host
      .replace(/\n\s*<readonly\/>/, '')
      .replace(/\n/g, '\r\n')
      .replace(/^ {6}/gm, '\t\t');
    assert.ok(writable.includes("\t\t<source dev='/dev/vx/dsk/appdg/gold01'/>\r\n\t\t<target"), writable);
    const withChildren = host
      .replace(/\n\s*<readonly\/>/, '')
      .replace(
        "<source dev='/dev/vx/dsk/appdg/gold01'/>",
        "<source dev='/dev/vx/dsk/appdg/gold01'>\n        <seclabel model='dac' relabel='no'/>\n      </source>",
      );
    for (const [text, after, inserted] of [
      [writable, "<source dev='/dev/vx/dsk/appdg/gold01'/>", '\r\n\t\t<readonly/>'],
      [withChildren, '</source>', '\n      <readonly/>'],
    ]) {
      const a = analyzeDocument(text, [exampleHostB()]);
      const findings = a.findings;
      const f = findings.find((x) => x.code === 'gold-image-writable')!;
      assert.ok(f, text);
      const [fix, ...none] = f.fixes;
      assert.deepEqual(none, []);
      const at = text.indexOf(after) + after.length;
      assert.deepEqual(fix.edits, [{ start: at, end: at, newText: inserted }]);
      const fixed = applyEdits(text, fix.edits);
      assert.equal(fixed, text.slice(0, at) + inserted + text.slice(at), 'nothing else changed');
      const again = analyzeDocument(fixed, [exampleHostB()]);
      assert.equal(again.doc.error, undefined);
      assert.ok(again.model!.disks[0].readonly);
      assert.deepEqual(
        again.findings.filter((x) => GOLD_CODES.includes(x.code)),
        [],
      );
      // Fix-all applies preferred fixes only: this one is not among them, in the library and over LSP.
      assert.deepEqual(preferredEdits(findings), []);
      const svc = new LanguageService({ hostsFor: () => [exampleHostB()], peersFor: () => ({ version: 1, peers: [] }) });
      const doc = { uri: 'file:///tmpl.xml', text };
      assert.deepEqual(svc.fixAllEdits(doc), []);
      const range = { start: a.doc.lines.positionAt(f.start), end: a.doc.lines.positionAt(f.start) };
      const actions = svc.codeActions(doc, range, ['quickfix']);
      const add = actions.filter((x) => x.title === 'Add <readonly/>');
      assert.equal(add.length, 1);
      assert.equal(add[0].isPreferred, false);
      assert.ok(!actions.some((x) => /^Fix all/.test(x.title)), actions.map((x) => x.title).join());
    }
  });

  test("gold-image-writable's fix on one line: the line break of the document's first line, else a newline; the line's indent", () => {
    const disk = "<disk type='block' device='disk'><source dev='/dev/vx/dsk/appdg/gold01'/><target dev='vda' bus='virtio'/></disk>";
    const body = `<domain type='kvm'><name>t</name><devices>${disk}</devices></domain>`;
    for (const [text, inserted] of [
      [body, '\n<readonly/>'],
      [`<?xml version='1.0'?>\r\n  ${body}`, '\r\n  <readonly/>'],
      [`<!-- a -->\r<!-- b -->\n\t${body}`, '\r\t<readonly/>'],
    ]) {
      const f = analyzeDocument(text, [exampleHostB()]).findings.find((x) => x.code === 'gold-image-writable')!;
      const at = text.indexOf("gold01'/>") + "gold01'/>".length;
      assert.deepEqual(f.fixes[0].edits, [{ start: at, end: at, newText: inserted }], JSON.stringify(text));
      const fixed = applyEdits(text, f.fixes[0].edits);
      assert.ok(analyzeDocument(fixed).model!.disks[0].readonly);
    }
  });

  test("the host's own domains on kvm-b: each case has its domain", () => {
    const h = exampleHostB();
    const boot = new Map(h.snapshot.domains!.map((d) => [d.name, d.disks[0]?.source]));
    assert.deepEqual(
      ['tmpl01', 'web11', 'web12', 'web13', 'web14', 'db11'].map((n) => boot.get(n)),
      ['gold01', 'web-full01', 'web-full02', 'web-so01', 'web-so02', 'data01'].map((v) => `/dev/vx/dsk/appdg/${v}`),
    );
  });
});

describe('hover on a VxVM volume', () => {
  function hoverText(text: string): string {
    const svc = new LanguageService({ hostsFor: () => [exampleHostB()], peersFor: () => ({ version: 1, peers: [] }) });
    const a = svc.analyze({ uri: 'file:///g.xml', text });
    const ref = a.model!.disks[0].hostPath!;
    const h = svc.hover({ uri: 'file:///g.xml', text }, a.doc.lines.positionAt(ref.start + 1));
    assert.ok(h, 'no hover');
    return (h.contents as { value: string }).value;
  }

  test('a snapshot: its type, parent, changed data and date; a gold image: its snapshots and the guests using them', () => {
    const so = hoverText(guest('web14', 'web-so02'));
    assert.match(so, /^\*\*kvm-b\*\* — VxVM volume · 20\.0 GiB$/m);
    assert.match(so, /^- Space-optimized snapshot \(`spaceopt`\) of `appdg\/gold01` · changed 27%, 5\.4 GiB · taken 2026\/3\/30 11\\:05$/m);
    assert.doesNotMatch(so, /Gold image/);
    const gold = hoverText(guest('tmpl01', 'gold01', true));
    assert.match(
      gold,
      /^- Gold image: 4 snapshots — `appdg\/web-full01` fullinst, `appdg\/web-full02` fullinst, `appdg\/web-so01` spaceopt, `appdg\/web-so02` spaceopt · used by web11 \(`appdg\/web-full01`\), web12 \(`appdg\/web-full02`\), web13 \(`appdg\/web-so01`\), web14 \(`appdg\/web-so02`\)$/m,
    );
    const data = hoverText(guest('db11', 'data01'));
    assert.match(data, /^\*\*kvm-b\*\* — VxVM volume · 50\.0 GiB$/m);
    assert.doesNotMatch(data, /snapshot|Gold image/i);
  });
});

describe('the collector on the rig: vxsnap and vxprint per imported disk group', () => {
  let rig: Rig | undefined;
  let skip = '';
  // kvm-b, plus under /dev/vx/dsk a group vxsnap does not know and two names the collector must skip.
  const KVM_B2 = mkdtempSync(join(tmpdir(), 'ldi-kvm-b2-'));
  cpSync(KVM_B, KVM_B2, { recursive: true });
  appendFileSync(join(KVM_B2, 'vx-dsk-names.txt'), 'bootdg/boot01\n-v/x1\nx$(touch pwned)/x2\n');
  const VX_SUDO = [
    ...RIG_SUDO_COMMANDS,
    ...(['vxsnap', 'vxprint'] as const).map((t) => `/usr/sbin/${t} ${DG_TOOL_INVOCATIONS[t]('appdg').join(' ')}`),
  ];
  before(async () => {
    const r = await startRigOrSkip({
      hosts: [
        { name: 'kvm-b', fixtureDir: KVM_B, sudoCommands: VX_SUDO },
        { name: 'kvm-b2', fixtureDir: KVM_B2 },
      ],
    });
    if (typeof r === 'string') skip = r;
    else rig = r;
  });
  after(async () => {
    await rig?.stop();
    rmSync(KVM_B2, { recursive: true, force: true });
  });
  const opts = () => ({ sshConfigFile: rig!.sshConfigPath, timeoutMs: 20_000 });

  test('as root: the sections, the exact read-only invocations, the snapshot the fixture files make', async (t) => {
    if (!rig) return t.skip(skip);
    const host = rig.host('kvm-b');
    const before = host.readToolLog().length;
    const { output } = await fetchCollectorOutput('kvm-b', opts());
    assert.equal(output.complete, true);
    const names = [...output.sections.keys()];
    assert.deepEqual(
      names.slice(names.indexOf('vxdctl') + 1, names.indexOf('vxdctl') + 3),
      ['vxsnap appdg', 'vxprint appdg'],
      'one pair for the one disk group under /dev/vx/dsk',
    );
    for (const n of ['vxsnap appdg', 'vxprint appdg'])
      assert.deepEqual([output.sections.get(n)!.rc, output.sections.get(n)!.stderr], [0, []], n);
    assert.equal(output.sections.get('vxsnap appdg')!.body, fixtureSections(KVM_B).get('vxsnap appdg')!.body);
    const vx = host
      .readToolLog()
      .slice(before)
      .filter((l) => l[0] === 'vxsnap' || l[0] === 'vxprint');
    assert.deepEqual(vx, [
      ['vxsnap', ...DG_TOOL_INVOCATIONS.vxsnap('appdg')],
      ['vxprint', ...DG_TOOL_INVOCATIONS.vxprint('appdg')],
    ]);
    const live = await fetchSnapshot('kvm-b', opts());
    assert.deepEqual(live.warnings, []);
    assert.deepEqual(live.vxvm, fixtureSnapshot(KVM_B, 'kvm-b').vxvm);
    assert.equal(live.vxvm!.volumeInfo!.length, 9);
  });

  test('group names from /dev/vx/dsk: each once, in order, one argument; unusual ones skipped; an unknown group is a failed section', async (t) => {
    if (!rig) return t.skip(skip);
    const host = rig.host('kvm-b2');
    const before = host.readToolLog().length;
    const { output } = await fetchCollectorOutput('kvm-b2', opts());
    assert.equal(output.complete, true);
    assert.deepEqual(
      [...output.sections.keys()].filter((n) => /^vx(snap|print) /.test(n)),
      ['vxsnap appdg', 'vxprint appdg', 'vxsnap bootdg', 'vxprint bootdg'],
    );
    assert.deepEqual(
      host
        .readToolLog()
        .slice(before)
        .filter((l) => l[0] === 'vxsnap')
        .map((l) => l.slice(1)),
      [DG_TOOL_INVOCATIONS.vxsnap('appdg'), DG_TOOL_INVOCATIONS.vxsnap('bootdg')],
    );
    const snap = await fetchSnapshot('kvm-b2', opts());
    assert.equal(snap.tools['vxsnap bootdg'], 'failed');
    assert.match(snap.warnings.join('\n'), /vxsnap bootdg exited with 1: VxVM vxsnap ERROR: Disk group bootdg/);
    assert.equal(snap.vxvm!.volumeInfo!.length, 9, "appdg's facts are kept");
  });

  test('a non-root login: vxsnap and vxprint need root; with --sudo and their sudoers lines, the same facts', async (t) => {
    if (!rig) return t.skip(skip);
    const alias = rig.host('kvm-b').aliases.nonRoot;
    const plain = await fetchSnapshot(alias, opts());
    assert.equal(plain.tools['vxsnap appdg'], 'needs-root');
    assert.equal(plain.tools['vxprint appdg'], 'needs-root');
    assert.equal(plain.vxvm?.volumeInfo, undefined);
    assert.ok(
      plain.warnings.some((w) => /^needs root on kvm-b\.nonroot: vxsnap \(run as root, or set/.test(w)),
      plain.warnings.join('\n'),
    );
    const why = sudoUnavailable();
    if (why) return t.skip(why);
    const root = await fetchSnapshot('kvm-b', opts());
    const user = await fetchSnapshot(alias, { ...opts(), sudo: true });
    assert.equal(user.tools['vxsnap appdg'], 'ok', user.warnings.join('\n'));
    assert.deepEqual(user.vxvm, root.vxvm);
  });
});
