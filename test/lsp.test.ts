import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import type { CodeAction, Diagnostic, Hover, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { LanguageServer, logText, type LanguageServerClient } from '../server/src/lsp/languageServer';
import { ServerCore } from '../server/src/lsp/serverCore';
import { InventoryErrorNotification, InventoryStateNotification, SERVER_NOTIFICATIONS, SETTINGS_SECTION } from '../server/src/protocol';
import { blockDisk, domainXml, EXAMPLE_INVENTORY, exampleHost, ROOT } from './support/examples';
import { applyLspEdits } from './support/edits';
import { until } from './support/poll';

test('in-process: open → diagnostics, change → debounced diagnostics, hover, code actions, close', async () => {
  const published: { uri: string; version?: number; diagnostics: Diagnostic[] }[] = [];
  const core = new ServerCore(
    { publishDiagnostics: (uri, version, diagnostics) => published.push({ uri, version, diagnostics }), log: () => undefined },
    { debounceMs: 5, docsUri: 'file:///readme.md' },
  );
  core.setHosts([exampleHost()]);
  const uri = 'file:///t/dom.xml';
  const text = domainXml(blockDisk('/dev/sdc'));
  core.open(uri, 1, text);
  assert.equal(published.length, 1);
  const d = published[0].diagnostics[0];
  assert.equal(d.code, 'unstable-device-name');
  assert.equal(d.source, 'libvirt-domain');
  assert.equal(d.codeDescription?.href, 'file:///readme.md#unstable-device-name');
  const hover = core.hover(uri, d.range.start)!;
  assert.match((hover.contents as { value: string }).value, /3pardata0_12/);
  const actions = core.codeActions(uri, d.range);
  const preferred = actions.find((a) => a.isPreferred)!;
  assert.equal(preferred.title, 'Use /dev/vx/dmp/3pardata0_12');
  assert.ok(actions.some((a) => a.kind === 'source.fixAll.libvirt-domain'));
  // unstable-device-name and multipath-bypass offer the same replacements: each appears once, for both diagnostics.
  assert.equal(actions.filter((a) => a.isPreferred).length, 1);
  assert.equal(new Set(actions.map((a) => a.title)).size, actions.length);
  assert.equal(preferred.diagnostics?.length, 2);
  // editor.codeActionsOnSave asks for our own kind.
  assert.deepEqual(
    core.codeActions(uri, d.range, ['source.fixAll.libvirt-domain']).map((a) => a.kind),
    ['source.fixAll.libvirt-domain'],
  );

  // Broken XML: the parse error, and the last good findings of the unchanged region kept beside it (no
  // flicker while typing); hover and fixes keep working from the last good parse where the value is unchanged.
  const broken = text.replace('</devices>', '</device>');
  core.change(uri, 2, broken);
  const second = await until('publish of the broken version', () => published.find((p) => p.version === 2));
  const firstCodes = published[0].diagnostics.map((x) => x.code);
  assert.deepEqual(
    second.diagnostics.map((x) => x.code),
    ['xml-not-well-formed', ...firstCodes],
  );
  assert.match((core.hover(uri, d.range.start)!.contents as { value: string }).value, /3pardata0_12/);
  const stale = core.codeActions(uri, d.range).find((a) => a.isPreferred)!;
  assert.equal(applyLspEdits(broken, stale.edit!.changes![uri]), broken.replace('/dev/sdc', '/dev/vx/dmp/3pardata0_12'));

  core.change(uri, 3, text.replace('/dev/sdc', '/dev/vx/dmp/3pardata0_12'));
  const third = await until('debounced publish', () => published.find((p) => p.version === 3));
  assert.deepEqual(third.diagnostics, []);
  core.close(uri);
  assert.deepEqual(published[published.length - 1].diagnostics, []);
  core.dispose();
});

test('stdio: the bundled server answers initialize, publishes diagnostics, hovers and fixes', async (t) => {
  const proc = spawn(process.execPath, [join(ROOT, 'dist/server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  t.after(() => proc.kill('SIGKILL'));
  const conn = createMessageConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
  const diags = new Map<string, PublishDiagnosticsParams>();
  conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => void diags.set(`${p.uri}@${p.version}`, p));
  conn.onRequest('client/registerCapability', () => null);
  conn.onRequest('workspace/configuration', () => []);
  conn.onNotification('window/showMessage', (m: { message: string }) => assert.fail(`server showed a message: ${m.message}`));
  conn.listen();
  const init = await conn.sendRequest<{ capabilities: { hoverProvider: boolean } }>('initialize', {
    processId: process.pid,
    rootUri: null,
    capabilities: {},
    initializationOptions: { inventoryFiles: [EXAMPLE_INVENTORY], docsUri: pathToFileURL(join(ROOT, 'README.md')).toString() },
  });
  assert.equal(init.capabilities.hoverProvider, true);
  await conn.sendNotification('initialized', {});
  const uri = pathToFileURL(join(ROOT, 'examples/domains/app01.xml')).toString();
  const text = domainXml([blockDisk('/dev/sdc', 'vdb'), blockDisk('/dev/disk/by-label/appdata', 'vdc')].join('\n'));
  await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'xml', version: 1, text } });
  const pub = await until('diagnostics over stdio', () => diags.get(`${uri}@1`));
  assert.deepEqual(
    pub.diagnostics.map((d) => d.code),
    ['unstable-device-name', 'multipath-bypass', 'guest-mutable-identifier'],
  );
  assert.match(pub.diagnostics[0].codeDescription!.href, /README\.md#unstable-device-name$/);
  const hover = await conn.sendRequest<Hover>('textDocument/hover', { textDocument: { uri }, position: pub.diagnostics[2].range.start });
  assert.match((hover.contents as { value: string }).value, /guest can change it/);
  const actions = await conn.sendRequest<CodeAction[]>('textDocument/codeAction', {
    textDocument: { uri },
    range: pub.diagnostics[0].range,
    context: { diagnostics: [pub.diagnostics[0]] },
  });
  const preferred = actions.find((a) => a.isPreferred)!;
  const fixed = applyLspEdits(text, preferred.edit!.changes![uri]);
  assert.equal(fixed, text.replace('/dev/sdc', '/dev/vx/dmp/3pardata0_12'));
  await conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: fixed }] });
  const after = await until('diagnostics after the fix', () => diags.get(`${uri}@2`));
  assert.deepEqual(
    after.diagnostics.map((d) => d.code),
    ['guest-mutable-identifier'],
  );
  await conn.sendRequest('shutdown');
  await conn.sendNotification('exit');
  conn.dispose();
});

