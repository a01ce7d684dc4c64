import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeDocument } from '../server/src/analysis';
import { classifyPath } from '../server/src/domain/pathClass';
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

test('hover: class, the ranked aliases, then per host the identity line, paths and states, array type, users', () => {
  const peers: PeerDomain[] = [{ origin: 'x.xml', name: 'db9', disks: [{ path: '/dev/vx/dmp/3pardata0_12', shareable: false }] }];
  const md = hoverText('/dev/sdc', [exampleHost()], peers);
  const lun = exampleHost().resolve('/dev/sdc').lun!;
  assert.match(md, /^`\/dev\/sdc` — kernel device name \(unstable\)/);
  // The identity line: vendor model · size · identity (normalised, once: no `wwn:` id).
  assert.ok(md.includes(`**kvm-a** — 3PARdata VV · 500 GiB · WWN 0x${lun.wwn!.replace(/^0x/, '')}`), md);
  assert.doesNotMatch(md, /wwn:/);
  assert.match(
    md,
    /^- Paths \(2\): sdc enabled\(a\), sdd enabled\(a\) · DMP node `3pardata0_12`, array 3PARDATA \(ALUA\), enclosure 3pardata0$/m,
  );
  assert.match(md, /^- ⚠ Reaches one path of a multipathed LUN/m);
  assert.match(md, /^- Used by: db9 \(document\)$/m);
  assert.match(md, /- `\/dev\/vx\/dmp\/3pardata0_12` \*\*\(preferred\)\*\* — DMP meta-device/);
});

test('hover: host usage and host domains; several hosts each get their section', () => {
  assert.match(hoverText('/dev/sda'), /in use by the host: \/dev\/sda1 is mounted on \/boot/);
  assert.match(hoverText('/dev/vx/dmp/3pardata0_13'), /^- Used by: web01 \(vdb\)$/m);
  const md = hoverText('/dev/disk/by-id/dm-uuid-mpath-36001405e5bf5c158c4e4a5398ccba2cc', [exampleHost(), exampleHostB()]);
  assert.match(md, /^\*\*kvm-a\*\* — /m);
  assert.match(md, /^\*\*kvm-b\*\* — /m);
  assert.match(md, /Reaches `\/dev\/dm-2`/);
  assert.match(md, /Stable aliases \(valid on every host\):/);
  assert.match(hoverText('/dev/vx/dmp/emc_clariion0_19'), /\*\*kvm-a\*\*: not found on this host/);
});

/** Every LUN of the example host, by the path that names it, with a peer document mapping it twice. */
function everyLunHover(): { path: string; md: string }[] {
  const h = exampleHost();
  return h.allLuns().flatMap((lun) => {
    const path = h.lunPath(lun);
    if (!path) return [];
    const peers: PeerDomain[] = [
      {
        origin: 'file:///p.xml',
        from: 'open',
        name: 'p',
        disks: [
          { path, shareable: false, target: 'vdb' },
          { path, shareable: false, target: 'vdc' },
        ],
      },
    ];
    return [{ path, md: hoverText(path, [h], peers) }];
  });
}

test('hover layout: at most one screen per LUN, lines apart (list items or blank lines), aliases before the users, nothing twice', () => {
  const all = everyLunHover();
  assert.ok(all.length >= 5);
  for (const { path, md } of all) {
    const lines = md.split('\n');
    assert.ok(lines.length <= 22, `${path}: ${lines.length} lines\n${md}`);
    // Markdown joins consecutive plain lines into one paragraph: every line that follows another non-blank
    // line is a list item (or the heading of a list).
    lines.forEach((l, i) => {
      if (i && l && lines[i - 1] && !lines[i - 1].endsWith(':'))
        assert.match(l, /^- /, `${path}: line ${i + 1} runs into the previous one\n${md}`);
    });
    const aliases = md.indexOf('Stable aliases');
    const users = md.indexOf('Used by:');
    if (aliases >= 0 && users >= 0) assert.ok(aliases < users, `${path}: aliases first`);
    // The same document with two disks on the LUN is one user.
    assert.equal(md.match(/\bp \(/g)?.length ?? 0, 1, `${path}: the peer once\n${md}`);
    assert.match(md, /p \(vdb, vdc, open document\)/);
    // The DMP node is named once, the identity never as the internal `kind:` id.
    const dmp = exampleHost().resolve(path).lun?.dmp;
    if (dmp) assert.equal(md.split(`DMP node \`${dmp.name}\``).length - 1, 1, `${path}: DMP node once\n${md}`);
    assert.doesNotMatch(md, /`(wwn|eui|udid|serial):/);
  }
});

test('hover: the why of an unstable name is not repeated (its diagnostic says it); a stable name keeps it', () => {
  const why = (p: string) => classifyPath(p).why;
  assert.ok(!hoverText('/dev/sdc').includes(why('/dev/sdc')));
  const text = domainXml(blockDisk('/dev/sdc'));
  const msg = analyzeDocument(text, [exampleHost()]).findings.find((f) => f.code === 'unstable-device-name')!.message;
  assert.ok(msg.includes(why('/dev/sdc')), 'the diagnostic gives it');
  assert.ok(hoverText('/dev/vx/dmp/3pardata0_12').includes(why('/dev/vx/dmp/3pardata0_12')));
});

test('hover: a long alias list is capped with "and N more"', () => {
  const h = exampleHost();
  for (const lun of h.allLuns()) {
    const path = h.lunPath(lun)!;
    const n = h.aliases(h.resolve(path)).length;
    const md = hoverText(path);
    const shown = md.split('\n').filter((l) => /^- `/.test(l)).length;
    assert.ok(shown <= 5, path);
    if (n > 5) assert.match(md, new RegExp(`^- and ${n - 5} more$`, 'm'));
  }
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
