/** Issue 12 item 1: links made by site udev rules, judged by what the rule is keyed on and where the link lands. */
import { writeFileSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeDocument } from '../../server/src/analysis';
import { parseUdevRules, symlinkRegExp, UdevRuleSet } from '../../server/src/inventory/udevRules';
import { HostIndex } from '../../server/src/inventory/resolver';
import { applyEdits } from '../../server/src/rules/applyFixes';
import type { FindingCode } from '../../server/src/rules/codes';
import { runCli } from '../support/cli';
import { blockDisk, domainXml } from '../support/examples';
import { RULES_FILE, RULES_TEXT, truthHost, truthInventoryFile, truthSnapshot, oldHost } from './truthHost';

const codes = (path: string, hosts: HostIndex[] = [truthHost()]): FindingCode[] =>
  analyzeDocument(domainXml(blockDisk(path)), hosts).findings.map((f) => f.code);

test('rules files: comments, continuations, match keys, SYMLINK assignments and keying', () => {
  const rules = parseUdevRules(RULES_FILE, RULES_TEXT);
  assert.deepEqual(
    rules.map((r) => [r.line, r.keyedOn, r.symlinks]),
    [
      [3, 'identity', ['vmdisks/db-data']],
      [5, 'kernel', ['vmdisks/old-%k']],
      [6, 'identity', ['vmdisks/app-$env{ID_SERIAL}']],
      [7, 'identity', ['asm-disk1']],
      [8, 'kernel', ['fast0']],
    ],
  );
  assert.deepEqual(rules[1].keyedBy, ['KERNEL=="sdf"']);
  const more = parseUdevRules(
    '/x.rules',
    [
      'ATTRS{vendor}=="3PARdata", KERNEL=="sd?", SYMLINK+="3par/%k"', // vendor + kernel glob: neither
      'KERNEL!="sdz", SYMLINK+="a b"', // only a negative match: other; two links
      'PROGRAM=="/lib/udev/scsi_id -g -u -d $devnode", RESULT=="3600a0b80", SYMLINK="oracle/ocr1"',
      'DEVNAME=="/dev/sdq", SYMLINK+="q"',
      'ACTION=="add", ENV{ID_FS_LABEL}=="data", SYMLINK+="lab"',
    ].join('\n'),
  );
  assert.deepEqual(
    more.map((r) => r.keyedOn),
    ['other', 'other', 'identity', 'kernel', 'other'],
  );
  assert.deepEqual(more[1].symlinks, ['a', 'b']);
  assert.ok(symlinkRegExp('vmdisks/old-%k', 'sdf').test('vmdisks/old-sdf'));
  assert.ok(!symlinkRegExp('vmdisks/old-%k', 'sdf').test('vmdisks/old-sdg'));
  assert.ok(symlinkRegExp('disk%n').test('disk12'));
  const set = new UdevRuleSet([{ file: RULES_FILE, text: RULES_TEXT }]);
  assert.equal(set.ruleFor('/dev/vmdisks/old-sdf', 'sdf')?.line, 5);
  assert.equal(set.ruleFor('/dev/vmdisks/old-sdg', 'sdg'), undefined, 'KERNEL=="sdf" does not make a link to sdg');
  assert.equal(set.ruleFor('/dev/disk/by-id/vmdisks', 'sdf'), undefined, "udev's own directories are not site links");
});

test('the resolver follows site links and names the rule that makes them', () => {
  const h = truthHost();
  const r = h.resolve('/dev/vmdisks/db-data');
  assert.ok(r.found);
  assert.equal(r.device?.kname, 'dm-2');
  assert.equal(r.bypassesMultipath, false);
  assert.deepEqual(
    r.siteLinks?.map((s) => [s.link, s.rule.file, s.rule.line, s.rule.keyedOn]),
    [['/dev/vmdisks/db-data', RULES_FILE, 3, 'identity']],
  );
  assert.equal(h.udevRuleOf('/dev/vmdisks/old-sdf', 'sdf')?.keyedOn, 'kernel');
  assert.ok(h.resolve('/dev/asm-disk1').bypassesMultipath, 'identity-keyed, but lands on one path of emc_clariion0_91');
  // A kernel-keyed link is never offered as a stable alias.
  assert.ok(!h.aliases(h.resolve('/dev/sdf')).some((a) => a.path === '/dev/vmdisks/old-sdf'));
  assert.ok(!h.aliases(h.resolve('/dev/nvme0n1')).some((a) => a.path === '/dev/fast0'));
});

