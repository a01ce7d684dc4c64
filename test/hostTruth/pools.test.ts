/**
 * Storage pool definitions (root `<pool>`, issue 12 item 3): `<source><device path>` judged like a
 * disk source, `<adapter name='hostN'>` as unstable-scsi-host, a by-path `<target><path>` over
 * multipathed LUNs as multipath-bypass; through the analysis, the language server and the CLI.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { analyzeDocument } from '../../server/src/analysis';
import { HostIndex } from '../../server/src/inventory/resolver';
import { ServerCore } from '../../server/src/lsp/serverCore';
import { scanWorkspace } from '../../server/src/lsp/workspaceIndex';
import { applyEdits, preferredEdits } from '../../server/src/rules/applyFixes';
import { runCli } from '../support/cli';
import { blockDisk, domainXml, EXAMPLE_INVENTORY, exampleHost } from '../support/examples';
import { applyLspEdits } from '../support/edits';

const KVM_A_IQN = 'iqn.2003-01.org.linux-iscsi.stor1:data';

function logicalPool(dev: string, eol = '\n'): string {
  return [
    "<pool type='logical'>",
    '  <name>vmstore</name>',
    '  <source>',
    `    <device path='${dev}'/>`,
    '    <name>vmstore</name>',
    "    <format type='lvm2'/>",
    '  </source>',
    '  <target>',
    '    <path>/dev/vmstore</path>',
    '  </target>',
    '</pool>',
    '',
  ].join(eol);
}

function scsiPool(adapter: string, target = '/dev/disk/by-path'): string {
  return `<pool type='scsi'>\n  <name>fc</name>\n  <source>\n    ${adapter}\n  </source>\n  <target>\n    <path>${target}</path>\n  </target>\n</pool>\n`;
}

function iscsiPool(target: string): string {
  return `<pool type='iscsi'>\n  <name>san</name>\n  <source>\n    <host name='192.0.2.10'/>\n    <device path='${KVM_A_IQN}'/>\n  </source>\n  <target>\n    <path>${target}</path>\n  </target>\n</pool>\n`;
}

const codes = (text: string, hosts: HostIndex[] = [exampleHost()]) => analyzeDocument(text, hosts).findings.map((f) => f.code);

/** kvm-a with its SCSI hosts listed as the collector reads them from /sys/class/{scsi,fc}_host. */
function kvmAWithScsiHosts(): HostIndex {
  const snap = exampleHost().snapshot;
  return new HostIndex({
    ...snap,
    scsiHosts: [
      { name: 'host0', pciAddress: '0000:00:17.0' },
      { name: 'host3', pciAddress: '0000:3b:00.0', wwnn: '20000090fa1b2c3d', wwpn: '10000090fa1b2c3d' },
      { name: 'host4', pciAddress: '0000:3b:00.1', wwnn: '20000090fa1b2c3e', wwpn: '10000090fa1b2c3e' },
    ],
  });
}

test('a <pool> document is analysed as a pool; other XML is not', () => {
  const a = analyzeDocument(logicalPool('/dev/vx/dmp/3pardata0_12'), [exampleHost()]);
  assert.equal(a.kind, 'pool');
  assert.equal(a.isDomain, false);
  assert.equal(a.model, undefined);
  assert.equal(a.pool?.name, 'vmstore');
  assert.deepEqual(
    a.pool?.sourceDevices.map((d) => d.value),
    ['/dev/vx/dmp/3pardata0_12'],
  );
  assert.deepEqual(a.findings, []);
  const n = analyzeDocument('<network><name>x</name><bridge name="/dev/sdc"/></network>');
  assert.equal(n.kind, undefined);
  assert.deepEqual(n.findings, []);
  // Broken pool XML is reported like broken domain XML.
  assert.deepEqual(
    analyzeDocument("<pool type='disk'><source><device path='/dev/sdc'></source></pool>").findings.map((f) => f.code),
    ['xml-not-well-formed'],
  );
});

