/**
 * The boot-image picture (issue 18 item 5): per host, the gold images, the guests on full copies and on
 * space-optimized snapshots, and what converting the full copies would save; in the inventory view and at
 * the end of the audit's text summary. Expectations come from the example host kvm-b's fixture files
 * (vxsnap and vxprint outputs, the domains) through HostIndex and the rules' shared functions.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeDocument } from '../server/src/analysis';
import { bootImages, bootImagesMarkdown, bootImagesText, textBar } from '../server/src/features/bootImages';
import { inventoryMarkdown } from '../server/src/features/inventoryView';
import { auditHostIndex } from '../server/src/features/audit';
import { fetchSnapshot } from '../server/src/inventory/fetch';
import { loadInventoryFile } from '../server/src/inventory/load';
import { HostIndex } from '../server/src/inventory/resolver';
import { collectorScript } from '../server/src/inventory/transport';
import { LanguageService } from '../server/src/languageService';
import type { InventorySnapshot } from '../server/src/inventory/snapshot';
import { groupUsers, usersOfLun } from '../server/src/rules/lunUsers';
import { peerOf } from '../server/src/domain/peer';
import { runCli } from './support/cli';
import { startRigOrSkip, type Rig } from './rig/sshRig';
import { EXAMPLE_INVENTORY_B, exampleHost, exampleHostB, ROOT } from './support/examples';

const GiB = 2 ** 30;

/** A fresh copy of kvm-b's snapshot to change. */
const kvmB = (): InventorySnapshot => JSON.parse(readFileSync(EXAMPLE_INVENTORY_B, 'utf8')) as InventorySnapshot;

/** The Boot images section of a view (up to the next `## `), or undefined. */
function bootSection(md: string): string | undefined {
  const at = md.indexOf('\n## Boot images\n');
  if (at < 0) return undefined;
  const rest = md.slice(at + 1);
  const next = rest.indexOf('\n## ', 1);
  return next < 0 ? rest : rest.slice(0, next + 1);
}

/** Table rows of a Markdown section: cells as written (`| a | b |` → [a, b]), without the header and rule. */
function tableRows(section: string, header: RegExp): string[][] {
  const lines = section.split('\n');
  const at = lines.findIndex((l) => header.test(l));
  assert.ok(at >= 0, `no table ${header} in\n${section}`);
  const out: string[][] = [];
  for (const l of lines.slice(at + 2)) {
    if (!l.startsWith('| ')) break;
    // Split at pipes that are not escaped (mdText escapes a host's `|` as `\|`).
    out.push(l.slice(2, -2).split(/(?<!\\) \| /));
  }
  return out;
}

