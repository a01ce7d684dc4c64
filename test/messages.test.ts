/**
 * Issue 14, messages: each domain named once among a LUN's users, the other disk of a duplicate named
 * by its target and line when it has the same path, identities without a doubled prefix, no "size
 * unknown", and related information into the other document of a shared LUN.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeDocument, parseDomainDocument } from '../server/src/analysis';
import { peerOf } from '../server/src/domain/peer';
import { inventoryMarkdown } from '../server/src/features/inventoryView';
import { lunIdentity } from '../server/src/inventory/resolver';

import { groupUsers, usersOfLun } from '../server/src/rules/lunUsers';
import { lunWords } from '../server/src/rules/stableAliases';
import type { PeerDomain } from '../server/src/rules/types';
import { blockDisk, domainXml, exampleHost, exampleHostB } from './support/examples';

const A = () => [exampleHost()];

/** A LUN one of the example host's domains maps, with that domain and the path naming the LUN. */
function hostUsedLun() {
  const h = exampleHost();
  for (const lun of h.allLuns()) {
    const u = usersOfLun(lun.id, [h], [], undefined).find((x) => x.source === 'host-domain' && x.name);
    const path = h.lunPath(lun);
    if (u && path) return { lun, domain: u.name!, path };
  }
  throw new Error('no LUN a host domain maps');
}

const usedBy = (message: string) => /also used by (.*), and this disk/.exec(message)![1];

test('shared-without-shareable names a domain once: two disks of one document, or a host domain and its file', () => {
  const { domain, path } = hostUsedLun();
  const twice: PeerDomain = {
    origin: 'other.xml',
    name: 'other',
    disks: [
      { path, shareable: false, target: 'vdb' },
      { path, shareable: false, target: 'vdc' },
    ],
  };
  // The host's domain seen again as a workspace file.
  const itsFile: PeerDomain = {
    origin: `${domain}.xml`,
    from: 'workspace',
    name: domain,
    disks: [{ path, shareable: false, target: 'vdq' }],
  };
  const f = analyzeDocument(domainXml(blockDisk(path)), A(), [twice, itsFile]).findings.find((x) => x.code === 'shared-without-shareable')!;
  const names = usedBy(f.message).split(', ');
  assert.equal(new Set(names).size, names.length, f.message);
  assert.equal(names.filter((n) => n.startsWith('other')).length, 1, f.message);
  assert.equal(names.filter((n) => n.startsWith(domain)).length, 1, f.message);
  assert.ok(names.includes(`${domain} (defined on ${exampleHost().host})`), f.message);
});

test('users grouped per domain: targets once per definition, counted within one document', () => {
  const { lun, domain, path } = hostUsedLun();
  const h = exampleHost();
  const peers: PeerDomain[] = [
    {
      origin: 'a.xml',
      from: 'open',
      name: 'app',
      disks: [
        { path, shareable: false, target: 'vdc' },
        { path, shareable: false, target: 'vdc' },
      ],
    },
    { origin: 'b.xml', from: 'open', name: domain, disks: [{ path, shareable: false, target: 'vdz' }] },
  ];
  const groups = groupUsers(usersOfLun(lun.id, [h], peers, undefined));
  assert.deepEqual(
    groups.map((g) => g.who),
    [domain, 'app'],
  );
  assert.deepEqual(groups[1].targets, ['vdc ×2']);
  assert.deepEqual(groups[0].sources, ['host-domain', 'open-document']);
  // The view's table: one cell entry per domain.
  const row = inventoryMarkdown(h, { peers })
    .split('\n')
    .find((l) => l.startsWith('| ') && l.includes(lunIdentity(lun).replace(/_/g, '\\_')))!;
  const cell = row.split(' | ').pop()!;
  assert.equal(cell.split('app (').length - 1, 1, cell);
  assert.match(cell, /app \(vdc ×2, open document\)/);
});

test('duplicate-device: the same path twice names the other disk by target and line, never the path twice', () => {
  const text = domainXml([blockDisk('/dev/vx/dmp/3pardata0_12', 'vdb'), blockDisk('/dev/vx/dmp/3pardata0_12', 'vdc')].join('\n'));
  const f = analyzeDocument(text, A()).findings.filter((x) => x.code === 'duplicate-device');
  assert.equal(f.length, 1);
  assert.equal(f[0].message.split('/dev/vx/dmp/3pardata0_12').length - 1, 1, f[0].message);
  const line = text.slice(0, text.indexOf('/dev/vx/dmp/3pardata0_12')).split('\n').length;
  assert.match(f[0].message, new RegExp(`target vdb on line ${line}\\b`));
  assert.equal(f[0].related![0].start, text.indexOf('/dev/vx/dmp/3pardata0_12'));
  // Two names of one LUN: both named, as before.
  const two = domainXml(
    [blockDisk('/dev/vx/dmp/3pardata0_12', 'vdb'), blockDisk('/dev/disk/by-id/wwn-0x60002ac000000000000000120001a2b3', 'vdc')].join('\n'),
  );
  const g = analyzeDocument(two, A()).findings.find((x) => x.code === 'duplicate-device')!;
  assert.match(g.message, /wwn-0x60002ac000000000000000120001a2b3 reaches the same LUN as \/dev\/vx\/dmp\/3pardata0_12/);
});

test('identities in messages: `EUI …`, `WWN 0x…`, never the internal `eui:eui.` or `wwn:` id', () => {
  for (const h of [exampleHost(), exampleHostB()]) {
    for (const lun of h.allLuns()) {
      for (const path of [h.lunPath(lun), ...lun.pathDevices.map((k) => `/dev/${k}`)]) {
        if (!path) continue;
        const w = lunWords(h.resolve(path));
        assert.doesNotMatch(w, /\b(wwn|eui|udid|serial):/, w);
        assert.doesNotMatch(w, /eui\.?.*eui\./i, w);
      }
    }
  }
  const nvme = exampleHost().resolve('/dev/nvme0n1');
  assert.match(lunWords(nvme), /^LUN EUI [0-9a-f]+$/);
  assert.equal(lunWords(nvme), `LUN ${lunIdentity(nvme.lun!)}`);
});

test("shared-without-shareable: related information points at the other document's disk (URI and range)", () => {
  const { path } = hostUsedLun();
  const otherText = domainXml(blockDisk(path, 'vdf')).replace('<name>t</name>', '<name>other</name>');
  const parsed = parseDomainDocument(otherText);
  const uri = 'file:///ws/other.xml';
  const peer = peerOf(uri, parsed.model!, 'open', parsed.doc.lines);
  assert.equal(peer.uri, uri);
  const f = analyzeDocument(domainXml(blockDisk(path)), A(), [peer]).findings.find((x) => x.code === 'shared-without-shareable')!;
  assert.ok(f.elsewhere?.length, 'related information into the other document');
  const at = parsed.doc.lines.positionAt(otherText.indexOf(path));
  assert.deepEqual(f.elsewhere[0].range.start, at);
  assert.equal(f.elsewhere[0].uri, uri);
  assert.match(f.elsewhere[0].message, /^other \(vdf\) maps the same LUN/);
  // A peer without a URI (a CLI file by its shown path) or without places: no related information.
  const plainPeer = peerOf('domains/other.xml', parsed.model!);
  assert.equal(plainPeer.uri, undefined);
  assert.equal(
    analyzeDocument(domainXml(blockDisk(path)), A(), [plainPeer]).findings.find((x) => x.code === 'shared-without-shareable')!.elsewhere,
    undefined,
  );
});
