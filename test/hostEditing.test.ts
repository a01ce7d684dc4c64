/**
 * Issue 15, in the editor: the language server's side of editing where the definitions live, driven
 * in-process with a recording fake client: the Libvirt Hosts view's data (hostDomains), a host's
 * definition as a document (hostDefinition; `libvirt-domain://HOST/NAME.xml` checked against HOST
 * alone), planning a define (conflicts, blocking findings, the diff, a host that changed since the
 * document was opened), the refusals of define (nothing is run on the host), the Compare lens where
 * differs-from-host is reported; and a real define on the test machine's libvirt daemon (destination
 * `local`): readback, what libvirt dropped, the concurrency refusal.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Diagnostic, NotificationType } from 'vscode-languageserver-protocol';
import { domainFileName, domainNameOfFile, hostDocumentUri, parseHostDocumentUri } from '../server/src/hostDocument';
import { LanguageServer, type LanguageServerClient } from '../server/src/lsp/languageServer';
import { InventoryStateNotification, type DefineResult, type HostDomainsResult, type PlanDefineResult } from '../server/src/protocol';
import { fixtureSnapshot } from './support/fixtureHost';
import { EXAMPLE_INVENTORY, ROOT } from './support/examples';
import { until } from './support/poll';
import { fixtureRenderSections, renderCollectorOutput } from './fuzz/collectorText';
import { writeFakeSsh, type FakeSsh } from './fuzz/fakeSsh';
import { dumpxmlInactive, ensureLibvirtdOrSkip, testDomainXml, uniqueDomainName, undefineTestDomain, virshSystem } from './rig/libvirtd';

const WEB01_UUID = '3e4a1c52-8d0b-4c1e-9f53-2b6a7d8e9f01';
const DB01_UUID = '7b2d4f61-1a3c-4e5d-8f7a-9b0c1d2e3f40';

/** A domain definition as a host prints it (valid under libvirt's schema). */
function hostXml(name: string, uuid: string, disks: { source: string; target: string }[]): string {
  const d = disks
    .map(
      (x) =>
        `    <disk type='block' device='disk'>\n      <driver name='qemu' type='raw'/>\n      <source dev='${x.source}'/>\n      <target dev='${x.target}' bus='virtio'/>\n    </disk>\n`,
    )
    .join('');
  return (
    `<domain type='kvm'>\n  <name>${name}</name>\n  <uuid>${uuid}</uuid>\n  <memory unit='KiB'>1048576</memory>\n` +
    `  <vcpu placement='static'>1</vcpu>\n  <os>\n    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>\n  </os>\n` +
    `  <devices>\n${d}  </devices>\n</domain>\n`
  );
}

const WEB01 = hostXml('web01', WEB01_UUID, [{ source: '/dev/vx/dmp/3pardata0_13', target: 'vda' }]);
/** /dev/sdc is a path of a multipathed LUN on kvm-a's inventory: warnings (unstable name, multipath bypass). */
const DB01 = hostXml('db01', DB01_UUID, [{ source: '/dev/sdc', target: 'vda' }]);

/** A host fixture directory: kvm-a's devices with these domains (`running`: those `virsh list` shows). */
function hostDir(root: string, domains: Record<string, string>, running: string[] = []): string {
  const dir = join(root, `host-${Math.random().toString(36).slice(2)}`);
  cpSync(join(ROOT, 'examples/hosts/kvm-a'), dir, { recursive: true });
  rmSync(join(dir, 'domains'), { recursive: true, force: true });
  mkdirSync(join(dir, 'domains'));
  for (const [n, xml] of Object.entries(domains)) writeFileSync(join(dir, 'domains', `${n}.xml`), xml);
  writeFileSync(join(dir, 'domains-running.txt'), running.map((n) => `${n}\n`).join(''));
  return dir;
}

