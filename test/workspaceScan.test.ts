/**
 * The workspace scan over a generated workspace (bench/workspace.ts: corpus files and generated
 * domains with block disks on a generated host): what the server publishes for files that are not
 * open is what the analysis gives each file with every other file as its peers, once per file; an
 * open document's edit is answered while the scan's pass runs; a changed open document re-checks
 * the files that share a LUN with it.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { generatedDomain, writeWorkspace, writeWorkspaceInventory } from '../bench/workspace';
import { analyzeDocument, parseDomainDocument } from '../server/src/analysis';
import { peerOf } from '../server/src/domain/peer';
import { diagnostics } from '../server/src/features/diagnostics';
import { loadInventoryFile } from '../server/src/inventory/load';
import { LanguageServer } from '../server/src/lsp/languageServer';
import type { PeerDomain } from '../server/src/rules/types';
import { walkXmlFiles } from '../server/src/walk';
import { documentKind, firstElementName } from '../server/src/xml/rootElement';
import { CORPUS } from './support/examples';
import { until } from './support/poll';
import { recordingClient, type Published } from './support/recordingClient';

/** A server over a generated workspace of `count` files (the schema check off: its findings are the validator's own tests'). */
async function scannedWorkspace(t: TestContext, count: number) {
  const top = mkdtempSync(join(tmpdir(), 'ldx-ws-scan-'));
  const ws = join(top, 'ws');
  writeWorkspace(ws, count, join(CORPUS, 'domains'));
  const inventory = join(top, 'host.json');
  writeWorkspaceInventory(inventory);
  const { client, rec } = recordingClient(() => ({ schema: { enabled: false } }));
  const server = new LanguageServer(client);
  t.after(() => {
    server.shutdown();
    rmSync(top, { recursive: true, force: true });
  });
  server.initialize({
    processId: process.pid,
    rootUri: null,
    capabilities: { workspace: { configuration: true } },
    workspaceFolders: [{ uri: pathToFileURL(ws).toString(), name: 'ws' }],
    initializationOptions: { inventoryFiles: [inventory] },
  });
  server.initialized();
  /** The index in `rec.published` where the first pass over every file had ended (its log line), if it has. */
  const passEnded = () => {
    const at = rec.logs.findIndex((l) => l.startsWith('workspace diagnostics: '));
    return at < 0 ? undefined : at;
  };
  return { ws, inventory, server, rec, passEnded };
}

/**
 * What the analysis gives each domain file of `ws` on its own: its text, the host, and every other
 * domain file of the workspace as a peer (named and placed as the server names them), in a list of
 * its own (not the server's shared one).
 */
async function expectedDiagnostics(ws: string, inventory: string): Promise<Map<string, Diagnostic[]>> {
  const host = loadInventoryFile(inventory);
  const files: { uri: string; text: string; peer?: PeerDomain }[] = [];
  await walkXmlFiles([ws], (path) => {
    const text = readFileSync(path, 'utf8');
    const kind = documentKind(firstElementName(text));
    if (kind !== 'domain' && kind !== 'pool') return;
    const uri = pathToFileURL(path).toString();
    const parsed = parseDomainDocument(text);
    const peer = parsed.model ? { ...peerOf(uri, parsed.model, 'workspace', parsed.doc.lines), origin: relative(ws, path) } : undefined;
    files.push({ uri, text, peer });
  });
  const out = new Map<string, Diagnostic[]>();
  for (const f of files) {
    const peers = files.flatMap((o) => (o !== f && o.peer ? [o.peer] : []));
    const analysis = analyzeDocument(f.text, [host], peers);
    out.set(f.uri, analysis.kind ? diagnostics(analysis, undefined, undefined, f.uri) : []);
  }
  return out;
}

