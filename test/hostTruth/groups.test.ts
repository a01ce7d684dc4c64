/**
 * Issue 12, items 5 and 6: a host group never guesses. kvm-a and kvm-b (examples/) as a group: /dev/sdc
 * is LUN 12 (DMP node 3pardata0_12) on kvm-a and the dm-multipath LUN 6001405… on kvm-b. No fix is
 * preferred for such a value, so fix-all (file and workspace, through the language service) and the
 * CLI's --fix leave it untouched while consistent values are fixed; quick fixes name the host whose LUN
 * they map; messages state per-host facts per host. LUN 13 is 3pardata0_13 on kvm-a and 3pardata1_13
 * on kvm-b: the message names both and how to converge, and no single-path link is offered.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeDocument } from '../../server/src/analysis';
import { LanguageService } from '../../server/src/languageService';
import { HostIndex } from '../../server/src/inventory/resolver';
import { applyEdits, preferredEdits } from '../../server/src/rules/applyFixes';
import type { Finding } from '../../server/src/rules/types';
import { runCli } from '../support/cli';
import { blockDisk, domainXml, EXAMPLE_INVENTORY, EXAMPLE_INVENTORY_B, exampleHost, exampleHostB } from '../support/examples';

const AB = () => [exampleHost(), exampleHostB()];
const MPATH_WWID = '/dev/disk/by-id/dm-uuid-mpath-36001405e5bf5c158c4e4a5398ccba2cc';
const WWN12 = '/dev/disk/by-id/wwn-0x60002ac000000000000000120001a2b3';

/** sdc (ambiguous), mpatha (on kvm-a only), dm-2 (the same map on both), the wwn- link of LUN 12 (the same LUN on both, one path). */
const GROUP_DOC = domainXml(
  [blockDisk('/dev/sdc', 'vdb'), blockDisk('/dev/mapper/mpatha', 'vdc'), blockDisk('/dev/dm-2', 'vdd'), blockDisk(WWN12, 'vde')].join('\n'),
);

function service(hosts: HostIndex[]): LanguageService {
  return new LanguageService({ hostsFor: () => hosts });
}

function findingsAt(text: string, value: string, hosts: HostIndex[]): Finding[] {
  const at = text.indexOf(`'${value}'`) + 1;
  return analyzeDocument(text, hosts).findings.filter((f) => f.start === at);
}

/** The fixed text must keep the ambiguous values and fix the consistent ones. */
function assertGroupFixed(out: string): void {
  assert.match(out, /<source dev='\/dev\/sdc'\/>/, 'sdc reaches different LUNs: untouched');
  assert.match(out, /<source dev='\/dev\/mapper\/mpatha'\/>/, 'mpatha is missing on kvm-b: untouched');
  assert.match(out, new RegExp(`<source dev='${MPATH_WWID}'/><target dev='vdd'`), 'dm-2 is the same map on both: fixed');
  assert.match(
    out,
    /<source dev='\/dev\/vx\/dmp\/3pardata0_12'\/><target dev='vde'/,
    'the wwn- link of LUN 12: fixed to its DMP node, valid on both',
  );
}

