/**
 * Whole processes, side by side in one run: xmllint with libvirt's RelaxNG schema over the corpus
 * (the peer), the CLI over the same files offline and with `--schema local`, and the CLI on one
 * 10,000-disk document. What a CI job or a pre-commit hook pays: start-up, bundle load, file I/O,
 * parsing, rules and output, not a warm in-process loop.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { domainWithDisks } from './generate';
import { median, stat, Stat } from './stats';

export interface ProcessRow {
  name: string;
  value: Stat;
  unit: string;
  budget?: string;
  ok?: boolean;
  note?: string;
}

const RNG = '/usr/share/libvirt/schemas/domain.rng';

function peerPresent(): boolean {
  return spawnSync('sh', ['-c', 'command -v xmllint']).status === 0 && existsSync(RNG);
}

/**
 * The peer (xmllint, libvirt's schemas) installed when missing, as scripts/setup-test-tools.sh does:
 * with apt-get, as root. Under CI a peer that cannot be had is a failure, else the rows say so.
 */
function ensurePeer(): boolean {
  if (peerPresent()) return true;
  const canInstall = process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v apt-get']).status === 0;
  if (canInstall) {
    console.error('bench: installing libxml2-utils and libvirt0 (the whole-process peer)');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const install = () =>
      spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=300', 'install', '-y', '-q', 'libxml2-utils', 'libvirt0'], { env, stdio: 'ignore' });
    if (install().status !== 0) {
      spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=300', 'update', '-q'], { env, stdio: 'ignore' });
      install();
    }
  }
  if (peerPresent()) return true;
  if (process.env.CI)
    throw new Error('bench: xmllint and libvirt schemas (libxml2-utils, libvirt0) are missing and could not be installed');
  return false;
}

interface Run {
  ms: number;
  status: number | null;
  stdout: string;
  stderr: string;
}

/** One process, wall time from spawn to exit, its output collected. */
function timed(cmd: string, argv: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint();
    const p = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (b: Buffer) => out.push(b));
    p.stderr.on('data', (b: Buffer) => err.push(b));
    p.on('error', reject);
    p.on('close', (status) =>
      resolve({
        ms: Number(process.hrtime.bigint() - t) / 1e6,
        status,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
  });
}

/** The CLI's JSON report: exit 0 or 1 (findings), never 2; returns the number of findings. */
function findingsOf(what: string, r: Run): number {
  if (r.status !== 0 && r.status !== 1) throw new Error(`bench: ${what}: exit ${r.status}: ${r.stderr.slice(0, 500)}`);
  return (JSON.parse(r.stdout) as { findings: unknown[] }).findings.length;
}

/**
 * The rows of the whole-process benchmark. Each round runs every command once, in turn, so that a
 * change of load touches all of them alike; ratios are taken per round, then their median.
 */
export async function benchProcess(row: (r: ProcessRow) => void, opts: { root: string; reps: number }): Promise<void> {
  const reps = Math.max(5, opts.reps);
  const cli = join(opts.root, 'dist/cli.js');
  const corpus = join(opts.root, '..', 'shared', 'corpus', 'libvirt-11.3.0', 'domains');
  const load = () => loadavg()[0].toFixed(2);
  const tmp = mkdtempSync(join(tmpdir(), 'ldx-bench-process-'));
  try {
    // The budget's document is the in-process budget's (run.ts): a maintained mix, 1 in 10 disks
    // flagged; the worst case (2 in 3 flagged: thousands of findings to print) is reported beside it.
    const big = join(tmp, 'big10000.xml');
    writeFileSync(big, domainWithDisks(10000, 'big10000', 20));
    const worst = join(tmp, 'worst10000.xml');
    writeFileSync(worst, domainWithDisks(10000));
    const bigRuns: number[] = [];
    const worstRuns: number[] = [];
    let bigFindings = 0;
    let worstFindings = 0;
    const files = existsSync(corpus)
      ? readdirSync(corpus)
          .filter((f) => f.endsWith('.xml'))
          .sort()
          .map((f) => join(corpus, f))
      : [];
    const peer = files.length > 0 && ensurePeer();
    const xmllint: number[] = [];
    const offline: number[] = [];
    const local: number[] = [];
    const counts = { offline: 0, local: 0 };
    const loadBefore = load();
    for (let r = 0; r < reps; r++) {
      if (files.length) {
        if (peer) {
          const x = await timed('xmllint', ['--noout', '--relaxng', RNG, ...files]);
          if (x.status !== 0 && x.status !== 3) throw new Error(`bench: xmllint: exit ${x.status}: ${x.stderr.slice(-500)}`);
          xmllint.push(x.ms);
        }
        const o = await timed(process.execPath, [cli, '--format', 'json', corpus]);
        counts.offline = findingsOf('offline', o);
        offline.push(o.ms);
        const l = await timed(process.execPath, [cli, '--format', 'json', '--schema', 'local', corpus]);
        counts.local = findingsOf('--schema local', l);
        local.push(l.ms);
      }
      const b = await timed(process.execPath, [cli, '--format', 'json', big]);
      bigFindings = findingsOf('10,000 disks', b);
      bigRuns.push(b.ms);
      const w = await timed(process.execPath, [cli, '--format', 'json', worst]);
      worstFindings = findingsOf('10,000 disks, worst case', w);
      worstRuns.push(w.ms);
    }
    const loads = `load ${loadBefore} → ${load()}`;
    if (files.length) {
      if (peer) row({ name: `process: xmllint --relaxng domain.rng, ${files.length} corpus files`, value: stat(xmllint), unit: 'ms' });
      else row({ name: 'process: xmllint (libxml2-utils, libvirt0) not installed', value: stat([NaN]), unit: '' });
      row({
        name: 'process: libvirt-domain-lint --format json DIR',
        value: stat(offline),
        unit: 'ms',
        note: `${counts.offline} findings; ${loads}`,
      });
      row({
        name: 'process: libvirt-domain-lint --schema local',
        value: stat(local),
        unit: 'ms',
        note: `${counts.local} findings`,
      });
      if (peer) {
        const offlineRatio = offline.map((o, i) => o / xmllint[i]);
        const localRatio = local.map((l, i) => l / xmllint[i]);
        row({
          name: 'process: offline / xmllint-with-schema',
          value: stat(offlineRatio),
          unit: '×',
          budget: '≤ 1.0×',
          ok: median(offlineRatio) <= 1.0,
        });
        row({
          name: 'process: --schema local / xmllint-with-schema',
          value: stat(localRatio),
          unit: '×',
          budget: '≤ 2.0×',
          ok: median(localRatio) <= 2.0,
        });
      }
    } else row({ name: `process: corpus not found at ${corpus}`, value: stat([NaN]), unit: '' });
    row({
      name: 'process: a 10,000-disk document (1 in 10 flagged), whole CLI process',
      value: stat(bigRuns),
      unit: 'ms',
      budget: '< 300 ms',
      ok: median(bigRuns) < 300,
      note: `${bigFindings} findings`,
    });
    row({
      name: 'process: a 10,000-disk document, worst case (2 in 3 flagged)',
      value: stat(worstRuns),
      unit: 'ms',
      note: `${worstFindings} findings`,
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
