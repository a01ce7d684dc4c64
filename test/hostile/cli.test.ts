/**
 * Hostile hosts and hostile repositories against the CLI (issue 11): what a host, a snapshot, raw
 * collector output or a document sends is data. Text output carries no raw control byte and no line
 * the tool did not write; JSON and SARIF escape it; inventory files that are devices, FIFOs or
 * arbitrary files are refused at once without quoting them; link names with `..` or controls are
 * dropped; --fix never writes through a symbolic link.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { terminalText } from '../../server/src/encode';
import { loadInventoryFile } from '../../server/src/inventory/load';
import { ALL_CODES } from '../../server/src/rules/codes';
import { fixtureRenderSections, renderCollectorOutput } from '../fuzz/collectorText';
import { runCli } from '../support/cli';
import { blockDisk, domainXml, EXAMPLE_INVENTORY, ROOT } from '../support/examples';

const tmp = () => mkdtempSync(join(tmpdir(), 'ldx-hostile-cli-'));
const CLI = join(ROOT, 'dist/cli.js');

/** A forged output line, and every kind of terminal control: CSI, OSC title, OSC 8 link, OSC 52 clipboard, C1, bidi. */
const FORGED = 'evil.xml:1:1: information all-clear: no findings';
const H = `\x1b[2J\x1b[H\x1b]0;pwned\x07\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\\x1b]52;c;ZWNobyBwd25lZA==\x07\r\n${FORGED}\n\u009b31m\u0085\u202e\x7f`;
/** The same as character references, for a document. */
// Only references XML 1.0 allows (a C0 control such as &#x1b; makes the document not well-formed, as
// libxml2 says): the C1 introducers CSI (&#x9b;), OSC (&#x9d;) and ST (&#x9c;) do the same on a terminal.
const H_XML =
  '&#x9b;2J&#x9d;0;pwned&#x9c;&#x9d;8;;https://evil.example/&#x9c;click&#x9d;8;;&#x9c;&#x9d;52;c;ZWNobyBwd25lZA==&#x9c;&#13;&#10;' +
  FORGED +
  '&#10;&#x9b;31m&#x85;&#x202e;&#x7f;';
/** C1 and bidi only: characters XML 1.0 allows, so a DMP name holding them is still offered as a fix. */
const H_XML_OK = '\u009b2J\u202e\u0085';

// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

function assertNoControls(what: string, text: string): void {
  const m = RAW_CONTROL.exec(text);
  assert.equal(
    m,
    null,
    `${what}: raw U+${m?.[0].charCodeAt(0).toString(16).padStart(4, '0')} at ${m?.index}: ${JSON.stringify(text.slice(Math.max(0, (m?.index ?? 0) - 60), (m?.index ?? 0) + 60))}`,
  );
}

const CODE_SET = new Set<string>(ALL_CODES);
/** What follows the file name on a finding line. */
const FINDING_REST = /^:\d+:\d+: (?:error|warning|information|hint) ([a-z-]+): ./;

/**
 * Every stdout line is one of the tool's own: a finding line whose file is one of `files` (as shown,
 * encoded) and whose code is a real one, a fix line, a candidate count or a "fixed" line. Returns the
 * number of finding lines. Every stderr line starts with the tool's name.
 */
function assertOwnLines(stdout: string, stderr: string, files: string[]): number {
  const shown = files.map((f) => terminalText(relative(ROOT, f)));
  let findings = 0;
  for (const line of stdout.split('\n').filter((l) => l !== '')) {
    const code = shown.map((s) => (line.startsWith(s) ? FINDING_REST.exec(line.slice(s.length))?.[1] : undefined)).find((c) => c);
    if (code) {
      assert.ok(CODE_SET.has(code), `unknown code in ${JSON.stringify(line)}`);
      findings++;
      continue;
    }
    if (/^ {4}fix: .* -> .*$/.test(line) || /^ {4}\(\d+ other candidates?\)$/.test(line)) continue;
    if (/^fixed .*:\d+:\d+: .* -> .*$/.test(line) && shown.some((s) => line.startsWith(`fixed ${s}:`))) continue;
    assert.fail(`a line the tool did not write: ${JSON.stringify(line)}`);
  }
  for (const line of stderr.split('\n').filter((l) => l !== ''))
    assert.ok(line.startsWith('libvirt-domain-lint: '), `stderr: ${JSON.stringify(line)}`);
  assert.ok(!stdout.split('\n').some((l) => l.startsWith('evil.xml')), 'the forged line appears');
  return findings;
}