test('<source><device path>: the disk-source codes and fixes', () => {
  const text = logicalPool('/dev/sdc', '\r\n');
  const a = analyzeDocument(text, [exampleHost()]);
  assert.deepEqual(a.findings.map((f) => f.code).sort(), ['multipath-bypass', 'unstable-device-name']);
  const f = a.findings.find((x) => x.code === 'unstable-device-name')!;
  assert.equal(text.slice(f.start, f.end), '/dev/sdc');
  assert.equal(f.fixes.find((x) => x.preferred)?.edits[0].newText, '/dev/vx/dmp/3pardata0_12');
  const fixed = applyEdits(text, preferredEdits(a.findings));
  assert.equal(fixed, text.replace('/dev/sdc', '/dev/vx/dmp/3pardata0_12'));
  assert.deepEqual(analyzeDocument(fixed, [exampleHost()]).findings, []);

  assert.deepEqual(codes(logicalPool('/dev/disk/by-label/appdata')), ['guest-mutable-identifier']);
  assert.deepEqual(codes(logicalPool('/dev/vx/dmp/emc_clariion0_19')), ['device-not-found']);
  assert.deepEqual(codes(logicalPool('/dev/disk/by-id/dm-uuid-mpath-36001405e5bf5c158c4e4a5398ccba2cc')), []);
  // A one-path by-path link of a DMP LUN: multipath-bypass with the DMP node as the fix.
  const bp = analyzeDocument(logicalPool('/dev/disk/by-path/pci-0000:3b:00.0-fc-0x20210002ac01a2b3-lun-12'), [exampleHost()]).findings;
  assert.deepEqual(
    bp.map((x) => x.code),
    ['multipath-bypass'],
  );
  assert.equal(bp[0].fixes.find((x) => x.preferred)?.edits[0].newText, '/dev/vx/dmp/3pardata0_12');
  // Without an inventory: the name alone is judged, nothing is "not found", no fix is guessed.
  const off = analyzeDocument(logicalPool('/dev/sdc'), []).findings;
  assert.deepEqual(
    off.map((x) => x.code),
    ['unstable-device-name'],
  );
  assert.deepEqual(off[0].fixes, []);
  // Several PVs: each judged.
  const two = logicalPool('/dev/sdc').replace(
    "<device path='/dev/sdc'/>",
    "<device path='/dev/sdc'/><device path='/dev/vx/dmp/3pardata0_13'/><device path='/dev/sdq'/>",
  );
  assert.deepEqual(codes(two).sort(), ['device-not-found', 'multipath-bypass', 'unstable-device-name', 'unstable-device-name']);
});

test('an iSCSI pool: the IQN is not a path; a by-path target over a multipathed LUN is multipath-bypass', () => {
  const text = iscsiPool('/dev/disk/by-path');
  const f = analyzeDocument(text, [exampleHost()]).findings;
  assert.deepEqual(
    f.map((x) => x.code),
    ['multipath-bypass'],
  );
  assert.equal(text.slice(f[0].start, f[0].end), '/dev/disk/by-path');
  assert.match(f[0].message, /dm-multipath map mpatha \(2 paths\)/);
  assert.match(f[0].message, /dm-uuid-mpath-36001405e5bf5c158c4e4a5398ccba2cc/);
  assert.deepEqual(f[0].fixes, []);
  assert.deepEqual(codes(iscsiPool('/dev/disk/by-id')), []);
  // Another target's LUNs are not this pool's.
  assert.deepEqual(codes(iscsiPool('/dev/disk/by-path').replace(KVM_A_IQN, 'iqn.2003-01.org.example:other')), []);
  assert.deepEqual(codes(iscsiPool('/dev/disk/by-path'), []), []);
});

