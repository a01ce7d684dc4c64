// The LSP surface a VS Code user expects: outline (document symbols), inlay hints, code lens, document
// links and go to definition, from the language service and through the in-process language server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Diagnostic, DocumentSymbol, InlayHint } from 'vscode-languageserver-protocol';
import { ageText, codeLenses, lensLabel } from '../server/src/features/codeLens';
import { inventoryLinkTarget } from '../server/src/features/documentLinks';
import { hintLabel } from '../server/src/features/inlayHints';
import { LanguageService } from '../server/src/languageService';
import type { HostIndex } from '../server/src/inventory/resolver';
import { LanguageServer, type LanguageServerClient } from '../server/src/lsp/languageServer';
import { blockDisk, domainXml, EXAMPLE_INVENTORY, EXAMPLE_INVENTORY_B, exampleHost, exampleHostB, ROOT } from './support/examples';
import { until } from './support/poll';

const ALL = { start: { line: 0, character: 0 }, end: { line: 10_000, character: 0 } };

function example(rel: string): { uri: string; text: string } {
  return { uri: pathToFileURL(join(ROOT, rel)).toString(), text: readFileSync(join(ROOT, rel), 'utf8') };
}

function service(hosts: HostIndex[]): LanguageService {
  return new LanguageService({ hostsFor: () => hosts });
}

/** The tree as `name [detail]` lines, children indented. */
function outline(symbols: DocumentSymbol[], depth = 0): string[] {
  return symbols.flatMap((s) => [
    `${'  '.repeat(depth)}${s.name}${s.detail ? ` [${s.detail}]` : ''}`,
    ...outline(s.children ?? [], depth + 1),
  ]);
}

function within(outer: DocumentSymbol['range'], inner: DocumentSymbol['range']): boolean {
  const le = (a: { line: number; character: number }, b: { line: number; character: number }) =>
    a.line < b.line || (a.line === b.line && a.character <= b.character);
  return le(outer.start, inner.start) && le(inner.end, outer.end);
}

function checkRanges(symbols: DocumentSymbol[]): void {
  for (const s of symbols) {
    assert.ok(within(s.range, s.selectionRange), `selection inside range: ${s.name}`);
    assert.ok(s.name.length > 0);
    for (const c of s.children ?? []) assert.ok(within(s.range, c.range), `${c.name} inside ${s.name}`);
    checkRanges(s.children ?? []);
  }
}

test('document symbols: every example domain and pool, target ← source, ranges nested', () => {
  const svc = service([exampleHost()]);
  const app01 = svc.documentSymbols(example('examples/domains/app01.xml'));
  assert.deepEqual(outline(app01), [
    'app01 [domain kvm]',
    '  devices',
    '    vda ← /var/lib/libvirt/images/app01.qcow2 [file disk]',
    '    vdb ← /dev/sdc [block disk]',
    '    vdc ← /dev/disk/by-label/appdata [block disk]',
    '    vdc ← /dev/nvme0n1 [block disk]',
    '    sda ← /dev/sr0 [block cdrom]',
  ]);
  // The disk's selection is its source value (line 20 of the file: `<source dev='/dev/sdc'/>`).
  const vdb = app01[0].children![0].children![1];
  assert.deepEqual(vdb.selectionRange, { start: { line: 19, character: 19 }, end: { line: 19, character: 27 } });
  assert.deepEqual(app01[0].selectionRange, { start: { line: 2, character: 8 }, end: { line: 2, character: 13 } });
  assert.match(outline(svc.documentSymbols(example('examples/domains/db02.xml'))).join('\n'), /hostdev ← \/dev\/sde \[hostdev storage\]/);
  assert.deepEqual(outline(svc.documentSymbols(example('examples/pools/vmstore.xml'))), [
    'vmstore [pool logical]',
    '  /dev/sdc [source device]',
    '  /dev/vmstore [target path]',
  ]);
  assert.deepEqual(outline(svc.documentSymbols(example('examples/pools/fc-luns.xml'))), [
    'fc-luns [pool scsi]',
    '  /dev/disk/by-path [target path]',
  ]);
  for (const f of ['app01', 'db02', 'web02']) checkRanges(svc.documentSymbols(example(`examples/domains/${f}.xml`)));
  for (const f of ['vmstore', 'fc-luns']) checkRanges(svc.documentSymbols(example(`examples/pools/${f}.xml`)));
});

