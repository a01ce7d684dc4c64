import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import type { CodeAction, Diagnostic, Hover, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { ServerCore } from '../server/src/lsp/serverCore';
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

  // Broken XML: one diagnostic; hover and fixes keep working from the last good parse where the value is unchanged.
  const broken = text.replace('</devices>', '</device>');
  core.change(uri, 2, broken);
  const second = await until('publish of the broken version', () => published.find((p) => p.version === 2));
  assert.deepEqual(
    second.diagnostics.map((x) => x.code),
    ['xml-not-well-formed'],
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
    initializationOptions: { inventoryFiles: [EXAMPLE_INVENTORY] },
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
