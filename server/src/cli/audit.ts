/**
 * `libvirt-domain-lint audit`: every domain defined on every host, checked against its own host, then
 * across the hosts (features/audit.ts). Hosts come live over ssh (fetched N at a time) or from saved
 * snapshots and collector outputs (a file, or a directory of them, as an Ansible run leaves them).
 * Each host is analysed in a worker thread (the CLI's own bundle, re-entered: see `isAuditWorker`), so
 * a large fleet uses every core; the cross-host findings are computed once all hosts are in.
 * Nothing is ever defined: `--fix-out DIR` writes the fixed definitions to files.
 */
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, join } from 'node:path';
import { TRANSPORT_OPTIONS, transportFromArgs } from './transportArgs';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { jsonText, terminalText as t } from '../encode';
import { addFleetFindings, auditHostIndex, auditUri, type AuditDomain, type HostAudit } from '../features/audit';
import { bootImages, bootImagesText, type HostBootImages } from '../features/bootImages';
import { writeTextAtomic } from '../files';
import { InventoryError } from '../inventory/errors';
import { fetchSnapshot } from '../inventory/fetch';
import { loadInventoryFile } from '../inventory/load';
import { HostIndex } from '../inventory/resolver';
import type { InventorySnapshot } from '../inventory/snapshot';
import { applyEdits, preferredEdits } from '../rules/applyFixes';
import { LineIndex } from '../xml/lineIndex';
import { domainFileName, MAX_FILE_NAME_BYTES } from './pull';
import { toSarif, type SarifFile } from './sarif';

export const AUDIT_USAGE = `usage: libvirt-domain-lint audit [--host DEST]... [--inventory FILE|DIR]... [--ssh-config FILE] [--parallel N]
                                [--format text|json|sarif] [--fix-out DIR]
  audits every domain defined on each host against that host (every single-host rule), then across the
  hosts: a LUN mapped by domains on several hosts where a disk lacks <shareable/>, a domain (one UUID)
  defined on several hosts with different disks
  --host DEST          a live host, over ssh (as for linting); repeat for each host
  --inventory FILE|DIR a snapshot (JSON) or saved collector output, or a directory of them (*.json, *.out;
                       the host is named by the file's content, else by the file name)
  --parallel N         hosts fetched at a time (default 8)
  --format FORMAT      text (default: findings as HOST/NAME:line:col, then a summary per host), json, sarif
                       (locations are libvirt-domain://HOST/NAME.xml)
  --fix-out DIR        write DIR/HOST/NAME.xml for each domain with preferred fixes, the fixes applied
                       (nothing is defined on a host)
  --ssh-config FILE, --ssh PATH, --connect-timeout S, --uri URI, --sudo   as for linting
exit status: 2 a host could not be audited (its error on stderr; the others are audited), else 1 when
  findings at warning or above remain, else 0`;