type Snap = {
  host: string;
  hostname?: string;
  devices: { kname: string; model: string | null; mountpoints: string[] }[];
  links: Record<string, string>;
  dmp: { nodes: { name: string; arrayName: string }[]; names: string[] };
  domains: { name: string; disks: unknown[] }[];
};

/** kvm-a's snapshot with host strings an attacker controls. */
function hostileSnapshot(dir: string, mutate?: (s: Snap) => void): string {
  const s = JSON.parse(readFileSync(EXAMPLE_INVENTORY, 'utf8')) as Snap;
  s.host = `kvm-a${H}`;
  s.hostname = H;
  for (const d of s.devices) {
    if (d.kname === 'sdc') d.model = H;
    if (d.kname === 'sda1') d.mountpoints = [`/boot${H}`];
  }
  for (const n of s.dmp.nodes) {
    if (n.name === '3pardata0_12') n.name = `3pardata0_12${H_XML_OK}`;
    if (n.name === 'emc_clariion0_91') n.arrayName = H;
  }
  s.dmp.names = s.dmp.names.map((n) => (n === '3pardata0_12' ? `3pardata0_12${H_XML_OK}` : n));
  for (const d of s.domains) if (d.name === 'web01') d.name = `web01${H}`;
  s.links[`/dev/disk/by-id/wwn-0x60002ac${H_XML_OK}`] = '/dev/sdc';
  s.links[`/dev/disk/by-id/wwn-0xbad${H}`] = '/dev/sdd';
  mutate?.(s);
  const file = join(dir, 'hostile.inventory.json');
  writeFileSync(file, JSON.stringify(s));
  return file;
}

/** kvm-a's raw collector output with the same strings in uname, lsblk, links, vxdmpadm and a host domain. */
function hostileRawOutput(dir: string): string {
  const sections = fixtureRenderSections(join(ROOT, 'examples/hosts/kvm-a'), `kvm-a${H}`.replace(/[\r\n]/g, ''));
  for (const s of sections) {
    if (s.name === 'lsblk') {
      const j = JSON.parse(s.body) as {
        blockdevices: {
          kname: string;
          model: string | null;
          children?: { kname: string; mountpoints?: string[]; mountpoint?: string }[];
        }[];
      };
      for (const d of j.blockdevices) {
        if (d.kname === 'sdc') d.model = H;
        for (const c of d.children ?? [])
          if (c.kname === 'sda1') {
            if (c.mountpoints) c.mountpoints = [`/boot${H}`];
            else c.mountpoint = `/boot${H}`;
          }
      }
      s.body = JSON.stringify(j);
    }
    const oneLine = H.replace(/[\r\n]/g, '');
    if (s.name === 'links')
      s.body += `/dev/disk/by-id/wwn-0xbad${oneLine}\t../../sdd\n/dev/disk/by-id/wwn-0x60002ac${H_XML_OK}\t../../sdc\n`;
    if (s.name === 'vxdmpadm')
      s.body = s.body
        .replace('array-name      = CLARIION', `array-name      = CLARIION${oneLine}`)
        .replace(/3pardata0_12\b/g, `3pardata0_12${H_XML_OK}`);
    if (s.name === 'vx-dmp-names') s.body = s.body.replace('3pardata0_12\n', `3pardata0_12${H_XML_OK}\n`);
    if (s.name === 'virsh-dumpxml web01') s.body = s.body.replace('<name>web01</name>', `<name>web01${H_XML}</name>`);
  }
  const file = join(dir, 'hostile.out');
  writeFileSync(file, renderCollectorOutput(sections));
  return file;
}