describe('bootImages: the host picture from HostIndex and the rules', () => {
  test('kvm-b: one gold image, two guests on full copies, two on space-optimized snapshots, one of them diverged', () => {
    const h = exampleHostB();
    const b = bootImages(h);
    assert.equal(b.host, 'kvm-b');
    assert.deepEqual(
      b.golds.map((g) => g.volume),
      ['appdg/gold01'],
      'the cache and the data volume have no snapshots: not gold images',
    );
    const g = b.golds[0];
    assert.equal(g.sizeBytes, h.vxVolumeInfo('appdg/gold01')!.sizeBytes);
    assert.equal(g.sizeBytes, 20 * GiB);
    assert.deepEqual(g.mappedBy, ['tmpl01']);
    // Each copy's guests are the users the rules see (usersOfLun on the volume's identity).
    for (const c of [...g.full, ...g.spaceOptimized]) {
      const users = usersOfLun(`vxvol:${c.volume}`, [h], [], undefined);
      assert.deepEqual(
        c.guests,
        groupUsers(users).map((u) => u.who),
        c.volume,
      );
    }
    assert.deepEqual(
      g.full.map((c) => [c.volume, c.type, c.guests]),
      [
        ['appdg/web-full01', 'fullinst', ['web11']],
        ['appdg/web-full02', 'fullinst', ['web12']],
      ],
    );
    assert.deepEqual(
      g.spaceOptimized.map((c) => [c.volume, c.changedPercent, c.diverged, c.guests]),
      [
        ['appdg/web-so01', 4, false, ['web13']],
        ['appdg/web-so02', 27, true, ['web14']],
      ],
    );
    // Two 20 GiB full copies in use; as space-optimized snapshots 5–20% of the 20 GiB parent each.
    assert.deepEqual(g.conversion, {
      copies: 2,
      fullBytes: 40 * GiB,
      spaceOptimizedBytes: [2 * GiB, 8 * GiB],
      savedBytes: [32 * GiB, 38 * GiB],
    });
    assert.deepEqual(b.fullGuests, ['web11', 'web12']);
    assert.deepEqual(b.spaceOptimizedGuests, ['web13', 'web14']);
    assert.deepEqual(b.conversion, g.conversion);
  });

  test('a host without VxVM snapshots has no gold image, and the view no section', () => {
    const a = exampleHost();
    assert.deepEqual(bootImages(a).golds, []);
    assert.deepEqual(bootImagesMarkdown(bootImages(a)), []);
    assert.equal(bootSection(inventoryMarkdown(a)), undefined);
    assert.deepEqual(bootImagesText([bootImages(a)]), []);
  });

  test('a backup (a break-off copy of a data volume no guest maps) is not a gold image; the same copy mapped by a guest makes one', () => {
    const s = kvmB();
    s.vxvm!.volumeInfo!.find((v) => v.name === 'appvol01')!.snapshot = { type: 'mirbrk', parent: 'data01', parentDg: 'appdg' };
    assert.deepEqual(
      bootImages(new HostIndex(s)).golds.map((g) => g.volume),
      ['appdg/gold01'],
    );
    s.domains!.push({ name: 'db12', disks: [{ source: '/dev/vx/dsk/appdg/appvol01', shareable: false, target: 'vda' }] });
    const b = bootImages(new HostIndex(s));
    assert.deepEqual(
      b.golds.map((g) => [g.volume, g.full.map((c) => c.guests)]),
      [
        ['appdg/data01', [['db12']]],
        ['appdg/gold01', [['web11'], ['web12']]],
      ],
      'in the order of the host volume list (vxvm.volumeInfo)',
    );
    assert.deepEqual(b.golds[0].mappedBy, ['db11']);
    // 50 GiB parent, a 10 GiB copy: the copy's own size counts now, 5–20% of the parent after.
    assert.deepEqual(b.golds[0].conversion, {
      copies: 1,
      fullBytes: 10 * GiB,
      spaceOptimizedBytes: [2.5 * GiB, 10 * GiB],
      savedBytes: [0, 7.5 * GiB],
    });
    assert.deepEqual(b.conversion?.savedBytes, [32 * GiB, 45.5 * GiB]);
  });

  test('sizes: a copy without one counts at its parent size; neither known, the amounts are unknown (never a guess)', () => {
    const s = kvmB();
    delete s.vxvm!.volumeInfo!.find((v) => v.name === 'web-full01')!.sizeBytes;
    let g = bootImages(new HostIndex(s)).golds[0];
    assert.equal(g.conversion!.fullBytes, 40 * GiB);
    delete s.vxvm!.volumeInfo!.find((v) => v.name === 'gold01')!.sizeBytes;
    const h = new HostIndex(s);
    g = bootImages(h).golds[0];
    assert.deepEqual(g.conversion, { copies: 2 });
    const section = bootImagesMarkdown(bootImages(h)).join('\n');
    const [row] = tableRows(section, /^\| Gold image \|/);
    assert.deepEqual(row.slice(1), [
      'size unknown',
      'tmpl01',
      '2 (web11, web12)',
      '2 (web13, web14) · 1 over 20% changed',
      '2, size unknown',
      '?',
      '?',
    ]);
    assert.doesNotMatch(section, /Boot storage/, 'no bar without amounts');
  });

  test('peer documents count among the guests, as the rules count them; one domain seen on the host and in a file once', () => {
    const h = exampleHostB();
    const doc = (name: string, vol: string) =>
      analyzeDocument(
        `<domain type='kvm'><name>${name}</name><devices><disk type='block' device='disk'><source dev='/dev/vx/dsk/appdg/${vol}'/><target dev='vda' bus='virtio'/></disk></devices></domain>`,
      ).model!;
    const peers = [
      peerOf('file:///ws/web15.xml', doc('web15', 'web-so01'), 'workspace'),
      peerOf('file:///ws/web11.xml', doc('web11', 'web-full01'), 'workspace'),
    ];
    const g = bootImages(h, peers).golds[0];
    assert.deepEqual(g.spaceOptimized[0].guests, ['web13', 'web15']);
    assert.deepEqual(g.full[0].guests, ['web11']);
    assert.deepEqual(bootImages(h, peers).spaceOptimizedGuests, ['web13', 'web15', 'web14']);
  });

  test('text bars: full blocks up to the least, shaded up to the most, scaled to the largest', () => {
    assert.equal(textBar(40, 40, 40, 8), '████████');
    assert.equal(textBar(2, 8, 40, 20), '█▒▒▒');
    assert.equal(textBar(0.001, 0.002, 40, 20), '█', 'a non-zero amount shows');
    assert.equal(textBar(0, 0, 40, 20), '');
    assert.equal(textBar(1, 1, 0, 20), '');
  });
});

