/** Issue 12 item 4: <blkiotune><device><path>, <hostdev type='scsi'> adapters, device='lun' on a partition or volume. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { analyzeDocument, parseDomainDocument } from '../../server/src/analysis';
import type { HostIndex } from '../../server/src/inventory/resolver';
import { applyEdits } from '../../server/src/rules/applyFixes';
import { runCli } from '../support/cli';
import { blockDisk, domainXml } from '../support/examples';
import { truthHost, truthInventoryFile, oldHost } from './truthHost';

/** A domain with <blkiotune> before <devices> (schema order). */
const domain = (devices: string, blkio = '') => domainXml(devices, '\n', blkio);
const tune = (...paths: string[]) =>
  `  <blkiotune>\n    <weight>500</weight>\n${paths.map((p) => `    <device>\n      <path>${p}</path>\n      <weight>800</weight>\n    </device>`).join('\n')}\n  </blkiotune>`;
const scsiHostdev = (adapter: string, unit = '12') =>
  `    <hostdev mode='subsystem' type='scsi'><source><adapter name='${adapter}'/><address bus='0' target='0' unit='${unit}'/></source></hostdev>`;
const lunDisk = (dev: string, target = 'sdb') =>
  `    <disk type='block' device='lun'><source dev='${dev}'/><target dev='${target}' bus='scsi'/></disk>`;

const H = (): HostIndex[] => [truthHost()];
const codesOf = (text: string, hosts: HostIndex[] = H()) => analyzeDocument(text, hosts).findings.map((f) => f.code);

test('model: blkiotune paths and scsi hostdevs are recorded, not as disks', () => {
  const m = parseDomainDocument(domain(scsiHostdev('scsi_host3'), tune('/dev/sdc'))).model!;
  assert.equal(m.disks.length, 0);
  assert.deepEqual(
    m.blkiotune?.map((d) => [d.kind, d.hostPath?.origin, d.hostPath?.value]),
    [['blkiotune', 'blkiotune', '/dev/sdc']],
  );
  assert.deepEqual(
    m.scsiHostdevs?.map((h) => [h.adapter?.value, h.address]),
    [['scsi_host3', { bus: '0', target: '0', unit: '12' }]],
  );
});

test('blkiotune: kernel name flagged and fixed in place; label flagged; missing device; stable name clean', () => {
  const text = domain('', tune('/dev/sdc'));
  const fs = analyzeDocument(text, H()).findings;
  assert.deepEqual(
    fs.map((f) => f.code),
    ['unstable-device-name'],
  );
  const fix = fs[0].fixes.find((f) => f.preferred)!;
  const fixed = applyEdits(text, fix.edits);
  assert.match(fixed, /<path>\/dev\/vx\/dmp\/3pardata0_12<\/path>/);
  assert.deepEqual(codesOf(fixed), []);
  assert.deepEqual(codesOf(domain('', tune('/dev/disk/by-label/appdata'))), ['guest-mutable-identifier']);
  assert.deepEqual(codesOf(domain('', tune('/dev/vx/dmp/emc_clariion0_19'))), ['device-not-found']);
  assert.deepEqual(codesOf(domain('', tune('/dev/vx/dmp/3pardata0_12'))), []);
  // Not a mapping: a blkiotune path beside the disk of the same LUN is no duplicate, and offline only the name rules speak.
  assert.deepEqual(codesOf(domain(blockDisk('/dev/vx/dmp/3pardata0_12'), tune('/dev/vx/dmp/3pardata0_12'))), []);
  assert.deepEqual(codesOf(domain('', tune('/dev/sdc')), []), ['unstable-device-name']);
});