/** Documents that trigger every message that quotes host or document strings. */
function hostileDocuments(dir: string): string[] {
  const docs = join(dir, 'domains');
  mkdirSync(docs);
  const evilName = join(docs, `evil\x1b]0;x\x07\n${FORGED}.xml`);
  writeFileSync(
    evilName,
    domainXml(
      [
        blockDisk('/dev/sdc', 'vdb'), // unstable name: DMP node name, model
        blockDisk('/dev/sda1', 'vdc'), // in use by the host: mount point
        blockDisk('/dev/vx/dmp/3pardata0_13', 'vdd'), // shared with the host's domain web01…
        blockDisk('/dev/vx/dmp/emc_clariion0_91', 'vde'), // active-passive: array name
        blockDisk(`/dev/disk/by-id/wwn-0x${H_XML}`, 'vdf'), // not found: the path itself, with character references
        blockDisk('/dev/vx/dmp/3pardata0_14', 'vdg'), // shared with the other document
      ].join('\n'),
    ).replace('<name>t</name>', `<name>dom${H_XML}</name>`),
  );
  const other = join(docs, 'other.xml');
  writeFileSync(other, domainXml(blockDisk('/dev/vx/dmp/3pardata0_14')).replace('<name>t</name>', `<name>other${H_XML}</name>`));
  return [evilName, other];
}

for (const [kind, make] of [
  ['JSON snapshot', hostileSnapshot],
  ['raw collector output', hostileRawOutput],
] as const) {
  test(`text output, hostile ${kind} and hostile documents: no raw control byte, no forged line`, () => {
    const d = tmp();
    const inv = make(d);
    const files = hostileDocuments(d);
    const r = runCli(['--inventory', inv, join(d, 'domains')]);
    assert.equal(r.status, 1, r.stderr);
    assertNoControls('stdout', r.stdout);
    assertNoControls('stderr', r.stderr);
    const n = assertOwnLines(r.stdout, r.stderr, files);
    const json = runCli(['--inventory', inv, '--format', 'json', join(d, 'domains')]);
    const parsed = JSON.parse(json.stdout) as { findings: { code: string; message: string }[] };
    assert.equal(n, parsed.findings.length, 'one line per finding');
    // The hostile strings did reach the messages (shown escaped): the test exercises them.
    for (const code of [
      'unstable-device-name',
      'device-in-use-by-host',
      'shared-without-shareable',
      'active-passive-dmp',
      'device-not-found',
    ]) {
      assert.ok(
        parsed.findings.some((f) => f.code === code && RAW_CONTROL.test(f.message)),
        `${code} quotes a hostile string`,
      );
    }
    assert.match(r.stdout, /\\x1b\]0;pwned\\x07/);
    assert.match(r.stdout, /fix: \/dev\/sdc -> \/dev\/vx\/dmp\/3pardata0_12\\x9b2J\\u202e\\x85/);
  });
}

test('--fix with a hostile host: the "fixed" lines are encoded too', () => {
  const d = tmp();
  const inv = hostileSnapshot(d);
  const docs = join(d, 'domains');
  mkdirSync(docs);
  const file = join(docs, `fix\x1b[2J\n${FORGED}.xml`);
  writeFileSync(file, domainXml(blockDisk('/dev/sdc')).replace('<name>t</name>', `<name>dom${H_XML}</name>`));
  const r = runCli(['--inventory', inv, '--fix', docs]);
  assertNoControls('stdout', r.stdout);
  assertNoControls('stderr', r.stderr);
  assertOwnLines(r.stdout, r.stderr, [file]);
  assert.match(r.stdout, /^fixed .*: \/dev\/sdc -> \/dev\/vx\/dmp\/3pardata0_12\\x9b2J\\u202e\\x85$/m);
  // The file itself holds the real characters (they are valid XML 1.0).
  assert.match(readFileSync(file, 'utf8'), /\/dev\/vx\/dmp\/3pardata0_12\u009b2J\u202e\u0085/);
});

