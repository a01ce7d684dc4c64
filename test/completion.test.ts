import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CompletionItem } from 'vscode-languageserver';
import { LanguageService } from '../server/src/languageService';
import { completionContext } from '../server/src/features/completionContext';
import { nextTargetName } from '../server/src/domain/diskVocabulary';
import { lvPath } from '../server/src/features/completion';
import type { PeerDomain } from '../server/src/rules/types';
import { domainXml, exampleHost, exampleHostB } from './support/examples';

/** Completes at the `|` in `text`. */
function complete(withCursor: string, hosts = [exampleHost()], peers: PeerDomain[] = []): CompletionItem[] {
  const offset = withCursor.indexOf('|');
  const text = withCursor.slice(0, offset) + withCursor.slice(offset + 1);
  const svc = new LanguageService({ hostsFor: () => hosts, peersFor: () => ({ version: 1, peers }) });
  const lines = svc.analyze({ uri: 'file:///c.xml', text }).doc.lines;
  return svc.completion({ uri: 'file:///c.xml', text }, lines.positionAt(offset)).items;
}

/** The path a path item writes (its filter text is the same: what the user types filters it). */
const pathOf = (i: CompletionItem) => {
  const t = (i.textEdit as { newText: string }).newText;
  assert.equal(i.filterText, t);
  return t;
};

const diskWith = (source: string) => domainXml(`    <disk type='block' device='disk'>${source}<target dev='vdb' bus='virtio'/></disk>`);

test('context: attribute values, attribute names, element names, text', () => {
  const t = "<domain><devices><disk type='block'><source dev='/dev/s";
  assert.deepEqual(completionContext(t, t.length), {
    kind: 'attribute-value',
    element: 'source',
    attribute: 'dev',
    valueStart: t.length - 6,
    valueEnd: t.length,
    partial: '/dev/s',
    parents: ['domain', 'devices', 'disk'],
  });
  const n = "<domain><devices><disk type='block' ";
  assert.equal(completionContext(n, n.length).kind, 'attribute-name');
  const e = '<domain><devices><';
  assert.deepEqual(completionContext(e, e.length), { kind: 'element-name', start: e.length, parents: ['domain', 'devices'] });
});

test('device paths: best alias per LUN, unused first, used by domains next, in use by the host and A/P DMP last and marked', () => {
  const items = complete(diskWith("<source dev='|'/>"));
  const labels = items.map(pathOf);
  const idx = (p: string) => labels.indexOf(p);
  assert.ok(idx('/dev/vx/dmp/3pardata0_12') >= 0, labels.join('\n'));
  assert.ok(idx('/dev/vx/dmp/3pardata0_12') < idx('/dev/vx/dmp/3pardata0_13'), 'unused before used');
  assert.ok(idx('/dev/vx/dmp/3pardata0_13') < idx('/dev/vx/dmp/3pardata0_14'), 'used before in use by the host');
  assert.ok(idx('/dev/vx/dmp/3pardata0_13') < idx('/dev/vx/dmp/emc_clariion0_91'), 'A/P on a cluster node last');
  assert.ok(labels.includes('/dev/disk/by-id/dm-uuid-mpath-36001405e5bf5c158c4e4a5398ccba2cc'));
  assert.ok(labels.includes('/dev/disk/by-id/nvme-eui.36344730528012340025384500000001'));
  assert.ok(labels.includes('/dev/vx/dsk/appdg/appvol01'));
  assert.ok(!labels.some((l) => /by-label|by-uuid|\/dev\/sd[a-z]+$/.test(String(l))), 'never unstable names');
  const p12 = items[idx('/dev/vx/dmp/3pardata0_12')];
  assert.match(p12.labelDetails!.description!, /^500 GiB · 3PARdata VV · DMP 3pardata0_12 \(ALUA\)$/);
  assert.equal(p12.detail, 'unused');
  assert.match(items[idx('/dev/vx/dmp/3pardata0_13')].detail!, /used by web01/);
  assert.match(items[idx('/dev/vx/dmp/3pardata0_14')].detail!, /in use by the host/);
  assert.match(items[idx('/dev/vx/dmp/emc_clariion0_91')].detail!, /Active-Passive/);
  assert.deepEqual(
    p12.textEdit && 'range' in p12.textEdit ? p12.textEdit.range.start.character - p12.textEdit.range.end.character : NaN,
    0,
  );
});

