/**
 * The workspace scan in the real server process (dist/server.js over stdio): a workspace of 2,000
 * domain files with `libvirtDomain.workspaceDiagnostics` on (the default), a generated host of
 * 4,000 LUNs as its inventory. Measures the time from `initialized` to the end of the first pass over
 * every file (the server's log line says how many files it checked and how many have findings; every
 * one of those must have been published), and the edit latency of an open document (didChange → its
 * publishDiagnostics) while that scan runs and once it is done, in the same server.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { driveLetters } from '../server/src/domain/diskVocabulary';
import { buildSnapshot } from '../server/src/inventory/parsers';
import { bigHostSections } from './generate';
import { median, percentile, stat, type Stat } from './stats';

type Row = { name: string; value: Stat; unit: string; budget?: string; ok?: boolean; note?: string };

/** LUNs of the generated host (2 paths each, under DMP). */
export const WORKSPACE_LUNS = 4000;

/**
 * A generated domain `i` with 2–5 block disks on the generated host: DMP nodes (stable, no finding)
 * for most, a kernel name in one file of 8 (unstable-device-name, multipath-bypass), and one LUN per
 * group of three files shared by the three, where the third lacks <shareable/> (shared-without-shareable).
 */
export function generatedDomain(i: number): string {
  const disks: string[] = [];
  const n = 2 + (i % 4);
  for (let k = 0; k < n; k++) {
    const lun = (i * 5 + k) % (WORKSPACE_LUNS - 1000);
    const src = k === 0 && i % 8 === 0 ? `/dev/sd${driveLetters(lun * 2)}` : `/dev/vx/dmp/3pardata0_${lun}`;
    disks.push(
      `    <disk type='block' device='disk'>`,
      `      <driver name='qemu' type='raw' cache='none' io='native'/>`,
      `      <source dev='${src}'/>`,
      `      <target dev='vd${driveLetters(k)}' bus='virtio'/>`,
      `      <serial>s${i}-${k}</serial>`,
      `    </disk>`,
    );
  }
  const shared = WORKSPACE_LUNS - 1000 + (Math.floor(i / 3) % 1000);
  disks.push(
    `    <disk type='block' device='lun' sgio='unfiltered'>`,
    `      <driver name='qemu' type='raw' cache='none'/>`,
    `      <source dev='/dev/vx/dmp/3pardata0_${shared}'/>`,
    `      <target dev='sda' bus='scsi'/>`,
    i % 3 === 2 ? '' : `      <shareable/>`,
    `    </disk>`,
  );
  return [
    `<domain type='kvm'>`,
    `  <name>ws${i}</name>`,
    `  <uuid>00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}</uuid>`,
    `  <memory unit='KiB'>4194304</memory>`,
    `  <vcpu>2</vcpu>`,
    `  <os><type arch='x86_64' machine='q35'>hvm</type></os>`,
    `  <devices>`,
    ...disks.filter(Boolean),
    `    <interface type='network'><source network='default'/><model type='virtio'/></interface>`,
    `  </devices>`,
    `</domain>`,
    '',
  ].join('\n');
}

/**
 * Writes a workspace of `count` domain files under `dir`: every other file from the corpus (as far as
 * it goes), the others generated, 100 per folder, plus a few files the scan must skip cheaply (XML
 * that is not a domain). Returns the paths of the domain files, sorted.
 */
export function writeWorkspace(dir: string, count: number, corpus?: string): string[] {
  const corpusFiles =
    corpus && existsSync(corpus)
      ? readdirSync(corpus)
          .filter((f) => f.endsWith('.xml'))
          .sort()
      : [];
  const paths: string[] = [];
  let c = 0;
  for (let i = 0; i < count; i++) {
    const sub = join(dir, `group${String(Math.floor(i / 100)).padStart(2, '0')}`);
    if (i % 100 === 0) {
      mkdirSync(sub, { recursive: true });
      writeFileSync(join(sub, 'notes.xml'), `<?xml version='1.0'?>\n<notes><note>not a domain</note></notes>\n`);
    }
    let text: string | undefined;
    while (i % 2 === 1 && c < corpusFiles.length && text === undefined) {
      const t = readFileSync(join(corpus!, corpusFiles[c++]), 'utf8');
      if (/<domain[\s>]/.test(t.slice(0, 400))) text = t;
    }
    const path = join(sub, `vm${String(i).padStart(4, '0')}.xml`);
    writeFileSync(path, text ?? generatedDomain(i));
    paths.push(path);
  }
  return paths.sort();
}

/** The generated host's snapshot file (what `Save Snapshot` writes), for `initializationOptions.inventoryFiles`. */
export function writeWorkspaceInventory(file: string): void {
  const snapshot = buildSnapshot({
    host: 'ws-host',
    collectedAt: new Date(0).toISOString(),
    sections: bigHostSections(WORKSPACE_LUNS, 2, 0),
  });
  writeFileSync(file, JSON.stringify(snapshot));
}

