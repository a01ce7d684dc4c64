/**
 * The workspace pass's schema check on the validation thread (lsp/schemaPrefetch.ts): a real server
 * whose worker thread runs the built server bundle (dist/server.js) publishes, for every file, the
 * schema findings the validator gives on the main thread, and the log says the thread made them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { LanguageServer, type LanguageServerClient } from '../server/src/lsp/languageServer';
import { dirSchemaSource, LOCAL_SCHEMA_DIR, schemaValidator } from '../server/src/schema/validator';
import { parseDocument } from '../server/src/analysis';
import { LineIndex } from '../server/src/xml/lineIndex';
import { CORPUS } from './support/examples';
import { until } from './support/poll';

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
  // Corpus files, invalid ones among them (what the schema finds, and where, is what is compared).
  const dir = join(CORPUS, 'domains');
  const names = readdirSync(dir)
    .filter((f) => f.endsWith('.xml'))
    .sort();
  const expected = new Map<string, string[]>();
  const ws = mkdtempSync(join(tmpdir(), 'ldx-prefetch-'));
  t.after(() => rmSync(ws, { recursive: true, force: true }));
  let invalid = 0;
  for (const name of names) {
    if (expected.size >= 60 && invalid >= 20) break;
    const text = readFileSync(join(dir, name), 'utf8');
    const parsed = parseDocument(text);
    if (parsed.kind !== 'domain' || !parsed.model || parsed.template) continue;
    const found = validator.validate(parsed.doc);
    if (found.length) invalid++;
    else if (expected.size - invalid >= 40) continue;
    const lines = new LineIndex(text);
    writeFileSync(join(ws, name), text);
    expected.set(
      pathToFileURL(join(ws, name)).toString(),
      found.map((f) => `${rangeText({ start: lines.positionAt(f.start), end: lines.positionAt(f.end) })} ${f.message}`).sort(),
    );
  }
  assert.ok(invalid >= 20, `the corpus has schema-invalid files (${invalid})`);

  const published = new Map<string, Diagnostic[]>();
  const logs: string[] = [];
  const client: LanguageServerClient = {
    publishDiagnostics: (uri, _version, diagnostics) => void published.set(uri, diagnostics),
    log: (m) => void logs.push(m),
    sendNotification: () => undefined,
    progress: async () => ({ report: () => undefined, done: () => undefined, onCancel: () => undefined }),
    configuration: async () => ({ workspaceDiagnostics: true, schema: { enabled: true } }),
    registerForConfiguration: async () => undefined,
    registerFileWatchers: async () => undefined,
  };
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
    (published.get(uri) ?? [])
      .filter((d) => d.code === 'schema')
      .map((d) => `${rangeText(d.range)} ${d.message}`)
      .sort();
  const differing = () => [...expected].filter(([uri, want]) => JSON.stringify(schemaOf(uri)) !== JSON.stringify(want));
  await until(
    'every file’s schema findings published as the main thread’s validator gives them',
    () => (differing().length === 0 ? true : undefined),
    60_000,
  ).catch((e: Error) => {
    const [uri, want] = differing()[0];
    throw new Error(`${e.message}\n  ${uri}: published ${JSON.stringify(schemaOf(uri))}, expected ${JSON.stringify(want)}`);
  });
  const made = logs
    .map((l) => /schema checks made on the validation thread so far: (\d+)/.exec(l))
    .filter((m) => m)
    .map((m) => Number(m![1]));
  assert.ok(made.length && Math.max(...made) > 0, `the validation thread made schema checks:\n${logs.join('\n')}`);
  assert.ok(!logs.some((l) => /validation thread failed/.test(l)), logs.join('\n'));
});