const OPTIONS = {
  host: { type: 'string', multiple: true },
  inventory: { type: 'string', multiple: true },
  ...TRANSPORT_OPTIONS,
  parallel: { type: 'string' },
  format: { type: 'string', default: 'text' },
  'fix-out': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

class AuditUsageError extends Error {}

/** The package version, inlined by the bundler. */
const VERSION: string = process.env.LDX_VERSION ?? '0.0.0';

export interface AuditOutput {
  out(line: string): void;
  err(line: string): void;
}

export interface AuditOptions {
  /**
   * The script worker threads run: the CLI bundle itself (its `main` serves `isAuditWorker`). Without
   * one every host is analysed on the main thread.
   */
  workerScript?: string;
  /** Live progress (`\r` updates) goes here; the CLI passes it only when standard error is a terminal. */
  progress?: (text: string) => void;
}

/** What a worker is given: a file to read, or a fetched snapshot. */
type Task = { kind: 'file'; path: string } | { kind: 'snapshot'; snapshot: InventorySnapshot };

const WORKER_TAG = 'libvirt-domain-lint audit worker';

/** True in a worker thread the audit started (the CLI's main then serves it instead of parsing arguments). */
export function isAuditWorker(): boolean {
  return !isMainThread && (workerData as Record<string, unknown> | null)?.[WORKER_TAG] === true;
}

/** A worker thread's loop: one host per message, its audit posted back; resolves when the port closes. */
export function serveAuditWorker(): Promise<number> {
  const port = parentPort!;
  return new Promise((resolve) => {
    port.on('message', (m: { id: number; task: Task }) => port.postMessage({ id: m.id, result: auditTask(m.task) }));
    port.on('close', () => resolve(0));
  });
}

/** The host a file is named after: `kvm-a.json`, `kvm-a.out` → `kvm-a`. */
const hostOfFile = (path: string): string => basename(path).replace(/\.(json|out)$/, '');

/** A host's audit with its boot-image picture (issue 18), computed in the worker that holds the host's index. */
type BootAudit = HostAudit & { bootImages?: HostBootImages };
const withBootImages = (a: HostAudit, index: HostIndex): BootAudit => ({ ...a, bootImages: bootImages(index) });

function failed(host: string, kind: string, message: string): HostAudit {
  return { host, domains: [], unread: [], warnings: [], failure: { kind, message } };
}

/** One host's audit (in a worker or on the main thread); never throws. */
export function auditTask(task: Task): HostAudit {
  let host = task.kind === 'file' ? hostOfFile(task.path) : task.snapshot.host;
  try {
    if (task.kind === 'snapshot') {
      const index = new HostIndex(task.snapshot);
      return withBootImages(auditHostIndex(index), index);
    }
    let index: HostIndex;
    try {
      index = loadInventoryFile(task.path);
    } catch (e) {
      return failed(host, 'unreadable', String((e as Error)?.message ?? e));
    }
    // Collector output without a `uname -n` section is named by its file (load.ts names it by the path).
    if (index.host === task.path) index = new HostIndex({ ...index.snapshot, host });
    host = index.host;
    return withBootImages(auditHostIndex(index), index);
  } catch (e) {
    return failed(host, 'internal', `${host}: internal error: ${String((e as Error)?.message ?? e)}`);
  }
}

/** Runs tasks on `size` worker threads (none: on this thread, one task per turn of the event loop). */
class HostPool {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly queue: { task: Task; resolve: (r: HostAudit) => void }[] = [];
  private readonly pending = new Map<Worker, { id: number; task: Task; resolve: (r: HostAudit) => void }>();
  private nextId = 0;

  constructor(
    private readonly script: string | undefined,
    private readonly size: number,
  ) {}

  run(task: Task): Promise<HostAudit> {
    if (!this.script || this.size < 1) return new Promise((resolve) => setImmediate(() => resolve(auditTask(task)))); // let fetches and progress run between hosts
    return new Promise((resolve) => {
      this.queue.push({ task, resolve });
      this.pump();
    });
  }

  private spawn(): Worker {
    const w = new Worker(this.script!, { workerData: { [WORKER_TAG]: true } });
    this.all.push(w);
    w.on('message', (m: { id: number; result: HostAudit }) => {
      const p = this.pending.get(w);
      if (!p || p.id !== m.id) return;
      this.pending.delete(w);
      this.idle.push(w);
      p.resolve(m.result);
      this.pump();
    });
    const lost = (why: string) => {
      const i = this.all.indexOf(w);
      if (i < 0) return;
      this.all.splice(i, 1);
      const j = this.idle.indexOf(w);
      if (j >= 0) this.idle.splice(j, 1);
      const p = this.pending.get(w);
      this.pending.delete(w);
      if (p) {
        const host = p.task.kind === 'file' ? hostOfFile(p.task.path) : p.task.snapshot.host;
        p.resolve(failed(host, 'internal', `${host}: internal error: the worker thread ${why}`));
      }
      this.pump();
    };
    w.on('error', (e) => lost(`failed (${String(e?.message ?? e)})`));
    w.on('exit', (code) => lost(`exited (${code})`));
    return w;
  }

  private pump(): void {
    while (this.queue.length) {
      let w = this.idle.pop();
      if (!w) {
        if (this.all.length >= this.size) return;
        w = this.spawn();
      }
      const { task, resolve } = this.queue.shift()!;
      const id = this.nextId++;
      this.pending.set(w, { id, task, resolve });
      w.postMessage({ id, task });
    }
  }

  async close(): Promise<void> {
    const ws = [...this.all];
    this.all.length = 0;
    await Promise.all(ws.map((w) => w.terminate()));
  }
}

/** Whole number within [min, max], else a usage error naming the option. */
function whole(value: string | undefined, option: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
    throw new AuditUsageError(`${option} must be a whole number from ${min} to ${max}, not ${value}`);
  return Number(value);
}

function parseAuditArgs(argv: string[]) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, strict: true, options: OPTIONS });
  } catch (e) {
    throw new AuditUsageError((e as Error).message);
  }
}