describe('the inventory view: a Boot images table per host', () => {
  test("kvm-b's row and bar, from bootImages", () => {
    const h = exampleHostB();
    const section = bootSection(inventoryMarkdown(h));
    assert.ok(section, 'a Boot images section');
    const rows = tableRows(section, /^\| Gold image \|/);
    assert.deepEqual(rows, [
      [
        'appdg\\/gold01',
        '20.0 GiB',
        'tmpl01',
        '2 (web11, web12)',
        '2 (web13, web14) · 1 over 20% changed',
        '2, 40.0 GiB',
        '2.0 GiB–8.0 GiB',
        '32.0 GiB–38.0 GiB',
      ],
    ]);
    const bars = tableRows(section, /^\| Boot storage \|/);
    assert.deepEqual(
      bars.map((r) => r.slice(0, 2)),
      [
        ['Full copies in use now (2)', '40.0 GiB'],
        ['As space-optimized snapshots', '2.0 GiB–8.0 GiB'],
        ['Saved', '32.0 GiB–38.0 GiB'],
      ],
    );
    assert.deepEqual(
      bars.map((r) => r[2]),
      [textBar(40, 40, 40), textBar(2, 8, 40), textBar(32, 38, 40)],
    );
    assert.match(section, /typically 5–20% of the parent/);
  });

  test('names from the host are data: a pipe, a link and markup stay inside their cell, escaped', () => {
    const s = kvmB();
    const evil = 'g|x[a](http://e.example/b)<img src=x>`*';
    for (const v of s.vxvm!.volumeInfo!) {
      if (v.name === 'gold01') v.name = evil;
      if (v.snapshot?.parent === 'gold01') v.snapshot.parent = evil;
    }
    s.vxvm!.volumes = s.vxvm!.volumes.map((v) => (v === 'appdg/gold01' ? `appdg/${evil}` : v));
    const section = bootSection(inventoryMarkdown(new HostIndex(s)))!;
    const [row] = tableRows(section, /^\| Gold image \|/);
    assert.equal(row.length, 8, row.join(' ‖ '));
    assert.ok(row[0].startsWith('appdg\\/g\\|x\\[a\\]\\(http'), row[0]);
    assert.doesNotMatch(section, /(?<!\\)<img|(?<!\\)\]\(http/);
  });
});