for (const format of ['json', 'sarif']) {
  for (const [kind, make] of [
    ['JSON snapshot', hostileSnapshot],
    ['raw collector output', hostileRawOutput],
  ] as const) {
    test(`${format} output, hostile ${kind} and documents: escaped (no raw C0, DEL, C1 or bidi), and the data survives`, () => {
      const d = tmp();
      const inv = make(d);
      hostileDocuments(d);
      const r = runCli(['--inventory', inv, '--format', format, join(d, 'domains')]);
      assert.equal(r.status, 1, r.stderr);
      assertNoControls(`${format} stdout`, r.stdout);
      assertNoControls('stderr', r.stderr);
      const text = JSON.stringify(JSON.parse(r.stdout));
      assert.ok(text.includes('\\u001b]0;pwned\\u0007'), 'the hostile string is in the output, escaped');
      assert.ok(JSON.parse(r.stdout) && r.stdout.includes('\\u009b2J\\u202e\\u0085'), 'C1 and bidi as \\u escapes');
    });
  }
}

test('inventory errors that quote a host (tool stderr, ssh messages): one encoded line', () => {
  const d = tmp();
  const sections = fixtureRenderSections(join(ROOT, 'examples/hosts/kvm-a'), 'kvm-a');
  const lsblk = sections.find((s) => s.name === 'lsblk')!;
  lsblk.rc = 1;
  lsblk.stderr = [`lsblk: \x1b]0;pwned\x07 \x1b]52;c;ZWNobyBwd25lZA==\x07\r${FORGED}\u009b2J`];
  const file = join(d, 'failed.out');
  writeFileSync(file, renderCollectorOutput(sections));
  const r = runCli(['--inventory', file, 'examples/domains']);
  assert.equal(r.status, 2);
  assertNoControls('stderr', r.stderr);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /failed\.out: .*\\x1b\]0;pwned\\x07/);
});

/** Runs the CLI under a deadline (killed past it), with its peak RSS (KiB) from an exit hook. */
async function runTimed(
  args: string[],
  deadlineMs: number,
): Promise<{ status: number | null; stderr: string; ms: number; maxRssKiB?: number; killed: boolean }> {
  const d = tmp();
  const hook = join(d, 'rss.js');
  const rssOut = join(d, 'rss.txt');
  writeFileSync(
    hook,
    `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(rssOut)}, String(process.resourceUsage().maxRSS)));\n`,
  );
  const started = performance.now();
  const child = spawn(process.execPath, ['-r', hook, CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, deadlineMs);
  const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  clearTimeout(timer);
  const ms = performance.now() - started;
  let maxRssKiB: number | undefined;
  try {
    maxRssKiB = Number(readFileSync(rssOut, 'utf8'));
  } catch {
    /* killed before exiting */
  }
  return { status, stderr, ms, maxRssKiB, killed };
}

test('--inventory /dev/zero: refused at once (exit 2, one line naming it), bounded memory', async () => {
  const r = await runTimed(['--inventory', '/dev/zero', 'examples/domains'], 10_000);
  console.log(`# /dev/zero refused in ${r.ms.toFixed(0)} ms, peak RSS ${((r.maxRssKiB ?? NaN) / 1024).toFixed(1)} MiB`);
  assert.equal(r.killed, false, 'still reading /dev/zero after 10 s');
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^libvirt-domain-lint: \/dev\/zero: .*not a regular file \(character device\)/);
  assert.ok(r.ms < 10_000);
  assert.ok(r.maxRssKiB !== undefined && r.maxRssKiB < 300 * 1024, `peak RSS ${r.maxRssKiB} KiB`);
});