test('workspace scan: every file gets what the analysis gives it, once; none missed, none twice', async (t) => {
  const { ws, inventory, server, rec, passEnded } = await scannedWorkspace(t, 400);
  await until('the first pass over every file', passEnded, 120_000);
  await server.core.workspace.idle();
  const expected = await expectedDiagnostics(ws, inventory);
  assert.equal(expected.size, 400, 'the generated workspace: 400 domain files');
  const withFindings = [...expected].filter(([, d]) => d.length);
  assert.ok(withFindings.length > 100 && withFindings.length < 400, `some files with findings, not all: ${withFindings.length}`);
  const byUri = new Map<string, Published[]>();
  for (const p of rec.published) byUri.set(p.uri, [...(byUri.get(p.uri) ?? []), p]);
  for (const [uri, diags] of expected) {
    const got = byUri.get(uri) ?? [];
    if (!diags.length) {
      assert.equal(got.length, 0, `${uri}: nothing to publish`);
      continue;
    }
    assert.equal(got.length, 1, `${uri}: published once`);
    assert.deepEqual(got[0].diagnostics, diags, uri);
  }
  assert.deepEqual(
    [...byUri.keys()].filter((u) => !expected.has(u)),
    [],
    'nothing published for a file that is not a domain',
  );
  assert.match(
    rec.logs.find((l) => l.startsWith('workspace diagnostics: '))!,
    new RegExp(`^workspace diagnostics: 400 files checked in \\d+ ms, ${withFindings.length} with findings`),
  );
});

test('workspace scan: an edit of an open document is answered while the pass runs, and re-checks the files sharing its LUNs', async (t) => {
  const { ws, server, rec, passEnded } = await scannedWorkspace(t, 2000);
  const mine = pathToFileURL(join(ws, 'mine.xml')).toString();
  // LUNs no workspace file uses (the generated files use 0–2999, and 3000–3666 shared by three).
  let k = 0;
  const free = generatedDomain(1)
    .replace('<name>ws1</name>', '<name>mine</name>')
    .replace(/3pardata0_\d+'/g, () => `3pardata0_${3900 + k++}'`);
  server.documentChanged(mine, 1, free);
  await until('the open document published', () => rec.published.find((p) => p.uri === mine && p.version === 1));
  const workspacePublished = () => rec.published.filter((p) => p.uri !== mine).length;
  await until('the pass under way', () => (workspacePublished() > 0 ? true : undefined), 120_000);
  assert.equal(passEnded(), undefined, 'the pass is still running');
  server.documentChanged(mine, 2, free.replace('<vcpu>2</vcpu>', '<vcpu>4</vcpu>'));
  await until('the edit published', () => rec.published.find((p) => p.uri === mine && p.version === 2));
  assert.equal(passEnded(), undefined, 'the edit was answered before the pass ended');
  const editAt = rec.published.findIndex((p) => p.uri === mine && p.version === 2);
  await until('the first pass over every file', passEnded, 120_000);
  assert.ok(
    rec.published.slice(editAt + 1).some((p) => p.uri !== mine),
    'workspace files were published after the edit',
  );
  await server.core.workspace.idle();

  // Now mapping the LUN of a file's shareable-less shared disk: that file (and only those sharing it) is checked again.
  const target = pathToFileURL(join(ws, 'group00', 'vm0002.xml')).toString();
  const lun = /3pardata0_(3\d{3})'/.exec(generatedDomain(2))![1];
  const count = (uri: string) => rec.published.filter((p) => p.uri === uri).length;
  const before = rec.published.filter((p) => p.uri === target).at(-1)!;
  assert.ok(!JSON.stringify(before.diagnostics).includes('mine'), 'not yet named');
  const others = rec.published.length;
  server.documentChanged(mine, 3, free.replace("3pardata0_3900'", `3pardata0_${lun}'`));
  const named = await until('the file sharing the LUN re-checked', () => {
    const last = rec.published.filter((p) => p.uri === target).at(-1)!;
    return JSON.stringify(last.diagnostics).includes('mine') ? last : undefined;
  });
  assert.ok(named.diagnostics.some((d) => d.code === 'shared-without-shareable'));
  await server.core.workspace.idle();
  const republished = new Set(rec.published.slice(others).map((p) => p.uri));
  republished.delete(mine);
  // vm0000 shares it too (with <shareable/>: no finding to change); vm0002 lacks it.
  assert.ok(republished.has(target) && republished.size <= 2, [...republished].join(', '));
  // Back on the free LUN: the finding names it no more.
  const n = count(target);
  server.documentChanged(mine, 4, free);
  await until('re-checked again', () => (count(target) > n ? true : undefined));
  assert.ok(!JSON.stringify(rec.published.filter((p) => p.uri === target).at(-1)!.diagnostics).includes('mine'));
});
