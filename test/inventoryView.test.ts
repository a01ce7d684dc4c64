/**
 * The inventory view says, LUN by LUN, what the server's resolver says (issue 13: one function per fact).
 * Every expectation is derived from HostIndex and from the functions the rules share (usersOfLun,
 * preferredOf, activePassiveOnCluster), never from a second implementation or a hard-coded answer; the
 * view is read back from its Markdown (table row and detail section of each LUN).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { inventoryMarkdown, USER_SOURCE_WORDS } from '../server/src/features/inventoryView';
import { LanguageService } from '../server/src/languageService';
import { loadInventoryFile } from '../server/src/inventory/load';
import { formatBytes, HostIndex, identityKey, lunIdentity, type Lun } from '../server/src/inventory/resolver';
import { ACTIVE_PASSIVE_MARK, activePassiveOnCluster } from '../server/src/rules/activePassiveDmp';
import { groupUsers, type LunUser, userLabels, usersOfLun } from '../server/src/rules/lunUsers';
import { preferredOf } from '../server/src/rules/stableAliases';
import type { PeerDomain } from '../server/src/rules/types';
import { ROOT } from './support/examples';

/** The bundled example hosts: one inventory per folder of raw outputs under examples/hosts (examples.test.ts checks they match). */
function exampleHosts(): HostIndex[] {
  return readdirSync(join(ROOT, 'examples/hosts'))
    .sort()
    .map((name) => loadInventoryFile(join(ROOT, 'examples', `${name}.inventory.json`)));
}

