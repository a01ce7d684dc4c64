/**
 * `npm run bench [-- --check] [-- --quick] [-- --fleet-only | --process-only | --workspace-only]`: the speed of the
 * analysis, the server, the workspace scan, the ssh fetch, whole CLI processes against xmllint (process.ts) and the
 * fleet audit, each side by side with a peer or a floor measured in the same run.
 * Writes bench/results.json.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { analyzeDocument } from '../server/src/analysis';
import { fetchSnapshot } from '../server/src/inventory/fetch';
import { loadInventoryFile } from '../server/src/inventory/load';
import { buildSnapshot } from '../server/src/inventory/parsers';
import { HostIndex } from '../server/src/inventory/resolver';
import { startRigOrSkip } from '../test/rig/sshRig';
import { bigHostSections, domainWithDisks, fleetHost, type FleetOptions } from './generate';
import { benchProcess } from './process';
import { median, ms, msAsync, percentile, stat, Stat } from './stats';
import { benchWorkspace } from './workspace';

const ROOT = join(__dirname, '..', '..');
const CORPUS = join(ROOT, '..', 'shared', 'corpus', 'libvirt-11.3.0', 'domains');
const args = new Set(process.argv.slice(2));
const QUICK = args.has('--quick');
const REPS = QUICK ? 3 : 7;

const bare = new XMLParser({
  preserveOrder: true,
  captureMetaData: true,
  ignoreAttributes: false,
  processEntities: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  allowBooleanAttributes: true,
});
function bareParse(text: string): void {
  XMLValidator.validate(text, { allowBooleanAttributes: true });
  bare.parse(text);
}

type Row = { name: string; value: Stat; unit: string; budget?: string; ok?: boolean; note?: string };
const rows: Row[] = [];
const results: Record<string, unknown> = {};
function row(r: Row) {
  rows.push(r);
}

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

// 1. Per-document analysis: corpus and generated domains, against the bare parse and xmllint.
function benchAnalysis(host: HostIndex, bigHost: HostIndex) {
  const files = existsSync(CORPUS)
    ? readdirSync(CORPUS)
        .filter((f) => f.endsWith('.xml'))
        .sort()
    : [];
  if (files.length) {
    const texts = files.map((f) => readFileSync(join(CORPUS, f), 'utf8'));
    for (const t of texts) analyzeDocument(t, [host]); // warm-up (JIT, memo tables)
    const perFileMedian: number[] = [];
    const perFileP95: number[] = [];
    const perFileMax: number[] = [];
    const ratio: number[] = [];
    const bareMedian: number[] = [];
    for (let r = 0; r < REPS; r++) {
      const ours = texts.map((t) => ms(() => analyzeDocument(t, [host])));
      const floor = texts.map((t) => ms(() => bareParse(t)));
      perFileMedian.push(median(ours));
      perFileP95.push(percentile(ours, 95));
      perFileMax.push(Math.max(...ours));
      bareMedian.push(median(floor));
      ratio.push(ours.reduce((a, b) => a + b) / floor.reduce((a, b) => a + b));
    }
    row({
      name: `corpus (${files.length} files): analysis per file, median`,
      value: stat(perFileMedian),
      unit: 'ms',
      budget: '< 1 ms',
      ok: median(perFileMedian) < 1,
    });
    row({ name: 'corpus: analysis per file, p95', value: stat(perFileP95), unit: 'ms' });
    row({ name: 'corpus: analysis per file, max', value: stat(perFileMax), unit: 'ms' });
    row({ name: 'corpus: bare fast-xml-parser validate+parse per file, median', value: stat(bareMedian), unit: 'ms' });
    row({ name: 'corpus: analysis / bare parse (total time)', value: stat(ratio), unit: '×', budget: '≤ 3×', ok: median(ratio) <= 3 });
    const rng = '/usr/share/libvirt/schemas/domain.rng';
    if (spawnSync('sh', ['-c', 'command -v xmllint']).status === 0 && existsSync(rng)) {
      const walls: number[] = [];
      for (let r = 0; r < Math.min(REPS, 3); r++) {
        const t = process.hrtime.bigint();
        spawnSync('xmllint', ['--noout', '--relaxng', rng, ...files.map((f) => join(CORPUS, f))], { stdio: 'ignore', maxBuffer: 1 << 30 });
        walls.push(Number(process.hrtime.bigint() - t) / 1e6 / files.length);
      }
      row({ name: 'corpus: xmllint --relaxng domain.rng, one process, per file', value: stat(walls), unit: 'ms' });
      const ourTotal = median(perFileMedian);
      row({
        name: 'corpus: analysis / xmllint per file',
        value: stat(walls.map((w) => ourTotal / w)),
        unit: '×',
        note: 'median analysis vs xmllint wall per file',
      });
    } else row({ name: 'corpus: xmllint (libxml2-utils, libvirt0) not installed', value: stat([NaN]), unit: '' });
  }
  const cases: [string, string, boolean][] = [
    ['100 disks', domainWithDisks(100), false],
    ['1000 disks', domainWithDisks(1000), false],
    ['10000 disks, a maintained mix (1 in 10 flagged)', domainWithDisks(10000, 'big10000', 20), true],
    ['10000 disks, worst case (2 in 3 flagged)', domainWithDisks(10000), false],
  ];
  for (const [name, text, budget] of cases) {
    analyzeDocument(text, [bigHost]);
    const ours: number[] = [];
    const floor: number[] = [];
    for (let r = 0; r < REPS; r++) {
      floor.push(ms(() => bareParse(text)));
      ours.push(ms(() => analyzeDocument(text, [bigHost])));
    }
    row({ name: `${name}: analysis`, value: stat(ours), unit: 'ms', ...(budget ? { budget: '< 300 ms', ok: median(ours) < 300 } : {}) });
    row({ name: `${name}: analysis / bare parse`, value: stat(ours.map((o, i) => o / floor[i])), unit: '×' });
  }
}

// 3. Inventory: parse + index of a big host, resolution per path, server memory.
function benchInventory() {
  const sections = bigHostSections(10000, 4, 200);
  const times: number[] = [];
  let idx!: HostIndex;
  for (let r = 0; r < REPS; r++) {
    times.push(
      ms(() => {
        idx = new HostIndex(buildSnapshot({ host: 'big', collectedAt: '', sections }));
      }),
    );
  }
  row({
    name: 'inventory 10,000 LUNs × 4 paths + 200 domains: parse + index',
    value: stat(times),
    unit: 'ms',
    budget: '< 500 ms',
    ok: median(times) < 500,
  });
  const snap = idx.snapshot;
  const paths = [...snap.devices.map((d) => d.path), ...Object.keys(snap.links), ...(snap.dmp?.names ?? []).map((n) => `/dev/vx/dmp/${n}`)];
  const per: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const fresh = new HostIndex(snap); // resolution is memoised: time first lookups on a new index
    per.push(
      (ms(() => {
        for (const p of paths) fresh.resolve(p);
      }) *
        1000) /
        paths.length,
    );
  }
  row({
    name: `inventory: resolution per path (${paths.length} paths, first lookup)`,
    value: stat(per),
    unit: 'µs',
    budget: '< 10 µs',
    ok: median(per) < 10,
  });
  return { snap, idx };
}

interface Session {
  pid: number;
  conn: ReturnType<typeof createMessageConnection>;
  diags: Map<number, number>;
  close(): Promise<void>;
}

async function startServer(inventoryFiles: string[]): Promise<Session & { startedAt: bigint }> {
  const startedAt = process.hrtime.bigint();
  const proc = spawn(process.execPath, [join(ROOT, 'dist/server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'ignore'] });
  const conn = createMessageConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
  const diags = new Map<number, number>();
  conn.onNotification('textDocument/publishDiagnostics', (p: { version?: number }) => {
    if (p.version !== undefined && !diags.has(p.version)) diags.set(p.version, Number(process.hrtime.bigint()) / 1e6);
  });
  conn.onRequest('client/registerCapability', () => null);
  conn.listen();
  await conn.sendRequest('initialize', {
    processId: process.pid,
    rootUri: null,
    capabilities: {},
    initializationOptions: { inventoryFiles },
  });
  await conn.sendNotification('initialized', {});
  return {
    pid: proc.pid!,
    conn,
    diags,
    startedAt,
    close: async () => {
      await conn.sendRequest('shutdown').catch(() => undefined);
      await conn.sendNotification('exit').catch(() => undefined);
      conn.dispose();
      proc.kill('SIGKILL');
    },
  };
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs = 30000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setImmediate(r));
  }
}

// 2. Editing latency, 5. cold start, and the server's memory with the big inventory.
async function benchServer(bigSnapshotFile: string) {
  const uri = pathToFileURL(join(tmpdir(), 'bench.xml')).toString();
  // Cold start: spawn → first diagnostics of a small document.
  const cold: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const s = await startServer([join(ROOT, 'examples/kvm-a.inventory.json')]);
    await s.conn.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: 'xml', version: 1, text: readFileSync(join(ROOT, 'examples/domains/app01.xml'), 'utf8') },
    });
    const at = await waitFor(() => s.diags.get(1));
    cold.push(at - Number(s.startedAt) / 1e6);
    await s.close();
  }
  row({ name: 'server cold start: spawn → first diagnostics', value: stat(cold), unit: 'ms', budget: '< 300 ms', ok: median(cold) < 300 });

  // Edit latency on a 1,000-disk document with the big host.
  const s = await startServer([bigSnapshotFile]);
  const text = domainWithDisks(1000);
  await s.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'xml', version: 1, text } });
  await waitFor(() => s.diags.get(1), 60000);
  const debounce = 100;
  const lat: number[] = [];
  const lines = text.split('\n');
  for (let v = 2; v < 202; v++) {
    // A one-character edit inside a <target dev> (the last letter of its name): the document stays schema-valid.
    const line = 10 + 5 * ((v * 37) % 1000); // a <target> line
    const col = lines[line].indexOf("' bus=") - 1;
    const ch = v % 2 ? 'q' : 'r';
    lines[line] = lines[line].slice(0, col) + ch + lines[line].slice(col + 1);
    const t0 = Number(process.hrtime.bigint()) / 1e6;
    await s.conn.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: v },
      contentChanges: [{ range: { start: { line, character: col }, end: { line, character: col + 1 } }, text: ch }],
    });
    const at = await waitFor(() => s.diags.get(v));
    lat.push(at - t0);
  }
  const p95 = percentile(lat, 95);
  row({ name: 'edit → diagnostics, 1,000-disk document, median (incl. debounce)', value: stat([median(lat)]), unit: 'ms' });
  row({
    name: 'edit → diagnostics, p95 (incl. debounce)',
    value: stat([p95]),
    unit: 'ms',
    budget: `< ${debounce} + 30 ms`,
    ok: p95 < debounce + 30,
  });
  row({
    name: 'edit → diagnostics beyond the debounce, median / p95',
    value: { median: median(lat) - debounce, min: Math.min(...lat) - debounce, max: p95 - debounce },
    unit: 'ms',
    note: `debounce ${debounce} ms`,
  });
  const rssBig = rssKiB(s.pid);
  await s.close();
  const empty = await startServer([]);
  await empty.conn.sendNotification('textDocument/didOpen', {
    textDocument: { uri, languageId: 'xml', version: 1, text: '<domain><name>x</name></domain>' },
  });
  await waitFor(() => empty.diags.get(1));
  const rssEmpty = rssKiB(empty.pid);
  await empty.close();
  row({
    name: 'server RSS holding the 10,000-LUN inventory and a 1,000-disk document',
    value: stat([rssBig / 1024]),
    unit: 'MiB',
    note: `floor: ${(rssEmpty / 1024).toFixed(0)} MiB without inventory`,
  });
}

// 4. SSH fetch vs a bare round trip to the same sshd.
async function benchSsh() {
  const rig = await startRigOrSkip({ hosts: [{ name: 'kvm-a', fixtureDir: join(ROOT, 'examples/hosts/kvm-a') }] });
  if (typeof rig === 'string') {
    row({ name: `ssh fetch: skipped (${rig})`, value: stat([NaN]), unit: '' });
    return;
  }
  try {
    const fetch: number[] = [];
    const floor: number[] = [];
    for (let r = 0; r < REPS; r++) {
      floor.push(ms(() => spawnSync('ssh', ['-F', rig.sshConfigPath, '-o', 'BatchMode=yes', '-T', '--', 'kvm-a', 'true'])));
      fetch.push(await msAsync(() => fetchSnapshot('kvm-a', { sshConfigFile: rig.sshConfigPath })));
    }
    row({ name: 'ssh: bare `ssh kvm-a true`', value: stat(floor), unit: 'ms' });
    row({ name: 'ssh: full inventory fetch (collector + parse)', value: stat(fetch), unit: 'ms' });
    row({
      name: 'ssh: fetch / bare round trip',
      value: stat(fetch.map((f, i) => f / floor[i])),
      unit: '×',
      budget: '≤ 1.5×',
      ok: median(fetch) / median(floor) <= 1.5,
    });
  } finally {
    await rig.stop();
  }
}

// 6. The fleet audit: a hundred hosts of a thousand LUNs, offline, as one whole CLI process.
const FLEET: FleetOptions = { hosts: 100, luns: 1000, paths: 2, domains: 50, clusterSize: 4 };

/** Runs `audit` as a user would; its wall time, peak RSS and CPU time (the process's: every thread) and report. */
function runFleetAudit(dir: string, env: Record<string, string> = {}) {
  const rssFile = join(dir, '..', 'rss.txt');
  rmSync(rssFile, { force: true });
  const preload = join(dir, '..', 'rss.js');
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['-r', preload, join(ROOT, 'dist/cli.js'), 'audit', '--inventory', dir, '--format', 'json'], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    env: { ...process.env, ...env, LDX_BENCH_RSS_FILE: rssFile },
  });
  const wall = Number(process.hrtime.bigint() - t) / 1e6;
  const [maxRSS, userUs, systemUs] = readFileSync(rssFile, 'utf8').split(' ').map(Number);
  const rssMiB = maxRSS / 1024;
  const cpu = (userUs + systemUs) / 1e6;
  const report = JSON.parse(r.stdout) as { findings: unknown[]; hosts: { failure?: unknown }[] };
  if (r.status !== 1 || report.hosts.length !== FLEET.hosts || report.hosts.some((h) => h.failure))
    throw new Error(`fleet audit: exit ${r.status}, ${report.hosts.length} hosts: ${r.stderr.slice(0, 500)}`);
  return { wall, rssMiB, cpu, findings: report.findings.length };
}