test('device paths: a partial path filters and is replaced whole; peers count as users', () => {
  const peers: PeerDomain[] = [{ origin: 'x.xml', name: 'db9', disks: [{ path: '/dev/sdc', shareable: false }] }];
  const items = complete(diskWith("<source dev='/dev/vx/dmp/3par|'/>"), [exampleHost()], peers);
  assert.ok(items.length >= 3 && items.every((i) => pathOf(i).startsWith('/dev/vx/dmp/3par')));
  const p12 = items.find((i) => pathOf(i) === '/dev/vx/dmp/3pardata0_12')!;
  assert.match(p12.detail!, /used by db9/);
  const edit = p12.textEdit as { range: { start: { character: number }; end: { character: number } }; newText: string };
  assert.equal(edit.range.end.character - edit.range.start.character, '/dev/vx/dmp/3par'.length);
});

test('device paths: <hostdev> block text, and several hosts offer only names valid on all', () => {
  const hd = domainXml("    <hostdev mode='capabilities' type='storage'><source><block>/dev/vx/|</block></source></hostdev>");
  assert.ok(complete(hd).some((i) => pathOf(i) === '/dev/vx/dmp/3pardata0_12'));
  const both = complete(diskWith("<source dev='|'/>"), [exampleHost(), exampleHostB()]).map(pathOf);
  assert.ok(both.includes('/dev/vx/dmp/3pardata0_12'));
  assert.ok(!both.includes('/dev/vx/dmp/3pardata0_13'), 'named 3pardata1_13 on kvm-b');
  assert.ok(both.includes('/dev/disk/by-id/dm-uuid-mpath-36001405e5bf5c158c4e4a5398ccba2cc'));
  assert.deepEqual(complete(diskWith("<source dev='|'/>"), []), [], 'offline without a snapshot: nothing to offer');
});

test('enumerated values with descriptions; the next free target name for the bus', () => {
  const cache = complete(domainXml("    <disk type='block'><driver name='qemu' cache='|'/></disk>"));
  assert.equal(cache[0].label, 'none');
  assert.match(cache[0].detail!, /O_DIRECT/);
  assert.deepEqual(
    complete(domainXml("    <disk type='|'/>"))
      .map((i) => i.label)
      .slice(0, 2),
    ['block', 'file'],
  );
  assert.ok(complete(domainXml("    <disk type='block'><target dev='vda' bus='|'/></disk>")).some((i) => i.label === 'scsi'));
  const used = domainXml(
    "    <disk type='block'><target dev='vda' bus='virtio'/></disk>\n    <disk type='block'><target dev='vdb' bus='virtio'/></disk>\n    <disk type='block'><target dev='|' bus='virtio'/></disk>",
  );
  assert.equal(complete(used)[0].label, 'vdc');
  assert.equal(nextTargetName('scsi', ['sda', 'sdb', 'vda']), 'sdc');
  assert.equal(
    nextTargetName(
      'virtio',
      Array.from({ length: 26 }, (_, i) => `vd${String.fromCharCode(97 + i)}`),
    ),
    'vdaa',
  );
  const attrs = complete(domainXml("    <disk type='block' |"));
  assert.ok(attrs.some((i) => i.label === 'device') && !attrs.some((i) => i.label === 'type'));
});

test('snippets for the common disk shapes where a device may start', () => {
  const items = complete(domainXml('    <|'));
  const snippets = items.filter((i) => i.kind === 15);
  assert.deepEqual(
    snippets.map((i) => i.label),
    ['disk-block-dmp', 'disk-lun-passthrough', 'disk-shareable', 'disk-vxvm-snapshot', 'disk-file-qcow2'],
  );
  const dmp = (snippets[0].textEdit as { newText: string }).newText;
  assert.match(dmp, /\/dev\/vx\/dmp\/3pardata0_12/, 'the default path is an unused, host-free LUN');
  assert.match((snippets[1].textEdit as { newText: string }).newText, /device='lun'[\s\S]*reservations managed='yes'[\s\S]*bus='scsi'/);
});