function recordingClient(settings: () => unknown) {
  const rec = {
    published: [] as { uri: string; diagnostics: Diagnostic[] }[],
    logs: [] as string[],
    notifications: [] as { method: string; params: unknown }[],
  };
  const client: LanguageServerClient = {
    publishDiagnostics: (uri, _v, diagnostics) => void rec.published.push({ uri, diagnostics }),
    log: (m) => void rec.logs.push(m),
    sendNotification: <P>(type: NotificationType<P>, params: P) => void rec.notifications.push({ method: type.method, params }),
    progress: async () => ({ report: () => undefined, done: () => undefined, onCancel: () => undefined }),
    configuration: async () => settings(),
    registerForConfiguration: async () => undefined,
  };
  return { client, rec };
}

/** An in-process server with these settings; host access as given. */
async function startServer(settings: Record<string, unknown>, hostAccess: boolean) {
  const { client, rec } = recordingClient(() => settings);
  const server = new LanguageServer(client);
  server.initialize({
    processId: process.pid,
    rootUri: null,
    capabilities: { workspace: { configuration: true } },
    initializationOptions: { hostAccess },
  });
  server.initialized();
  // Settings applied: the configured hosts are the server's.
  await until('the settings', () => (server.hosts.allHosts().length ? true : undefined));
  return { server, rec };
}

/** The position (0-based) of the first occurrence of `what` in `text`. */
function lineOf(text: string, what: string): number {
  return text.slice(0, text.indexOf(what)).split('\n').length - 1;
}

test('host document URIs: names encoded so no markup or control reaches a file name; only the canonical spelling parses', () => {
  assert.equal(domainFileName('web01'), 'web01.xml');
  assert.equal(domainFileName('a b'), 'a~20b.xml');
  const hostile = '[x](command:workbench.action.terminal.sendSequence?%7B%7D)\n\u202e~é';
  const file = domainFileName(hostile);
  assert.match(file, /^[A-Za-z0-9._~-]+\.xml$/);
  assert.equal(domainNameOfFile(file), hostile);
  assert.equal(parseHostDocumentUri(hostDocumentUri('user@kvm-a', hostile))?.name, hostile);
  assert.equal(parseHostDocumentUri(hostDocumentUri('user@kvm-a', hostile))?.authority, 'user@kvm-a');
  // Not canonical (a safe character escaped, lower-case hex, a stray ~), another scheme, a deeper path: not a host document.
  for (const bad of ['w~65b01.xml', 'a~2fb.xml', 'a~.xml', 'web01.txt', '.xml']) assert.equal(domainNameOfFile(bad), undefined, bad);
  assert.equal(parseHostDocumentUri('file:///kvm-a/web01.xml'), undefined);
  assert.equal(parseHostDocumentUri('libvirt-domain://kvm-a/x/web01.xml'), undefined);
  assert.equal(parseHostDocumentUri('libvirt-domain:///web01.xml'), undefined);
});

