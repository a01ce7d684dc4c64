/**
 * Issue 12, items 7 and 10: the document's own disks count (completion, snippets, duplicate-device by
 * containment), and alias lists are honest (single-path links marked and ranked below the DMP node or
 * map; duplicate-target offers the next free name and points at the other disk).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CompletionItem } from 'vscode-languageserver';
import { analyzeDocument } from '../../server/src/analysis';
import { LanguageService } from '../../server/src/languageService';
import { HostIndex } from '../../server/src/inventory/resolver';
import { applyEdits } from '../../server/src/rules/applyFixes';
import { blockDisk, domainXml, exampleHost, exampleHostB } from '../support/examples';

const A = () => [exampleHost()];
const AB = () => [exampleHost(), exampleHostB()];
const BYPASS = '(bypasses multipath: one path)';

function svc(hosts: HostIndex[]): LanguageService {
  return new LanguageService({ hostsFor: () => hosts });
}

function hoverAt(text: string, value: string, hosts: HostIndex[]): string {
  const s = svc(hosts);
  const doc = { uri: 'file:///h.xml', text };
  const pos = s.analyze(doc).doc.lines.positionAt(text.indexOf(value) + 2);
  return (s.hover(doc, pos)!.contents as { value: string }).value;
}

/** Completes at the `|` in `withCursor` (after analysing `lastGood`, as an editor has, when given). */
function complete(withCursor: string, hosts = A(), lastGood?: string): CompletionItem[] {
  const offset = withCursor.indexOf('|');
  const text = withCursor.slice(0, offset) + withCursor.slice(offset + 1);
  const s = svc(hosts);
  if (lastGood) s.analyze({ uri: 'file:///c.xml', text: lastGood });
  const lines = s.analyze({ uri: 'file:///c.xml', text }).doc.lines;
  return s.completion({ uri: 'file:///c.xml', text }, lines.positionAt(offset)).items;
}

test('quick-fix lists: single-path links are marked and never above the DMP node; the DMP node is preferred', () => {
  const f = analyzeDocument(domainXml(blockDisk('/dev/sdc')), A()).findings.find((x) => x.code === 'unstable-device-name')!;
  const titles = f.fixes.map((x) => x.title);
  assert.equal(titles[0], 'Use /dev/vx/dmp/3pardata0_12');
  assert.ok(f.fixes[0].preferred);
  const wwn = titles.findIndex((t) => t.includes('wwn-0x60002ac000000000000000120001a2b3'));
  assert.ok(wwn > 0, titles.join('\n'));
  assert.equal(titles[wwn], `Use /dev/disk/by-id/wwn-0x60002ac000000000000000120001a2b3 ${BYPASS}`);
  const byPath = titles.findIndex((t) => t.includes('/by-path/'));
  assert.ok(byPath > 0 && titles[byPath].endsWith(BYPASS), titles.join('\n'));
  for (const [i, fx] of f.fixes.entries()) {
    const r = exampleHost().resolve(fx.edits[0].newText);
    assert.equal(fx.title.endsWith(BYPASS), r.bypassesMultipath, fx.title);
    if (r.bypassesMultipath)
      assert.ok(
        !f.fixes
          .slice(i)
          .some((g) => !exampleHost().resolve(g.edits[0].newText).bypassesMultipath && g.edits[0].newText.startsWith('/dev/vx/dmp/')),
        'a DMP node after a bypass',
      );
    assert.ok(!(fx.preferred && r.bypassesMultipath));
  }
  // Negative: on dm-multipath with udev rules (kvm-a) the wwn- link reaches the map: not marked.
  const m = analyzeDocument(domainXml(blockDisk('/dev/dm-2')), A()).findings.find((x) => x.code === 'unstable-device-name')!;
  const w = m.fixes.find((x) => x.edits[0].newText === '/dev/disk/by-id/wwn-0x6001405e5bf5c158c4e4a5398ccba2cc')!;
  assert.equal(w.title, 'Use /dev/disk/by-id/wwn-0x6001405e5bf5c158c4e4a5398ccba2cc');
  assert.equal(m.fixes[0].edits[0].newText, '/dev/disk/by-id/dm-uuid-mpath-36001405e5bf5c158c4e4a5398ccba2cc');
});