test('ambiguous values: no preferred fix from any rule; quick fixes name the host whose LUN they map', () => {
  const fs = findingsAt(GROUP_DOC, '/dev/sdc', AB());
  const codes = fs.map((f) => f.code).sort();
  assert.deepEqual(codes, ['inconsistent-across-hosts', 'multipath-bypass', 'unstable-device-name']);
  for (const f of fs) assert.ok(!f.fixes.some((x) => x.preferred), `${f.code} prefers a fix`);
  const titles = new Set(fs.flatMap((f) => f.fixes.map((x) => x.title)));
  assert.ok(titles.has("Map kvm-a's LUN (DMP node 3pardata0_12): use /dev/vx/dmp/3pardata0_12"), [...titles].join('\n'));
  assert.ok(titles.has(`Map kvm-b's LUN (LUN WWN 0x6001405e5bf5c158c4e4a5398ccba2cc): use ${MPATH_WWID}`), [...titles].join('\n'));
  for (const t of titles) assert.match(t, /^Map kvm-[ab]'s LUN /);
  // Every offered path reaches the LUN its title names, on both hosts, and never one path of it.
  for (const f of fs)
    for (const fx of f.fixes) {
      const host = fx.title.startsWith("Map kvm-a's") ? exampleHost() : exampleHostB();
      for (const h of AB()) {
        const r = h.resolve(fx.edits[0].newText);
        assert.equal(r.lun?.id, host.resolve('/dev/sdc').lun?.id, `${fx.title} on ${h.host}`);
        assert.ok(!r.bypassesMultipath, `${fx.title} bypasses multipath on ${h.host}`);
      }
    }
  // Missing on one host is not guessed either.
  const mp = findingsAt(GROUP_DOC, '/dev/mapper/mpatha', AB());
  assert.ok(mp.length >= 2);
  for (const f of mp) assert.ok(!f.fixes.some((x) => x.preferred), `${f.code} prefers a fix for mpatha`);
  assert.ok(
    mp.some((f) => f.fixes.some((x) => x.title === `Map kvm-a's LUN (LUN WWN 0x6001405e5bf5c158c4e4a5398ccba2cc): use ${MPATH_WWID}`)),
  );
});

test('negative: consistent values keep their preferred fix; one host alone still gets the usual fix', () => {
  const dm2 = findingsAt(GROUP_DOC, '/dev/dm-2', AB()).find((f) => f.code === 'unstable-device-name')!;
  assert.equal(dm2.fixes.find((x) => x.preferred)?.edits[0].newText, MPATH_WWID);
  assert.ok(!findingsAt(GROUP_DOC, '/dev/dm-2', AB()).some((f) => f.code === 'inconsistent-across-hosts'));
  const w = findingsAt(GROUP_DOC, WWN12, AB()).find((f) => f.code === 'multipath-bypass')!;
  assert.equal(w.fixes.find((x) => x.preferred)?.edits[0].newText, '/dev/vx/dmp/3pardata0_12');
  const alone = findingsAt(GROUP_DOC, '/dev/sdc', [exampleHost()]).find((f) => f.code === 'unstable-device-name')!;
  assert.equal(alone.fixes.find((x) => x.preferred)?.title, 'Use /dev/vx/dmp/3pardata0_12');
});

test('fix-all in the file (code action) and for the workspace (fixAllEdits) leave ambiguous values untouched', () => {
  const svc = service(AB());
  const doc = { uri: 'file:///g/dom.xml', text: GROUP_DOC };
  const lines = svc.analyze(doc).doc.lines;
  const applyLsp = (
    edits: { range: { start: { line: number; character: number }; end: { line: number; character: number } }; newText: string }[],
  ) =>
    applyEdits(
      GROUP_DOC,
      edits.map((e) => ({ start: lines.offsetAt(e.range.start), end: lines.offsetAt(e.range.end), newText: e.newText })),
    );
  assertGroupFixed(applyLsp(svc.fixAllEdits(doc)));
  const end = lines.positionAt(GROUP_DOC.length);
  const fixAll = svc
    .codeActions(doc, { start: { line: 0, character: 0 }, end }, ['source.fixAll'])
    .find((a) => a.kind?.startsWith('source.fixAll'))!;
  assertGroupFixed(applyLsp(fixAll.edit!.changes![doc.uri]));
  // The quick fixes on sdc are offered, none preferred.
  const at = lines.positionAt(GROUP_DOC.indexOf('/dev/sdc') + 2);
  const quick = svc.codeActions(doc, { start: at, end: at }, ['quickfix']);
  assert.ok(quick.length >= 2);
  assert.ok(
    quick.every((a) => !a.isPreferred),
    quick.map((a) => a.title).join('\n'),
  );
});

test('CLI --fix with two --inventory: the ambiguous value is untouched, the consistent ones are fixed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ldx-group-'));
  try {
    const file = join(dir, 'dom.xml');
    writeFileSync(file, GROUP_DOC);
    const r = runCli(['--inventory', EXAMPLE_INVENTORY, '--inventory', EXAMPLE_INVENTORY_B, '--fix', file]);
    assert.ok(r.status !== null && r.status <= 1, `${r.status}: ${r.stderr}`);
    assertGroupFixed(readFileSync(file, 'utf8'));
    // JSON output: no fix of sdc is marked preferred, each names its host.
    writeFileSync(file, domainXml(blockDisk('/dev/sdc')));
    const j = runCli(['--inventory', EXAMPLE_INVENTORY, '--inventory', EXAMPLE_INVENTORY_B, '--format', 'json', file]);
    const fixes = JSON.parse(j.stdout) as {
      findings?: { fixes: { title: string; preferred: boolean }[] }[];
      files?: { findings: { fixes: { title: string; preferred: boolean }[] }[] }[];
    };
    const all = JSON.stringify(fixes);
    assert.ok(!/"preferred":true/.test(all), all.slice(0, 2000));
    assert.match(all, /Map kvm-a's LUN \(DMP node 3pardata0_12\): use \/dev\/vx\/dmp\/3pardata0_12/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('preferredEdits: a preferred fix of any rule on a value inconsistent-across-hosts holds is not applied', () => {
  const text = domainXml(blockDisk('/dev/x') + '\n' + blockDisk('/dev/y', 'vdc'));
  const x = text.indexOf('/dev/x');
  const y = text.indexOf('/dev/y');
  const f = (code: Finding['code'], start: number, preferred: boolean, fixes = true): Finding => ({
    code,
    severity: 'warning',
    message: '',
    start,
    end: start + 6,
    fixes: fixes ? [{ title: 't', edits: [{ start, end: start + 6, newText: '/dev/z' }], preferred }] : [],
  });
  const edits = preferredEdits([
    f('unstable-device-name', x, true),
    f('inconsistent-across-hosts', x, false, false),
    f('unstable-device-name', y, true),
  ]);
  assert.deepEqual(
    edits.map((e) => e.start),
    [y],
  );
  // An inconsistent-across-hosts finding with a preferred fix of its own does not hold the value.
  assert.equal(preferredEdits([f('unstable-device-name', x, true), f('inconsistent-across-hosts', x, true)]).length, 1);
});