/** A process's CPU time so far, from /proc (clock ticks of 10 ms). */
function cpuTimeMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const now = () => Number(process.hrtime.bigint()) / 1e6;

interface Run {
  scanMs: number;
  /** The server's CPU time (user + system) when the pass ended: less sensitive to other load than the wall time. */
  cpuMs: number;
  checked: number;
  withFindings: number;
  published: number;
  during: number[];
  idle: number[];
}

/** One server over the workspace: the scan timed, edits during it and after it. */
async function oneRun(
  root: string,
  ws: string,
  inventory: string,
  openPath: string,
  idleEdits: number,
  maxDuring: number,
  settings: Record<string, unknown>,
): Promise<Run> {
  // LDX_BENCH_SERVER_NODE_ARGS: node options for the server (`--cpu-prof --cpu-prof-dir=DIR` profiles it);
  // LDX_BENCH_SERVER_JS: another server bundle (an older build, for a before/after in one run).
  const nodeArgs = (process.env.LDX_BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const bundle = process.env.LDX_BENCH_SERVER_JS || join(root, 'dist/server.js');
  const proc = spawn(process.execPath, [...nodeArgs, bundle, '--stdio'], { stdio: ['pipe', 'pipe', 'ignore'] });
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  const conn = createMessageConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
  const openUri = pathToFileURL(openPath).toString();
  const versions = new Map<number, number>();
  const t00 = now();
  /** Workspace files (not the open document) published with findings: URI → first time. */
  const published = new Map<string, number>();
  let passDone: { checked: number; withFindings: number } | undefined;
  conn.onNotification('textDocument/publishDiagnostics', (p: { uri: string; version?: number; diagnostics: unknown[] }) => {
    const t = now();
    if (p.uri === openUri) {
      if (p.version !== undefined && !versions.has(p.version)) versions.set(p.version, t);
      return;
    }
    if (p.diagnostics.length && !published.has(p.uri)) published.set(p.uri, t);
  });
  conn.onNotification('window/logMessage', (p: { message: string }) => {
    if (process.env.LDX_BENCH_VERBOSE) console.log(`[server ${(now() - t00).toFixed(0)} ms] ${p.message.slice(0, 200)}`);
    const m = /^workspace diagnostics: (\d+) files checked in \d+ ms, (\d+) with findings/.exec(p.message);
    if (m && !passDone) passDone = { checked: Number(m[1]), withFindings: Number(m[2]) };
  });
  conn.onRequest('client/registerCapability', () => null);
  // The settings as the editor answers them (by default: workspace diagnostics on, the schema check on).
  conn.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => settings));
  conn.listen();
  try {
    await conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri: pathToFileURL(ws).toString(),
      workspaceFolders: [{ uri: pathToFileURL(ws).toString(), name: 'ws' }],
      capabilities: { workspace: { configuration: true } },
      initializationOptions: { inventoryFiles: [inventory] },
    });
    const initializedAt = now();
    await conn.sendNotification('initialized', {});
    const text = readFileSync(openPath, 'utf8');
    await conn.sendNotification('textDocument/didOpen', { textDocument: { uri: openUri, languageId: 'xml', version: 1, text } });
    await waitFor(() => versions.get(1), 30000);

    // A one-character edit of a <target dev> (it changes what the document tells the others: its peer).
    const lines = text.split('\n');
    const targets = lines.flatMap((l, n) => (/<target dev='/.test(l) ? [n] : []));
    let v = 1;
    const edit = async (): Promise<number> => {
      v++;
      const line = targets[v % targets.length];
      const col = lines[line].indexOf("' bus=") - 1;
      const ch = v % 2 ? 'q' : 'r';
      lines[line] = lines[line].slice(0, col) + ch + lines[line].slice(col + 1);
      const t0 = now();
      await conn.sendNotification('textDocument/didChange', {
        textDocument: { uri: openUri, version: v },
        contentChanges: [{ range: { start: { line, character: col }, end: { line, character: col + 1 } }, text: ch }],
      });
      const at = await waitFor(() => versions.get(v), 30000);
      return at - t0;
    };
    const during: number[] = [];
    while (!passDone && during.length < maxDuring) {
      during.push(await edit());
      if (process.env.LDX_BENCH_VERBOSE) console.log(`[edit at ${(now() - t00).toFixed(0)} ms] ${during.at(-1)!.toFixed(0)} ms`);
    }
    const done = await waitFor(() => passDone, 120000);
    const cpuMs = cpuTimeMs(proc.pid!);
    // When the last workspace file with findings got them (the pass's log line follows it).
    const scanMs = Math.max(...published.values()) - initializedAt;
    const idle: number[] = [];
    for (let k = 0; k < idleEdits; k++) idle.push(await edit());
    return { scanMs, cpuMs, checked: done.checked, withFindings: done.withFindings, published: published.size, during, idle };
  } finally {
    await conn.sendRequest('shutdown').catch(() => undefined);
    await conn.sendNotification('exit').catch(() => undefined);
    // A moment to exit on its own (a profile is written then), else killed.
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    conn.dispose();
    proc.kill('SIGKILL');
  }
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('workspace bench: timed out');
    await new Promise((r) => setTimeout(r, 1));
  }
}

