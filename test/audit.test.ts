/**
 * `libvirt-domain-lint audit`: a rig fleet of eight hosts (real sshds; DMP and dm-multipath) with seeded
 * cases, plus one unreachable host: every domain is checked against its own host, LUNs and UUIDs across
 * the hosts; text, JSON and SARIF; --fix-out; the same findings from a directory of saved snapshots and
 * raw collector outputs. The cross-host analysis on its own (no rig) at the end.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fleetHost } from '../bench/generate';
import { addFleetFindings, type AuditDisk, type HostAudit } from '../server/src/features/audit';
import { dmpNode, lunPaths } from './rig/fleet';
import { seededRigHosts, startSeededRig } from './rig/seededRig';
import { DOWN, EXPECTED, FLEET, LIVE, MOVED_1, MOVED_2, SHARED, uuid } from './rig/seededFleet';
import type { Rig } from './rig/sshRig';
import { runCli, type CliResult } from './support/cli';
import { ROOT } from './support/examples';

interface JsonFinding {
  host: string;
  domain: string;
  file: string;
  code: string;
  severity: string;
  message: string;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  fixes: { title: string; newText: string; preferred: boolean }[];
}
interface JsonReport {
  findings: JsonFinding[];
  hosts: { host: string; domains: number; errors: number; warnings: number; failure?: { kind: string; message: string } }[];
  fixed?: { host: string; domain: string; file: string; from: string; to: string }[];
}

/** The text at an LSP range of `text`. */
function textAt(text: string, r: JsonFinding['range']): string {
  const lines = text.split('\n');
  if (r.start.line !== r.end.line) throw new Error('a range over several lines');
  return lines[r.start.line].slice(r.start.character, r.end.character);
}

const serious = (f: JsonFinding) => f.severity === 'error' || f.severity === 'warning';