/** How many cores this machine gives a process now: the CPU two busy threads get in 2 s, over the wall time (2 when idle). */
function coresAvailable(): number {
  const code =
    "const { Worker } = require('node:worker_threads'); const busy = 'const t = Date.now(); while (Date.now() - t < 2000);';" +
    "const t = Date.now(); let n = 2; for (let i = 0; i < 2; i++) new Worker(busy, { eval: true }).on('exit', () => { if (--n === 0) {" +
    ' const u = process.resourceUsage(); console.log((u.userCPUTime + u.systemCPUTime) / 1000 / (Date.now() - t)); } });';
  return Number(spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' }).stdout);
}

function benchFleet() {
  const top = mkdtempSync(join(tmpdir(), 'ldx-fleet-'));
  try {
    const dir = join(top, 'outputs');
    mkdirSync(dir);
    let bytes = 0;
    for (let h = 0; h < FLEET.hosts; h++) {
      const { name, output } = fleetHost(h, FLEET);
      bytes += Buffer.byteLength(output);
      writeFileSync(join(dir, `${name}.out`), output);
    }
    // The whole process's peak RSS (KiB) and CPU time (µs), worker threads included.
    writeFileSync(
      join(top, 'rss.js'),
      "process.on('exit', () => { if (require('node:worker_threads').isMainThread) require('node:fs').writeFileSync(process.env.LDX_BENCH_RSS_FILE, (({ maxRSS, userCPUTime, systemCPUTime }) => `${maxRSS} ${userCPUTime} ${systemCPUTime}`)(process.resourceUsage())); });\n",
    );
    const what = `${FLEET.hosts} hosts × ${FLEET.luns.toLocaleString('en')} LUNs × ${FLEET.paths} paths (DMP), ${FLEET.domains} domains each, ${(bytes / FLEET.hosts / 2 ** 20).toFixed(1)} MiB of collector output per host`;
    const cores = coresAvailable();
    const runs = Array.from({ length: QUICK ? 1 : 3 }, () => runFleetAudit(dir));
    const single = runFleetAudit(dir, { LDX_AUDIT_WORKERS: '0' });
    const walls = runs.map((r) => r.wall / 1000);
    row({
      name: `fleet audit, offline (${what}): wall`,
      value: stat(walls),
      unit: 's',
      budget: '< 10 s',
      ok: median(walls) < 10,
      note: `${cores.toFixed(2)} of ${cpus().length} cores free before the runs (two busy threads)`,
    });
    const rss = runs.map((r) => r.rssMiB);
    row({ name: 'fleet audit: peak RSS', value: stat(rss), unit: 'MiB', budget: '< 1536 MiB', ok: Math.max(...rss) < 1536 });
    row({
      name: 'fleet audit: per host',
      value: stat(runs.map((r) => r.wall / FLEET.hosts)),
      unit: 'ms',
      note: `${runs[0].findings} findings`,
    });
    row({
      name: 'fleet audit: CPU time (user + system, every thread)',
      value: stat(runs.map((r) => r.cpu)),
      unit: 's',
      note: `${median(runs.map((r) => r.cpu / (r.wall / 1000))).toFixed(2)} cores busy on average`,
    });
    row({
      name: 'fleet audit on one thread (LDX_AUDIT_WORKERS=0): wall',
      value: stat([single.wall / 1000]),
      unit: 's',
      note: `CPU ${single.cpu.toFixed(1)} s, peak RSS ${single.rssMiB.toFixed(0)} MiB; ${cpus().length} cores`,
    });
  } finally {
    rmSync(top, { recursive: true, force: true });
  }
}

function benchSizes() {
  const size = (f: string) => (existsSync(f) ? statSync(f).size / 1024 : NaN);
  row({ name: 'bundle dist/client.js', value: stat([size(join(ROOT, 'dist/client.js'))]), unit: 'KiB' });
  row({ name: 'bundle dist/server.js', value: stat([size(join(ROOT, 'dist/server.js'))]), unit: 'KiB' });
  row({ name: 'bundle dist/cli.js', value: stat([size(join(ROOT, 'dist/cli.js'))]), unit: 'KiB' });
  const vsix = readdirSync(ROOT)
    .filter((f) => f.endsWith('.vsix'))
    .sort()
    .pop();
  if (vsix)
    row({
      name: `package ${vsix}`,
      value: stat([size(join(ROOT, vsix))]),
      unit: 'KiB',
      budget: '< 1 MiB',
      ok: size(join(ROOT, vsix)) < 1024,
    });
  else row({ name: 'package .vsix: not built (npm run package)', value: stat([NaN]), unit: '' });
}

async function main() {
  const only = ['--fleet-only', '--process-only', '--workspace-only'].find((a) => args.has(a));
  const runs = (flag: string) => !only || only === flag;
  if (!only) {
    const host = loadInventoryFile(join(ROOT, 'examples/kvm-a.inventory.json'));
    const { snap, idx } = benchInventory();
    const bigFile = join(mkdtempSync(join(tmpdir(), 'ldx-bench-')), 'big.json');
    writeFileSync(bigFile, JSON.stringify(snap));
    benchAnalysis(host, idx);
    await benchServer(bigFile);
    await benchSsh();
  }
  if (runs('--process-only')) await benchProcess(row, { root: ROOT, reps: REPS });
  if (runs('--workspace-only')) await benchWorkspace(row, ROOT, CORPUS, QUICK ? 2 : 3);
  if (runs('--fleet-only')) {
    benchFleet();
    benchSizes();
  }
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  const fmt = (x: number) => (Number.isNaN(x) ? '—' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(3));
  console.log(`machine: ${machine}; ${REPS} repetitions, median (min–max)\n`);
  const w = Math.max(...rows.map((r) => r.name.length));
  for (const r of rows) {
    const v = `${fmt(r.value.median)} ${r.unit} (${fmt(r.value.min)}–${fmt(r.value.max)})`;
    const b = r.budget ? `  budget ${r.budget}: ${r.ok ? 'ok' : 'MISSED'}` : '';
    console.log(`${r.name.padEnd(w)}  ${v.padEnd(28)}${b}${r.note ? `  [${r.note}]` : ''}`);
  }
  results.machine = machine;
  results.repetitions = REPS;
  results.rows = rows;
  writeFileSync(join(ROOT, 'bench/results.json'), JSON.stringify(results, null, 2) + '\n');
  const missed = rows.filter((r) => r.budget && !r.ok);
  if (args.has('--check') && missed.length) {
    console.error(`\n${missed.length} budget(s) missed: ${missed.map((r) => r.name).join('; ')}`);
    process.exit(1);
  }
}

void main().catch((e) => {
  console.error(e);
  process.exit(2);
});