test('messages state per-host facts per host', () => {
  const fs = findingsAt(GROUP_DOC, '/dev/sdc', AB());
  const mb = fs.find((f) => f.code === 'multipath-bypass')!.message;
  assert.match(mb, /on kvm-a \(DMP node 3pardata0_12 has 2 paths\) and on kvm-b \(the LUN has 2 paths under a dm-multipath map\)/);
  assert.doesNotMatch(mb, /on kvm-a and kvm-b/);
  assert.doesNotMatch(mb, / Use \//, 'no replacement is recommended for an ambiguous value');
  const inc = fs.find((f) => f.code === 'inconsistent-across-hosts')!.message;
  assert.match(inc, /on kvm-a it is DMP node 3pardata0_12; on kvm-b it is LUN WWN 0x6001405e5bf5c158c4e4a5398ccba2cc/);
  // The same LUN and the same DMP name on both: one statement for both is true.
  const w = findingsAt(GROUP_DOC, WWN12, AB()).find((f) => f.code === 'multipath-bypass')!.message;
  assert.match(w, /on kvm-a and kvm-b \(DMP node 3pardata0_12 has 2 paths\)/);
  assert.match(w, /Use \/dev\/vx\/dmp\/3pardata0_12\./);
  // active-passive-dmp names the host (and the node as named there).
  const ap = analyzeDocument(domainXml(blockDisk('/dev/vx/dmp/emc_clariion0_91')), AB()).findings.find(
    (f) => f.code === 'active-passive-dmp',
  )!.message;
  assert.match(ap, /on kvm-a it is DMP node emc_clariion0_91 of an Active-Passive array/);
});

test('DMP names that differ across hosts (examples: LUN 13 is 3pardata0_13 on kvm-a, 3pardata1_13 on kvm-b): each name, how to converge, no fix', () => {
  const f = analyzeDocument(domainXml(blockDisk('/dev/vx/dmp/3pardata0_13')), AB()).findings.find(
    (x) => x.code === 'inconsistent-across-hosts',
  )!;
  assert.match(f.message, /3pardata0_13 on kvm-a, 3pardata1_13 on kvm-b/);
  assert.match(f.message, /the path does not exist on kvm-b, though the LUN does/);
  assert.match(f.message, /vxddladm set namingscheme=ebn persistence=yes use_avid=yes/);
  assert.match(f.message, /user-defined DMP node name/);
  assert.match(f.message, /VxVM volume/);
  assert.equal(f.fixes.length, 0, 'the wwn- link of LUN 13 reaches one path on both hosts: not offered');
  // The wwn- link itself: the same LUN on both, one path on both; no DMP name valid on both: names and advice, no fix.
  const w = analyzeDocument(domainXml(blockDisk('/dev/disk/by-id/wwn-0x60002ac000000000000000130001a2b3')), AB()).findings;
  const mb = w.find((x) => x.code === 'multipath-bypass')!;
  assert.match(mb.message, /3pardata0_13 on kvm-a, 3pardata1_13 on kvm-b/);
  assert.match(mb.message, /vxddladm set namingscheme=ebn/);
  assert.equal(mb.fixes.length, 0);
  assert.ok(!w.some((x) => x.code === 'inconsistent-across-hosts'), 'the link is the same LUN on both');
  // Negative: a LUN with one DMP name on both gets no such advice.
  const same = analyzeDocument(domainXml(blockDisk('/dev/vx/dmp/3pardata0_12')), AB()).findings;
  assert.ok(!same.some((x) => /vxddladm/.test(x.message)));
});

test('DMP names across hosts on a built snapshot: emc_clariion0_91 on kvm-a, emc_clariion0_93 on kvm-b (no multipath udev rules there)', () => {
  const b = exampleHostB().snapshot;
  const renamed = new HostIndex(JSON.parse(JSON.stringify(b).replace(/emc_clariion0_91/g, 'emc_clariion0_93')));
  const f = analyzeDocument(domainXml(blockDisk('/dev/vx/dmp/emc_clariion0_91')), [exampleHost(), renamed]).findings.find(
    (x) => x.code === 'inconsistent-across-hosts',
  )!;
  assert.match(f.message, /different node names: emc_clariion0_91 on kvm-a, emc_clariion0_93 on kvm-b/);
  assert.match(f.message, /vxddladm set namingscheme=ebn persistence=yes use_avid=yes/);
  for (const fx of f.fixes) assert.doesNotMatch(fx.edits[0].newText, /wwn-|scsi-/, `${fx.title}: a link that bypasses DMP`);
  assert.equal(f.fixes.length, 0);
  // Both named the same: no finding at all.
  const same = new HostIndex(JSON.parse(JSON.stringify(b)));
  assert.ok(
    !analyzeDocument(domainXml(blockDisk('/dev/vx/dmp/emc_clariion0_91')), [exampleHost(), same]).findings.some(
      (x) => x.code === 'inconsistent-across-hosts',
    ),
  );
});