/** Markdown source back to plain text: the view escapes ASCII punctuation with a backslash (mdText, mdInline). */
const plain = (s: string) => s.replace(/\\([!-/:-@[-`{-~])/g, '$1');

/** The contents of the code spans of a list (`a`, `b`). */
const codeItems = (s: string | undefined) => [...(s ?? '').matchAll(/`([^`]*)`/g)].map((m) => m[1]);

/** Splits at `sep` outside parentheses (a table cell lists `db9 (vdz, workspace file), web01 (vdb)`). */
function splitTop(s: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '(') depth++;
    else if (s[i] === ')') depth--;
    else if (depth === 0 && s.startsWith(sep, i)) {
      out.push(s.slice(from, i));
      from = i + sep.length;
      i += sep.length - 1;
    }
  }
  out.push(s.slice(from));
  return out;
}

interface ViewLun {
  heading: string;
  /** Table cells: LUN, Size, Identity, Paths, Multipath, Best alias, Used by (as written). */
  row: string[];
  /** Detail items by their bold key ("Paths (2)", "Stable aliases", …), values as written. */
  items: Map<string, string>;
  section: string;
}

/** The view, LUN by LUN, keyed by the identity it shows (plain text). */
function parseView(md: string): { count: number; luns: Map<string, ViewLun> } {
  const count = Number(/^## LUNs \((\d+)\)$/m.exec(md)?.[1]);
  // The LUN table only (other sections, such as Boot images, have tables of their own).
  const lunTable = md.slice(md.indexOf('\n| LUN |') + 1).split('\n\n')[0];
  const rows = lunTable.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| LUN |'));
  const rowOf = new Map(rows.map((r) => r.slice(2, -2).split(' | ')).map((cells) => [plain(cells[2]), cells]));
  const luns = new Map<string, ViewLun>();
  for (const part of md.split('\n### ').slice(1)) {
    const section = part.split('\n## ')[0];
    const items = new Map<string, string>();
    for (const m of section.matchAll(/^- \*\*([^*]+):\*\* (.*)$/gm)) items.set(m[1], m[2]);
    const identity = codeItems(items.get('Identity'))[0];
    assert.ok(identity !== undefined, section);
    const row = rowOf.get(identity);
    assert.ok(row, `a table row for ${identity}`);
    luns.set(identity, { heading: section.split('\n')[0], row, items, section });
  }
  assert.equal(luns.size, rows.length, 'a detail section per table row');
  return { count, luns };
}

/** How the details name a user's source: nothing for a host domain. */
const sourceWords = (u: LunUser) => (u.source === 'host-domain' ? undefined : USER_SOURCE_WORDS[u.source]);

const SOURCES = Object.entries(USER_SOURCE_WORDS)
  .filter(([k]) => k !== 'host-domain')
  .map(([, w]) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
  .join('|');
const USER_ENTRY = new RegExp(
  `^(.*?)(?: as (.*?))? via \`([^\`]*)\`(?: \\((.*?)\\))?( · shareable)?(?: · (${SOURCES})(?: \`([^\`]*)\`)?)?$`,
);

/** A "Used by" entry of the details, read back: `name as target via `path` (via) · shareable · source `origin``. */
function parseUser(entry: string) {
  const m = USER_ENTRY.exec(entry);
  assert.ok(m, entry);
  return {
    who: plain(m[1]),
    target: m[2] && plain(m[2]),
    path: m[3],
    via: m[4] && plain(m[4]),
    shareable: !!m[5],
    source: m[6],
    origin: m[7],
  };
}

/** Checks one host's view against its HostIndex; returns which facts occurred (so the examples are known to exercise each). */
function checkView(idx: HostIndex, peers: PeerDomain[]): Set<string> {
  const seen = new Set<string>();
  const view = parseView(inventoryMarkdown(idx, { peers }));
  const luns = idx.allLuns();
  assert.equal(view.count, luns.length, `${idx.host}: every LUN of the resolver`);
  assert.equal(view.luns.size, luns.length);
  for (const lun of luns) {
    const id = lunIdentity(lun);
    const v = view.luns.get(id);
    assert.ok(v, `${idx.host}: ${id} is shown`);
    const what = `${idx.host} ${id}`;
    const res = idx.resolve(idx.lunPath(lun)!);
    assert.equal(res.lun, lun, what);

    // Size and identity.
    assert.equal(v.row[1], formatBytes(lun.size), what);
    assert.ok(v.heading.endsWith(` · ${formatBytes(lun.size)} · ${v.row[2]}`), what);

    // Paths: the LUN's path devices (or, for a LUN known to DMP only, its DMP paths).
    const paths = lun.pathDevices.length ? lun.pathDevices : (lun.dmp?.paths ?? []).map((p) => p.name);
    assert.deepEqual(codeItems(v.items.get(`Paths (${paths.length})`)), paths, what);
    assert.equal(plain(v.row[3]), lun.pathDevices.join(', ') || '—', what);
    if (lun.dmp) {
      assert.deepEqual(codeItems(v.items.get('DMP node')).slice(0, 1), [lun.dmp.name], what);
      assert.ok(plain(v.row[4]).startsWith(`DMP ${lun.dmp.name} (`), what);
      seen.add('dmp');
    }
    if (lun.mpathMap) {
      assert.deepEqual(codeItems(v.items.get('dm-multipath map')), [idx.device(lun.mpathMap)?.name ?? lun.mpathMap], what);
      seen.add('dm-multipath');
    }

    // Ranked aliases: the resolver's order, single-path ones apart; the best is the one a fix prefers.
    const aliases = idx.aliases(res);
    assert.ok(aliases.length <= 16, 'short enough to be listed whole');
    const stable = aliases.filter((a) => !a.bypassesMultipath).map((a) => a.path);
    const single = aliases.filter((a) => a.bypassesMultipath).map((a) => a.path);
    assert.deepEqual(codeItems(v.items.get('Stable aliases')), stable, what);
    assert.deepEqual(codeItems(v.items.get('One path only (no failover)')), single, what);
    assert.equal(plain(v.row[5]), preferredOf(aliases)?.path ?? '—', what);
    if (single.length) seen.add('single-path');

    // Host use: the mount points and the other reasons of hostUsage, nothing else.
    const uses = idx.hostUses(res);
    const mounts = uses.flatMap((u) => (u.kind === 'mount' ? u.mounts! : []));
    const shownMounts = codeItems(v.items.get('Mounted on the host'));
    assert.equal(shownMounts.length, mounts.length, what);
    mounts.forEach((m, i) => assert.ok(shownMounts[i] === m || shownMounts[i].startsWith(`${m} (`), `${what}: ${shownMounts[i]}`));
    const others = [...new Set(uses.filter((u) => u.kind !== 'mount').map((u) => u.text))];
    const inUse = v.items.get('In use by the host');
    assert.deepEqual(inUse === undefined ? [] : plain(inUse).split('; '), others, what);
    const said = new Set([...uses.filter((u) => u.kind === 'mount').map((u) => u.text), ...others]);
    assert.deepEqual([...said].sort(), [...idx.hostUsage(res)].sort(), `${what}: every reason of hostUsage`);
    if (idx.hostUsage(res).length) seen.add('host-use');

    // Active-Passive DMP on a cluster node: the rule's condition.
    const ap = !!activePassiveOnCluster(idx, res);
    assert.equal(v.section.includes(ACTIVE_PASSIVE_MARK), ap, what);
    assert.equal(v.row[4].includes(ACTIVE_PASSIVE_MARK), ap, what);
    if (ap) seen.add('active-passive');

    // VxVM: the LUN's VxVM disk and the volumes of its imported disk group.
    const vx = idx.vxDisksOf(lun)[0];
    assert.equal(v.items.has('VxVM'), !!vx, what);
    if (vx?.group) assert.ok(codeItems(v.items.get('VxVM')).includes(vx.group), what);
    assert.deepEqual(codeItems(v.items.get('VxVM volumes')), idx.vxVolumesOn(lun), what);
    if (idx.vxVolumesOn(lun).length) seen.add('vxvm-volumes');

    // Partitions and LVs (stacked devices) lying on the LUN.
    const on = idx.snapshot.devices.filter((d) => !idx.lunOfDevice(d.kname) && idx.lunsUnder(d.kname).includes(lun));
    const parts = on.filter((d) => d.type === 'part').map((d) => d.path);
    const lvs = on.filter((d) => d.type !== 'part').map((d) => d.path);
    assert.deepEqual(codeItems(v.items.get('Partitions')), [...parts].sort(), what);
    assert.deepEqual(codeItems(v.items.get('Volumes on it')), lvs, what);
    if (lvs.some((p) => idx.resolve(p).device?.type === 'lvm')) seen.add('lv');

    // Users: the shared function's answer, in its order, with the LUN's partitions and volumes.
    const users = usersOfLun(lun.id, [idx], peers, undefined, { within: true });
    const detail = v.items.get('Used by')!;
    assert.ok(detail !== undefined, what);
    if (!users.length) {
      assert.match(detail, /^no domain/, what);
      assert.equal(v.row[6], '—', what);
      continue;
    }
    const shown = detail.split('; ').map(parseUser);
    assert.deepEqual(
      shown,
      users.map((u) => ({
        who: u.name ?? u.origin,
        target: u.target,
        path: u.path,
        via: u.via,
        shareable: u.shareable,
        source: sourceWords(u),
        origin: u.source !== 'host-domain' && u.name !== undefined ? u.origin : undefined,
      })),
      what,
    );
    assert.deepEqual(
      splitTop(plain(v.row[6]), ', ').map((cell) => cell.replace(/ \(.*\)$/, '')),
      users.map((u) => u.name ?? u.origin),
      what,
    );
    for (const u of users) seen.add(u.source);
    if (users.some((u) => u.via)) seen.add('user-via');
  }
  return seen;
}

test('the inventory view of each example host is, LUN by LUN, what the resolver and the shared functions say', () => {
  const seen = new Set<string>();
  for (const idx of exampleHosts()) for (const s of checkView(idx, [])) seen.add(s);
  // The examples exercise every fact compared above (else the test would compare empty lists).
  for (const fact of ['dmp', 'dm-multipath', 'single-path', 'host-use', 'active-passive', 'vxvm-volumes', 'lv', 'host-domain', 'user-via'])
    assert.ok(seen.has(fact), `the examples show ${fact}`);
});

test('a workspace file using a LUN is among its users in the view (table and details), by identity whatever path it names', () => {
  for (const idx of exampleHosts()) {
    // A LUN no domain uses, named by its last path device (a kernel name: matched by identity, not by path).
    const lun = idx.allLuns().find((l: Lun) => l.pathDevices.length && !usersOfLun(l.id, [idx], [], undefined, { within: true }).length);
    if (!lun) continue;
    const path = `/dev/${lun.pathDevices[lun.pathDevices.length - 1]}`;
    assert.equal(identityKey(idx.resolve(path)), lun.id);
    const peer: PeerDomain = {
      origin: 'file:///ws/peer9.xml',
      from: 'workspace',
      name: 'peer9',
      disks: [{ path, shareable: false, target: 'vdz' }],
    };
    const seen = checkView(idx, [peer]);
    assert.ok(seen.has('workspace-file'), `${idx.host}: the peer is a user`);
    const v = parseView(inventoryMarkdown(idx, { peers: [peer] })).luns.get(lunIdentity(lun))!;
    assert.equal(plain(v.row[6]), `peer9 (vdz, ${USER_SOURCE_WORDS['workspace-file']})`);
    assert.deepEqual(parseUser(v.items.get('Used by')!), {
      who: 'peer9',
      target: 'vdz',
      path,
      via: undefined,
      shareable: false,
      source: USER_SOURCE_WORDS['workspace-file'],
      origin: 'file:///ws/peer9.xml',
    });
    // Without the peer, nobody.
    assert.match(parseView(inventoryMarkdown(idx)).luns.get(lunIdentity(lun))!.items.get('Used by')!, /^no domain on this host$/);
  }
});

test('hover, completion, shared-without-shareable and the view name the same users of a LUN a host domain and unnamed documents use', () => {
  const idx = exampleHosts()[0];
  // A LUN a host domain maps as a whole.
  const lun = idx.allLuns().find((l) => usersOfLun(l.id, [idx], [], undefined).some((u) => u.source === 'host-domain'));
  assert.ok(lun && lun.pathDevices.length, 'the example host has a LUN one of its domains maps');
  const path = idx.lunPath(lun)!;
  // Documents without <name> (the hover used to drop them when this one had none either), by other names of the LUN.
  const peers: PeerDomain[] = [
    { origin: 'file:///ws/unnamed.xml', from: 'workspace', disks: [{ path: `/dev/${lun.pathDevices[0]}`, shareable: false }] },
    { origin: 'untitled:Untitled-1', from: 'open', disks: [{ path, shareable: true, target: 'vdc' }] },
  ];
  const expected = usersOfLun(lun.id, [idx], peers, undefined);
  assert.deepEqual(new Set(expected.map((u) => u.source)), new Set(['host-domain', 'workspace-file', 'open-document']));
  const labels = userLabels(expected);
  assert.ok(labels.length <= 3, 'all named in the message');

  // This document has no <name> either, and maps the LUN without <shareable/>.
  const text = [
    "<domain type='kvm'>",
    '  <devices>',
    `    <disk type='block' device='disk'><source dev='${path}'/><target dev='vdb' bus='virtio'/></disk>`,
    "    <disk type='block' device='disk'><source dev=''/><target dev='vdc' bus='virtio'/></disk>",
    '  </devices>',
    '</domain>',
    '',
  ].join('\n');
  const svc = new LanguageService({ hostsFor: () => [idx], peersFor: () => ({ version: 1, peers }) });
  const a = svc.analyze({ uri: 'file:///ws/this.xml', text });
  assert.equal(a.model?.name, undefined);

  // The rule.
  const f = a.findings.find((x) => x.code === 'shared-without-shareable');
  assert.ok(f, 'shared-without-shareable');
  assert.deepEqual(/also used by (.*), and this disk/.exec(f.message)![1].split(', '), labels);

  // The hover on the value.
  const ref = a.model!.disks[0].hostPath!;
  const md = (svc.hover({ uri: 'file:///ws/this.xml', text }, a.doc.lines.positionAt(ref.start + 1))!.contents as { value: string }).value;
  // One item naming each domain once (rules/lunUsers.ts groupUsers), as the rule's message counts them.
  const usedBy = md.split('\n').find((x) => x.startsWith('- Used by: '));
  assert.ok(usedBy, md);
  const names = groupUsers(expected).map((g) => g.who);
  for (const n of names) assert.ok(plain(usedBy).includes(n), `${n} in ${usedBy}`);
  assert.equal(names.length, labels.length, 'one label per domain');

  // Completion in the second disk: the LUN's item (this domain maps it too, so it says so first).
  const at = text.indexOf("dev=''") + "dev='".length;
  const item = svc.completion({ uri: 'file:///ws/this.xml', text }, a.doc.lines.positionAt(at)).items.find((i) => i.filterText === path);
  assert.ok(item, `completion offers ${path}`);
  assert.deepEqual(/used by (.*?)(?:;|$)/.exec(item.detail!)![1].split(', '), ['this domain', ...labels]);

  // The view of the host, with the same documents.
  const v = parseView(inventoryMarkdown(idx, { peers })).luns.get(lunIdentity(lun))!;
  assert.deepEqual(
    v.items
      .get('Used by')!
      .split('; ')
      .map((e) => parseUser(e).who),
    expected.map((u) => u.name ?? u.origin),
  );
});