test("hostdev scsi adapter by number: unstable-scsi-host naming the HBA and the LUN's stable path", () => {
  const fs = analyzeDocument(domain(scsiHostdev('scsi_host3')), H()).findings;
  assert.deepEqual(
    fs.map((f) => f.code),
    ['unstable-scsi-host'],
  );
  assert.match(fs[0].message, /PCI 0000:3b:00\.0, WWNN 20000024ff3b0000, WWPN 21000024ff3b0000/);
  assert.match(
    fs[0].message,
    /that address is \/dev\/sdc; map it as <disk type='block' device='lun'> with <source dev='\/dev\/vx\/dmp\/3pardata0_12'\/>/,
  );
  assert.deepEqual(fs[0].fixes, []);
  // Offline and on a host without the SCSI host listing: still flagged, without host facts.
  assert.deepEqual(codesOf(domain(scsiHostdev('scsi_host3')), []), ['unstable-scsi-host']);
  assert.doesNotMatch(analyzeDocument(domain(scsiHostdev('scsi_host3')), [oldHost()]).findings[0].message, /PCI|lists no/);
  assert.match(analyzeDocument(domain(scsiHostdev('scsi_host9')), H()).findings[0].message, /kvm-a lists no SCSI host 9/);
  // iSCSI hostdevs and other adapters: nothing.
  assert.deepEqual(
    codesOf(
      domain(
        `    <hostdev mode='subsystem' type='scsi'><source protocol='iscsi' name='iqn.2014-08.com.example:t/1'><host name='192.0.2.1'/></source></hostdev>`,
      ),
    ),
    [],
  );
  assert.deepEqual(codesOf(domain(scsiHostdev('vhba0'))), []);
});

test('device=lun: partition is an error, LV or VxVM volume a warning, whole LUN fine', () => {
  const part = analyzeDocument(domain(lunDisk('/dev/disk/by-id/dm-uuid-part1-mpath-36001405e5bf5c158c4e4a5398ccba2cc')), H()).findings;
  const f = part.find((x) => x.code === 'lun-not-whole-device');
  assert.ok(f && f.severity === 'error', part.map((x) => x.code).join());
  assert.match(f.message, /partition 1/);
  const lv = analyzeDocument(domain(lunDisk('/dev/guests/web01_data')), H()).findings.find((x) => x.code === 'lun-not-whole-device');
  assert.equal(lv?.severity, 'warning');
  const vx = analyzeDocument(domain(lunDisk('/dev/vx/dsk/appdg/appvol01')), H()).findings.find((x) => x.code === 'lun-not-whole-device');
  assert.equal(vx?.severity, 'warning');
  assert.ok(!codesOf(domain(lunDisk('/dev/vx/dmp/3pardata0_12'))).includes('lun-not-whole-device'));
  assert.ok(!codesOf(domain(lunDisk('/dev/disk/by-id/dm-uuid-mpath-36001405e5bf5c158c4e4a5398ccba2cc'))).includes('lun-not-whole-device'));
  // device='disk' on a partition is fine.
  assert.ok(
    !codesOf(domain(blockDisk('/dev/disk/by-id/dm-uuid-part1-mpath-36001405e5bf5c158c4e4a5398ccba2cc'))).includes('lun-not-whole-device'),
  );
  // Offline: names that say so themselves.
  assert.ok(codesOf(domain(lunDisk('/dev/sdb1')), []).includes('lun-not-whole-device'));
  assert.ok(codesOf(domain(lunDisk('/dev/vx/dsk/appdg/appvol01')), []).includes('lun-not-whole-device'));
  assert.ok(!codesOf(domain(lunDisk('/dev/disk/by-id/wwn-0x60002ac000000000000000120001a2b3')), []).includes('lun-not-whole-device'));
  // A pool volume that is an LV, as device='lun'.
  const vol = `    <disk type='volume' device='lun'><source pool='guests' volume='web01_data'/><target dev='sdb' bus='scsi'/></disk>`;
  assert.equal(analyzeDocument(domain(vol), H()).findings.find((x) => x.code === 'lun-not-whole-device')?.severity, 'warning');
});

test('CLI: blkiotune, scsi hostdev and device=lun from a saved snapshot', () => {
  const { file, loaded } = truthInventoryFile();
  assert.ok(loaded.scsiHosts, 'the snapshot loader keeps scsiHosts');
  const dom = join(dirname(file), 'p.xml');
  writeFileSync(dom, domain([scsiHostdev('scsi_host3'), lunDisk('/dev/vx/dsk/appdg/appvol02')].join('\n'), tune('/dev/sdc')));
  const r = runCli(['--inventory', file, '--format', 'json', dom]);
  const out = JSON.parse(r.stdout).findings as { code: string; severity: string; message: string }[];
  assert.deepEqual(
    out.map((f) => [f.code, f.severity]),
    [
      ['unstable-device-name', 'warning'],
      ['unstable-scsi-host', 'warning'],
      ['lun-not-whole-device', 'warning'],
    ],
  );
  assert.match(out[1].message, /0000:3b:00\.0/);
  assert.equal(runCli(['--inventory', file, '--fix', dom]).status !== null, true);
  assert.match(readFileSync(dom, 'utf8'), /<path>\/dev\/vx\/dmp\/3pardata0_12<\/path>/);
});
