/** Issue 12 item 2: `<disk type='volume'>` resolved through the host's storage pools. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { analyzeDocument } from '../../server/src/analysis';
import { HostIndex } from '../../server/src/inventory/resolver';
import { diskFacts } from '../../server/src/rules/diskFacts';
import { parseDomainDocument } from '../../server/src/analysis';
import type { Finding } from '../../server/src/rules/types';
import { runCli } from '../support/cli';
import { domainXml } from '../support/examples';
import { truthHost, truthInventoryFile, truthSnapshot, oldHost } from './truthHost';

const volDisk = (pool: string, vol: string, device = 'disk', target = 'vdb') =>
  `    <disk type='volume' device='${device}'><source pool='${pool}' volume='${vol}'/><target dev='${target}' bus='virtio'/></disk>`;

function findings(pool: string, vol: string, hosts: HostIndex[] = [truthHost()], device = 'disk'): Finding[] {
  return analyzeDocument(domainXml(volDisk(pool, vol, device)), hosts).findings;
}
const codes = (pool: string, vol: string, hosts?: HostIndex[], device?: string) => findings(pool, vol, hosts, device).map((f) => f.code);

test('the model: a volume disk names pool and volume, not a host path', () => {
  const text = domainXml(volDisk('fcpool', 'unit:0:0:12'));
  const m = parseDomainDocument(text).model!;
  const d = m.disks[0];
  assert.equal(d.hostPath, undefined);
  assert.equal(d.volumeRef?.pool.value, 'fcpool');
  assert.equal(d.volumeRef?.value, 'unit:0:0:12');
  assert.equal(text.slice(d.volumeRef!.start, d.volumeRef!.end), 'unit:0:0:12');
});

test('HostIndex.poolVolume: found, pool missing, volume missing, pool inactive, no pool listing', () => {
  const h = truthHost();
  const ok = h.poolVolume('mp', 'dm-2');
  assert.ok(ok.ok && ok.path === '/dev/mapper/mpatha');
  assert.deepEqual(h.poolVolume('nope', 'x'), { ok: false, reason: 'pool-missing' });
  assert.equal((h.poolVolume('fcpool', 'unit:9:9:9') as { reason: string }).reason, 'volume-missing');
  assert.equal((h.poolVolume('old', 'x') as { reason: string }).reason, 'pool-inactive');
  assert.equal((oldHost().poolVolume('fcpool', 'x') as { reason: string }).reason, 'unknown');
});

test('a scsi pool volume on a by-path link: multipath-bypass naming pool and volume, no fix', () => {
  const fs = findings('fcpool', 'unit:0:0:12');
  const f = fs.find((x) => x.code === 'multipath-bypass');
  assert.ok(f, fs.map((x) => x.code).join());
  assert.match(f.message, /volume unit:0:0:12 of pool fcpool \(\/dev\/disk\/by-path\/pci-0000:3b:00\.0-fc-0x20210002ac01a2b3-lun-12\)/);
  const text = domainXml(volDisk('fcpool', 'unit:0:0:12'));
  assert.equal(text.slice(f.start, f.end), 'unit:0:0:12');
  // The facts say the fix is not to be made by replacing the volume name.
  const ctxFacts = diskFacts({
    doc: parseDomainDocument(text).doc,
    model: parseDomainDocument(text).model!,
    hosts: [truthHost()],
    peers: [],
  });
  assert.equal(ctxFacts[0].fixable, false);
  assert.equal(ctxFacts[0].lookupPath, '/dev/disk/by-path/pci-0000:3b:00.0-fc-0x20210002ac01a2b3-lun-12');
  for (const x of fs)
    for (const fix of x.fixes)
      for (const e of fix.edits)
        assert.ok(
          !/^\/dev\//.test(e.newText) || e.start < f.start || e.start >= f.end,
          `${x.code} offers ${e.newText} for the volume name`,
        );
});

test('an mpath pool volume named dm-N: unstable-device-name naming the stable path, no fix', () => {
  const fs = findings('mp', 'dm-2');
  const f = fs.find((x) => x.code === 'unstable-device-name');
  assert.ok(f, fs.map((x) => x.code).join());
  assert.match(f.message, /Volume dm-2 of pool mp \(\/dev\/mapper\/mpatha\) is named by a kernel device name/);
  assert.match(f.message, /<source dev='\/dev\/disk\/by-id\/dm-uuid-mpath-36001405e5bf5c158c4e4a5398ccba2cc'\/>/);
  assert.deepEqual(f.fixes, []);
  assert.ok(!fs.some((x) => x.code === 'multipath-bypass'), 'the volume is the map');
  // Offline: the name alone says it.
  assert.deepEqual(codes('mp', 'dm-2', []), ['unstable-device-name']);
});

test('a volume on the map by its WWID, a logical volume, a dir pool file: no finding', () => {
  assert.deepEqual(codes('byid', 'unit:0:0:0'), []);
  assert.deepEqual(codes('guests', 'web01_data'), []);
  assert.deepEqual(codes('images', 'a.qcow2'), []);
});

test('missing pool or volume: device-not-found; inactive pool or no pool listing: not judged', () => {
  const np = findings('nopool', 'v');
  assert.deepEqual(
    np.map((f) => f.code),
    ['device-not-found'],
  );
  assert.match(np[0].message, /storage pool nopool does not exist on kvm-a/);
  const nv = findings('fcpool', 'unit:9:9:9');
  assert.deepEqual(
    nv.map((f) => f.code),
    ['device-not-found'],
  );
  assert.match(nv[0].message, /storage pool fcpool has no volume unit:9:9:9 on kvm-a/);
  assert.deepEqual(codes('old', 'x'), []);
  assert.deepEqual(codes('nopool', 'v', [oldHost()]), [], 'a snapshot without pools says nothing');
});

test('a volume in a host group: missing on one host is inconsistent-across-hosts, not device-not-found', () => {
  const s = truthSnapshot();
  s.host = 'kvm-b';
  s.pools = s.pools!.filter((p) => p.name !== 'byid');
  const b = new HostIndex(s);
  const c = codes('byid', 'unit:0:0:0', [truthHost(), b]);
  assert.ok(c.includes('inconsistent-across-hosts') && !c.includes('device-not-found'), c.join());
});

test('CLI: pool volumes judged from a saved snapshot', () => {
  const { file, loaded } = truthInventoryFile();
  assert.ok(loaded.pools, 'the snapshot loader keeps pools');
  const dom = join(dirname(file), 'v.xml');
  writeFileSync(
    dom,
    domainXml([volDisk('mp', 'dm-2'), volDisk('nopool', 'x', 'disk', 'vdc'), volDisk('guests', 'web01_data', 'disk', 'vdd')].join('\n')),
  );
  const r = runCli(['--inventory', file, '--format', 'json', dom]);
  const out = JSON.parse(r.stdout).findings as { code: string; fixes: unknown[] }[];
  assert.deepEqual(
    out.map((f) => f.code),
    ['unstable-device-name', 'device-not-found'],
  );
  assert.ok(out.every((f) => f.fixes.length === 0));
  // --fix leaves volume disks alone.
  const before = readFileSync(dom, 'utf8');
  runCli(['--inventory', file, '--fix', dom]);
  assert.equal(readFileSync(dom, 'utf8'), before);
});