describe('offline (snapshot inventories, Restricted Mode)', () => {
  let root = '';
  let snapFile = '';
  let fake: FakeSsh;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'ldx-hostedit-'));
    // The host's name has capitals: VS Code writes a URI's authority in lower case.
    const snap = fixtureSnapshot(hostDir(root, { web01: WEB01, db01: DB01 }, ['web01']), 'Kvm-T');
    snapFile = join(root, 'kvm-t.inventory.json');
    writeFileSync(snapFile, JSON.stringify(snap));
    fake = writeFakeSsh(root, 'ssh-marker', { kind: 'fail', status: 255 });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('hostDomains: each host with its domains, state, disks and what opening them would show; hostDefinition byte for byte', async (t) => {
    const { server } = await startServer({ inventorySnapshot: [EXAMPLE_INVENTORY, snapFile], schema: { enabled: false } }, false);
    t.after(() => server.shutdown());
    const r: HostDomainsResult = server.hostDomains();
    assert.equal(r.hostAccess, false);
    assert.deepEqual(
      r.hosts.map((h) => [h.host, h.source]),
      [
        ['kvm-a', 'snapshot'],
        ['Kvm-T', 'snapshot'],
      ],
    );
    const t1 = r.hosts[1];
    assert.deepEqual(
      t1.domains?.map((d) => [d.name, d.state, d.disks, d.uuid, d.hasDefinition]),
      [
        ['db01', 'shut off', 1, DB01_UUID, true],
        ['web01', 'running', 1, WEB01_UUID, true],
      ],
    );
    // db01's /dev/sdc: what opening it shows (warnings); web01's DMP node: nothing.
    const db01 = t1.domains![0].findings!;
    assert.ok(db01.warnings >= 1 && db01.errors === 0, JSON.stringify(db01));
    assert.deepEqual(t1.domains![1].findings, { errors: 0, warnings: 0, other: 0 });
    // A domain whose definition the inventory lacks cannot be opened, nor counted.
    for (const h of r.hosts) for (const d of h.domains ?? []) assert.equal(d.hasDefinition, d.findings !== undefined, d.name);

    assert.equal(await server.hostDefinition({ host: 'Kvm-T', name: 'web01' }), WEB01);
    // The lower-case authority of a URI names the same host.
    assert.equal(await server.hostDefinition({ host: 'kvm-t', name: 'db01' }), DB01);
    assert.equal(await server.hostDefinition({ host: 'Kvm-T', name: 'nope' }), null);
    assert.equal(await server.hostDefinition({ host: 'kvm-z', name: 'web01' }), null);
    assert.equal(await server.hostDefinition({ host: 'Kvm-T' }), null);
  });

  test('a libvirt-domain://HOST/NAME.xml document is checked against HOST alone; its status and lens name no group', async (t) => {
    const { server, rec } = await startServer({ inventorySnapshot: [EXAMPLE_INVENTORY, snapFile], schema: { enabled: false } }, false);
    t.after(() => server.shutdown());
    const file = pathToFileURL(join(root, 'db01.xml')).toString();
    // As VS Code writes it: the authority in lower case.
    const hostDoc = hostDocumentUri('Kvm-T', 'db01').replace('Kvm-T', 'kvm-t');
    assert.deepEqual(
      server.hosts.hostsFor(file).map((h) => h.host),
      ['kvm-a', 'Kvm-T'],
    );
    assert.deepEqual(
      server.hosts.hostsFor(hostDoc).map((h) => h.host),
      ['Kvm-T'],
    );
    assert.deepEqual(server.hostGroups({ uri: hostDoc }), {
      groups: [{ name: 'snapshots', hosts: ['kvm-a', 'Kvm-T'] }],
      current: 'Kvm-T',
      currentHosts: ['Kvm-T'],
    });
    assert.equal(server.hostGroups({ uri: file }).currentHosts, undefined);
    // An unknown host: no inventory at all (not the group of the files).
    assert.deepEqual(server.hosts.hostsFor(hostDocumentUri('kvm-z', 'db01')), []);
    server.documentChanged(hostDoc, 1, DB01);
    const pub = await until('diagnostics of the host document', () => rec.published.find((p) => p.uri === hostDoc));
    assert.ok(pub.diagnostics.some((d) => d.code === 'unstable-device-name'));
    // The same text as a file of the workspace: checked against both hosts (the messages name them).
    server.documentChanged(file, 1, DB01);
    const both = await until('diagnostics of the file', () => rec.published.find((p) => p.uri === file));
    const text = (d: Diagnostic) => (typeof d.message === 'string' ? d.message : d.message.value);
    assert.ok(both.diagnostics.some((d) => /kvm-a/.test(text(d))));
    assert.ok(!pub.diagnostics.some((d) => /kvm-a/.test(text(d))), 'the host document never hears of kvm-a');
    const lens = server.codeLenses({ textDocument: { uri: hostDoc } }).map((l) => l.command!.title);
    assert.match(lens[0], /^Hosts: Kvm-T · snapshot/);
  });

  test('the Compare lens: where differs-from-host is reported, one per differing host, with { uri, host, name }', async (t) => {
    const { server } = await startServer({ inventorySnapshot: [snapFile], schema: { enabled: false } }, false);
    t.after(() => server.shutdown());
    const uri = pathToFileURL(join(root, 'web01.xml')).toString();
    const compare = () =>
      server
        .codeLenses({ textDocument: { uri } })
        .filter((l) => l.command?.command === 'libvirtDomain.compareWithHost')
        .map((l) => ({ title: l.command!.title, args: l.command!.arguments }));
    // The host's own definition: no drift, no lens.
    server.documentChanged(uri, 1, WEB01);
    assert.deepEqual(compare(), []);
    // Another source for vda: drift against Kvm-T.
    const edited = WEB01.replace('3pardata0_13', '3pardata0_12');
    server.documentChanged(uri, 2, edited);
    assert.deepEqual(compare(), [{ title: 'Compare with Kvm-T', args: [{ uri, host: 'Kvm-T', name: 'web01' }] }]);
    // Turned off in the settings: no finding, no lens.
    const off = await startServer(
      { inventorySnapshot: [snapFile], schema: { enabled: false }, severity: { 'differs-from-host': 'off' } },
      false,
    );
    t.after(() => off.server.shutdown());
    off.server.documentChanged(uri, 1, edited);
    await until('the severity setting', () => (off.server.core.severityOverrides ? true : undefined));
    assert.deepEqual(
      off.server.codeLenses({ textDocument: { uri } }).filter((l) => l.command?.command === 'libvirtDomain.compareWithHost'),
      [],
    );
    // A host's own document never offers to compare with itself.
    const hostDoc = hostDocumentUri('Kvm-T', 'web01');
    server.documentChanged(hostDoc, 1, edited);
    assert.ok(!server.codeLenses({ textDocument: { uri: hostDoc } }).some((l) => l.command?.command === 'libvirtDomain.compareWithHost'));
    // definedOn: where the file's domain is defined, for Compare with Host Definition from the palette.
    assert.deepEqual(server.definedOn({ uri }), { name: 'web01', hosts: [{ host: 'Kvm-T', name: 'web01' }] });
    assert.deepEqual(server.definedOn({ uri: 'file:///not/open.xml' }), { hosts: [] });
  });

  test('without host access: planDefine says why, define is refused, and nothing runs', async (t) => {
    const { server, rec } = await startServer(
      { hosts: ['kvm-t'], inventorySnapshot: [snapFile], ssh: { path: fake.path }, schema: { enabled: false } },
      false,
    );
    t.after(() => server.shutdown());
    const plan = await server.planDefine({ host: 'kvm-t', text: WEB01, base: WEB01 });
    assert.match(plan.unavailable ?? '', /Restricted Mode/);
    const r = await server.define({ host: 'kvm-t', text: WEB01, base: WEB01, force: true, overwrite: true });
    assert.equal(r.outcome, 'refused');
    assert.equal(r.reason, 'no-host-access');
    assert.equal(fake.runs(), 0, 'no ssh started');
    assert.ok(
      rec.logs.some((l) => /^define: kvm-t: a document: refused \(no-host-access\)/.test(l)),
      rec.logs.join('\n'),
    );
  });
});