test('stdio: workspace files that are not open count for cross-document rules', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ldx-ws-'));
  mkdirSync(join(dir, 'cluster'));
  writeFileSync(
    join(dir, 'cluster', 'other.xml'),
    domainXml(blockDisk('/dev/vx/dmp/3pardata0_12')).replace('<name>t</name>', '<name>other</name>'),
  );
  const proc = spawn(process.execPath, [join(ROOT, 'dist/server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  t.after(() => proc.kill('SIGKILL'));
  const conn = createMessageConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
  const diags: PublishDiagnosticsParams[] = [];
  conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => void diags.push(p));
  conn.onRequest('client/registerCapability', () => null);
  conn.listen();
  await conn.sendRequest('initialize', {
    processId: process.pid,
    rootUri: null,
    workspaceFolders: [{ uri: pathToFileURL(dir).toString(), name: 'ws' }],
    capabilities: {},
    initializationOptions: { inventoryFiles: [EXAMPLE_INVENTORY] },
  });
  await conn.sendNotification('initialized', {});
  const uri = pathToFileURL(join(dir, 'mine.xml')).toString();
  await conn.sendNotification('textDocument/didOpen', {
    textDocument: {
      uri,
      languageId: 'xml',
      version: 1,
      text: domainXml(blockDisk('/dev/disk/by-id/wwn-0x60002ac000000000000000120001a2b3')),
    },
  });
  // The first diagnostics come at once; the workspace scan then adds the sharing finding.
  const shared = await until('shared-without-shareable from the workspace scan', () =>
    diags.find((d) => d.uri === uri && d.diagnostics.some((x) => x.code === 'shared-without-shareable')),
  );
  assert.match(String(shared.diagnostics.find((x) => x.code === 'shared-without-shareable')!.message), /also used by other/);
  await conn.sendRequest('shutdown');
  await conn.sendNotification('exit');
  conn.dispose();
});

/** A LanguageServerClient that records what the server sends; `settings` is what a configuration pull answers. */
function recordingClient(settings: () => unknown) {
  const rec = {
    published: [] as { uri: string; version?: number; diagnostics: Diagnostic[] }[],
    logs: [] as string[],
    notifications: [] as { method: string; params: unknown }[],
    progress: [] as string[],
    pulls: 0,
    registered: [] as string[],
  };
  const client: LanguageServerClient = {
    publishDiagnostics: (uri, version, diagnostics) => void rec.published.push({ uri, version, diagnostics }),
    log: (m) => void rec.logs.push(m),
    sendNotification: (type, params) => void rec.notifications.push({ method: type.method, params }),
    progress: async (title) => {
      rec.progress.push(title);
      return { report: () => undefined, done: () => undefined, onCancel: () => undefined };
    },
    configuration: async () => {
      rec.pulls++;
      return settings();
    },
    registerForConfiguration: async (section) => void rec.registered.push(section),
  };
  const last = (uri: string) => rec.published.filter((p) => p.uri === uri).at(-1);
  return { client, rec, last };
}

test('in-process: the whole language server over a recording client (settings, workspace peers, close, requests, log)', async (t) => {
  const ws = mkdtempSync(join(tmpdir(), 'ldx-ls-'));
  const outside = mkdtempSync(join(tmpdir(), 'ldx-ls-out-'));
  const named = (name: string, devices: string) => domainXml(devices).replace('<name>t</name>', `<name>${name}</name>`);
  writeFileSync(join(ws, 'other.xml'), named('other', blockDisk('/dev/vx/dmp/3pardata0_12')));
  // A file outside the workspace folders: only known to the server once it has been open and closed.
  const closedPath = join(outside, 'closed.xml');
  writeFileSync(closedPath, named('closed', blockDisk('/dev/vx/dmp/3pardata0_12')));
  const { client, rec, last } = recordingClient(() => ({ schema: { enabled: false } }));
  const server = new LanguageServer(client);
  t.after(() => server.shutdown());
  const init = server.initialize({
    processId: process.pid,
    rootUri: null,
    capabilities: { workspace: { configuration: true } },
    workspaceFolders: [{ uri: pathToFileURL(ws).toString(), name: 'ws' }],
    initializationOptions: { inventoryFiles: [EXAMPLE_INVENTORY, join(ws, 'missing.inventory.json')], docsUri: 'file:///docs/README.md' },
  });
  assert.equal(init.capabilities.hoverProvider, true);
  server.initialized();
  assert.deepEqual(rec.registered, [SETTINGS_SECTION]);
  await until('the workspace scan', () => (server.core.peerCount === 1 ? true : undefined));
  await until('the settings pulled and applied', () => rec.notifications.find((n) => n.method === InventoryStateNotification.method));
  assert.equal(rec.pulls, 1);
  // The snapshot that cannot be read: an error notification whose notice is the fixed template.
  const error = rec.notifications.find((n) => n.method === InventoryErrorNotification.method)!.params as { notice: string };
  assert.match(error.notice, /missing\.inventory\.json.*could not be read \(details in the log\)/);

  const mine = pathToFileURL(join(ws, 'mine.xml')).toString();
  server.documentChanged(mine, 1, domainXml(blockDisk('/dev/disk/by-id/wwn-0x60002ac000000000000000120001a2b3')));
  const shared = last(mine)!.diagnostics.find((d) => d.code === 'shared-without-shareable')!;
  assert.match(String(shared.message), /also used by other, and/);
  assert.equal(shared.codeDescription?.href, 'file:///docs/README.md#shared-without-shareable');
  assert.deepEqual(server.hostGroups({ uri: mine }), { groups: [{ name: 'snapshots', hosts: ['kvm-a'] }], current: 'snapshots' });
  assert.equal(server.hostInventory({ uri: mine })?.host, 'kvm-a');
  assert.equal(server.hostInventory({ host: 'kvm-z' }), null);
  assert.ok(server.hover({ textDocument: { uri: mine }, position: shared.range.start }));

  // The inventory view is built once per inventory, source and set of peers.
  const views = () => rec.logs.filter((l) => l.startsWith('inventory view of kvm-a')).length;
  const view = server.inventoryView({ uri: mine })!;
  assert.match(view, /\bother\b/, 'the workspace file is among the users');
  assert.doesNotMatch(view, /\bclosed\b/);
  assert.equal(server.inventoryView({ host: 'kvm-a' }), view);
  assert.equal(views(), 1);

  // Open with unsaved text that uses another disk: the file on disk does not count while it is open.
  const closed = pathToFileURL(closedPath).toString();
  server.documentChanged(closed, 1, named('closed', blockDisk('/dev/vx/dmp/3pardata0_13', 'vdc')));
  server.inventoryView({ host: 'kvm-a' });
  assert.equal(views(), 2, 'a new peer rebuilds the view');
  const before = rec.published.length;
  server.documentClosed(closed);
  assert.deepEqual(last(closed)!.diagnostics, []);
  // Closed: what the file on disk defines counts for the others (re-checked after the peers debounce).
  await until('mine re-checked with the closed file on disk', () =>
    rec.published
      .slice(before)
      .find((p) => p.uri === mine && p.diagnostics.some((d) => /also used by closed, other, and/.test(String(d.message)))),
  );
  assert.match(server.inventoryView({ host: 'kvm-a' })!, /\bclosed\b/, 'the closed file on disk is among the users');
  assert.equal(views(), 3, 'the closed file changed the peers: the view is rebuilt');

  // Requests with malformed params are answered, not thrown on.
  assert.deepEqual(server.fixAllEdits({ uris: 'x', folders: 3 } as never), { changes: {}, skipped: [] });
  assert.equal(server.chooseHostGroup(null as never), null);
  assert.equal(await server.refreshInventory(undefined as never), null);

  // Every log line is terminal text; the server sent only its own notifications.
  assert.equal(logText('a\x1b[31mb\nc\u202ed'), 'a\\x1b[31mb\nc\\u202ed');
  assert.ok(rec.logs.every((l) => l === logText(l)));
  const own = new Set<string>(SERVER_NOTIFICATIONS.map((n) => n.method));
  assert.deepEqual(
    rec.notifications.filter((n) => !own.has(n.method)),
    [],
  );
});

test('in-process: pushed settings survive a trust change when the client cannot be asked', async (t) => {
  const { client, rec, last } = recordingClient(() => assert.fail('a client without workspace/configuration is never asked'));
  const server = new LanguageServer(client);
  t.after(() => server.shutdown());
  server.initialize({
    processId: process.pid,
    rootUri: null,
    capabilities: {},
    initializationOptions: { inventoryFiles: [EXAMPLE_INVENTORY] },
  });
  server.initialized();
  server.didChangeConfiguration({
    settings: { libvirtDomain: { schema: { enabled: false }, severity: { 'unstable-device-name': 'off' } } },
  });
  const uri = 'file:///nowhere/pushed.xml';
  server.documentChanged(uri, 1, domainXml(blockDisk('/dev/sdc')));
  const codes = () => last(uri)!.diagnostics.map((d) => d.code);
  // The first diagnostics wait for the first settings; without a pull they are the pushed ones, so the
  // first publish already has the override in force.
  await until('version 1 published', () => (last(uri) ? true : undefined));
  assert.ok(codes().includes('multipath-bypass') && !codes().includes('unstable-device-name'), codes().join());
  const states = () => rec.notifications.filter((n) => n.method === InventoryStateNotification.method).length;
  const statesBefore = states();
  server.setHostAccess({ allowed: false });
  assert.equal(states(), statesBefore + 1, 'the trust change re-applied the settings');
  server.documentChanged(uri, 2, domainXml(blockDisk('/dev/sdc', 'vdc')));
  await until('version 2 published', () => (last(uri)!.version === 2 ? true : undefined));
  assert.ok(!codes().includes('unstable-device-name'), codes().join());
  assert.equal(rec.pulls, 0);
});

test('in-process: the first diagnostics wait for the first settings (no findings without the configured snapshot first)', async (t) => {
  let answer: (v: unknown) => void = () => undefined;
  const answered = new Promise((r) => (answer = r));
  const { client, rec, last } = recordingClient(() => undefined);
  client.configuration = async () => {
    rec.pulls++;
    return answered;
  };
  const server = new LanguageServer(client);
  t.after(() => server.shutdown());
  server.initialize({ processId: process.pid, rootUri: null, capabilities: { workspace: { configuration: true } } });
  server.initialized();
  const uri = 'file:///nowhere/first.xml';
  server.documentChanged(uri, 1, domainXml(blockDisk('/dev/sdc')));
  await until('the settings asked for', () => (rec.pulls > 0 ? true : undefined));
  assert.equal(last(uri), undefined, 'nothing published while the settings are not known');
  answer({ inventorySnapshot: [EXAMPLE_INVENTORY], schema: { enabled: false } });
  const first = await until('the first publish', () => last(uri));
  // The snapshot names /dev/sdc's LUN: the very first publish already has the host-aware finding.
  assert.ok(
    first.diagnostics.some((d) => d.code === 'multipath-bypass'),
    first.diagnostics.map((d) => d.code).join(),
  );
});

test('a LUN shared by two open documents: each finding points at the other document’s disk (related information)', async () => {
  const published = new Map<string, Diagnostic[]>();
  const core = new ServerCore(
    { publishDiagnostics: (uri, _v, diagnostics) => void published.set(uri, diagnostics), log: () => undefined },
    { debounceMs: 5 },
  );
  core.setHosts([exampleHost()]);
  const named = (name: string, dev: string) => domainXml(blockDisk(dev)).replace('<name>t</name>', `<name>${name}</name>`);
  const a = 'file:///ws/a.xml';
  const b = 'file:///ws/b.xml';
  const textB = named('b', '/dev/vx/dmp/3pardata0_12');
  core.open(a, 1, named('a', '/dev/vx/dmp/3pardata0_12'));
  core.open(b, 1, textB);
  const shared = await until('a shared-without-shareable finding on a.xml with related information', () =>
    published.get(a)?.find((d) => d.code === 'shared-without-shareable' && d.relatedInformation?.length),
  );
  const rel = shared.relatedInformation!.find((r) => r.location.uri === b);
  assert.ok(rel, JSON.stringify(shared.relatedInformation));
  // The range is b.xml's source value, as b.xml's own finding on it says.
  const own = published.get(b)!.find((d) => d.code === 'shared-without-shareable')!;
  assert.deepEqual(rel.location.range, own.range);
  assert.match(rel.message, /\bb\b.*maps the same LUN/);
  core.dispose();
});
