/**
 * Go to Definition from `<source pool='NAME'>` follows the pool files on disk as they change: files
 * created, changed and deleted (the watcher's events, a folder's one event standing for its files),
 * and pool documents opened, edited and closed in the editor.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Location } from 'vscode-languageserver-protocol';
import { LanguageServer, type LanguageServerClient } from '../server/src/lsp/languageServer';
import { domainXml } from './support/examples';
import { within } from './support/poll';

const client: LanguageServerClient = {
  publishDiagnostics: () => undefined,
  log: () => undefined,
  sendNotification: () => undefined,
  progress: async () => ({ report: () => undefined, done: () => undefined, onCancel: () => undefined }),
  configuration: async () => ({ schema: { enabled: false } }),
  registerForConfiguration: async () => undefined,
  registerFileWatchers: async () => undefined,
};

/** A pool definition named `name`, its `<name>` on line `1 + blankLines`. */
const poolXml = (name: string, blankLines = 0) =>
  `<pool type='logical'>\n${'\n'.repeat(blankLines)}  <name>${name}</name>\n  <source><device path='/dev/sdc'/></source>\n</pool>\n`;

test('pool index: definitions follow pool files created, changed and deleted on disk, folders too, and pool documents in the editor', async (t) => {
  const ws = mkdtempSync(join(tmpdir(), 'ldx-pools-'));
  const elsewhere = mkdtempSync(join(tmpdir(), 'ldx-pools-elsewhere-'));
  const server = new LanguageServer(client);
  t.after(() => {
    server.shutdown();
    rmSync(ws, { recursive: true, force: true });
    rmSync(elsewhere, { recursive: true, force: true });
  });
  const put = (rel: string, text: string) => {
    mkdirSync(join(ws, rel, '..'), { recursive: true });
    writeFileSync(join(ws, rel), text);
  };
  const uri = (rel: string) => pathToFileURL(join(ws, rel)).toString();
  const watched = (changes: { rel: string; type: 1 | 2 | 3 }[]) =>
    within(
      'the watched-file events handled',
      server.didChangeWatchedFiles({ changes: changes.map((c) => ({ uri: uri(c.rel), type: c.type })) }),
    );
  put('pools/store.xml', poolXml('store'));
  server.initialize({
    processId: process.pid,
    rootUri: null,
    capabilities: { workspace: { configuration: true, didChangeWatchedFiles: { dynamicRegistration: true } } },
    workspaceFolders: [{ uri: pathToFileURL(ws).toString(), name: 'ws' }],
  });
  server.initialized();

  // An open domain referring to the pool "store"; its definitions, sorted by file.
  const dom = uri('dom.xml');
  const text = domainXml("    <disk type='volume' device='disk'><source pool='store' volume='v1'/><target dev='vdb' bus='virtio'/></disk>");
  server.documentChanged(dom, 1, text);
  const at = text.indexOf("pool='store'") + 7;
  const position = { line: text.slice(0, at).split('\n').length - 1, character: at - text.lastIndexOf('\n', at - 1) - 1 };
  const definitions = async () =>
    (await within('definition', server.definition({ textDocument: { uri: dom }, position }))).sort((x, y) => (x.uri < y.uri ? -1 : 1));
  const nameOnLine = (rel: string, line: number): Location => ({
    uri: uri(rel),
    range: { start: { line, character: 8 }, end: { line, character: 13 } },
  });
  assert.deepEqual(await definitions(), [nameOnLine('pools/store.xml', 1)], 'the scanned pool file');

  // Created: a second pool "store".
  put('other.xml', poolXml('store'));
  await watched([{ rel: 'other.xml', type: 1 }]);
  assert.deepEqual(await definitions(), [nameOnLine('other.xml', 1), nameOnLine('pools/store.xml', 1)]);

  // Changed: renamed to another pool (gone from "store"); the first one's <name> moved down two lines.
  put('other.xml', poolXml('elsewhere'));
  put('pools/store.xml', poolXml('store', 2));
  await watched([
    { rel: 'other.xml', type: 2 },
    { rel: 'pools/store.xml', type: 2 },
  ]);
  assert.deepEqual(await definitions(), [nameOnLine('pools/store.xml', 3)]);

  // Replaced by a link to a pool file outside the workspace: not followed, as the scan follows none.
  writeFileSync(join(elsewhere, 'store.xml'), poolXml('store'));
  rmSync(join(ws, 'other.xml'));
  symlinkSync(join(elsewhere, 'store.xml'), join(ws, 'other.xml'));
  await watched([{ rel: 'other.xml', type: 2 }]);
  assert.deepEqual(await definitions(), [nameOnLine('pools/store.xml', 3)]);

  // A folder moved in (one event) is walked; dot-directories in it are not.
  put('moved/deep/store.xml', poolXml('store'));
  put('moved/.git/store.xml', poolXml('store'));
  await watched([{ rel: 'moved', type: 1 }]);
  assert.deepEqual(await definitions(), [nameOnLine('moved/deep/store.xml', 1), nameOnLine('pools/store.xml', 3)]);

  // Folders deleted (one event each): every pool file in them goes.
  rmSync(join(ws, 'moved'), { recursive: true });
  rmSync(join(ws, 'pools'), { recursive: true });
  await watched([
    { rel: 'moved', type: 3 },
    { rel: 'pools', type: 3 },
  ]);
  assert.deepEqual(await definitions(), []);

  // A file deleted, and a pool document in the editor: its text counts while it is open.
  put('p.xml', poolXml('store'));
  await watched([{ rel: 'p.xml', type: 1 }]);
  assert.deepEqual(await definitions(), [nameOnLine('p.xml', 1)]);
  server.documentChanged(uri('p.xml'), 1, poolXml('store', 1));
  assert.deepEqual(await definitions(), [nameOnLine('p.xml', 2)], 'the editor text, not the file');
  server.documentChanged(uri('p.xml'), 2, poolXml('renamed'));
  assert.deepEqual(await definitions(), [], 'renamed in the editor');
  server.documentClosed(uri('p.xml'));
  assert.deepEqual(await definitions(), [nameOnLine('p.xml', 1)], 'closed: the file on disk again');
  rmSync(join(ws, 'p.xml'));
  await watched([{ rel: 'p.xml', type: 3 }]);
  assert.deepEqual(await definitions(), []);
});