test('document symbols: interfaces, document text as labels (controls escaped), other XML and broken XML give none', () => {
  const svc = service([]);
  const text = domainXml(
    [
      blockDisk('/dev/sdc', 'vd\u202eb'),
      "    <interface type='bridge'><mac address='52:54:00:00:00:01'/><source bridge='br0'/><target dev='vnet0'/></interface>",
    ].join('\n'),
  );
  const names = outline(svc.documentSymbols({ uri: 'file:///t/a.xml', text }));
  assert.deepEqual(names, ['t [domain kvm]', '  devices', '    vd\\u202eb ← /dev/sdc [block disk]', '    vnet0 ← br0 [interface bridge]']);
  assert.deepEqual(svc.documentSymbols({ uri: 'file:///t/n.xml', text: '<network><name>x</name></network>' }), []);
  assert.deepEqual(svc.documentSymbols({ uri: 'file:///t/b.xml', text: text.replace('</devices>', '</device>') }), []);
});

test('inlay hints: one host, several hosts, only block sources in the range, none without hosts', () => {
  const app01 = example('examples/domains/app01.xml');
  const one = service([exampleHost()]).inlayHints(app01, ALL);
  assert.deepEqual(
    one.map((h) => [h.position.line, h.position.character, h.label]),
    [
      [19, 28, '⇒ 3pardata0_12 · 500 GiB · 1 of 2 paths'],
      [24, 46, '⇒ nvme0n1p1 · 1.6 TiB'],
      [29, 32, '⇒ nvme0n1 · 1.6 TiB'],
    ],
  );
  const two = service([exampleHost(), exampleHostB()]).inlayHints(app01, ALL);
  assert.deepEqual(
    two.map((h) => h.label),
    ['⇒ kvm-a: 3pardata0_12 | kvm-b: sdc', '⇒ kvm-a: nvme0n1p1 | kvm-b: —', '⇒ kvm-a: nvme0n1 | kvm-b: —'],
  );
  // Only the lines asked for.
  const part = service([exampleHost()]).inlayHints(app01, { start: { line: 20, character: 0 }, end: { line: 25, character: 0 } });
  assert.deepEqual(
    part.map((h) => h.position.line),
    [24],
  );
  assert.deepEqual(service([]).inlayHints(app01, ALL), []);
  assert.equal(hintLabel('/dev/vx/dmp/3pardata0_12', [exampleHost()]), '⇒ 3pardata0_12 · 500 GiB · 2 paths');
  assert.equal(hintLabel('/dev/nope', [exampleHost()]), '⇒ not found');
  assert.equal(
    hintLabel('/dev/disk/by-id/dm-uuid-mpath-36001405e5bf5c158c4e4a5398ccba2cc', [exampleHost(), exampleHostB()]),
    '⇒ kvm-a: mpatha | kvm-b: mpathb',
  );
  // Pools: the source device path.
  assert.deepEqual(
    service([exampleHost()])
      .inlayHints(example('examples/pools/vmstore.xml'), ALL)
      .map((h) => h.label),
    ['⇒ 3pardata0_12 · 500 GiB · 1 of 2 paths'],
  );
});

test('code lens: host group and inventory age, counts, Refresh and Fix all (no arguments); labels encoded', () => {
  const now = Date.UTC(2025, 0, 10);
  const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 8 } };
  const lenses = codeLenses({
    uri: 'file:///t/a.xml',
    range,
    group: 'prod',
    hosts: [
      { host: 'kvm-a', source: 'ssh', fetchedAt: now - 5 * 60_000 },
      { host: 'kvm-b', source: 'snapshot', collectedAt: now - 3 * 86_400_000 },
    ],
    hostAccess: true,
    errors: 1,
    warnings: 3,
    fixable: true,
    now,
  });
  assert.deepEqual(
    lenses.map((l) => [l.command!.title, l.command!.command, l.command!.arguments]),
    [
      ['Hosts (prod): kvm-a, kvm-b · fetched 5 min ago, snapshot, 3 d old', 'libvirtDomain.chooseHostGroup', undefined],
      ['1 error, 3 warnings', 'workbench.actions.view.problems', undefined],
      ['Refresh inventory', 'libvirtDomain.refreshInventory', undefined],
      ['Fix all in this file', 'libvirtDomain.fixAllInFile', undefined],
    ],
  );
  const bare = codeLenses({ uri: 'file:///t/a.xml', range, hosts: [], hostAccess: false, errors: 0, warnings: 0, fixable: false, now });
  assert.deepEqual(
    bare.map((l) => l.command!.title),
    ['No host inventory (set libvirtDomain.hosts or libvirtDomain.inventorySnapshot)', 'No problems'],
  );
  assert.equal(lensLabel('evil\u001b]0;x\u0007$(alert)'), 'evil\\x1b]0;x\\x07$\u200c(alert)');
  assert.equal(lensLabel('h'.repeat(100)).length, 40);
  assert.deepEqual(
    ['just now', '5 min', '3 h', '2 d'],
    [ageText(10_000), ageText(5 * 60_000), ageText(3 * 3_600_000), ageText(50 * 3_600_000)],
  );
});