describe('planning and refusing a define (a fake ssh answering as the host)', () => {
  let root = '';
  let fake: FakeSsh;
  let output = '';
  /** What the fake host answers: its domains. */
  const answer = (domains: Record<string, string>) =>
    writeFileSync(output, renderCollectorOutput(fixtureRenderSections(hostDir(root, domains, ['web01']), 'kvm-t')));
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'ldx-hostplan-'));
    fake = writeFakeSsh(root, 'ssh-host', { kind: 'answer', output: '' });
    output = join(root, 'ssh-host.output');
    answer({ web01: WEB01, db01: DB01 });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  /** The runs of the fake ssh that were a define (its remote command). */
  const defines = () => fake.all().filter((r) => r.argv.some((a) => /\bdefine\b/.test(a)));

  test('conflicts by name and by UUID, blocking findings with lines, the diff, a host changed since opened; define refuses each', async (t) => {
    const { server, rec } = await startServer({ hosts: ['kvm-t'], ssh: { path: fake.path }, schema: { enabled: true } }, true);
    t.after(() => server.shutdown());
    const runs = fake.runs();
    const ok = await server.planDefine({ host: 'kvm-t', text: WEB01, base: WEB01, uri: hostDocumentUri('kvm-t', 'web01') });
    assert.ok(fake.runs() > runs, 'the host was fetched again');
    assert.equal(ok.unavailable, undefined, ok.unavailable);
    assert.deepEqual(
      [ok.name, ok.uuid, ok.conflict, ok.blocking, ok.diff, ok.changedOnHost],
      ['web01', WEB01_UUID, undefined, [], '', false],
    );
    assert.equal(ok.hostText, WEB01);
    assert.deepEqual(ok.command, ['virsh', '-c', 'qemu:///system', 'define', '/dev/stdin']);

    // Another UUID under web01's name: it would replace another domain.
    const byName = await server.planDefine({
      host: 'kvm-t',
      text: WEB01.replace(WEB01_UUID, '11111111-2222-4333-8444-555555555555'),
      base: WEB01,
    });
    assert.match(byName.conflict ?? '', /kvm-t has a domain "web01" with UUID 3e4a1c52-.* replace another domain/);
    // web01's UUID under another name: it would rename web01.
    const byUuid = await server.planDefine({ host: 'kvm-t', text: WEB01.replace(/web01/g, 'web99'), base: null });
    assert.match(byUuid.conflict ?? '', /belongs to kvm-t's domain "web01": defining would rename it to "web99"/);

    // An edit: the diff shows it; two disks on one target is an error that blocks the define.
    const edited = WEB01.replace('3pardata0_13', '3pardata0_12');
    const plan: PlanDefineResult = await server.planDefine({ host: 'kvm-t', text: edited, base: WEB01 });
    assert.match(plan.diff, /^-.*3pardata0_13/m);
    assert.match(plan.diff, /^\+.*3pardata0_12/m);
    assert.deepEqual(plan.blocking, []);
    const twice = edited.replace(
      '  </devices>',
      "    <disk type='block' device='disk'><source dev='/dev/vx/dmp/3pardata0_13'/><target dev='vda' bus='virtio'/></disk>\n  </devices>",
    );
    const blocked = await server.planDefine({ host: 'kvm-t', text: twice, base: WEB01 });
    const dup = blocked.blocking.find((b) => b.code === 'duplicate-target');
    assert.ok(dup, JSON.stringify(blocked.blocking));
    assert.equal(dup.line, lineOf(twice, "<disk type='block' device='disk'><source"));
    // An invalid document: the schema speaks too (the define's check runs it whatever the setting).
    const invalid = await server.planDefine({ host: 'kvm-t', text: edited.replace("bus='virtio'", "bus='virtio' bogus='1'"), base: WEB01 });
    assert.ok(
      invalid.blocking.some((b) => b.code === 'schema'),
      JSON.stringify(invalid.blocking),
    );

    // The refusals of define: nothing is sent to virsh.
    const refusals: [DefineResult['reason'], Record<string, unknown>][] = [
      ['conflict', { text: WEB01.replace(/web01/g, 'web99'), base: null, force: true, overwrite: true }],
      ['blocking', { text: twice, base: WEB01, overwrite: true }],
      ['not-a-domain', { text: '<network><name>x</name></network>', base: null, force: true, overwrite: true }],
    ];
    for (const [reason, p] of refusals) {
      const r = await server.define({ host: 'kvm-t', ...p });
      assert.deepEqual([r.outcome, r.reason], ['refused', reason], r.message);
    }
    const blockedDefine = await server.define({ host: 'kvm-t', text: twice, base: WEB01 });
    assert.ok(blockedDefine.blocking?.some((b) => b.code === 'duplicate-target'));
    const unknown = await server.define({ host: 'kvm-zz', text: edited, base: WEB01 });
    assert.deepEqual([unknown.outcome, unknown.reason], ['refused', 'unknown-host']);

    // The host's definition changes behind the editor's back: the next plan sees it, define refuses it without overwrite.
    const theirs = WEB01.replace('3pardata0_13', 'emc_clariion0_91');
    answer({ web01: theirs, db01: DB01 });
    const changed = await server.planDefine({ host: 'kvm-t', text: edited, base: WEB01, uri: hostDocumentUri('kvm-t', 'web01') });
    assert.equal(changed.changedOnHost, true);
    assert.equal(changed.hostText, theirs);
    const refusedChanged = await server.define({ host: 'kvm-t', text: edited, base: WEB01 });
    assert.deepEqual([refusedChanged.outcome, refusedChanged.reason], ['refused', 'changed-on-host']);
    assert.equal(refusedChanged.text, theirs);
    // Opened after the change: not changed.
    assert.equal((await server.planDefine({ host: 'kvm-t', text: edited, base: theirs })).changedOnHost, false);
    // Base not known: changed whenever the host has the domain.
    assert.equal((await server.planDefine({ host: 'kvm-t', text: edited })).changedOnHost, true);
    // The same as the host says: nothing to define.
    const same = await server.define({ host: 'kvm-t', text: theirs, base: theirs, force: true });
    assert.deepEqual([same.outcome, same.text], ['unchanged', theirs]);

    assert.deepEqual(defines(), [], 'no define reached the host');
    assert.ok(
      rec.logs.some((l) => /^define: kvm-t: web99: refused \(conflict\): not defined: this file's UUID/.test(l)),
      rec.logs.join('\n'),
    );
    assert.ok(rec.logs.some((l) => /^define: kvm-t: web01: refused \(changed-on-host\)/.test(l)));
    // The view follows the host's inventory.
    const view = server.hostDomains();
    assert.equal(view.hosts[0].source, 'ssh');
    assert.deepEqual(
      view.hosts[0].domains?.map((d) => d.name),
      ['db01', 'web01'],
    );
    assert.equal(await server.hostDefinition({ host: 'kvm-t', name: 'web01' }), theirs);
    answer({ web01: WEB01, db01: DB01 });
  });
});