test('a FIFO as --inventory or as a domain file: refused without waiting for a writer', async () => {
  const d = tmp();
  const fifo = join(d, 'inventory.fifo');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo (coreutils) made the FIFO');
  const r = await runTimed(['--inventory', fifo, 'examples/domains'], 10_000);
  assert.equal(r.killed, false, 'blocked on the FIFO');
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /inventory\.fifo: .*not a regular file \(FIFO\)/);
  const dom = await runTimed(['--inventory', EXAMPLE_INVENTORY, fifo], 10_000);
  assert.equal(dom.killed, false, 'blocked on the FIFO as a domain file');
  assert.equal(dom.status, 2);
  assert.match(dom.stderr, /inventory\.fifo: .*not a regular file \(FIFO\)/);
});

test('/etc/passwd as --inventory: refused without quoting it', () => {
  const r = runCli(['--inventory', '/etc/passwd', 'examples/domains']);
  assert.equal(r.status, 2);
  assert.ok(!r.stderr.includes('root:'), r.stderr);
  assert.ok(!r.stderr.includes('"'), r.stderr);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^libvirt-domain-lint: \/etc\/passwd: not valid JSON \(line 1, column 1\)/);
});

const DOTDOT_LINK = '/dev/disk/by-id/wwn-0xdeadbeef/../../../../etc/shadow/../../dev/disk/by-id/wwn-0xfeed';

test('a JSON snapshot link with ".." segments is never a fix; one warning, encoded', () => {
  const d = tmp();
  const inv = hostileSnapshot(d, (s) => {
    s.links[DOTDOT_LINK] = '/dev/nvme0n1';
    s.links['/dev/disk/by-id//wwn-0xcafe/./'] = '/dev//nvme0n1';
  });
  const file = join(d, 'dom.xml');
  writeFileSync(file, domainXml(blockDisk('/dev/nvme0n1')));
  const r = runCli(['--inventory', inv, '--format', 'json', file]);
  const out = JSON.parse(r.stdout) as { findings: { code: string; fixes: { newText: string; preferred: boolean }[] }[] };
  const fixes = out.findings.flatMap((f) => f.fixes);
  assert.ok(fixes.length > 0);
  for (const f of fixes) {
    assert.ok(!/(^|\/)\.\.(\/|$)/.test(f.newText), `offered: ${f.newText}`);
    // eslint-disable-next-line no-control-regex -- control characters are what this checks for
    assert.ok(!/[\x00-\x1f\x7f-\x9f]/.test(f.newText), `offered: ${JSON.stringify(f.newText)}`);
  }
  const snap = loadInventoryFile(inv).snapshot;
  // eslint-disable-next-line no-control-regex -- control characters are what this checks for
  assert.ok(!Object.keys(snap.links).some((k) => k.includes('..') || /[\x00-\x1f\x7f-\x9f]/.test(k)));
  assert.equal(snap.links['/dev/disk/by-id/wwn-0xcafe'], '/dev/nvme0n1', 'normalised like raw output');
  const w = snap.warnings.filter((x) => /links? dropped/.test(x));
  assert.equal(w.length, 1, JSON.stringify(snap.warnings));
  assert.match(w[0], /^3 links dropped/); // the C1 link, the ESC link and the ".." link; "//…/./" is only normalised
  assertNoControls('warning', w[0]);
});