test('code lens from the service: counts and Fix all follow the document', () => {
  const svc = service([exampleHost()]);
  const ctx = { group: 'snapshots', hosts: [{ host: 'kvm-a', source: 'snapshot' as const }], hostAccess: false, now: Date.now() };
  const app01 = example('examples/domains/app01.xml');
  const titles = svc.codeLenses(app01, ctx).map((l) => l.command!.title);
  const diags = svc.diagnostics(app01);
  const count = (sev: number) => diags.filter((d) => d.severity === sev).length;
  assert.ok(count(1) > 0 && count(2) > 0);
  assert.deepEqual(titles, [
    'Hosts: kvm-a · snapshot',
    `${count(1)} error${count(1) === 1 ? '' : 's'}, ${count(2)} warning${count(2) === 1 ? '' : 's'}`,
    'Fix all in this file',
  ]);
  const lens = svc.codeLenses(app01, ctx)[0];
  assert.deepEqual(lens.range, { start: { line: 1, character: 0 }, end: { line: 1, character: 19 } });
  const clean = { uri: 'file:///t/c.xml', text: domainXml(blockDisk('/dev/vx/dmp/3pardata0_12')) };
  assert.deepEqual(
    svc.codeLenses(clean, ctx).map((l) => l.command!.title),
    ['Hosts: kvm-a · snapshot', 'No problems'],
  );
  assert.deepEqual(svc.codeLenses({ uri: 'file:///t/n.xml', text: '<network/>' }, ctx), []);
});

test('document links: a command link to the host inventory; the host passed only when it is a plain name', () => {
  const links = service([exampleHost()]).documentLinks(example('examples/domains/app01.xml'));
  // /dev/sdc, by-label, nvme0n1: not the qcow2 file, not the cdrom.
  assert.deepEqual(
    links.map((l) => l.range.start.line),
    [19, 24, 29],
  );
  assert.equal(links[0].target, `command:libvirtDomain.showHostInventory?${encodeURIComponent('{"host":"kvm-a"}')}`);
  assert.deepEqual(JSON.parse(decodeURIComponent(links[0].target!.split('?')[1])), { host: 'kvm-a' });
  assert.equal(
    inventoryLinkTarget('kvm-a.example.com'),
    'command:libvirtDomain.showHostInventory?%7B%22host%22%3A%22kvm-a.example.com%22%7D',
  );
  for (const bad of ['a)](command:x', 'a b', 'a"b', '-oProxyCommand=x', '', 'a\nb', 'x'.repeat(81)])
    assert.equal(inventoryLinkTarget(bad), 'command:libvirtDomain.showHostInventory', JSON.stringify(bad));
  assert.deepEqual(service([]).documentLinks(example('examples/domains/app01.xml')), []);
});

function recordingClient(settings: () => unknown) {
  const rec = { published: [] as { uri: string; diagnostics: Diagnostic[] }[], refreshes: 0, logs: [] as string[] };
  const client: LanguageServerClient = {
    publishDiagnostics: (uri, _v, diagnostics) => void rec.published.push({ uri, diagnostics }),
    log: (m) => void rec.logs.push(m),
    sendNotification: () => undefined,
    progress: async () => ({ report: () => undefined, done: () => undefined, onCancel: () => undefined }),
    configuration: async () => settings(),
    registerForConfiguration: async () => undefined,
    refreshInlayHints: () => void rec.refreshes++,
  };
  return { client, rec };
}