/**
 * The workspace section of `npm run bench`: rows for the scan (budget 3 s) and the edit latency
 * during it (budget: median ≤ 1.2× the median once the scan is done, in the same server). Runs the
 * server `reps` times quiet and `reps` times typing, and once with the schema check off.
 */
export async function benchWorkspace(row: (r: Row) => void, root: string, corpus: string, reps: number): Promise<void> {
  const top = mkdtempSync(join(tmpdir(), 'ldx-ws-bench-'));
  try {
    const ws = join(top, 'ws');
    const files = writeWorkspace(ws, 2000, corpus);
    const inventory = join(top, 'ws-host.json');
    writeWorkspaceInventory(inventory);
    // The open document: a generated one (block disks on the host), in the workspace.
    const openPath = files.find((f) => readFileSync(f, 'utf8').includes('3pardata0_'))!;
    // Quiet runs time the scan (no edit during it); typing runs edit all through the scan and its
    // pass (up to 200 edits), then 20 more once it is done: both latencies from the same server.
    const check = (r: Run): Run => {
      if (r.checked !== files.length || r.published !== r.withFindings)
        throw new Error(
          `workspace bench: the pass checked ${r.checked} of ${files.length} files; ${r.published} of ${r.withFindings} with findings published`,
        );
      return r;
    };
    const settings = { workspaceDiagnostics: true };
    const quiet: Run[] = [];
    const typing: Run[] = [];
    for (let k = 0; k < reps; k++) {
      quiet.push(check(await oneRun(root, ws, inventory, openPath, 0, 0, settings)));
      typing.push(check(await oneRun(root, ws, inventory, openPath, 20, 200, settings)));
    }
    const scan = quiet.map((r) => r.scanMs / 1000);
    const during = typing.flatMap((r) => r.during);
    const idle = typing.flatMap((r) => r.idle);
    const what = `${files.length} files (${quiet[0].withFindings} with findings), host of ${WORKSPACE_LUNS} LUNs`;
    row({
      name: `workspace scan: initialized → last diagnostics published, ${what}`,
      value: stat(scan),
      unit: 's',
      budget: '< 3 s',
      ok: median(scan) < 3,
      note: `${quiet.length} server runs; server CPU ${(median(quiet.map((r) => r.cpuMs)) / 1000).toFixed(2)} s`,
    });
    row({
      name: 'workspace scan while the open document is edited throughout',
      value: stat(typing.map((r) => r.scanMs / 1000)),
      unit: 's',
      note: `server CPU ${(median(typing.map((r) => r.cpuMs)) / 1000).toFixed(2)} s`,
    });
    // The same without the schema check: what the workspace pass costs beside the validator.
    const plain = await oneRun(root, ws, inventory, openPath, 0, 0, { workspaceDiagnostics: true, schema: { enabled: false } });
    row({
      name: 'workspace scan with the schema check off',
      value: stat([plain.scanMs / 1000]),
      unit: 's',
      note: `server CPU ${(plain.cpuMs / 1000).toFixed(2)} s`,
    });
    // Median (min–p95) of the edits.
    const spread = (xs: number[]): Stat =>
      xs.length ? { median: median(xs), min: Math.min(...xs), max: percentile(xs, 95) } : stat([NaN]);
    row({
      name: 'workspace: edit → diagnostics once scanned, median (min–p95)',
      value: spread(idle),
      unit: 'ms',
      note: `${idle.length} edits, debounce 100 ms`,
    });
    row({
      name: 'workspace: edit → diagnostics during the scan, median (min–p95)',
      value: spread(during),
      unit: 'ms',
      note: `${during.length} edits`,
    });
    const ratio = during.length ? median(during) / median(idle) : NaN;
    row({
      name: 'workspace: edit latency during the scan / once scanned (medians)',
      value: stat([ratio]),
      unit: '×',
      budget: '≤ 1.2×',
      ok: ratio <= 1.2,
      note: `p95 ${during.length ? (percentile(during, 95) / percentile(idle, 95)).toFixed(2) : '—'}×`,
    });
  } finally {
    rmSync(top, { recursive: true, force: true });
  }
}
