/**
 * Audit Hosts, the server's side (issue 16, item 5), driven in-process with a recording fake client
 * over the seeded rig fleet (real sshds): every configured host fetched through the server's own
 * inventory cache, the findings published as diagnostics of `libvirt-domain://HOST/NAME.xml` with
 * ranges in the text the hostDefinition request serves; an unreachable host notified from the fixed
 * template, the others' findings present; a new run replaces the last one's; an open host document
 * keeps the fleet's findings beside its own; Restricted Mode contacts nothing; a cancel (of the request
 * or of the progress) stops the fetches and publishes nothing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Diagnostic, NotificationType } from 'vscode-languageserver-protocol';
import { hostDocumentUri } from '../server/src/hostDocument';
import { LanguageServer, type LanguageServerClient } from '../server/src/lsp/languageServer';
import { InventoryErrorNotification, type AuditHostsResult, type InventoryErrorParams } from '../server/src/protocol';
import { writeFleetHost } from './rig/fleet';
import { seededRigHosts, startSeededRig } from './rig/seededRig';
import { DOWN, EXPECTED, FLEET, LIVE } from './rig/seededFleet';
import type { Rig } from './rig/sshRig';
import { until, within } from './support/poll';

/** A host whose lsblk never returns: its fetch runs until cancelled. */
const HUNG = 'hung-1';

interface Recorded {
  published: { uri: string; diagnostics: Diagnostic[] }[];
  logs: string[];
  errors: InventoryErrorParams[];
  progress: { title: string; reports: string[]; done: boolean; cancel?: () => void }[];
}

function recordingClient(settings: () => unknown) {
  const rec: Recorded = { published: [], logs: [], errors: [], progress: [] };
  const client: LanguageServerClient = {
    publishDiagnostics: (uri, _v, diagnostics) => void rec.published.push({ uri, diagnostics }),
    log: (m) => void rec.logs.push(m),
    sendNotification: <P>(type: NotificationType<P>, params: P) => {
      if (type.method === InventoryErrorNotification.method) rec.errors.push(params as InventoryErrorParams);
    },
    progress: async (title) => {
      const p: Recorded['progress'][number] = { title, reports: [], done: false };
      rec.progress.push(p);
      return {
        report: (message) => void p.reports.push(message),
        done: () => void (p.done = true),
        onCancel: (listener) => void (p.cancel = listener),
      };
    },
    configuration: async () => settings(),
    registerForConfiguration: async () => undefined,
  };
  return { client, rec };
}

/** A cancellation token as the connection passes one. */
function tokenSource() {
  const listeners: (() => void)[] = [];
  const token = {
    isCancellationRequested: false,
    onCancellationRequested: (l: () => void) => void listeners.push(l),
  };
  return {
    token,
    cancel: () => {
      token.isCancellationRequested = true;
      for (const l of listeners) l();
    },
  };
}

/** The last diagnostics published per URI. */
function latest(rec: Recorded, from = 0): Map<string, Diagnostic[]> {
  const m = new Map<string, Diagnostic[]>();
  for (const p of rec.published.slice(from)) m.set(p.uri, p.diagnostics);
  return m;
}

/** The text at an LSP range (one line). */
function textAt(text: string, d: Diagnostic): string {
  assert.equal(d.range.start.line, d.range.end.line, 'a range over several lines');
  return text.split('\n')[d.range.start.line].slice(d.range.start.character, d.range.end.character);
}

const serious = (d: Diagnostic) => d.severity === 1 || d.severity === 2;