test('in-process server: capabilities, symbols, hints refreshed on an inventory change and off by setting, lens, links, definition', async (t) => {
  const ws = mkdtempSync(join(tmpdir(), 'ldx-surface-'));
  const poolFile = join(ws, 'store.xml');
  writeFileSync(poolFile, "<pool type='logical'>\n  <name>store</name>\n  <source><device path='/dev/sdc'/></source>\n</pool>\n");
  const settings: Record<string, unknown> = { schema: { enabled: false }, inventorySnapshot: EXAMPLE_INVENTORY };
  const { client, rec } = recordingClient(() => settings);
  const server = new LanguageServer(client);
  t.after(() => server.shutdown());
  const init = server.initialize({
    processId: process.pid,
    rootUri: null,
    capabilities: { workspace: { configuration: true, inlayHint: { refreshSupport: true } } },
    workspaceFolders: [{ uri: pathToFileURL(ws).toString(), name: 'ws' }],
  });
  const caps = init.capabilities;
  assert.ok(
    caps.documentSymbolProvider && caps.inlayHintProvider && caps.codeLensProvider && caps.documentLinkProvider && caps.definitionProvider,
  );
  server.initialized();
  const uri = pathToFileURL(join(ws, 'dom.xml')).toString();
  const text = domainXml(
    [
      blockDisk('/dev/sdc'),
      "    <disk type='volume' device='disk'><source pool='store' volume='v1'/><target dev='vdc' bus='virtio'/></disk>",
    ].join('\n'),
  );
  server.documentChanged(uri, 1, text);
  const doc = { textDocument: { uri } };
  const hints = () => server.inlayHints({ ...doc, range: ALL }).map((h: InlayHint) => h.label);
  await until('hints from kvm-a', () => (hints()[0] === '⇒ 3pardata0_12 · 500 GiB · 1 of 2 paths' ? true : undefined));
  assert.deepEqual(outline(server.documentSymbols(doc)), [
    't [domain kvm]',
    '  devices',
    '    vdb ← /dev/sdc [block disk]',
    '    vdc ← store/v1 [volume disk]',
  ]);

  // The inventory changes (another snapshot): the editor is asked for hints again, and they follow.
  const before = rec.refreshes;
  settings.inventorySnapshot = EXAMPLE_INVENTORY_B;
  server.didChangeConfiguration({ settings: {} });
  await until('a hint refresh', () => (rec.refreshes > before ? true : undefined));
  await until('hints from kvm-b', () => (String(hints()[0]).startsWith('⇒ sdc') ? true : undefined));

  // Turned off: none, and the editor is asked again.
  const beforeOff = rec.refreshes;
  settings.inlayHints = { enabled: false };
  server.didChangeConfiguration({ settings: {} });
  await until('hints off', () => (hints().length === 0 && rec.refreshes > beforeOff ? true : undefined));

  const lens = server.codeLenses(doc).map((l) => l.command!.title);
  assert.match(lens[0], /^Hosts: kvm-b · snapshot, \d+ (d|h|min) old$/);
  assert.ok(server.documentLinks(doc).some((l) => l.target?.includes(encodeURIComponent('"kvm-b"'))));

  // Definition: from the pool name to the pool file's <name> (scanned), and to an open pool document's instead.
  const at = text.indexOf("pool='store'") + 7;
  const line = text.slice(0, at).split('\n').length - 1;
  const character = at - text.lastIndexOf('\n', at - 1) - 1;
  const defs = await server.definition({ ...doc, position: { line, character } });
  assert.deepEqual(defs, [
    { uri: pathToFileURL(poolFile).toString(), range: { start: { line: 1, character: 8 }, end: { line: 1, character: 13 } } },
  ]);
  const openPool = 'untitled:Untitled-1';
  server.documentChanged(openPool, 1, "<pool type='dir'><name>store</name></pool>");
  const both = await server.definition({ ...doc, position: { line, character } });
  assert.deepEqual(
    both.map((l) => l.uri),
    [openPool, pathToFileURL(poolFile).toString()],
  );
  assert.deepEqual(await server.definition({ ...doc, position: { line: 0, character: 1 } }), []);
});