test("<adapter name='host3'>: unstable-scsi-host, and its by-path LUNs bypass DMP", () => {
  const text = scsiPool("<adapter name='host3'/>");
  const f = analyzeDocument(text, [exampleHost()]).findings;
  assert.deepEqual(
    f.map((x) => x.code),
    ['unstable-scsi-host', 'multipath-bypass'],
  );
  assert.equal(text.slice(f[0].start, f[0].end), 'host3');
  assert.match(f[0].message, /parentaddr/);
  assert.match(f[0].message, /fc_host/);
  assert.deepEqual(f[0].fixes, []);
  assert.match(f[1].message, /DMP node 3pardata0_12 \(2 paths\)/);
  assert.match(f[1].message, /DMP node 3pardata0_14 \(2 paths\) and 1 more\)/);
  // scsi_hostN as well; a by-id target is not a by-path one.
  assert.deepEqual(codes(scsiPool("<adapter type='scsi_host' name='scsi_host3'/>", '/dev/disk/by-id')), ['unstable-scsi-host']);
  // host0 is the SATA controller: its by-path links reach single-path disks.
  assert.deepEqual(codes(scsiPool("<adapter name='host0'/>")), ['unstable-scsi-host']);
  // Without an inventory the name is still a probe-order number.
  assert.deepEqual(codes(scsiPool("<adapter name='host3'/>"), []), ['unstable-scsi-host']);
});

test("unstable-scsi-host names the HBA's PCI address and WWNs from the inventory; parentaddr and fc_host WWNs are fine", () => {
  const h = [kvmAWithScsiHosts()];
  const f = analyzeDocument(scsiPool("<adapter name='host3'/>"), h).findings.find((x) => x.code === 'unstable-scsi-host')!;
  assert.match(f.message, /host3 is the HBA at PCI 0000:3b:00\.0/);
  assert.match(f.message, /<parentaddr><address domain='0x0000' bus='0x3b' slot='0x00' function='0x0'\/><\/parentaddr>/);
  assert.match(f.message, /<adapter type='fc_host' wwnn='20000090fa1b2c3d' wwpn='10000090fa1b2c3d'\/>/);
  const missing = analyzeDocument(scsiPool("<adapter name='host9'/>"), h).findings;
  assert.match(missing[0].message, /On kvm-a there is no host9\./);

  // The stable forms: no unstable-scsi-host; their LUNs are found through the PCI address or the WWNs.
  const byAddr = scsiPool(
    "<adapter type='scsi_host'><parentaddr unique_id='1'><address domain='0x0000' bus='0x3b' slot='0x00' function='0x0'/></parentaddr></adapter>",
  );
  assert.deepEqual(codes(byAddr, h), ['multipath-bypass']);
  assert.deepEqual(codes(byAddr.replace('/dev/disk/by-path', '/dev/disk/by-id'), h), []);
  const sata = scsiPool(
    "<adapter type='scsi_host'><parentaddr><address domain='0x0000' bus='0x00' slot='0x17' function='0x0'/></parentaddr></adapter>",
  );
  assert.deepEqual(codes(sata, h), []);
  const fc = scsiPool("<adapter type='fc_host' wwnn='20000090fa1b2c3e' wwpn='10000090fa1b2c3e'/>");
  assert.deepEqual(codes(fc, h), ['multipath-bypass']);

  // An NPIV vHBA whose parent is named by number: the parent is the unstable part.
  const npiv = scsiPool("<adapter type='fc_host' parent='scsi_host3' wwnn='2001001b32a9da4e' wwpn='2101001b32a9da4e'/>", '/dev/disk/by-id');
  const p = analyzeDocument(npiv, h).findings;
  assert.deepEqual(
    p.map((x) => x.code),
    ['unstable-scsi-host'],
  );
  assert.equal(npiv.slice(p[0].start, p[0].end), 'scsi_host3');
  assert.match(p[0].message, /parent_wwnn='20000090fa1b2c3d' parent_wwpn='10000090fa1b2c3d'/);
});