test('disk-vxvm-snapshot: a boot disk on /dev/vx/dsk/DG/VOL, the vxsnap make command that creates it in a comment, tabstops shared', () => {
  const text = domainXml('    <|');
  const item = complete(text).find((i) => i.label === 'disk-vxvm-snapshot');
  assert.ok(item, 'offered');
  const body = (item.textEdit as { newText: string }).newText;
  assert.match(body, /^disk type='block' device='disk'>/);
  // The same tabstop names the disk group and the new volume in the command and in the path.
  assert.ok(body.includes("<source dev='/dev/vx/dsk/${1:DG}/${2:NAME}'/>"), body);
  assert.ok(body.includes('vxsnap -g ${1:DG} make source=${3:GOLD}/newvol=${2:NAME}/cache=${4:COBJ} -->'), body);
  // Expanded with its defaults where it was offered: well-formed, the comment kept, the disk on the VxVM volume.
  const expanded = body.replace(/\$\{\d+:([^}]*)\}/g, '$1').replace(/\$0/g, '');
  const at = text.indexOf('|');
  const doc = text.slice(0, at) + expanded + text.slice(at + 1);
  const svc = new LanguageService({ hostsFor: () => [exampleHostB()], peersFor: () => ({ version: 1, peers: [] }) });
  const a = svc.analyze({ uri: 'file:///s.xml', text: doc });
  assert.equal(a.doc.error, undefined, doc);
  assert.deepEqual(
    a.model!.disks.map((d) => [d.hostPath?.value, d.target?.dev?.value]),
    [['/dev/vx/dsk/DG/NAME', 'vda']],
  );
  assert.match(doc, /<!-- created on the host beforehand[^]*vxsnap -g DG make source=GOLD\/newvol=NAME\/cache=COBJ -->/);
  assert.ok(!/--(?!>)/.test(doc.slice(doc.indexOf('<!--') + 4, doc.indexOf('-->'))), 'no -- inside the comment');
});

test('device path labels: the distinguishing name, each once; the whole path is written and filtered', () => {
  const items = complete(diskWith("<source dev='|'/>"));
  const labels = items.map((i) => String(i.label));
  assert.equal(new Set(labels).size, labels.length, 'no label twice');
  for (const i of items) {
    const path = pathOf(i);
    assert.ok(path.endsWith(String(i.label)), `${path}: the label is its end`);
    assert.equal(`${i.labelDetails!.detail!.trim()}${String(i.label)}`, path);
  }
  // DMP nodes of one enclosure differ in their labels' first characters, not after an ellipsis.
  const dmp = items.filter((i) => pathOf(i).startsWith('/dev/vx/dmp/3pardata0_')).map((i) => String(i.label));
  assert.ok(dmp.length >= 3 && dmp.every((l) => l.length <= 16), dmp.join(' '));
});

test('logical volumes as /dev/<vg>/<lv>, the dm-uuid-LVM link ranked below; VxVM volumes without "size unknown"', () => {
  const h = exampleHost();
  const items = complete(diskWith("<source dev='|'/>"));
  const paths = items.map(pathOf);
  const lvs = h.snapshot.devices.filter((d) => d.type === 'lvm');
  assert.ok(lvs.length >= 2);
  for (const d of lvs) {
    const lv = lvPath(d.name)!;
    assert.ok(paths.includes(lv), `${lv} offered`);
    assert.equal(h.resolve(lv).device?.kname, d.kname, `${lv} reaches ${d.name}`);
    const uuid = paths.findIndex((p) => p.startsWith('/dev/disk/by-id/dm-uuid-LVM-') && h.resolve(p).device?.kname === d.kname);
    if (uuid >= 0) assert.ok(paths.indexOf(lv) < uuid, `${lv} before its dm-uuid-LVM link`);
  }
  assert.equal(lvPath('vg--x-lv--y'), '/dev/vg-x/lv-y');
  assert.equal(lvPath('nodash'), undefined);
  for (const vol of h.snapshot.vxvm!.volumes) {
    const i = items.find((x) => pathOf(x) === `/dev/vx/dsk/${vol}`)!;
    assert.ok(i, vol);
    assert.doesNotMatch(i.labelDetails!.description!, /size unknown/);
  }
  assert.ok(!items.some((i) => /size unknown/.test(i.labelDetails!.description!)));
});

test('the disk snippets on the word disk in <devices> content, replacing the word with the whole element', () => {
  for (const typed of ['disk', 'di', 'disk-lun']) {
    const text = domainXml(`    ${typed}|`);
    const items = complete(text).filter((i) => i.kind === 15);
    assert.deepEqual(
      items.map((i) => i.label),
      ['disk-block-dmp', 'disk-lun-passthrough', 'disk-shareable', 'disk-vxvm-snapshot', 'disk-file-qcow2'],
      typed,
    );
    const edit = items[0].textEdit as { newText: string; range: { start: { character: number }; end: { character: number } } };
    assert.match(edit.newText, /^<disk type='block'/);
    assert.equal(edit.range.end.character - edit.range.start.character, typed.length);
    assert.ok(items.every((i) => i.filterText!.startsWith('disk')));
  }
  assert.deepEqual(
    complete(domainXml('    foo|')).filter((i) => i.kind === 15),
    [],
    'another word offers no disk snippet',
  );
});