describe('a real define on the test machine (libvirt daemon, destination local)', () => {
  test('defines, reads back, reports what libvirt dropped, refuses a define over a concurrent change; undefined afterwards', async (t) => {
    const d = await ensureLibvirtdOrSkip();
    if (typeof d === 'string') return t.skip(d);
    const name = uniqueDomainName('editor');
    const uuid =
      '6c0ffee0-0000-4000-8000-' +
      Math.floor(Math.random() * 2 ** 48)
        .toString(16)
        .padStart(12, '0');
    const initial = testDomainXml(name, uuid, [{ source: '/dev/vx/dmp/ldi_test_0', target: 'vda' }]);
    const work = mkdtempSync(join(tmpdir(), 'ldx-hostdefine-'));
    /** Test setup, run here as root: `virsh define FILE` (not through the tool under test). */
    const defineHere = (xml: string) => {
      const file = join(work, 'domain.xml');
      writeFileSync(file, xml);
      const r = virshSystem(['define', '--file', file]);
      assert.equal(r.status, 0, r.stderr);
    };
    defineHere(initial);
    try {
      const { server, rec } = await startServer({ hosts: ['local'], schema: { enabled: false } }, true);
      t.after(() => server.shutdown());
      await server.refreshInventory({ force: true });
      const base = await server.hostDefinition({ host: 'local', name });
      assert.equal(base, dumpxmlInactive(uuid), 'the definition as virsh dumpxml --inactive prints it');
      const view = server.hostDomains();
      const mine = view.hosts[0].domains?.find((x) => x.name === name);
      assert.deepEqual([mine?.state, mine?.disks, mine?.uuid], ['shut off', 1, uuid]);

      // The edit: another source, and an attribute libvirt does not know (the schema refuses it: forced).
      const edited = base!.replace('/dev/vx/dmp/ldi_test_0', '/dev/vx/dmp/ldi_test_1').replace("bus='virtio'", "bus='virtio' bogus='1'");
      const plan = await server.planDefine({ host: 'local', text: edited, base, uri: hostDocumentUri('local', name) });
      assert.equal(plan.unavailable, undefined, plan.unavailable);
      assert.equal(plan.conflict, undefined);
      assert.equal(plan.changedOnHost, false);
      assert.match(plan.diff, /^\+.*ldi_test_1/m);
      assert.ok(
        plan.blocking.some((b) => b.code === 'schema'),
        JSON.stringify(plan.blocking),
      );
      const refused = await server.define({ host: 'local', text: edited, base });
      assert.deepEqual([refused.outcome, refused.reason], ['refused', 'blocking']);
      assert.equal(dumpxmlInactive(uuid), base, 'refused: the host is unchanged');

      const states = rec.notifications.filter((n) => n.method === InventoryStateNotification.method).length;
      const done = await server.define({ host: 'local', text: edited, base, force: true });
      assert.equal(done.outcome, 'defined', done.message);
      const now = dumpxmlInactive(uuid);
      assert.match(now, /ldi_test_1/);
      assert.equal(done.text, now, 'the readback is the host definition now');
      assert.ok(
        done.changes.some((c) => /bogus/.test(c.message) && c.line === lineOf(edited, 'bogus')),
        JSON.stringify(done.changes),
      );
      assert.equal(await server.hostDefinition({ host: 'local', name }), now, 'the inventory holds the readback');
      assert.ok(
        rec.notifications.filter((n) => n.method === InventoryStateNotification.method).length > states,
        'the new inventory was published',
      );
      assert.ok(rec.logs.some((l) => l.startsWith(`define: local: ${name}: running virsh -c qemu:///system define /dev/stdin`)));
      assert.ok(rec.logs.some((l) => l.startsWith(`define: local: ${name}: defined:`)));

      // Someone changes it on the host meanwhile: the editor's next define (based on what it read) is refused.
      const theirs = now.replace('/dev/vx/dmp/ldi_test_1', '/dev/vx/dmp/ldi_test_2');
      defineHere(theirs);
      const afterThem = dumpxmlInactive(uuid);
      const mineAgain = now.replace('/dev/vx/dmp/ldi_test_1', '/dev/vx/dmp/ldi_test_3');
      const planAgain = await server.planDefine({ host: 'local', text: mineAgain, base: now, uri: hostDocumentUri('local', name) });
      assert.equal(planAgain.changedOnHost, true);
      // (forced: no /dev/vx/dmp on this machine, device-not-found is an error)
      const conflict = await server.define({ host: 'local', text: mineAgain, base: now, force: true });
      assert.deepEqual([conflict.outcome, conflict.reason], ['refused', 'changed-on-host']);
      assert.equal(dumpxmlInactive(uuid), afterThem, 'refused: their definition stands');
      // Overwrite: defined.
      const over = await server.define({ host: 'local', text: mineAgain, base: now, overwrite: true, force: true });
      assert.equal(over.outcome, 'defined', over.message);
      assert.match(dumpxmlInactive(uuid), /ldi_test_3/);
    } finally {
      undefineTestDomain(uuid);
      rmSync(work, { recursive: true, force: true });
    }
  });
});