test('language server: diagnostics, hover, quick fix and fix-all on a pool; broken XML keeps hover and fixes', async () => {
  const published: { uri: string; version?: number; diagnostics: Diagnostic[] }[] = [];
  const core = new ServerCore(
    { publishDiagnostics: (uri, version, diagnostics) => published.push({ uri, version, diagnostics }), log: () => undefined },
    { debounceMs: 5 },
  );
  core.setHosts([exampleHost()]);
  const dir = mkdtempSync(join(tmpdir(), 'ldx-pool-lsp-'));
  const file = join(dir, 'vmstore.xml');
  const text = logicalPool('/dev/sdc');
  writeFileSync(file, text);
  const uri = pathToFileURL(file).toString();
  core.open(uri, 1, text);
  const diags = published[published.length - 1].diagnostics;
  assert.deepEqual(diags.map((d) => d.code).sort(), ['multipath-bypass', 'unstable-device-name']);
  const d = diags.find((x) => x.code === 'unstable-device-name')!;
  assert.deepEqual(d.range.start, { line: 3, character: 18 });
  const hover = core.hover(uri, d.range.start);
  assert.ok(hover, 'hover on the pool device path');
  assert.match((hover.contents as { value: string }).value, /3pardata0_12/);
  assert.equal(core.hover(uri, { line: 0, character: 2 }), null);
  const preferred = core.codeActions(uri, d.range).find((a) => a.isPreferred)!;
  assert.equal(preferred.title, 'Use /dev/vx/dmp/3pardata0_12');
  const all = core.fixAllEdits([uri], [dir]);
  assert.equal(applyLspEdits(text, all.changes[uri]), text.replace('/dev/sdc', '/dev/vx/dmp/3pardata0_12'));

  // Broken: one diagnostic, and the value's hover and fix still work from the last good parse.
  const broken = text.replace('</source>', '</sourc>');
  core.change(uri, 2, broken);
  const deadline = Date.now() + 10_000;
  while (!published.some((p) => p.version === 2) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  // The parse error, with the last good findings of the unchanged region kept beside it.
  assert.deepEqual(
    published.find((p) => p.version === 2)!.diagnostics.map((x) => x.code),
    ['xml-not-well-formed', ...diags.map((x) => x.code)],
  );
  assert.match((core.hover(uri, d.range.start)!.contents as { value: string }).value, /3pardata0_12/);
  const stale = core.codeActions(uri, d.range).find((a) => a.isPreferred)!;
  assert.equal(applyLspEdits(broken, stale.edit!.changes![uri]), broken.replace('/dev/sdc', '/dev/vx/dmp/3pardata0_12'));

  // A pool adapter named by host number; other XML stays silent.
  core.open('file:///t/fc.xml', 1, scsiPool("<adapter name='host3'/>"));
  assert.deepEqual(
    published[published.length - 1].diagnostics.map((x) => x.code),
    ['unstable-scsi-host', 'multipath-bypass'],
  );
  core.open('file:///t/net.xml', 1, "<network><name>n</name><bridge name='virbr0'/></network>");
  assert.deepEqual(published[published.length - 1].diagnostics, []);
  core.dispose();
});

test('workspace scan: pools are counted, not taken for domains', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ldx-pool-scan-'));
  writeFileSync(join(dir, 'dom.xml'), domainXml(blockDisk('/dev/sdc')));
  writeFileSync(join(dir, 'pool.xml'), logicalPool('/dev/sdc'));
  writeFileSync(join(dir, 'net.xml'), '<network><name>n</name></network>');
  const peers: string[] = [];
  const r = await scanWorkspace([dir], (uri) => peers.push(uri));
  assert.equal(r.filesRead, 3);
  assert.equal(r.domains, 1);
  assert.equal(r.pools, 1);
  assert.equal(peers.length, 1);
  assert.match(peers[0], /dom\.xml$/);
});

