/**
 * Schema cache poisoning (issue 11, item 5), against real sshds: three simulated hosts that all run
 * libvirt 9.0.0, each serving its own /usr/share/libvirt/schemas (a directory bind-mounted inside
 * that host's mount namespace). One serves a doctored domain.rng that accepts any element: the
 * honest host's verdict on an invalid document must not change, whichever host was fetched first;
 * a host whose files change gets its new files; a file that is not a RelaxNG grammar is refused in
 * one line and the host falls back to the local schema; a snapshot never uses a fetched schema; and
 * the finding names host, version and hash prefix.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import type { PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { InventoryStateNotification } from '../../server/src/protocol';
import { LOCAL_SCHEMA_DIR, readSchemaDir, schemaFilesHash } from '../../server/src/schema/validator';
import { Rig, startRigOrSkip } from '../rig/sshRig';
import { EXAMPLE_INVENTORY, ROOT } from '../support/examples';
import { until } from '../support/poll';

const HOSTS = ['kvm-a', 'kvm-b', 'kvm-c'];
const SCHEMAS = '/usr/share/libvirt/schemas';
const CLI = join(ROOT, 'dist/cli.js');

/** Valid under libvirt's schema but for one unknown top-level element; no disk, so no other rule speaks. */
const INVALID_DOC =
  "<domain type='kvm'>\n  <name>t</name>\n  <memory unit='KiB'>1048576</memory>\n  <os>\n    <type arch='x86_64'>hvm</type>\n  </os>\n  <frobnicate/>\n</domain>\n";

/** A well-formed RelaxNG grammar that libxml2 compiles and that accepts any element: the attack. */
const DOCTORED_DOMAIN_RNG = `<?xml version="1.0"?>
<grammar xmlns="http://relaxng.org/ns/structure/1.0">
  <start><ref name="anything"/></start>
  <define name="anything">
    <element>
      <anyName/>
      <zeroOrMore><choice><attribute><anyName/></attribute><text/><ref name="anything"/></choice></zeroOrMore>
    </element>
  </define>
</grammar>
`;

function prerequisites(): string | undefined {
  const missing: string[] = [];
  if (!existsSync(join(LOCAL_SCHEMA_DIR, 'domain.rng'))) missing.push(`${LOCAL_SCHEMA_DIR}/domain.rng (Debian libvirt0)`);
  if (spawnSync('sh', ['-c', 'command -v nsenter']).status !== 0) missing.push('nsenter (util-linux)');
  if (!existsSync(CLI)) missing.push('dist/cli.js (node scripts/build.mjs)');
  if (!missing.length) return undefined;
  if (process.env.CI) throw new Error(`missing: ${missing.join(', ')}`);
  return `missing: ${missing.join(', ')}`;
}

interface CliFinding {
  code: string;
  message: string;
}