test('identity-keyed link on the multipath map: no finding (was device-not-found)', () => {
  assert.deepEqual(codes('/dev/vmdisks/db-data'), []);
  // Without the link on the host it still does not exist.
  assert.ok(codes('/dev/vmdisks/db-data', [oldHost()]).includes('device-not-found'));
  assert.ok(codes('/dev/vmdisks/nope').includes('device-not-found'));
});

test("kernel-keyed link: unstable-device-name naming the rule, fixed to the LUN's stable name", () => {
  const text = domainXml(blockDisk('/dev/vmdisks/old-sdf'));
  const findings = analyzeDocument(text, [truthHost()]).findings;
  const f = findings.find((x) => x.code === 'unstable-device-name');
  assert.ok(f, findings.map((x) => x.code).join());
  assert.match(f.message, /udev rule at \/etc\/udev\/rules\.d\/99-vmdisks\.rules:5 on kvm-a, keyed on the kernel name \(KERNEL=="sdf"\)/);
  assert.ok(
    findings.some((x) => x.code === 'multipath-bypass'),
    'sdf is one path of 3pardata0_13',
  );
  const fix = f.fixes.find((x) => x.preferred)!;
  assert.equal(fix.edits[0].newText, '/dev/vx/dmp/3pardata0_13');
  assert.deepEqual(
    analyzeDocument(applyEdits(text, fix.edits), [truthHost()]).findings.map((x) => x.code),
    [],
  );
  // A kernel-keyed link to a single-path disk: unstable only; an other-device name (/dev/fast0) is judged too.
  assert.deepEqual(codes('/dev/fast0'), ['unstable-device-name']);
});

test('identity-keyed link on one path of a multipathed LUN: multipath-bypass only', () => {
  assert.deepEqual(codes('/dev/vmdisks/app-360002ac000000000000000120001a2b3'), ['multipath-bypass']);
  const asm = codes('/dev/asm-disk1'); // emc_clariion0_91, A/PF on an active cluster node: active-passive-dmp too
  assert.ok(asm.includes('multipath-bypass') && !asm.includes('unstable-device-name') && !asm.includes('device-not-found'), asm.join());
});

test('without rules from the host, links are followed but not attributed', () => {
  const s = truthSnapshot();
  delete s.udevRules;
  const h = new HostIndex(s);
  assert.equal(h.resolve('/dev/vmdisks/old-sdf').siteLinks, undefined);
  assert.ok(!codesFor(h, '/dev/vmdisks/old-sdf').includes('unstable-device-name'));
  assert.ok(!codesFor(h, '/dev/vmdisks/db-data').length);
  // An unknown /dev name no host knows is not judged (it may be a character device).
  assert.deepEqual(codesFor(h, '/dev/nosuchthing'), []);
});

function codesFor(h: HostIndex, path: string): FindingCode[] {
  return codes(path, [h]);
}

test('CLI: site links judged from a saved snapshot', () => {
  const { file, loaded } = truthInventoryFile();
  assert.ok(loaded.udevRules, 'the snapshot loader keeps udevRules');
  const dir = file.replace(/\/[^/]+$/, '');
  const dom = `${dir}/d.xml`;
  writeFileSync(dom, domainXml([blockDisk('/dev/vmdisks/db-data'), blockDisk('/dev/vmdisks/old-sdf', 'vdc')].join('\n')));
  const r = runCli(['--inventory', file, '--format', 'json', dom]);
  const out = JSON.parse(r.stdout).findings as { code: string; message: string; range: { start: { line: number } } }[];
  assert.deepEqual(out.map((f) => f.code).sort(), ['multipath-bypass', 'unstable-device-name']);
  assert.ok(
    out.every((f) => f.range.start.line === 6),
    'both on the old-sdf line',
  );
  assert.match(out.find((f) => f.code === 'unstable-device-name')!.message, /99-vmdisks\.rules:5/);
});