test('CLI: a directory of domains and pools lints both; json and sarif name the pool file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ldx-pool-cli-'));
  writeFileSync(join(dir, 'dom.xml'), domainXml(blockDisk('/dev/sdc')));
  mkdirSync(join(dir, 'storage'));
  writeFileSync(join(dir, 'storage', 'vmstore.xml'), logicalPool('/dev/sdc'));
  writeFileSync(join(dir, 'storage', 'fc.xml'), scsiPool("<adapter name='host3'/>"));
  writeFileSync(join(dir, 'other.xml'), '<network><name>n</name></network>');
  const r = runCli(['--inventory', EXAMPLE_INVENTORY, dir], dir);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /^dom\.xml:\d+:\d+: warning unstable-device-name: \/dev\/sdc /m);
  assert.match(r.stdout, /^storage\/vmstore\.xml:4:19: warning unstable-device-name: \/dev\/sdc /m);
  assert.match(r.stdout, /^ {4}fix: \/dev\/sdc -> \/dev\/vx\/dmp\/3pardata0_12$/m);
  assert.match(r.stdout, /^storage\/fc\.xml:4:20: warning unstable-scsi-host: <adapter name='host3'>/m);
  assert.match(r.stdout, /^storage\/fc\.xml:7:11: warning multipath-bypass: /m);
  assert.doesNotMatch(r.stdout, /other\.xml/);

  const j = JSON.parse(runCli(['--inventory', EXAMPLE_INVENTORY, '--format', 'json', join(dir, 'storage', 'fc.xml')], dir).stdout);
  assert.deepEqual(
    j.findings.map((f: { file: string; code: string }) => `${f.file} ${f.code}`),
    ['storage/fc.xml unstable-scsi-host', 'storage/fc.xml multipath-bypass'],
  );
  assert.deepEqual(j.findings[0].range, { start: { line: 3, character: 19 }, end: { line: 3, character: 24 } });
  const s = JSON.parse(runCli(['--inventory', EXAMPLE_INVENTORY, '--format', 'sarif', 'storage/vmstore.xml'], dir).stdout);
  const results = s.runs[0].results as { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[];
  assert.ok(
    results.some(
      (x) => x.ruleId === 'unstable-device-name' && x.locations[0].physicalLocation.artifactLocation.uri === 'storage/vmstore.xml',
    ),
  );
});

test('CLI --fix: a pool source device rewritten to the preferred stable path, byte for byte elsewhere', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ldx-pool-fix-'));
  // CRLF, a comment, double quotes and odd spacing: only the value changes.
  const text =
    '\ufeff<?xml version="1.0"?>\r\n<!-- vmstore -->\r\n<pool type="logical">\r\n  <name>vmstore</name>\r\n  <source>\r\n    <device   path="/dev/sdc" />\r\n    <name>vmstore</name>\r\n  </source>\r\n  <target><path>/dev/vmstore</path></target>\r\n</pool>\r\n';
  const file = join(dir, 'vmstore.xml');
  writeFileSync(file, text);
  writeFileSync(join(dir, 'dom.xml'), domainXml(blockDisk('/dev/disk/by-label/appdata')));
  const r = runCli(['--inventory', EXAMPLE_INVENTORY, '--fix', dir], dir);
  assert.match(r.stdout, /^fixed vmstore\.xml:6:21: \/dev\/sdc -> \/dev\/vx\/dmp\/3pardata0_12$/m);
  assert.match(r.stdout, /^fixed dom\.xml:/m);
  assert.equal(readFileSync(file, 'utf8'), text.replace('/dev/sdc', '/dev/vx/dmp/3pardata0_12'));
  assert.equal(r.status, 0, r.stdout + r.stderr);
  // Nothing left to fix.
  const again = runCli(['--inventory', EXAMPLE_INVENTORY, '--fix', file], dir);
  assert.equal(again.status, 0, again.stdout);
  assert.equal(again.stdout, '');
  // unstable-scsi-host has no automatic fix: --fix leaves the adapter alone.
  const fc = join(dir, 'fc.xml');
  const fcText = scsiPool("<adapter name='host3'/>");
  writeFileSync(fc, fcText);
  const f2 = runCli(['--inventory', EXAMPLE_INVENTORY, '--fix', fc], dir);
  assert.equal(f2.status, 1);
  assert.equal(readFileSync(fc, 'utf8'), fcText);
});

test('the example pools', () => {
  const r = runCli(['--inventory', EXAMPLE_INVENTORY, '--format', 'json', 'examples/pools']);
  const got = (JSON.parse(r.stdout).findings as { file: string; code: string }[]).map((f) => `${f.file} ${f.code}`).sort();
  assert.deepEqual(got, [
    'examples/pools/fc-luns.xml multipath-bypass',
    'examples/pools/fc-luns.xml unstable-scsi-host',
    'examples/pools/vmstore.xml multipath-bypass',
    'examples/pools/vmstore.xml unstable-device-name',
  ]);
});