describe('Audit Hosts in the server (the seeded rig fleet)', () => {
  let rig: Rig | undefined;
  let skip = '';
  let work = '';

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'ldx-audit-hosts-'));
    const hung = { name: HUNG, fixtureDir: writeFleetHost(join(work, 'fixtures'), { ...FLEET[FLEET.length - 1], name: HUNG }) };
    const r = await startSeededRig([...seededRigHosts(join(work, 'fixtures')), { ...hung, faults: [{ kind: 'hang' }] }]);
    if (typeof r === 'string') skip = r;
    else rig = r;
  });
  after(async () => {
    await rig?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  async function startServer(hostAccess = true) {
    const settings = { hosts: [...LIVE, DOWN, HUNG], ssh: { configFile: rig!.sshConfigPath }, schema: { enabled: false } };
    const { client, rec } = recordingClient(() => settings);
    const server = new LanguageServer(client);
    server.initialize({
      processId: process.pid,
      rootUri: null,
      capabilities: { workspace: { configuration: true } },
      initializationOptions: { hostAccess },
    });
    server.initialized();
    await until('the settings', () => (server.hosts.allHosts().length ? true : undefined));
    return { server, rec };
  }

  test('every domain of every host: the seeded findings under libvirt-domain://HOST/NAME.xml, ranges in the served text; the unreachable host notified', async (t) => {
    if (!rig) return t.skip(skip);
    const { server, rec } = await startServer();
    t.after(() => server.shutdown());
    const r: AuditHostsResult = await within('the audit', server.auditHosts({ hosts: [...LIVE, DOWN] }), 60_000);
    assert.equal(r.outcome, 'done');
    assert.deepEqual(r.hosts.map((h) => h.host).sort(), [...LIVE, DOWN].sort());
    assert.deepEqual(
      r.hosts.filter((h) => h.failure).map((h) => [h.host, h.failure]),
      [[DOWN, 'connection-refused']],
    );
    // The failure: a notification from the fixed template (host and class), the details in the log.
    const down = rec.errors.filter((e) => e.host === DOWN);
    assert.equal(down.length, 1);
    assert.equal(down[0].notice, `${DOWN}: the inventory could not be read (connection refused; details in the log)`);
    assert.ok(rec.logs.some((l) => l.includes(DOWN) && /Connection refused/i.test(l)));
    assert.ok(rec.progress.length === 1 && rec.progress[0].done && rec.progress[0].title === `Auditing ${LIVE.length + 1} hosts`);

    const shown = latest(rec);
    const got: Record<string, string[]> = {};
    for (const [uri, diagnostics] of shown) {
      const codes = diagnostics.filter(serious).map((d) => String(d.code));
      if (!codes.length) continue;
      const host = LIVE.find((h) => uri.startsWith(`libvirt-domain://${h}/`))!;
      const name = decodeURIComponent(uri.slice(`libvirt-domain://${host}/`.length)).replace(/\.xml$/, '');
      assert.equal(uri, hostDocumentUri(host, name));
      got[`${host}/${name}`] = [...new Set(codes)].sort();
      // Every range is in the text the editor opens for that URI (the hostDefinition request's).
      const text = await server.hostDefinition({ host, name });
      assert.ok(text, uri);
      for (const d of diagnostics) if (serious(d)) assert.match(textAt(text, d), /^\/dev\//, `${uri}: ${d.code}`);
    }
    const seeded = Object.fromEntries(Object.entries(EXPECTED).map(([k, v]) => [k, [...v].sort()]));
    // Exactly the seeded cases at warning or above; every other domain (kvm-a's too) has none.
    assert.deepEqual(got, seeded);
    assert.deepEqual(
      r.uris.sort(),
      [...shown]
        .filter(([, d]) => d.length)
        .map(([u]) => u)
        .sort(),
    );
    // The shared LUN: each side names the other host's domain, with a place in its document.
    const a = shown.get(hostDocumentUri('dmp-1', 'shared-a'))!.find((d) => d.code === 'shared-without-shareable')!;
    assert.match(String(a.message), /shared-b \(defined on mp-1\)/);
    assert.ok(a.relatedInformation?.some((x) => x.location.uri === hostDocumentUri('mp-1', 'shared-b')));
    const b = shown.get(hostDocumentUri('mp-1', 'shared-b'))!.find((d) => d.code === 'shared-without-shareable')!;
    assert.match(String(b.message), /shared-a \(defined on dmp-1\)/);
    // The code links to its documentation as the editor's own diagnostics do.
    assert.equal(a.source, 'libvirt-domain');
  });

  test('a new run replaces the last: what it no longer finds is cleared; an open host document keeps the fleet’s findings beside its own', async (t) => {
    if (!rig) return t.skip(skip);
    const { server, rec } = await startServer();
    t.after(() => server.shutdown());
    const first = await within('the first audit', server.auditHosts({ hosts: LIVE }), 60_000);
    assert.equal(first.outcome, 'done');
    const sharedB = hostDocumentUri('mp-1', 'shared-b');
    assert.ok(first.uris.includes(sharedB));

    // Open mp-1's shared-b as the editor does (its text from hostDefinition): its own analysis, plus the fleet's finding, once.
    const text = (await server.hostDefinition({ host: 'mp-1', name: 'shared-b' }))!;
    const mark = rec.published.length;
    server.documentChanged(sharedB, 1, text);
    const open = await until('the open document’s diagnostics', () => latest(rec, mark).get(sharedB));
    assert.equal(open.filter((d) => d.code === 'shared-without-shareable').length, 1);
    // Closed: the audit's diagnostics again.
    const closing = rec.published.length;
    server.documentClosed(sharedB);
    assert.deepEqual(
      latest(rec, closing)
        .get(sharedB)
        ?.map((d) => d.code),
      ['shared-without-shareable'],
    );

    // dmp-1 alone: mp-1's documents are cleared, the LUN is no longer shared with anything audited.
    const again = rec.published.length;
    const second = await within('the second audit', server.auditHosts({ hosts: ['dmp-1'] }), 60_000);
    assert.equal(second.outcome, 'done');
    const now = latest(rec, again);
    assert.deepEqual(now.get(sharedB), []);
    for (const uri of first.uris.filter((u) => !u.startsWith('libvirt-domain://dmp-1/'))) assert.deepEqual(now.get(uri), [], uri);
    assert.deepEqual(
      now
        .get(hostDocumentUri('dmp-1', 'app-kernel'))
        ?.filter(serious)
        .map((d) => d.code)
        .sort(),
      ['multipath-bypass', 'unstable-device-name'],
    );
    assert.equal(now.get(hostDocumentUri('dmp-1', 'shared-a'))?.length ?? 0, 0);
    assert.deepEqual(second.uris, [hostDocumentUri('dmp-1', 'app-kernel')]);
  });

  test('Restricted Mode: refused, nothing fetched, nothing published', async (t) => {
    if (!rig) return t.skip(skip);
    const before = rig.hosts.map((h) => h.readToolLog().length);
    const { server, rec } = await startServer(false);
    t.after(() => server.shutdown());
    const r = await server.auditHosts({});
    assert.deepEqual(r, { outcome: 'no-host-access', hosts: [], uris: [] });
    assert.equal(rec.published.filter((p) => p.uri.startsWith('libvirt-domain:')).length, 0);
    assert.equal(rec.progress.length, 0);
    assert.deepEqual(
      rig.hosts.map((h) => h.readToolLog().length),
      before,
    );
  });

  test('cancelled (the request, or the progress’s Cancel): the hung fetch is stopped, nothing is published, the last run’s diagnostics stay', async (t) => {
    if (!rig) return t.skip(skip);
    const { server, rec } = await startServer();
    t.after(() => server.shutdown());
    const done = await within('a first audit', server.auditHosts({ hosts: ['dmp-1'] }), 60_000);
    assert.equal(done.outcome, 'done');

    for (const how of ['request', 'progress'] as const) {
      const mark = rec.published.length;
      const source = tokenSource();
      const run = server.auditHosts({ hosts: ['dmp-1', HUNG] }, source.token);
      // Under way: dmp-1 audited, the hung host's fetch still running.
      await until(
        `${how}: the hung host being fetched, dmp-1 done`,
        () => (server.hosts.fetchState(HUNG).fetching && rec.progress.at(-1)?.reports.includes('1/2 hosts') ? true : undefined),
        30_000,
      );
      const started = Date.now();
      if (how === 'request') source.cancel();
      else rec.progress.at(-1)!.cancel!();
      const r = await within(`${how}: the cancelled audit`, run, 10_000);
      assert.equal(r.outcome, 'cancelled');
      assert.ok(Date.now() - started < 10_000);
      assert.equal(server.hosts.fetchState(HUNG).fetching, false, 'the fetch was stopped');
      assert.ok(rec.progress.at(-1)!.done);
      assert.equal(rec.published.slice(mark).filter((p) => p.uri.startsWith('libvirt-domain:')).length, 0);
      // The cancelled fetch is not a failure to notify.
      assert.equal(rec.errors.filter((e) => e.host === HUNG).length, 0);
    }
    assert.ok(latest(rec).get(hostDocumentUri('dmp-1', 'app-kernel'))?.length);
  });
});