/** Worker threads to use: LDX_AUDIT_WORKERS (0: none, for comparison), else one per core; none for one host. */
function workerCount(hosts: number): number {
  const env = process.env.LDX_AUDIT_WORKERS;
  const wanted = env !== undefined && /^\d+$/.test(env) ? Number(env) : Math.min(availableParallelism(), 8);
  return hosts < 2 ? 0 : Math.min(wanted, hosts);
}

const errText = (e: unknown): string => t(String((e as NodeJS.ErrnoException)?.code ?? (e as Error)?.message ?? e).replace(/\s+/g, ' '));

/** A host as a directory name under --fix-out: as `pull` names a domain's file (`%XX` escapes, no separator, no leading dot). */
const hostDirName = (host: string): string => domainFileName(host).file.slice(0, -'.xml'.length);

interface Counted {
  audit: HostAudit;
  errors: number;
  warnings: number;
}

/** Standard output went away (`audit … | head`): set once the reader closed it; later output is dropped. */
let stdoutClosed = false;
let watchingStdout = false;

/**
 * `io` with its output dropped once standard output's reader has gone (EPIPE): the report stops there,
 * quietly, instead of an unhandled error's stack trace. Any other write error is thrown as before.
 */
function quietWhenPipeCloses(io: AuditOutput): AuditOutput {
  if (!watchingStdout) {
    watchingStdout = true;
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e?.code !== 'EPIPE' && e?.code !== 'ERR_STREAM_DESTROYED') throw e;
      stdoutClosed = true;
    });
  }
  return { out: (line) => void (stdoutClosed || io.out(line)), err: (line) => io.err(line) };
}

export async function runAudit(argv: string[], io: AuditOutput, opts: AuditOptions = {}): Promise<number> {
  io = quietWhenPipeCloses(io);
  try {
    return await audit(argv, io, opts);
  } catch (e) {
    if (!(e instanceof AuditUsageError)) throw e;
    io.err(`libvirt-domain-lint: audit: ${t(e.message)}`);
    io.err(AUDIT_USAGE);
    return 2;
  }
}