describe('audit: a rig fleet of eight hosts and one unreachable', () => {
  let rig: Rig | undefined;
  let skip = '';
  let work = '';
  const fixtures = new Map<string, string>();
  /** The live JSON audit (run once; several tests read it). */
  let live: CliResult | undefined;
  const audit = (args: string[], cwd = work) =>
    runCli(['audit', ...LIVE.flatMap((h) => ['--host', h]), '--host', DOWN, '--ssh-config', rig!.sshConfigPath, ...args], cwd);
  const liveJson = (): JsonReport => {
    live ??= audit(['--format', 'json']);
    return JSON.parse(live.stdout) as JsonReport;
  };

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'ldx-audit-'));
    const hosts = seededRigHosts(join(work, 'fixtures'));
    for (const h of hosts) fixtures.set(h.name, h.fixtureDir);
    const r = await startSeededRig(hosts);
    if (typeof r === 'string') skip = r;
    else rig = r;
  });
  after(async () => {
    await rig?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  /** A host's own definition of a domain, as the fixture (and so `virsh dumpxml --inactive`) has it. */
  const definition = (host: string, domain: string) => readFileSync(join(fixtures.get(host)!, 'domains', `${domain}.xml`), 'utf8');

  test('JSON: the seeded findings, each in its host domain, with host, domain, URI and ranges; the unreachable host named; exit 2', (t) => {
    if (!rig) return t.skip(skip);
    const report = liveJson();
    assert.equal(live!.status, 2, live!.stderr);
    // The failing host: one classified line, and the audit went on.
    const errLines = live!.stderr.trim().split('\n');
    assert.deepEqual(errLines.filter((l) => l.includes(DOWN)).length, 1, live!.stderr);
    assert.match(live!.stderr, /^libvirt-domain-lint: kvm-down: .*refused/im);
    assert.ok(!live!.stderr.includes('\r'), 'no progress without a terminal');
    assert.deepEqual(
      report.hosts.map((h) => h.host),
      [...LIVE, DOWN],
    );
    const down = report.hosts.find((h) => h.host === DOWN)!;
    assert.equal(down.failure?.kind, 'connection-refused');
    assert.equal(down.domains, 0);
    for (const h of report.hosts.filter((x) => x.host !== DOWN)) {
      assert.equal(h.failure, undefined, h.host);
      assert.equal(h.domains, h.host === 'kvm-a' ? 2 : FLEET.find((f) => f.name === h.host)!.domains.length, h.host);
    }

    const got: Record<string, string[]> = {};
    for (const f of report.findings.filter(serious)) (got[`${f.host}/${f.domain}`] ??= []).push(f.code);
    assert.deepEqual(
      Object.fromEntries(Object.entries(got).map(([k, v]) => [k, [...new Set(v)].sort()])),
      EXPECTED,
      JSON.stringify(report.findings.filter(serious), null, 1),
    );
    for (const f of report.findings) {
      assert.equal(f.file, `libvirt-domain://${f.host}/${f.domain}.xml`);
      // The range is the disk source in the host's own definition of the domain.
      const def = definition(f.host, f.domain);
      const src = /<source dev='([^']*)'/.exec(def.split('\n')[f.range.start.line] ?? '')?.[1];
      assert.equal(textAt(def, f.range), src, `${f.host}/${f.domain} ${f.code}`);
    }
    // Per host: the counts of its findings.
    for (const h of report.hosts.filter((x) => x.host !== DOWN)) {
      const mine = report.findings.filter((f) => f.host === h.host);
      assert.equal(h.errors, mine.filter((f) => f.severity === 'error').length, h.host);
      assert.equal(h.warnings, mine.filter((f) => f.severity === 'warning').length, h.host);
    }
  });

  test('a LUN mapped on two hosts without <shareable/>: both disks reported, each naming the other; shareable on both, or one UUID, nothing', (t) => {
    if (!rig) return t.skip(skip);
    const shared = liveJson().findings.filter((f) => f.code === 'shared-without-shareable');
    assert.deepEqual(shared.map((f) => `${f.host}/${f.domain}`).sort(), ['dmp-1/shared-a', 'mp-1/shared-b']);
    const a = shared.find((f) => f.host === 'dmp-1')!;
    const b = shared.find((f) => f.host === 'mp-1')!;
    assert.match(a.message, /shared-b \(defined on mp-1\)/);
    assert.match(b.message, /shared-a \(defined on dmp-1\)/);
    assert.match(a.message, new RegExp(`/dev/vx/dmp/${dmpNode(0)}`));
    assert.match(b.message, new RegExp(`dm-uuid-mpath-3${SHARED}`));
    for (const f of shared) assert.match(f.message, /lacks <shareable\/>/);
    // The inconsistent copies name the other host and what the disk is there.
    const moved = liveJson().findings.filter((f) => f.code === 'inconsistent-across-hosts');
    assert.equal(moved.length, 2);
    assert.match(moved.find((f) => f.host === 'mp-2')!.message, new RegExp(`on mp-3 it is /dev/disk/by-id/dm-uuid-mpath-3${MOVED_2}`));
    assert.match(moved.find((f) => f.host === 'mp-3')!.message, new RegExp(`on mp-2 it is /dev/disk/by-id/dm-uuid-mpath-3${MOVED_1}`));
  });

  test('text: HOST/NAME:line:col findings, then the summary table; the kernel name with its fix', (t) => {
    if (!rig) return t.skip(skip);
    const r = audit([]);
    assert.equal(r.status, 2, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    const def = definition('dmp-1', 'app-kernel');
    const line = def.split('\n').findIndex((l) => l.includes(`/dev/${lunPaths(2)[0]}`));
    const col = def.split('\n')[line].indexOf(`/dev/${lunPaths(2)[0]}`);
    assert.ok(
      lines.some((l) => l.startsWith(`dmp-1/app-kernel:${line + 1}:${col + 1}: warning unstable-device-name: `)),
      r.stdout,
    );
    assert.ok(lines.includes(`    fix: /dev/${lunPaths(2)[0]} -> /dev/vx/dmp/${dmpNode(2)}`), r.stdout);
    assert.ok(lines.some((l) => /^mp-1\/labelled:\d+:\d+: warning guest-mutable-identifier: /.test(l)));
    const flagged = new Set(lines.flatMap((l) => /^(\S+):\d+:\d+: /.exec(l)?.[1] ?? []));
    assert.deepEqual([...flagged].sort(), Object.keys(EXPECTED).sort());
    // The table: a header, one row per host in the order given, the totals.
    const head = lines.findIndex((l) => /^host\s+domains\s+errors\s+warnings\s+failures$/.test(l));
    assert.ok(head > 0, r.stdout);
    const rows = lines.slice(head + 1).map((l) => l.split(/\s{2,}/));
    assert.deepEqual(
      rows.map((c) => c[0]),
      [...LIVE, DOWN, `total (${LIVE.length + 1} hosts)`],
    );
    const json = liveJson();
    for (const h of json.hosts) {
      const row = rows.find((c) => c[0] === h.host)!;
      assert.deepEqual(
        row.slice(1),
        h.failure ? ['-', '-', '-', 'connection-refused'] : [String(h.domains), String(h.errors), String(h.warnings), '0'],
      );
    }
    assert.deepEqual(rows[rows.length - 1].slice(1), [
      String(json.hosts.reduce((n, h) => n + h.domains, 0)),
      String(json.hosts.reduce((n, h) => n + h.errors, 0)),
      String(json.hosts.reduce((n, h) => n + h.warnings, 0)),
      '1',
    ]);
  });

  test('SARIF: one result per finding, located by libvirt-domain://HOST/NAME.xml', (t) => {
    if (!rig) return t.skip(skip);
    const r = audit(['--format', 'sarif']);
    assert.equal(r.status, 2);
    const run = JSON.parse(r.stdout).runs[0];
    const json = liveJson();
    assert.equal(run.results.length, json.findings.length);
    const uris = run.results.map(
      (x: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) =>
        x.locations[0].physicalLocation.artifactLocation.uri,
    );
    assert.deepEqual(uris.sort(), json.findings.map((f) => f.file).sort());
    assert.ok(uris.includes('libvirt-domain://dmp-1/shared-a.xml'));
  });

  test('--fix-out DIR: DIR/HOST/NAME.xml with the preferred fixes, only for domains that have some; nothing defined', (t) => {
    if (!rig) return t.skip(skip);
    const out = join(work, 'fixed');
    const before = rig.hosts.map((h) => h.readToolLog().length);
    const r = audit(['--fix-out', out, '--format', 'json']);
    assert.equal(r.status, 2, r.stderr);
    const written = readdirSync(out, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => join(d.parentPath, d.name).slice(out.length + 1))
      .sort();
    const withFixes = [
      ...new Set(
        liveJson()
          .findings.filter((f) => f.fixes.some((x) => x.preferred))
          .map((f) => `${f.host}/${f.domain}.xml`),
      ),
    ].sort();
    assert.ok(withFixes.includes('dmp-1/app-kernel.xml'), JSON.stringify(withFixes));
    assert.deepEqual(written, withFixes);
    const orig = definition('dmp-1', 'app-kernel');
    const fixed = readFileSync(join(out, 'dmp-1', 'app-kernel.xml'), 'utf8');
    assert.equal(fixed, orig.replace(`/dev/${lunPaths(2)[0]}`, `/dev/vx/dmp/${dmpNode(2)}`));
    assert.deepEqual(
      (JSON.parse(r.stdout) as JsonReport).fixed!.find((x) => x.domain === 'app-kernel'),
      {
        host: 'dmp-1',
        domain: 'app-kernel',
        file: join(out, 'dmp-1', 'app-kernel.xml'),
        line: orig.split('\n').findIndex((l) => l.includes('<source')),
        character: orig
          .split('\n')
          .find((l) => l.includes('<source'))!
          .indexOf('/dev/'),
        from: `/dev/${lunPaths(2)[0]}`,
        to: `/dev/vx/dmp/${dmpNode(2)}`,
      },
    );
    // Only the collector's read-only commands ran (no virsh define): the hosts were read once more each.
    rig.hosts.forEach((h, i) => {
      const runs = h.readToolLog().slice(before[i]);
      assert.ok(!runs.some((a) => a.includes('define') || a.includes('undefine')), h.name);
    });
  });

  test('--inventory DIR of saved snapshots (inventory --out) and raw collector outputs gives the live findings', (t) => {
    if (!rig) return t.skip(skip);
    const dir = join(work, 'collected');
    mkdirSync(dir, { recursive: true });
    const script = runCli(['collector-script']).stdout;
    LIVE.forEach((h, i) => {
      if (i % 2) {
        const inv = runCli(['inventory', '--host', h, '--ssh-config', rig!.sshConfigPath, '--out', join(dir, `${h}.json`)]);
        assert.equal(inv.status, 0, inv.stderr);
      } else {
        const ssh = spawnSync('ssh', ['-F', rig!.sshConfigPath, '-o', 'BatchMode=yes', '-T', '--', h, 'sh', '-s'], {
          input: script,
          encoding: 'utf8',
        });
        assert.equal(ssh.status, 0, ssh.stderr);
        writeFileSync(join(dir, `${h}.out`), ssh.stdout);
      }
    });
    writeFileSync(join(dir, 'notes.txt'), 'not an inventory');
    const offline = runCli(['audit', '--inventory', dir, '--format', 'json']);
    assert.equal(offline.status, 1, offline.stderr);
    assert.equal(offline.stderr, '');
    const report = JSON.parse(offline.stdout) as JsonReport;
    const key = (f: JsonFinding) => JSON.stringify(f);
    assert.deepEqual(report.findings.map(key).sort(), liveJson().findings.map(key).sort());
    assert.deepEqual(
      report.hosts.map((h) => h.host),
      [...LIVE].sort(),
    );
    // A raw output without its uname section: named by its file.
    const extra = join(work, 'extra');
    mkdirSync(extra, { recursive: true });
    const raw = readFileSync(join(dir, 'kvm-a.out'), 'utf8').replace(/#LDI-BEGIN uname\n[^\n]*\n\n#LDI-END uname rc=0\n/, '');
    assert.ok(!raw.includes('#LDI-BEGIN uname'));
    writeFileSync(join(extra, 'kvm-z.out'), raw);
    // The same host given twice is audited once (said so).
    const named = runCli([
      'audit',
      '--inventory',
      join(extra, 'kvm-z.out'),
      '--inventory',
      join(dir, 'mp-4.json'),
      '--inventory',
      join(dir, 'mp-4.json'),
      '--format',
      'json',
    ]);
    assert.equal(named.status, 0, named.stderr);
    assert.equal(named.stderr, 'libvirt-domain-lint: mp-4: given more than once; audited once\n');
    assert.deepEqual(
      (JSON.parse(named.stdout) as JsonReport).hosts.map((h) => [h.host, h.domains]),
      [
        ['kvm-z', 2],
        ['mp-4', 1],
      ],
    );
  });

  test('a terminal gets a live progress line on stderr (hosts done/total, failures), cleared at the end', (t) => {
    if (!rig) return t.skip(skip);
    if (spawnSync('script', ['--version']).status !== 0) return t.skip('script(1) is not installed');
    const cmd = [process.execPath, join(ROOT, 'dist/cli.js'), 'audit', '--host', 'mp-4', '--host', DOWN, '--ssh-config', rig.sshConfigPath]
      .map((a) => `'${a.replace(/'/g, `'\\''`)}'`)
      .join(' ');
    const r = spawnSync('script', ['-qefc', `${cmd} >/dev/null`, '/dev/null'], { encoding: 'utf8', cwd: work });
    assert.equal(r.status, 2, r.stdout);
    assert.ok(r.stdout.includes('\r\x1b[Kaudit: 0/2 hosts'), JSON.stringify(r.stdout));
    assert.ok(r.stdout.includes('\r\x1b[Kaudit: 2/2 hosts, 1 failed'), JSON.stringify(r.stdout));
    assert.match(r.stdout, /libvirt-domain-lint: kvm-down: /);
    assert.ok(r.stdout.endsWith('\r\x1b[K'), JSON.stringify(r.stdout.slice(-40)));
  });
});

describe('audit: output to a closed pipe', () => {
  test('a reader that goes away (audit … | head): the output stops quietly, no EPIPE stack; the same report on a pipe read to the end', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ldx-audit-pipe-'));
    try {
      // Far more than a pipe holds (64 KiB): the writes go on after the reader has closed it.
      const fleet = { hosts: 6, luns: 300, paths: 2, domains: 40, clusterSize: 3 };
      for (let h = 0; h < fleet.hosts; h++) {
        const { name, output } = fleetHost(h, fleet);
        writeFileSync(join(dir, `${name}.out`), output);
      }
      const whole = runCli(['audit', '--inventory', dir]);
      assert.equal(whole.status, 1, whole.stderr);
      assert.ok(whole.stdout.length > 256 * 1024, `${whole.stdout.length} bytes`);
      const child = spawn(process.execPath, [join(ROOT, 'dist/cli.js'), 'audit', '--inventory', dir], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      // The first chunk, then the read end is closed, as head does.
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      child.stdout.destroy();
      const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
      assert.equal(stderr, whole.stderr);
      assert.doesNotMatch(stderr, /EPIPE|Error|\bat /);
      assert.equal(code, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('audit: arguments', () => {
  test('usage errors exit 2 with the audit usage', () => {
    for (const args of [
      [],
      ['--parallel', '0', '--host', 'x'],
      ['--format', 'yaml', '--host', 'x'],
      ['--host', 'x', 'file.xml'],
      ['--fix'],
    ]) {
      const r = runCli(['audit', ...args]);
      assert.equal(r.status, 2, args.join(' '));
      assert.match(r.stderr, /^libvirt-domain-lint: audit: /);
      assert.match(r.stderr, /usage: libvirt-domain-lint audit/);
      assert.equal(r.stdout, '');
    }
    const help = runCli(['audit', '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /--fix-out DIR/);
    assert.match(runCli(['--help']).stdout, /libvirt-domain-lint audit \[--host DEST\]/);
  });

  test('an inventory that is missing, empty or unreadable: named, the others audited, exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ldx-audit-args-'));
    try {
      mkdirSync(join(dir, 'empty'));
      writeFileSync(join(dir, 'bad.json'), '{"format": "nope"}');
      const r = runCli([
        'audit',
        '--inventory',
        join(dir, 'missing'),
        '--inventory',
        join(dir, 'empty'),
        '--inventory',
        join(dir, 'bad.json'),
        '--inventory',
        join(ROOT, 'examples/kvm-b.inventory.json'),
        '--format',
        'json',
      ]);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /missing: no such file or directory/);
      assert.match(r.stderr, /empty: no inventory in it/);
      assert.match(r.stderr, /bad\.json: not an inventory snapshot/);
      const report = JSON.parse(r.stdout) as JsonReport;
      assert.deepEqual(
        report.hosts.map((h) => [h.host, h.failure?.kind]),
        [
          ['bad', 'unreadable'],
          ['kvm-b', undefined],
        ],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('audit: names from a snapshot are data', () => {
  test('a hostile host and domain name: escaped in text, safe file names under --fix-out, never a path out of DIR', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ldx-audit-names-'));
    try {
      const snap = JSON.parse(readFileSync(join(ROOT, 'examples/kvm-a.inventory.json'), 'utf8'));
      const web = snap.domains.find((d: { name: string }) => d.name === 'web01');
      const evilName = '../../x\u001b[31m';
      snap.host = '../up\u202eevil';
      snap.domains = [
        {
          ...web,
          name: evilName,
          xml: web.xml.replace('<name>web01</name>', '<name>evil</name>').replace('/dev/vx/dmp/3pardata0_13', '/dev/sde'),
        },
      ];
      writeFileSync(join(dir, 'snap.json'), JSON.stringify(snap));
      const out = join(dir, 'out');
      const r = runCli(['audit', '--inventory', join(dir, 'snap.json'), '--fix-out', out]);
      assert.equal(r.status, 1, r.stderr);
      // eslint-disable-next-line no-control-regex
      assert.ok(!/[\u0000-\u0008\u000b-\u001f\u202e]/.test(r.stdout), JSON.stringify(r.stdout));
      assert.match(r.stdout, /^\.\.\/up\\u202eevil\/\.\.\/\.\.\/x\\x1b\[31m:\d+:\d+: warning unstable-device-name: /m);
      const files = readdirSync(out, { recursive: true, withFileTypes: true }).filter((d) => d.isFile());
      assert.deepEqual(
        files.map((d) => join(d.parentPath, d.name).slice(out.length + 1)),
        [join('%2E.%2Fup%E2%80%AEevil', '%2E.%2F..%2Fx%1B[31m.xml')],
      );
      assert.deepEqual(readdirSync(dir).sort(), ['out', 'snap.json']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('audit: across hosts (no rig)', () => {
  const disk = (lun: string | undefined, value: string, o: Partial<AuditDisk> = {}): AuditDisk => ({
    value,
    start: 10,
    end: 10 + value.length,
    target: 'vdb',
    shareable: false,
    ...(lun ? { lun } : {}),
    reaches: lun ?? `missing:${value}`,
    words: lun ? `LUN ${lun}` : 'not found',
    ...o,
  });
  const host = (name: string, domains: { name: string; uuid?: string; disks: AuditDisk[] }[]): HostAudit => ({
    host: name,
    unread: [],
    warnings: [],
    domains: domains.map((d) => ({ ...d, xml: `<domain>${' '.repeat(200)}</domain>`, findings: [] })),
  });
  const codes = (hs: HostAudit[]) =>
    hs.flatMap((h) => h.domains.flatMap((d) => d.findings.map((f) => `${h.host}/${d.name}:${f.code}`))).sort();

  test('a LUN shared across hosts: each disk without <shareable/> is reported; a shareable one, the same VM, one host alone are not', () => {
    const hs = [
      host('a', [{ name: 'x', uuid: uuid(1), disks: [disk('wwn:1', '/dev/vx/dmp/n1')] }]),
      host('b', [
        { name: 'y', uuid: uuid(2), disks: [disk('wwn:1', '/dev/mapper/m', { shareable: true })] },
        { name: 'x', uuid: uuid(1), disks: [disk('wwn:1', '/dev/vx/dmp/n9')] },
      ]),
      host('c', [
        { name: 'p', uuid: uuid(3), disks: [disk('wwn:2', '/dev/sdq')] },
        { name: 'q', uuid: uuid(4), disks: [disk('wwn:2', '/dev/sdr')] },
      ]),
    ];
    addFleetFindings(hs);
    // x on a shares with y on b; x's copy on b shares with y beside it (the single-host rule's) and nothing elsewhere.
    assert.deepEqual(codes(hs), ['a/x:shared-without-shareable']);
    assert.match(hs[0].domains[0].findings[0].message, /also used by y \(defined on b\)/);
    assert.deepEqual(hs[0].domains[0].findings[0].elsewhere?.[0].uri, 'libvirt-domain://b/y.xml');
  });

  test('one UUID on several hosts: the disks that differ (another LUN, missing, no such target) are reported on each copy', () => {
    const hs = [
      host('a', [
        {
          name: 'v',
          uuid: uuid(9),
          disks: [disk('wwn:1', '/dev/vx/dmp/n1', { target: 'vda' }), disk('wwn:2', '/dev/vx/dmp/n2', { target: 'vdb' })],
        },
      ]),
      host('b', [
        {
          name: 'v',
          uuid: uuid(9),
          disks: [disk('wwn:1', '/dev/vx/dmp/k1', { target: 'vda' }), disk('wwn:3', '/dev/vx/dmp/k3', { target: 'vdb' })],
        },
      ]),
      host('c', [{ name: 'v', uuid: uuid(9), disks: [disk('wwn:1', '/dev/vx/dmp/j1', { target: 'vda' })] }]),
    ];
    addFleetFindings(hs);
    assert.deepEqual(codes(hs), ['a/v:inconsistent-across-hosts', 'b/v:inconsistent-across-hosts']);
    const msg = hs[0].domains[0].findings[0].message;
    assert.match(msg, /on b it is \/dev\/vx\/dmp\/k3 \(LUN wwn:3\)/);
    assert.match(msg, /c defines it without vdb/);
  });

  test('linear: one LUN mapped by 20,000 domains on 20,000 hosts, and 2,000 copies of one UUID', () => {
    const n = 20000;
    const hs = Array.from({ length: n }, (_, i) =>
      host(`h${i}`, [{ name: `d${i}`, uuid: uuid(100 + i), disks: [disk('wwn:big', '/dev/x')] }]),
    );
    const copies = Array.from({ length: 2000 }, (_, i) =>
      host(`c${i}`, [{ name: 'same', uuid: uuid(7), disks: [disk(`wwn:c${i % 2}`, '/dev/y', { target: 'vda' })] }]),
    );
    const t0 = process.cpuUsage();
    addFleetFindings([...hs, ...copies]);
    const used = process.cpuUsage(t0);
    const ms = (used.user + used.system) / 1000;
    assert.equal(hs.filter((h) => h.domains[0].findings.length === 1).length, n);
    assert.match(hs[0].domains[0].findings[0].message, /and 19996 more/);
    assert.equal(copies.filter((h) => h.domains[0].findings.length === 1).length, 2000);
    // Pairwise work would be 4·10^8 comparisons here.
    assert.ok(ms < 5000, `${ms.toFixed(0)} ms`);
  });
});
