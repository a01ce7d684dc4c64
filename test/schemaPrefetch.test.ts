/**
 * The workspace pass's schema check on the validation thread (lsp/schemaPrefetch.ts): a real server
 * whose worker thread runs the built server bundle (dist/server.js) publishes, for every file of the
 * corpus, the schema findings the validator gives on the main thread, and the log says the thread
 * made them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { LanguageServer } from '../server/src/lsp/languageServer';
import { dirSchemaSource, LOCAL_SCHEMA_DIR, schemaValidator } from '../server/src/schema/validator';
import { parseDocument } from '../server/src/analysis';
import { LineIndex } from '../server/src/xml/lineIndex';
import { CORPUS } from './support/examples';
import { until } from './support/poll';
import { recordingClient } from './support/recordingClient';

const ROOT = join(__dirname, '..', '..');
const BUNDLE = join(ROOT, 'dist', 'server.js');

function prerequisites(): string | undefined {
  const missing = [];
  if (!existsSync(join(LOCAL_SCHEMA_DIR, 'domain.rng'))) missing.push(`${LOCAL_SCHEMA_DIR}/domain.rng (Debian libvirt0)`);
  if (!existsSync(BUNDLE)) missing.push(`${BUNDLE} (node scripts/build.mjs)`);
  if (!existsSync(CORPUS)) missing.push(CORPUS);
  if (!missing.length) return undefined;
  if (process.env.CI) throw new Error(`missing: ${missing.join(', ')}`);
  return `missing: ${missing.join(', ')}`;
}

type Range = Diagnostic['range'];
const rangeText = (r: Range) => `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}`;

test('the workspace pass takes its schema findings from the validation thread, and they are the main thread’s', async (t) => {
  const skip = prerequisites();
  if (skip) return t.skip(skip);
  const validator = (await schemaValidator(dirSchemaSource(LOCAL_SCHEMA_DIR, 'local'))).perDocument();
  // The source the server picks for a document with no host (this machine's schemas).
  // The whole corpus, not-well-formed and schema-invalid files among them (what the schema finds, and
  // where, is what is compared; a file the rules do not ask the schema about has no schema finding).
  const dir = join(CORPUS, 'domains');
  const names = readdirSync(dir)
    .filter((f) => f.endsWith('.xml'))
    .sort();
  const expected = new Map<string, string[]>();
  const ws = mkdtempSync(join(tmpdir(), 'ldx-prefetch-'));
  t.after(() => rmSync(ws, { recursive: true, force: true }));
  let invalid = 0;
  for (const name of names) {
    const text = readFileSync(join(dir, name), 'utf8');
    const parsed = parseDocument(text);
    const asked = parsed.kind === 'domain' && parsed.model && !parsed.template;
    const found = asked ? validator.validate(parsed.doc) : [];
    if (found.length) invalid++;
    const lines = new LineIndex(text);
    writeFileSync(join(ws, name), text);
    expected.set(
      pathToFileURL(join(ws, name)).toString(),
      found.map((f) => `${rangeText({ start: lines.positionAt(f.start), end: lines.positionAt(f.end) })} ${f.message}`).sort(),
    );
  }
  assert.ok(invalid >= 100, `the corpus has schema-invalid files (${invalid})`);

  const { client, rec, last } = recordingClient(() => ({ workspaceDiagnostics: true, schema: { enabled: true } }));
  const logs = rec.logs;
  const server = new LanguageServer(client, { schemaWorker: BUNDLE });
  t.after(() => server.shutdown());
  server.initialize({
    processId: process.pid,
    rootUri: null,
    capabilities: { workspace: { configuration: true } },
    workspaceFolders: [{ uri: pathToFileURL(ws).toString(), name: 'ws' }],
  });
  server.initialized();

  const schemaOf = (uri: string) =>
    (last(uri)?.diagnostics ?? [])
      .filter((d) => d.code === 'schema')
      .map((d) => `${rangeText(d.range)} ${d.message}`)
      .sort();
  const differing = () => [...expected].filter(([uri, want]) => JSON.stringify(schemaOf(uri)) !== JSON.stringify(want));
  // A pass over every file that took schema checks from the thread has ended (the first pass may
  // run before the main thread's validator is compiled: the pass after it then takes them).
  const madeOnThread = () => Math.max(0, ...logs.map((l) => Number(/files checked .*validation thread so far: (\d+)/.exec(l)?.[1] ?? 0)));
  await until(
    'a pass over every file with schema checks made on the validation thread',
    () => (madeOnThread() > 0 ? true : undefined),
    60_000,
  ).catch((e: Error) => {
    throw new Error(`${e.message}\n${logs.join('\n')}`);
  });
  const wrong = differing();
  assert.deepEqual(
    wrong.slice(0, 3).map(([uri, want]) => ({ uri, published: schemaOf(uri), expected: want })),
    [],
    `${wrong.length} files differ`,
  );
  assert.ok(madeOnThread() >= invalid, `every schema-invalid file's check could come from the thread (${madeOnThread()} of ${invalid})`);
  assert.ok(!logs.some((l) => /validation thread failed/.test(l)), logs.join('\n'));
});