async function audit(argv: string[], io: AuditOutput, opts: AuditOptions): Promise<number> {
  const args = parseAuditArgs(argv);
  if (args.values.help) {
    io.out(AUDIT_USAGE);
    return 0;
  }
  const format = args.values.format;
  if (format !== 'text' && format !== 'json' && format !== 'sarif')
    throw new AuditUsageError(`--format must be text, json or sarif, not ${format}`);
  if (args.positionals.length) throw new AuditUsageError(`audit takes no PATH (${args.positionals[0]}): the domains are the hosts' own`);
  const parallel = whole(args.values.parallel, '--parallel', 1, 1024) ?? 8;
  const transport = transportFromArgs(args.values, (m) => new AuditUsageError(m));
  const dests = [...new Set(args.values.host ?? [])];
  const inventories = args.values.inventory ?? [];
  if (!dests.length && !inventories.length) throw new AuditUsageError('audit needs at least one --host or --inventory');

  let status = 0;
  const files: string[] = [];
  for (const p of inventories) {
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      io.err(`libvirt-domain-lint: ${t(p)}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : errText(e)}`);
      status = 2;
      continue;
    }
    if (!st.isDirectory()) {
      files.push(p);
      continue;
    }
    let names: string[];
    try {
      names = readdirSync(p, { withFileTypes: true })
        .filter((d) => d.isFile() && /\.(json|out)$/.test(d.name))
        .map((d) => d.name)
        .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    } catch (e) {
      io.err(`libvirt-domain-lint: ${t(p)}: cannot read directory: ${errText(e)}`);
      status = 2;
      continue;
    }
    if (!names.length) {
      io.err(`libvirt-domain-lint: ${t(p)}: no inventory in it (*.json snapshots or *.out collector outputs)`);
      status = 2;
    }
    files.push(...names.map((n) => join(p, n)));
  }

  // Every host, in the order given (inventories first): each audited as soon as it is read or fetched.
  const total = files.length + dests.length;
  const pool = new HostPool(opts.workerScript, workerCount(total));
  let done = 0;
  let failures = 0;
  const progress = opts.progress;
  const show = () => progress?.(`audit: ${done}/${total} hosts${failures ? `, ${failures} failed` : ''}`);
  /** Lines while the progress line is up: it is cleared, the line printed, the progress drawn again. */
  const report = (line: string) => {
    progress?.('');
    io.err(line);
  };
  const finish = (a: HostAudit): HostAudit => {
    done++;
    if (a.failure) {
      failures++;
      report(`libvirt-domain-lint: ${t(a.failure.message)}`);
    }
    for (const w of a.warnings) report(`libvirt-domain-lint: ${t(a.host)}: warning: ${t(w)}`);
    if (a.unread.length)
      report(
        `libvirt-domain-lint: ${t(a.host)}: ${a.unread.length} domain${a.unread.length > 1 ? 's' : ''} not audited (the definition could not be read): ${a.unread.slice(0, 5).map(t).join(', ')}${a.unread.length > 5 ? ', …' : ''}`,
      );
    show();
    return a;
  };
  show();
  // At most `parallel` fetches at a time; a host's analysis (queued on the workers) does not hold a fetch slot.
  const live: Promise<HostAudit>[] = new Array(dests.length);
  let next = 0;
  const slots = Array.from({ length: Math.min(parallel, dests.length) }, async () => {
    while (next < dests.length) {
      const i = next++;
      const dest = dests[i];
      let snap: InventorySnapshot | undefined;
      try {
        snap = await fetchSnapshot(dest, transport);
      } catch (e) {
        live[i] = Promise.resolve(
          finish(
            e instanceof InventoryError
              ? failed(dest, e.kind, e.message)
              : failed(dest, 'failed', `${dest}: ${String((e as Error)?.message ?? e)}`),
          ),
        );
        continue;
      }
      live[i] = pool.run({ kind: 'snapshot', snapshot: snap }).then(finish);
    }
  });
  let audits: HostAudit[];
  try {
    const offline = files.map((path) => pool.run({ kind: 'file', path }).then(finish));
    await Promise.all(slots);
    audits = [...(await Promise.all(offline)), ...(await Promise.all(live))];
  } finally {
    progress?.('');
    await pool.close();
  }

  // One audit per host name: a host given twice (a snapshot and a raw output of it, or --host and a file) once.
  const seen = new Map<string, HostAudit>();
  const hosts: HostAudit[] = [];
  for (const a of audits) {
    const first = seen.get(a.host);
    if (first && !first.failure && !a.failure) {
      io.err(`libvirt-domain-lint: ${t(a.host)}: given more than once; audited once`);
      continue;
    }
    if (!first || first.failure) seen.set(a.host, a);
    hosts.push(a);
  }
  addFleetFindings(hosts.filter((h) => !h.failure));

  const counted: Counted[] = hosts.map((audit) => {
    let errors = 0;
    let warnings = 0;
    for (const d of audit.domains)
      for (const f of d.findings) {
        if (f.severity === 'error') errors++;
        else if (f.severity === 'warning') warnings++;
      }
    return { audit, errors, warnings };
  });
  const worst = counted.some((c) => c.errors + c.warnings > 0);
  if (counted.some((c) => c.audit.failure)) status = 2;

  const fixed = args.values['fix-out'] ? writeFixes(args.values['fix-out'], hosts, io) : { written: [], ok: true };
  if (!fixed.ok) status = 2;

  if (format === 'json') io.out(jsonText(jsonReport(counted, fixed.written, !!args.values['fix-out']), 2));
  else if (format === 'sarif') {
    const sarif: SarifFile[] = hosts.flatMap((h) =>
      h.domains.map((d) => ({ uri: auditUri(h.host, d.name), findings: d.findings, lines: new LineIndex(d.xml) })),
    );
    io.out(jsonText(toSarif(sarif, VERSION), 2));
  } else textReport(counted, fixed.written, io);
  if (status) return status;
  return worst ? 1 : 0;
}

interface Written {
  host: string;
  domain: string;
  path: string;
  edits: { line: number; character: number; from: string; to: string }[];
}