describe('the audit: boot images after the text summary', () => {
  test('text renderer: one row per gold image, the fleet total; host names through terminalText', () => {
    const b = bootImages(exampleHostB());
    const lines = bootImagesText([b, { ...b, host: 'kvm-\u001b[31mc' }, bootImages(exampleHost())]);
    assert.match(lines[0], /^boot images: .*typically 5–20% of the parent/);
    const rows = lines.slice(2).map((l) => l.split(/\s{2,}/));
    assert.deepEqual(
      rows.map((r) => r[0]),
      ['kvm-b', 'kvm-\\x1b[31mc', 'total (2 hosts)'],
    );
    assert.deepEqual(rows[0].slice(1), ['appdg/gold01', '20.0 GiB', '2 (40.0 GiB in use)', '2', '2 (1 >20%)', '2', '32.0 GiB–38.0 GiB']);
    assert.deepEqual(rows[2].slice(1), ['2 gold images', '4 (80.0 GiB in use)', '4', '4', '64.0 GiB–76.0 GiB']);
    assert.ok(!lines.join('\n').includes('\u001b'));
  });

  test('libvirt-domain-lint audit --inventory kvm-b: the table is the last thing printed, after the host summary', () => {
    const r = runCli(['audit', '--inventory', EXAMPLE_INVENTORY_B]);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    const summary = lines.findIndex((l) => /^host\s+domains\s+errors\s+warnings\s+failures$/.test(l));
    const boot = lines.findIndex((l) => l.startsWith('boot images: '));
    assert.ok(summary > 0 && boot > summary, r.stdout);
    assert.deepEqual(lines.slice(boot), bootImagesText([bootImages(exampleHostB())]));
    // The findings of the host's own domains (tmpl01 maps its gold image with <readonly/>).
    assert.ok(!lines.some((l) => l.includes(' gold-image-writable: ')), r.stdout);
    for (const [domain, code] of [
      ['web11', 'full-copy-boot-image'],
      ['web12', 'full-copy-boot-image'],
      ['web14', 'snapshot-diverged'],
    ])
      assert.ok(
        lines.some((l) => l.startsWith(`kvm-b/${domain}:`) && l.includes(` ${code}: `)),
        `${domain} ${code}\n${r.stdout}`,
      );
    // No VxVM snapshots anywhere: nothing added.
    const dir = mkdtempSync(join(tmpdir(), 'ldx-boot-'));
    try {
      const a = JSON.parse(readFileSync(EXAMPLE_INVENTORY_B, 'utf8')) as InventorySnapshot;
      delete a.vxvm!.volumeInfo;
      writeFileSync(join(dir, 'kvm-b.json'), JSON.stringify(a));
      assert.doesNotMatch(runCli(['audit', '--inventory', join(dir, 'kvm-b.json')]).stdout, /boot images/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A guest booting from the VxVM volume appdg/VOL (with or without <readonly/>), as a document being written. */
function guest(name: string, vol: string, readonly = false): string {
  return [
    "<domain type='kvm'>",
    `  <name>${name}</name>`,
    "  <memory unit='KiB'>1048576</memory>",
    "  <os><type arch='x86_64'>hvm</type></os>",
    '  <devices>',
    "    <disk type='block' device='disk'>",
    `      <source dev='/dev/vx/dsk/appdg/${vol}'/>`,
    "      <target dev='vda' bus='virtio'/>",
    ...(readonly ? ['      <readonly/>'] : []),
    '    </disk>',
    '  </devices>',
    '</domain>',
    '',
  ].join('\n');
}

const GOLD_CODES = ['full-copy-boot-image', 'snapshot-diverged', 'gold-image-writable'];

/** Everything the boot-image picture shows for one host index: findings, hovers, the view's section, the audit's lines. */
function picture(h: HostIndex) {
  const docs = {
    tmpl02: guest('tmpl02', 'gold01'),
    web21: guest('web21', 'web-full01'),
    web23: guest('web23', 'web-so01'),
    web24: guest('web24', 'web-so02'),
    db21: guest('db21', 'data01'),
  };
  const svc = new LanguageService({ hostsFor: () => [h], peersFor: () => ({ version: 1, peers: [] }) });
  const findings: Record<string, string[]> = {};
  const hovers: Record<string, string> = {};
  for (const [name, text] of Object.entries(docs)) {
    const doc = { uri: `file:///live/${name}.xml`, text };
    const a = svc.analyze(doc);
    findings[name] = a.findings.filter((f) => GOLD_CODES.includes(f.code)).map((f) => `${f.code}: ${f.message}`);
    const ref = a.model!.disks[0].hostPath!;
    const hv = svc.hover(doc, a.doc.lines.positionAt(ref.start + 1));
    hovers[name] = (hv?.contents as { value: string } | undefined)?.value ?? '';
  }
  const hostDomains = Object.fromEntries(
    auditHostIndex(h).domains.map((d) => [d.name, d.findings.filter((f) => GOLD_CODES.includes(f.code)).map((f) => f.code)]),
  );
  return { findings, hostDomains, hovers, view: bootSection(inventoryMarkdown(h)), text: bootImagesText([bootImages(h)]) };
}

describe('against a live rig host (kvm-b) and its saved collector output: the three findings, the hover, the view and the audit summary', () => {
  let rig: Rig | undefined;
  let skip = '';
  const dir = mkdtempSync(join(tmpdir(), 'ldx-boot-live-'));
  before(async () => {
    const r = await startRigOrSkip({ hosts: [{ name: 'kvm-b', fixtureDir: join(ROOT, 'examples/hosts/kvm-b') }] });
    if (typeof r === 'string') skip = r;
    else rig = r;
  });
  after(async () => {
    await rig?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('live over ssh, the output saved as Ansible saves it, and the bundled example: one picture', async (t) => {
    if (!rig) return t.skip(skip);
    const live = new HostIndex(await fetchSnapshot('kvm-b', { sshConfigFile: rig.sshConfigPath, timeoutMs: 20_000 }));
    // The collector run over ssh with its output kept in a file (what ansible/collect.yml leaves), then read back.
    const run = spawnSync('ssh', ['-F', rig.sshConfigPath, '-o', 'BatchMode=yes', '-T', '--', 'kvm-b', 'sh', '-s'], {
      input: collectorScript(),
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stderr);
    const out = join(dir, 'kvm-b.out');
    writeFileSync(out, run.stdout);
    const saved = loadInventoryFile(out);
    assert.deepEqual(live.snapshot.vxvm?.volumeInfo?.length, 9, 'the rig ran vxsnap and vxprint');
    assert.deepEqual(saved.snapshot.vxvm, live.snapshot.vxvm);

    const p = picture(live);
    assert.deepEqual(picture(saved), p, 'saved output = live');
    assert.deepEqual(picture(exampleHostB()), p, 'the bundled example = live');

    // The three findings, each on its own document, nothing on a space-optimized snapshot within 20% or on a data volume.
    assert.deepEqual(Object.fromEntries(Object.entries(p.findings).map(([k, v]) => [k, v.map((m) => m.slice(0, m.indexOf(':')))])), {
      tmpl02: ['gold-image-writable'],
      web21: ['full-copy-boot-image'],
      web23: [],
      web24: ['snapshot-diverged'],
      db21: [],
    });
    assert.match(
      p.findings.web21[0],
      /of gold image appdg\/gold01 \(20\.0 GiB\); 3 other guests on kvm-b map copies of it too \(web12, web13, web14\)/,
    );
    assert.match(p.findings.web24[0], /differs from its parent appdg\/gold01 by 27% \(5\.4 GiB\)/);
    assert.match(p.findings.tmpl02[0], /has 2 space-optimized and 2 full-sized instant snapshots/);
    // The host's own domains: full copies on web11 and web12, the diverged snapshot on web14; tmpl01 maps its gold image read-only.
    assert.deepEqual(p.hostDomains, {
      app02: [],
      db11: [],
      tmpl01: [],
      web11: ['full-copy-boot-image'],
      web12: ['full-copy-boot-image'],
      web13: [],
      web14: ['snapshot-diverged'],
    });
    // The hover: a gold image's snapshots and the guests on them; a snapshot's type, parent and changed data.
    assert.match(
      p.hovers.tmpl02,
      /^- Gold image: 4 snapshots — .* · used by web11 \(`appdg\/web-full01`\), web12 \(`appdg\/web-full02`\), web13 \(`appdg\/web-so01`\), web14 \(`appdg\/web-so02`\)$/m,
    );
    assert.match(p.hovers.web24, /^- Space-optimized snapshot \(`spaceopt`\) of `appdg\/gold01` · changed 27%, 5\.4 GiB/m);
    assert.match(p.hovers.web21, /^- Full-sized instant snapshot \(`fullinst`\) of `appdg\/gold01` · changed 2%/m);
    // The view and the audit summary.
    assert.ok(p.view, 'a Boot images section');
    assert.deepEqual(tableRows(p.view, /^\| Gold image \|/)[0].slice(3), [
      '2 (web11, web12)',
      '2 (web13, web14) · 1 over 20% changed',
      '2, 40.0 GiB',
      '2.0 GiB–8.0 GiB',
      '32.0 GiB–38.0 GiB',
    ]);
    const cli = (args: string[]) => {
      const r = runCli(['audit', ...args]);
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.trimEnd().split('\n');
    };
    const liveAudit = cli(['--host', 'kvm-b', '--ssh-config', rig.sshConfigPath]);
    assert.deepEqual(cli(['--inventory', out]), liveAudit);
    assert.deepEqual(liveAudit.slice(liveAudit.findIndex((l) => l.startsWith('boot images: '))), p.text);
  });
});