test('raw collector output: link names or resolved targets with "..", NUL or controls are dropped, one warning', () => {
  const d = tmp();
  const sections = fixtureRenderSections(join(ROOT, 'examples/hosts/kvm-a'), 'kvm-a');
  const links = sections.find((s) => s.name === 'links')!;
  links.body += [
    `${DOTDOT_LINK}\t../../nvme0n1`,
    '/dev/disk/by-id/wwn-0xbeef\t../../x/../../etc/shadow',
    '/dev/disk/by-id/wwn-0x\u0000nul\t../../nvme0n1',
    '/dev/disk/by-id/wwn-0x\x1b]0;t\x07\t../../nvme0n1',
    '/dev/disk/by-id/wwn-0xc1\u0085\t../../nvme0n1',
    '',
  ].join('\n');
  const file = join(d, 'raw.out');
  writeFileSync(file, renderCollectorOutput(sections));
  const snap = loadInventoryFile(file).snapshot;
  for (const [k, v] of Object.entries(snap.links)) {
    // eslint-disable-next-line no-control-regex -- control characters are what this checks for
    assert.ok(!/(^|\/)\.\.(\/|$)|[\x00-\x1f\x7f-\x9f]/.test(k + v), JSON.stringify([k, v]));
  }
  assert.equal(snap.links['/dev/disk/by-id/wwn-0xfeed'], undefined);
  assert.equal(snap.links['/dev/disk/by-id/wwn-0x5002538e40a1b2c3'], '/dev/sda', 'ordinary links stay');
  const w = snap.warnings.filter((x) => /links? dropped/.test(x));
  assert.equal(w.length, 1, JSON.stringify(snap.warnings));
  assert.match(w[0], /^5 links dropped/);
  assertNoControls('warning', w[0]);
  const doc = join(d, 'dom.xml');
  writeFileSync(doc, domainXml(blockDisk('/dev/nvme0n1')));
  const r = runCli(['--inventory', file, '--format', 'json', doc]);
  assert.ok(!r.stdout.includes('wwn-0xfeed') && !r.stdout.includes('etc/shadow'), r.stdout);
});

// The walk never followed links (Dirent describes the link itself); this keeps it so.
test('--fix on a directory with symbolic links out of it: the outside files are untouched', () => {
  const d = tmp();
  const outside = join(d, 'outside');
  mkdirSync(outside);
  const secret = join(outside, 'victim.xml');
  const original = domainXml(blockDisk('/dev/sdc'));
  writeFileSync(secret, original);
  const repo = join(d, 'repo');
  mkdirSync(repo);
  writeFileSync(join(repo, 'mine.xml'), original);
  symlinkSync(secret, join(repo, 'linked.xml'));
  symlinkSync(outside, join(repo, 'linked-dir'));
  const r = runCli(['--inventory', EXAMPLE_INVENTORY, '--fix', repo]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(readFileSync(join(repo, 'mine.xml'), 'utf8'), /3pardata0_12/, 'the file inside is fixed');
  assert.equal(readFileSync(secret, 'utf8'), original);
  assert.ok(lstatSync(join(repo, 'linked.xml')).isSymbolicLink());
  assert.ok(lstatSync(join(repo, 'linked-dir')).isSymbolicLink());
  assert.ok(!r.stdout.includes('victim') && !r.stdout.includes('linked'), r.stdout);
});

test('--fix on a named symbolic link: linted, not written through (exit 2, one line naming it)', () => {
  const d = tmp();
  const outside = join(d, 'outside');
  mkdirSync(outside);
  const target = join(outside, 'victim.xml');
  const original = domainXml(blockDisk('/dev/sdc'));
  writeFileSync(target, original);
  const link = join(d, 'link.xml');
  symlinkSync(target, link);
  const r = runCli(['--inventory', EXAMPLE_INVENTORY, '--fix', link]);
  assert.equal(r.status, 2, r.stdout + r.stderr);
  assert.match(r.stdout, /link\.xml:\d+:\d+: warning unstable-device-name/, 'still linted');
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^libvirt-domain-lint: .*link\.xml: not rewritten: it is a symbolic link/);
  assert.ok(lstatSync(link).isSymbolicLink(), 'the link is still a link');
  assert.equal(readlinkSync(link), target);
  assert.equal(readFileSync(target, 'utf8'), original);
});
