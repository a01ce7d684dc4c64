/**
 * The extension's own protocol (server/src/protocol.ts) is the only place its methods are named, and
 * the server keeps to it: the bundled server answers every request it lists, sends only the
 * notifications it lists, and no other source file spells a method name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { ErrorCodes, ResponseError } from 'vscode-jsonrpc/node';
import { bindCustomMessages, type MessageBinder } from '../server/src/lsp/customRequests';
import type { LanguageServer } from '../server/src/lsp/languageServer';
import { CLIENT_NOTIFICATIONS, HostInventoryRequest, REQUESTS, SERVER_NOTIFICATIONS } from '../server/src/protocol';
import { LspSession } from './fuzz/lsp';
import { blockDisk, domainXml, EXAMPLE_INVENTORY, ROOT } from './support/examples';

const ALL = [...REQUESTS, ...SERVER_NOTIFICATIONS, ...CLIENT_NOTIFICATIONS];
/** The namespace of the extension's methods (up to and with the slash), taken from the protocol itself. */
const NAMESPACE = `${REQUESTS[0].method.split('/')[0]}/`;
/** The standard LSP notifications this server may send besides its own. */
const LSP_NOTIFICATIONS = new Set([
  'textDocument/publishDiagnostics',
  'window/logMessage',
  'window/showMessage',
  '$/progress',
  'telemetry/event',
]);

test('protocol: every method is in the namespace, each named once', () => {
  assert.ok(ALL.every((t) => t.method.startsWith(NAMESPACE)));
  assert.equal(new Set(ALL.map((t) => t.method)).size, ALL.length);
});

test('protocol: the handler module binds exactly the requests and client notifications of the protocol', () => {
  const requests: string[] = [];
  const notifications: string[] = [];
  const binder: MessageBinder = {
    onRequest: (type) => void requests.push(type.method),
    onNotification: (type) => void notifications.push(type.method),
  };
  bindCustomMessages(binder, {} as LanguageServer);
  assert.deepEqual(requests.sort(), REQUESTS.map((r) => r.method).sort());
  assert.deepEqual(notifications.sort(), CLIENT_NOTIFICATIONS.map((n) => n.method).sort());
});

test('protocol: the bundled server answers every request with a result and sends only its own notifications', async () => {
  const s = new LspSession({
    initializationOptions: {
      // A snapshot host, and a snapshot that cannot be read (so the error notification is sent too).
      inventoryFiles: [EXAMPLE_INVENTORY, join(ROOT, 'examples', 'no-such.inventory.json')],
      docsUri: pathToFileURL(join(ROOT, 'README.md')).toString(),
    },
    settings: () => ({}),
  });
  try {
    await s.initialize();
    const uri = pathToFileURL(join(ROOT, 'examples/domains/protocol.xml')).toString();
    await s.open(uri, domainXml(blockDisk('/dev/sdc')));
    await s.until('diagnostics', () => s.latest.get(uri));
    // One set of params fits every request (each takes the fields it knows).
    const params = { uri, uris: [uri], host: 'kvm-a', force: false };
    const results: Record<string, unknown> = {};
    for (const type of REQUESTS) {
      try {
        results[type.method] = await s.conn.sendRequest(type.method, params);
      } catch (e) {
        assert.fail(`${type.method}: ${e instanceof ResponseError ? `error ${e.code}: ${e.message}` : e}`);
      }
      assert.notEqual(results[type.method], undefined, type.method);
    }
    assert.equal((results[HostInventoryRequest.method] as { host: string }).host, 'kvm-a');
    // The check can fail: a method the server does not know is refused as such.
    await assert.rejects(
      s.conn.sendRequest(`${NAMESPACE}noSuchRequest`, params),
      (e: unknown) => e instanceof ResponseError && e.code === ErrorCodes.MethodNotFound,
    );

    const own = new Set<string>(SERVER_NOTIFICATIONS.map((n) => n.method));
    const sent = new Set(s.notifications.map((n) => n.method));
    assert.deepEqual(
      [...sent].filter((m) => !own.has(m) && !LSP_NOTIFICATIONS.has(m)),
      [],
    );
    for (const n of SERVER_NOTIFICATIONS) assert.ok(sent.has(n.method), `${n.method} was sent during the session`);
    assert.deepEqual(s.failureLogs(), []);
  } finally {
    await s.stop();
  }
});

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (/\.[cm]?[jt]s$/.test(name)) out.push(p);
  }
  return out;
}

/** The string literals of a source file (quoted, and the text of templates), with their lines: comments are not code. */
function stringLiterals(file: string, text: string): { line: number; value: string }[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: { line: number; value: string }[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isStringLiteralLike(n) || ts.isTemplateLiteralToken(n))
      out.push({ line: sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1, value: n.text });
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

test('protocol: no method name is spelled in the server or client sources outside server/src/protocol.ts', () => {
  const protocol = join(ROOT, 'server/src/protocol.ts');
  const files = [...sources(join(ROOT, 'server/src')), ...sources(join(ROOT, 'client/src'))].filter((f) => f !== protocol);
  assert.ok(files.length > 20, `${files.length} source files`);
  const spelled = files.flatMap((f) =>
    stringLiterals(f, readFileSync(f, 'utf8'))
      .filter((s) => s.value.startsWith(NAMESPACE))
      .map((s) => `${relative(ROOT, f)}:${s.line}: ${s.value}`),
  );
  assert.deepEqual(spelled, []);
  // The scanner finds them where they are: in the protocol module itself.
  const own = stringLiterals(protocol, readFileSync(protocol, 'utf8')).filter((s) => s.value.startsWith(NAMESPACE));
  assert.equal(own.length, ALL.length);
});