describe('schema cache: three hosts of libvirt 9.0.0, one of them hostile (rig)', () => {
  let rig: Rig | undefined;
  let skip = '';
  const work = mkdtempSync(join(tmpdir(), 'ldx-schema-cache-'));
  chmodSync(work, 0o755);
  const docFile = join(work, 'invalid.xml');
  writeFileSync(docFile, INVALID_DOC);
  const honest = readdirSync(LOCAL_SCHEMA_DIR).filter((n) => n.endsWith('.rng'));

  /** What `host` serves from now on as /usr/share/libvirt/schemas: the local files, with `override` on top. */
  function serve(host: string, override: Record<string, string> = {}): void {
    const dir = join(work, 'served', host);
    for (const n of readdirSync(dir)) rmSync(join(dir, n), { force: true });
    for (const n of honest) cpSync(join(LOCAL_SCHEMA_DIR, n), join(dir, n));
    for (const [n, text] of Object.entries(override)) writeFileSync(join(dir, n), text);
    for (const n of readdirSync(dir)) chmodSync(join(dir, n), 0o644);
  }

  before(async () => {
    const missing = prerequisites();
    if (missing) return void (skip = missing);
    const r = await startRigOrSkip({ hosts: HOSTS.map((name) => ({ name, fixtureDir: join(ROOT, 'examples/hosts/kvm-a') })) });
    if (typeof r === 'string') return void (skip = r);
    rig = r;
    for (const h of HOSTS) {
      const dir = join(work, 'served', h);
      mkdirSync(dir, { recursive: true, mode: 0o755 });
      chmodSync(join(work, 'served'), 0o755);
      serve(h);
      // Only inside the simulated host's own mount namespace (made private by the rig).
      const m = spawnSync('nsenter', ['-t', String(rig.host(h).pid), '-m', '--', 'mount', '--bind', dir, SCHEMAS], { encoding: 'utf8' });
      if (m.status !== 0) throw new Error(`cannot bind-mount the served schemas of ${h}: ${m.stderr}`);
    }
  });
  after(async () => {
    await rig?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  const freshCache = () => mkdtempSync(join(work, 'cache-'));

  /** `libvirt-domain-lint --host HOST --schema host --format json` with its own cache. */
  function lint(cache: string, host: string): { status: number | null; stderr: string; schema: CliFinding[] } {
    const r = spawnSync(
      process.execPath,
      [CLI, '--host', host, '--ssh-config', rig!.sshConfigPath, '--schema', 'host', '--format', 'json', docFile],
      {
        encoding: 'utf8',
        env: { ...process.env, XDG_CACHE_HOME: cache },
      },
    );
    let schema: CliFinding[] = [];
    if (r.stdout.trim()) schema = (JSON.parse(r.stdout) as { findings: CliFinding[] }).findings.filter((f) => f.code === 'schema');
    return { status: r.status, stderr: r.stderr, schema };
  }

  const HOST_LABEL = (host: string) => new RegExp(`\\(libvirt 9\\.0\\.0 schema from ${host}, sha256 ([0-9a-f]{12})\\)$`);

  /** The honest host's verdict: one schema error at <frobnicate>, naming that host's schema. */
  function assertHonestVerdict(r: ReturnType<typeof lint>, host: string): string {
    assert.equal(r.status, 1, `${host}: ${r.stderr}`);
    assert.equal(r.schema.length, 1, `${host}: ${JSON.stringify(r.schema)}`);
    assert.match(r.schema[0].message, /^<frobnicate> is not valid under libvirt's schema; /);
    const m = HOST_LABEL(host).exec(r.schema[0].message);
    assert.ok(m, `the message names ${host}'s schema: ${r.schema[0].message}`);
    return m[1];
  }

  test('the doctored host fetched first: the honest host of the same version still reports the invalid element', (t) => {
    if (!rig) return t.skip(skip);
    serve('kvm-a');
    serve('kvm-b', { 'domain.rng': DOCTORED_DOMAIN_RNG });
    const cache = freshCache();
    const b = lint(cache, 'kvm-b');
    assert.equal(b.status, 0, b.stderr);
    assert.deepEqual(b.schema, [], "kvm-b's own (doctored) schema accepts the document");
    assertHonestVerdict(lint(cache, 'kvm-a'), 'kvm-a');
  });

  test('the honest host fetched first: the doctored host gets its own schema, the honest verdict is unchanged', (t) => {
    if (!rig) return t.skip(skip);
    serve('kvm-a');
    serve('kvm-b', { 'domain.rng': DOCTORED_DOMAIN_RNG });
    const cache = freshCache();
    const first = assertHonestVerdict(lint(cache, 'kvm-a'), 'kvm-a');
    const b = lint(cache, 'kvm-b');
    assert.equal(b.status, 0, b.stderr);
    assert.deepEqual(b.schema, [], 'two hosts of one version with different files get different validators');
    assert.equal(assertHonestVerdict(lint(cache, 'kvm-a'), 'kvm-a'), first);
  });

  test('a host whose schema changes between fetches gets the new one (doctored, then honest, then doctored)', (t) => {
    if (!rig) return t.skip(skip);
    const cache = freshCache();
    serve('kvm-c', { 'domain.rng': DOCTORED_DOMAIN_RNG });
    assert.deepEqual(lint(cache, 'kvm-c').schema, []);
    serve('kvm-c');
    const hash = assertHonestVerdict(lint(cache, 'kvm-c'), 'kvm-c');
    assert.equal(hash, schemaFilesHash(readSchemaDir(LOCAL_SCHEMA_DIR)).slice(0, 12), 'the hash is of the files served');
    serve('kvm-c', { 'domain.rng': DOCTORED_DOMAIN_RNG });
    assert.deepEqual(lint(cache, 'kvm-c').schema, []);
  });

  test('the finding names host, libvirt version and hash prefix; the cache holds the files by hash and a pointer per host', (t) => {
    if (!rig) return t.skip(skip);
    serve('kvm-a');
    serve('kvm-b', { 'domain.rng': DOCTORED_DOMAIN_RNG });
    const cache = freshCache();
    const prefix = assertHonestVerdict(lint(cache, 'kvm-a'), 'kvm-a');
    lint(cache, 'kvm-b');
    const root = join(cache, 'libvirt-domain-xml', 'schemas');
    const byHash = readdirSync(join(root, 'by-hash')).filter((n) => !n.startsWith('.'));
    assert.equal(byHash.length, 2, `one entry per distinct set of files: ${byHash.join(', ')}`);
    const pointers = readdirSync(join(root, 'hosts')).filter((n) => n.endsWith('.json'));
    const pointer = (host: string) => {
      const f = pointers.find((n) => n.startsWith(`${host}-`));
      assert.ok(f, `a pointer for ${host}: ${pointers.join(', ')}`);
      return JSON.parse(readFileSync(join(root, 'hosts', f), 'utf8')) as { host: string; version: string; sha256: string };
    };
    const a = pointer('kvm-a');
    const b = pointer('kvm-b');
    assert.deepEqual([a.host, a.version, b.host, b.version], ['kvm-a', '9.0.0', 'kvm-b', '9.0.0']);
    assert.ok(a.sha256.startsWith(prefix), `${a.sha256} / ${prefix}`);
    assert.notEqual(a.sha256, b.sha256);
    assert.deepEqual(new Set(byHash), new Set([a.sha256, b.sha256]));
    assert.equal(schemaFilesHash(readSchemaDir(join(root, 'by-hash', a.sha256))), a.sha256, 'the entry holds the files it is named by');
    // No version-keyed entry any more.
    assert.ok(!existsSync(join(root, '9.0.0')));
  });

  const REFUSED: Array<[string, string, RegExp]> = [
    [
      'an HTML page',
      '<html><body><h1>Not a schema</h1></body></html>\n',
      /domain\.rng is not a RelaxNG grammar \(root element <html> in no namespace\)/,
    ],
    [
      'a file that is not well-formed',
      '<grammar xmlns="http://relaxng.org/ns/structure/1.0"><start>\n',
      /domain\.rng is not well-formed XML/,
    ],
    [
      'a grammar including a file outside the schema directory',
      '<grammar xmlns="http://relaxng.org/ns/structure/1.0"><include href="../../../../etc/evil.rng"/><start><element name="domain"><empty/></element></start></grammar>\n',
      /domain\.rng refers to \.\.\/\.\.\/\.\.\/\.\.\/etc\/evil\.rng, which is not one of the fetched schema files/,
    ],
  ];
  for (const [what, body, reason] of REFUSED) {
    test(`${what} served as domain.rng: refused with a one-line error, nothing cached for the host`, (t) => {
      if (!rig) return t.skip(skip);
      serve('kvm-c', { 'domain.rng': body });
      const cache = freshCache();
      const r = lint(cache, 'kvm-c');
      assert.equal(r.status, 2, r.stderr);
      const lines = r.stderr.split('\n').filter((l) => l);
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], /^libvirt-domain-lint: kvm-c: schema refused: /);
      assert.match(lines[0], reason);
      const root = join(cache, 'libvirt-domain-xml', 'schemas');
      assert.deepEqual(existsSync(join(root, 'hosts')) ? readdirSync(join(root, 'hosts')) : [], []);
    });
  }

  /** A language server with its own cache; `config` is the libvirtDomain settings. */
  async function server(cache: string, config: object, hostAccess: boolean) {
    const proc = spawn(process.execPath, [join(ROOT, 'dist/server.js'), '--stdio'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, XDG_CACHE_HOME: cache },
    });
    const conn = createMessageConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
    const diags = new Map<string, PublishDiagnosticsParams>();
    const logs: string[] = [];
    conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => void diags.set(p.uri, p));
    conn.onNotification('window/logMessage', (m: { message: string }) => void logs.push(m.message));
    conn.onNotification(InventoryStateNotification, () => {});
    conn.onNotification('$/progress', () => {});
    conn.onRequest('window/workDoneProgress/create', () => null);
    conn.onRequest('client/registerCapability', () => null);
    conn.onRequest('workspace/configuration', () => [config]);
    conn.listen();
    await conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri: null,
      capabilities: { workspace: { configuration: true }, window: { workDoneProgress: true } },
      initializationOptions: { hostAccess },
    });
    await conn.sendNotification('initialized', {});
    const open = async (name: string) => {
      const uri = pathToFileURL(join(work, name)).toString();
      await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'xml', version: 1, text: INVALID_DOC } });
      return uri;
    };
    const schemaMessages = (uri: string) =>
      diags
        .get(uri)
        ?.diagnostics.map((d) => String(d.message))
        .filter((m) => /not valid under libvirt's schema|not valid under the .* schema/.test(m));
    const stop = async () => {
      await conn.sendRequest('shutdown').catch(() => {});
      await conn.sendNotification('exit').catch(() => {});
      conn.dispose();
      proc.kill('SIGKILL');
    };
    return { open, diags, logs, schemaMessages, stop };
  }

  test('language server, cache poisoned beforehand by the doctored host: each host gets its own schema, a refused host falls back to the local one', async (t) => {
    if (!rig) return t.skip(skip);
    serve('kvm-a');
    serve('kvm-b', { 'domain.rng': DOCTORED_DOMAIN_RNG });
    serve('kvm-c', { 'domain.rng': '<html><body>Not a schema</body></html>\n' });
    const cache = freshCache();
    assert.deepEqual(lint(cache, 'kvm-b').schema, []); // the doctored files are in the cache first
    const s = await server(
      cache,
      {
        hosts: {
          ga: { hosts: ['kvm-a'], files: ['doc-a.xml'] },
          gb: { hosts: ['kvm-b'], files: ['doc-b.xml'] },
          gc: { hosts: ['kvm-c'], files: ['doc-c.xml'] },
        },
        ssh: { configFile: rig.sshConfigPath },
      },
      true,
    );
    t.after(s.stop);
    const a = await s.open('doc-a.xml');
    const b = await s.open('doc-b.xml');
    const c = await s.open('doc-c.xml');
    await until("kvm-a's schema in doc-a.xml's diagnostics", () => s.schemaMessages(a)?.find((m) => HOST_LABEL('kvm-a').test(m)));
    await until("kvm-b's schema compiled", () => s.logs.find((l) => /^schema: libvirt 9\.0\.0 \(kvm-b\) compiled/.test(l)));
    await until("doc-b.xml checked against kvm-b's own schema", () => (s.schemaMessages(b)?.length === 0 ? true : undefined));
    const refused = await until("kvm-c's schema refused", () =>
      s.logs.find((l) => /kvm-c: schema refused: domain\.rng is not a RelaxNG grammar/.test(l)),
    );
    assert.ok(!refused.includes('\n'), refused);
    const local = await until('doc-c.xml checked against the local schema', () =>
      s.schemaMessages(c)?.find((m) => /\(local schema \/usr\/share\/libvirt\/schemas, sha256 [0-9a-f]{12}\)$/.test(m)),
    );
    assert.match(local, /^<frobnicate> is not valid under libvirt's schema; /);
    // The honest host's verdict is unchanged at the end.
    assert.ok(
      s.schemaMessages(a)?.some((m) => HOST_LABEL('kvm-a').test(m)),
      JSON.stringify(s.schemaMessages(a)),
    );
  });

  test('a snapshot of libvirt 9.0.0 never uses a fetched 9.0.0 schema: it is checked against the local one', async (t) => {
    if (!rig) return t.skip(skip);
    serve('kvm-b', { 'domain.rng': DOCTORED_DOMAIN_RNG });
    const cache = freshCache();
    assert.deepEqual(lint(cache, 'kvm-b').schema, []);
    // The example snapshot is of host kvm-a, libvirt 9.0.0; no host is contacted (no host access).
    assert.equal(JSON.parse(readFileSync(EXAMPLE_INVENTORY, 'utf8')).libvirtVersion, '9.0.0');
    const s = await server(cache, { inventorySnapshot: [EXAMPLE_INVENTORY] }, false);
    t.after(s.stop);
    const uri = await s.open('doc-snapshot.xml');
    const m = await until('a schema finding from the local schema', () =>
      s.schemaMessages(uri)?.find((x) => /\(local schema \/usr\/share\/libvirt\/schemas, sha256 [0-9a-f]{12}\)$/.test(x)),
    );
    assert.match(m, /^<frobnicate> is not valid under libvirt's schema; /);
  });
});