/** `--fix-out`: DIR/HOST/NAME.xml for each domain with preferred fixes, written atomically. */
function writeFixes(dir: string, hosts: HostAudit[], io: AuditOutput): { written: Written[]; ok: boolean } {
  const written: Written[] = [];
  let ok = true;
  for (const h of hosts) {
    const hostDir = join(dir, hostDirName(h.host));
    let made = false;
    for (const d of h.domains) {
      const edits = preferredEdits(d.findings);
      if (!edits.length) continue;
      const { file } = domainFileName(d.name);
      if (Buffer.byteLength(file, 'utf8') > MAX_FILE_NAME_BYTES || Buffer.byteLength(hostDirName(h.host), 'utf8') > MAX_FILE_NAME_BYTES) {
        io.err(`libvirt-domain-lint: ${t(h.host)}: the name of ${t(d.name)} (or of the host) is too long for a file name; not written`);
        ok = false;
        continue;
      }
      const path = join(hostDir, file);
      try {
        if (!made) {
          mkdirSync(hostDir, { recursive: true });
          if (!statSync(hostDir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
          made = true;
        }
        writeTextAtomic(path, applyEdits(d.xml, edits));
      } catch (e) {
        io.err(`libvirt-domain-lint: ${t(path)}: cannot write (${errText(e)})`);
        ok = false;
        continue;
      }
      const lines = new LineIndex(d.xml);
      written.push({
        host: h.host,
        domain: d.name,
        path,
        edits: edits.map((e) => ({ ...lines.positionAt(e.start), from: d.xml.slice(e.start, e.end), to: e.newText })),
      });
    }
  }
  return { written, ok };
}

function jsonReport(counted: Counted[], written: Written[], fixOut: boolean): object {
  const findings = counted.flatMap(({ audit: h }) =>
    h.domains.flatMap((d: AuditDomain) => {
      const lines = new LineIndex(d.xml);
      return d.findings.map((f) => ({
        host: h.host,
        domain: d.name,
        file: auditUri(h.host, d.name),
        code: f.code,
        severity: f.severity,
        message: f.message,
        range: { start: lines.positionAt(f.start), end: lines.positionAt(f.end) },
        fixes: f.fixes.map((x) => ({ title: x.title, newText: x.edits.map((e) => e.newText).join(''), preferred: x.preferred })),
      }));
    }),
  );
  const hosts = counted.map(({ audit: h, errors, warnings }) => ({
    host: h.host,
    domains: h.domains.length,
    errors,
    warnings,
    ...(h.failure ? { failure: h.failure } : {}),
  }));
  return {
    findings,
    hosts,
    ...(fixOut
      ? {
          fixed: written.flatMap((w) =>
            w.edits.map((e) => ({
              host: w.host,
              domain: w.domain,
              file: w.path,
              line: e.line,
              character: e.character,
              from: e.from,
              to: e.to,
            })),
          ),
        }
      : {}),
  };
}

function textReport(counted: Counted[], written: Written[], io: AuditOutput): void {
  for (const { audit: h } of counted)
    for (const d of h.domains) {
      if (!d.findings.length) continue;
      const lines = new LineIndex(d.xml);
      const where = `${t(h.host)}/${t(d.name)}`;
      for (const f of d.findings) {
        const p = lines.positionAt(f.start);
        io.out(`${where}:${p.line + 1}:${p.character + 1}: ${f.severity} ${f.code}: ${t(f.message)}`);
        const pref = f.fixes.find((x) => x.preferred);
        if (pref) io.out(`    fix: ${t(d.xml.slice(f.start, f.end))} -> ${t(pref.edits.map((e) => e.newText).join(''))}`);
        const more = f.fixes.filter((x) => !x.preferred).length;
        if (more) io.out(`    (${more} other candidate${more > 1 ? 's' : ''})`);
      }
    }
  for (const w of written)
    io.out(`fixed ${t(w.host)}/${t(w.domain)}: ${w.edits.length} value${w.edits.length > 1 ? 's' : ''} rewritten in ${t(w.path)}`);
  // The summary: one row per host, then the totals.
  const rows: string[][] = [['host', 'domains', 'errors', 'warnings', 'failures']];
  let domains = 0;
  let errors = 0;
  let warnings = 0;
  let failures = 0;
  for (const c of counted) {
    const f = c.audit.failure;
    if (f) failures++;
    domains += c.audit.domains.length;
    errors += c.errors;
    warnings += c.warnings;
    rows.push(
      f
        ? [t(c.audit.host), '-', '-', '-', t(f.kind)]
        : [t(c.audit.host), String(c.audit.domains.length), String(c.errors), String(c.warnings), '0'],
    );
  }
  rows.push([
    `total (${counted.length} host${counted.length === 1 ? '' : 's'})`,
    String(domains),
    String(errors),
    String(warnings),
    String(failures),
  ]);
  const width = rows[0].map((_, i) => Math.max(...rows.map((r) => [...r[i]].length)));
  if (counted.some((c) => c.audit.domains.some((d) => d.findings.length)) || written.length) io.out('');
  for (const r of rows)
    io.out(
      r
        .map((cell, i) => (i === 0 ? cell.padEnd(width[i]) : cell.padStart(width[i])))
        .join('  ')
        .trimEnd(),
    );
  // Gold images and the storage their full copies take, where a host has VxVM snapshots.
  const boot = bootImagesText(counted.flatMap((c) => (c.audit as BootAudit).bootImages ?? []));
  if (boot.length) for (const line of ['', ...boot]) io.out(line);
}
