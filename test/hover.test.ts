import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeDocument } from '../server/src/analysis';
import { LanguageService } from '../server/src/languageService';
import type { PeerDomain } from '../server/src/rules/types';
import { blockDisk, domainXml, exampleHost, exampleHostB } from './support/examples';

function hoverText(path: string, hosts = [exampleHost()], peers: PeerDomain[] = []): string {
  const svc = new LanguageService({ hostsFor: () => hosts, peersFor: () => ({ version: 1, peers }) });
  const text = domainXml(blockDisk(path));
  const a = svc.analyze({ uri: 'file:///d.xml', text });
  const ref = a.model!.disks[0].hostPath!;
  const h = svc.hover({ uri: 'file:///d.xml', text }, a.doc.lines.positionAt(ref.start + 1));
  assert.ok(h, 'no hover');
  return (h.contents as { value: string }).value;
}

test('hover: class and why, then per host the device, LUN identity, paths and states, array type, users, and the ranked aliases', () => {
  const peers: PeerDomain[] = [{ origin: 'x.xml', name: 'db9', disks: [{ path: '/dev/vx/dmp/3pardata0_12', shareable: false }] }];
  const md = hoverText('/dev/sdc', [exampleHost()], peers);
  assert.match(md, /^`\/dev\/sdc` — kernel device name \(unstable\)/);
  assert.match(md, /\*\*kvm-a\*\*: \/dev\/sdc · 500 GiB · 3PARdata VV/);
  assert.match(md, /LUN identity `wwn:60002ac000000000000000120001a2b3`/);
  assert.match(
    md,
    /DMP node `3pardata0_12`: array 3PARDATA \(ALUA\), enclosure 3pardata0, 2 path\(s\): sdc enabled\(a\), sdd enabled\(a\)/,
  );
  assert.match(md, /reaches one path of a multipathed LUN/);
  assert.match(md, /Used by documents: db9/);
  assert.match(md, /- `\/dev\/vx\/dmp\/3pardata0_12` \*\*\(preferred\)\*\* — DMP meta-device/);
});

test('hover: host usage and host domains; several hosts each get their section', () => {
  assert.match(hoverText('/dev/sda'), /in use by the host: \/dev\/sda1 is mounted on \/boot/);
  assert.match(hoverText('/dev/vx/dmp/3pardata0_13'), /Used by host domains: web01/);
  const md = hoverText('/dev/disk/by-id/dm-uuid-mpath-36001405e5bf5c158c4e4a5398ccba2cc', [exampleHost(), exampleHostB()]);
  assert.match(md, /\*\*kvm-a\*\* → `\/dev\/dm-2`/);
  assert.match(md, /\*\*kvm-b\*\* → `\/dev\/dm-2`/);
  assert.match(md, /Stable aliases \(valid on every host\):/);
  assert.match(hoverText('/dev/vx/dmp/emc_clariion0_19'), /\*\*kvm-a\*\*: not found on this host/);
});

test('hover: the alias marked preferred is the one the preferred quick fix writes', () => {
  for (const p of [
    '/dev/sdc',
    '/dev/sdi',
    '/dev/sda',
    '/dev/nvme0n1',
    '/dev/sdo',
    '/dev/disk/by-id/wwn-0x60002ac000000000000000120001a2b3',
  ]) {
    const marked = /^- `([^`]+)` \*\*\(preferred\)\*\*/m.exec(hoverText(p))?.[1];
    const fix = analyzeDocument(domainXml(blockDisk(p)), [exampleHost()])
      .findings.flatMap((f) => f.fixes)
      .find((x) => x.preferred);
    assert.ok(fix, p);
    assert.equal(marked, fix.edits[0].newText, p);
  }
});