test('hover alias lists: single-path links marked, after the DMP node; an ambiguous value in a group lists per host, nothing preferred', () => {
  const md = hoverAt(domainXml(blockDisk('/dev/sdc')), '/dev/sdc', A());
  const lines = md.split('\n').filter((l) => l.startsWith('- `'));
  assert.match(lines[0], /^- `\/dev\/vx\/dmp\/3pardata0_12` \*\*\(preferred\)\*\* —/);
  const wwn = lines.find((l) => l.includes('wwn-0x60002ac000000000000000120001a2b3'))!;
  assert.match(wwn, /⚠ bypasses multipath: one path/);
  assert.doesNotMatch(lines[0], /bypasses multipath/);
  const group = hoverAt(domainXml(blockDisk('/dev/sdc')), '/dev/sdc', AB());
  assert.match(group, /Not the same disk on every host of the group: no alias is preferred/);
  // (Host strings are markdown-escaped: ' and _ come out as \' and \_.)
  assert.match(group, /To map kvm-a\\'s LUN \(DMP node 3pardata0\\_12\), valid on every host:\n- `\/dev\/vx\/dmp\/3pardata0_12`/);
  assert.match(
    group,
    /To map kvm-b\\'s LUN \(LUN WWN 0x6001405e5bf5c158c4e4a5398ccba2cc\), valid on every host:\n- `\/dev\/disk\/by-id\/dm-uuid-mpath-/,
  );
  assert.doesNotMatch(group, /\(preferred\)/);
});

test('duplicate-target: names the other disk, points at it (related information), offers the next free name for the bus', () => {
  const text = domainXml(
    [
      blockDisk('/dev/vx/dmp/3pardata0_12', 'vda'),
      blockDisk('/dev/vx/dmp/3pardata0_14', 'vdb'),
      blockDisk('/dev/dm-2', 'vda'),
      blockDisk('/dev/sdk', 'vda'),
    ].join('\n'),
  );
  const fs = analyzeDocument(text, []).findings.filter((f) => f.code === 'duplicate-target');
  assert.equal(fs.length, 2);
  const [f, g] = fs;
  assert.match(f.message, /Target vda is already used by the disk with source \/dev\/vx\/dmp\/3pardata0_12/);
  const first = text.indexOf("'vda'") + 1;
  assert.deepEqual(
    f.related?.map((r) => [r.start, r.end]),
    [[first, first + 3]],
  );
  assert.equal(f.fixes.length, 1);
  assert.equal(f.fixes[0].title, 'Use target vdc (next free name for bus virtio)');
  assert.ok(!f.fixes[0].preferred);
  assert.equal(g.fixes[0].edits[0].newText, 'vdd', 'a third disk on vda is offered the name after');
  const fixed = applyEdits(text, [...f.fixes[0].edits, ...g.fixes[0].edits]);
  assert.ok(!analyzeDocument(fixed, []).findings.some((x) => x.code === 'duplicate-target'));
  // Published as LSP related information.
  const s = svc([]);
  const d = s.diagnostics({ uri: 'file:///t.xml', text }).find((x) => x.code === 'duplicate-target')!;
  assert.equal(d.relatedInformation?.length, 1);
  assert.equal(d.relatedInformation![0].location.uri, 'file:///t.xml');
  assert.match(d.relatedInformation![0].message, /vda is first used here/);
  // A bus without its own prefix in the name, and no bus: the name's prefix decides.
  const scsi = domainXml(
    `    <disk type='block'><source dev='/dev/vx/dmp/a'/><target dev='sda' bus='scsi'/></disk>\n    <disk type='block'><source dev='/dev/vx/dmp/b'/><target dev='sda'/></disk>`,
  );
  assert.equal(analyzeDocument(scsi, []).findings.find((x) => x.code === 'duplicate-target')!.fixes[0].edits[0].newText, 'sdb');
  // Negative: distinct targets, no finding.
  assert.ok(
    !analyzeDocument(domainXml([blockDisk('/dev/a', 'vda'), blockDisk('/dev/b', 'vdb')].join('\n')), []).findings.some(
      (x) => x.code === 'duplicate-target',
    ),
  );
});

test('duplicate-device: a whole disk with its partition, an LV with its PV, a DMP node with its subpath; not two partitions or two LVs', () => {
  const dup = (a: string, b: string) => {
    const text = domainXml([blockDisk(a, 'vdb'), blockDisk(b, 'vdc')].join('\n'));
    return { text, f: analyzeDocument(text, A()).findings.filter((x) => x.code === 'duplicate-device') };
  };
  const whole = dup('/dev/nvme0n1', '/dev/disk/by-label/appdata');
  assert.equal(whole.f.length, 1);
  assert.match(whole.f[0].message, /\/dev\/disk\/by-label\/appdata lies on \/dev\/nvme0n1/);
  assert.equal(whole.f[0].related?.[0].start, whole.text.indexOf('/dev/nvme0n1'));
  const rev = dup(
    '/dev/disk/by-id/nvme-eui.36344730528012340025384500000001-part1',
    '/dev/disk/by-id/nvme-eui.36344730528012340025384500000001',
  );
  assert.equal(rev.f.length, 1);
  assert.match(rev.f[0].message, /contains \/dev\/disk\/by-id\/nvme-eui\.36344730528012340025384500000001-part1/);
  assert.equal(dup('/dev/sda2', '/dev/guests/web01_data').f.length, 1, 'an LV and its PV');
  assert.equal(dup('/dev/guests/web01_data', '/dev/sda').f.length, 1, 'an LV and the disk under its PV');
  assert.equal(dup('/dev/vx/dmp/3pardata0_12', '/dev/sdd').f.length, 1, 'a DMP node and its subpath');
  assert.equal(dup('/dev/sda1', '/dev/sda2').f.length, 0, 'two partitions of one disk');
  assert.equal(dup('/dev/rhel/root', '/dev/guests/web01_data').f.length, 0, 'two LVs of one PV');
  assert.equal(dup('/dev/vx/dmp/3pardata0_12', '/dev/vx/dmp/3pardata0_14').f.length, 0);
  // In a group the message says on which hosts.
  const g = analyzeDocument(
    domainXml(
      [blockDisk('/dev/vx/dmp/3pardata0_12', 'vdb'), blockDisk('/dev/disk/by-id/wwn-0x60002ac000000000000000120001a2b3', 'vdc')].join('\n'),
    ),
    AB(),
  ).findings.find((x) => x.code === 'duplicate-device')!;
  assert.match(g.message, /on kvm-a and kvm-b/);
});

test('completion: a LUN this domain already maps is "used by this domain", never unused first, nor the snippet default', () => {
  const doc = (cursorDisk: string) => domainXml([blockDisk('/dev/vx/dmp/3pardata0_12', 'vdb'), cursorDisk].join('\n'));
  const items = complete(doc("    <disk type='block' device='disk'><source dev='|'/><target dev='vdc' bus='virtio'/></disk>"));
  const p12 = items.find((i) => i.filterText === '/dev/vx/dmp/3pardata0_12')!;
  assert.match(p12.detail!, /used by this domain/);
  assert.notEqual(p12.detail, 'unused');
  assert.notEqual(items[0].filterText, '/dev/vx/dmp/3pardata0_12');
  assert.equal(items[0].detail, 'unused');
  // By identity: a subpath in the document counts for its DMP node.
  const viaPath = complete(
    domainXml([blockDisk('/dev/sdd', 'vdb'), "    <disk type='block'><source dev='|'/><target dev='vdc'/></disk>"].join('\n')),
  );
  assert.match(viaPath.find((i) => i.filterText === '/dev/vx/dmp/3pardata0_12')!.detail!, /used by this domain/);
  // A partition in the document counts for its disk.
  const part = complete(
    domainXml(
      [blockDisk('/dev/disk/by-label/appdata', 'vdb'), "    <disk type='block'><source dev='|'/><target dev='vdc'/></disk>"].join('\n'),
    ),
  );
  assert.match(
    part.find((i) => i.filterText === '/dev/disk/by-id/nvme-eui.36344730528012340025384500000001')!.detail!,
    /used by this domain/,
  );
  // Snippets: the default path is not this domain's own LUN.
  // (While "<" is typed the document is not well-formed: the last good model, the editor's, has the disk.)
  const snip = complete(
    domainXml([blockDisk('/dev/vx/dmp/3pardata0_12', 'vdb'), '    <|'].join('\n')),
    A(),
    domainXml(blockDisk('/dev/vx/dmp/3pardata0_12', 'vdb')),
  ).filter((i) => i.kind === 15);
  const dmp = (snip.find((i) => i.label === 'disk-block-dmp')!.textEdit as { newText: string }).newText;
  assert.doesNotMatch(dmp, /3pardata0_12/);
  // Negative: the value being edited is not its own user; without the disk, 3pardata0_12 is unused.
  const self = complete(domainXml("    <disk type='block'><source dev='/dev/vx/dmp/3pardata0_12|'/><target dev='vdb'/></disk>"));
  assert.equal(self.find((i) => i.filterText === '/dev/vx/dmp/3pardata0_12')!.detail, 'unused');
  const none = complete(domainXml("    <disk type='block'><source dev='|'/><target dev='vdb'/></disk>"));
  assert.equal(none.find((i) => i.filterText === '/dev/vx/dmp/3pardata0_12')!.detail, 'unused');
});
