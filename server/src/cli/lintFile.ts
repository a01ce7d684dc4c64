/**
 * One file of `libvirt-domain-lint PATH...`: read, parsed, judged and formatted, as the main thread
 * and the lint worker threads do it (the same function, so the output does not depend on where a
 * file was judged). Worker threads re-enter the CLI bundle (see `isLintWorker`); each takes every
 * k-th run of files, and the results are put back in file order.
 */
import { availableParallelism } from 'node:os';
import { relative } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { parseDomainDocument, runRules, type Analysis } from '../analysis';
import { terminalText as t } from '../encode';
import { readFileText } from '../files';
import type { Finding, Severity } from '../rules/types';
import { FileReadError } from '../safeRead';
import { PROCESS_WORK, type SchemaValidator } from '../schema/validator';
import type { TemplateSyntax } from '../xml/template';

export const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, information: 2, hint: 3 };

export interface JsonFinding {
  file: string;
  code: string;
  severity: Severity;
  message: string;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  fixes: { title: string; newText: string; preferred: boolean }[];
  /** The template syntax, for a file read as a template (its first finding, read-as-template, says how). */
  template?: TemplateSyntax;
}

export function toJson(
  file: string,
  findings: Finding[],
  lines: { positionAt(o: number): { line: number; character: number } },
  template?: TemplateSyntax,
): JsonFinding[] {
  return findings.map((f) => ({
    file,
    code: f.code,
    severity: f.severity,
    message: f.message,
    range: { start: lines.positionAt(f.start), end: lines.positionAt(f.end) },
    fixes: f.fixes.map((x) => ({ title: x.title, newText: x.edits.map((e) => e.newText).join(''), preferred: x.preferred })),
    ...(template ? { template } : {}),
  }));
}

/** The text format's lines for one file's findings. */
export function textLines(shown: string, analysis: Analysis): string[] {
  const out: string[] = [];
  for (const f of analysis.findings) {
    const p = analysis.doc.lines.positionAt(f.start);
    out.push(`${t(shown)}:${p.line + 1}:${p.character + 1}: ${f.severity} ${f.code}: ${t(f.message)}`);
    const pref = f.fixes.find((x) => x.preferred);
    if (pref) out.push(`    fix: ${t(analysis.doc.text.slice(f.start, f.end))} -> ${t(pref.edits.map((e) => e.newText).join(''))}`);
    const more = f.fixes.filter((x) => !x.preferred).length;
    if (more) out.push(`    (${more} other candidate${more > 1 ? 's' : ''})`);
  }
  return out;
}

/** Text from a host, a snapshot, a document or the file system, for one line of terminal output. */
export function errText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return t(String(err?.code ?? err?.message ?? e).replace(/\s+/g, ' '));
}

/** The one line for a file that could not be read. */
export function readErrorLine(file: string, e: unknown): string {
  return `libvirt-domain-lint: ${e instanceof FileReadError ? t(e.message) : `${t(file)}: cannot read (${errText(e)})`}`;
}

/** What one file gave, without a host or --fix: its lines for standard error and output (or JSON records). */
export interface FileResult {
  err: string[];
  out: string[];
  json: JsonFinding[];
  /** The most severe finding's SEVERITY_ORDER (99: none). */
  worst: number;
  /** 2 when it could not be read. */
  status: number;
}

/** One file, judged alone (no host: no rule reads the other files' domains; no --fix). */
export function lintFile(file: string, format: 'text' | 'json', validator: SchemaValidator | undefined): FileResult {
  const r: FileResult = { err: [], out: [], json: [], worst: 99, status: 0 };
  let ft;
  try {
    ft = readFileText(file);
  } catch (e) {
    r.err.push(readErrorLine(file, e));
    r.status = 2;
    return r;
  }
  const parsed = parseDomainDocument(ft.text);
  if (!parsed.kind) return r;
  const shown = relative(process.cwd(), file) || file;
  const analysis = runRules(parsed, [], [], validator);
  for (const f of analysis.findings) r.worst = Math.min(r.worst, SEVERITY_ORDER[f.severity]);
  if (format === 'json') r.json = toJson(shown, analysis.findings, analysis.doc.lines, analysis.template?.syntax);
  else r.out = textLines(shown, analysis);
  return r;
}

const WORKER_TAG = 'libvirt-domain-lint:lint-worker';
/** Files per run handed to one thread (neighbouring files often differ in size alike). */
const RUN = 16;

interface LintTask {
  argv: string[];
  format: 'text' | 'json';
  files: string[];
  /**
   * Int32Array over a SharedArrayBuffer: [0] the next run of RUN files not yet taken by a thread;
   * [1 + w] worker w's state (see JOINING).
   */
  shared: SharedArrayBuffer;
  /** This worker's index. */
  worker: number;
}

/**
 * A worker's state, changed only by compare-and-exchange: 0 until it starts taking runs, then
 * JOINED; or DISMISSED by the main thread, once every run is taken, when it had not joined (it is
 * then stopped instead of awaited, and takes nothing).
 */
const JOINED = 1;
const DISMISSED = 2;

/** What a worker thread judged: the runs it took, each with its files' results. */
type RunResults = [run: number, results: FileResult[]][];

/**
 * Schema error localisation per run of RUN files: the process's bound shared out evenly, so a file's
 * findings depend only on the input, never on which thread judged its run or how many threads there are.
 */
function runWork(total: number): number {
  return Math.floor(PROCESS_WORK / Math.max(1, Math.ceil(total / RUN)));
}

/** The validator for the file at `index` of `total`: one per run of RUN files, each with its share of the work. */
export function runValidators(validator: SchemaValidator | undefined, total: number): (index: number) => SchemaValidator | undefined {
  const views = new Map<number, SchemaValidator>();
  return (index) => {
    if (!validator) return undefined;
    const run = Math.floor(index / RUN);
    let v = views.get(run);
    if (!v) views.set(run, (v = validator.withWork(runWork(total))));
    return v;
  };
}

/** `files` judged in order, run by run (each run of RUN files with its share of the schema work). */
export function lintRuns(files: string[], format: 'text' | 'json', validator: SchemaValidator | undefined, total: number): FileResult[] {
  const validatorAt = runValidators(validator, total);
  return files.map((f, i) => lintFile(f, format, validatorAt(i)));
}

/**
 * Takes runs of `files` from the shared counter until none is left, and judges each: every thread
 * (the main one and the workers) does this, so a thread that starts late (a worker's start-up and
 * bundle load is about the time of 100 files here) or runs slower simply takes fewer runs.
 */
function takeRuns(files: string[], format: 'text' | 'json', validator: SchemaValidator | undefined, next: Int32Array): RunResults {
  // next is the shared array's first element (the workers' states follow it).
  const validatorAt = runValidators(validator, files.length);
  const runs = Math.ceil(files.length / RUN);
  const out: RunResults = [];
  for (let r = Atomics.add(next, 0, 1); r < runs; r = Atomics.add(next, 0, 1)) {
    const results: FileResult[] = [];
    for (let i = r * RUN; i < Math.min(files.length, (r + 1) * RUN); i++) results.push(lintFile(files[i], format, validatorAt(i)));
    out.push([r, results]);
  }
  return out;
}

/**
 * Worker threads for `files` (besides the main thread): none for a few files (a thread's start-up
 * costs more than it can take over), else one per further core, at most 3. LDX_LINT_WORKERS=N sets it.
 */
export function lintWorkerCount(files: number): number {
  const env = process.env.LDX_LINT_WORKERS;
  if (env !== undefined && /^\d+$/.test(env)) return Math.min(Number(env), 16);
  if (files < 400) return 0;
  return Math.max(0, Math.min(availableParallelism() - 1, 3, Math.floor(files / 200) - 1));
}

export function isLintWorker(): boolean {
  return !isMainThread && (workerData as Record<string, unknown> | null)?.[WORKER_TAG] !== undefined;
}

/** A worker thread's work: runs taken from the shared counter until none is left, posted back at once. */
export async function serveLintWorker(validatorFor: (argv: string[]) => Promise<SchemaValidator | undefined>): Promise<number> {
  const task = (workerData as Record<string, LintTask>)[WORKER_TAG];
  const validator = await validatorFor(task.argv);
  const shared = new Int32Array(task.shared);
  if (Atomics.compareExchange(shared, 1 + task.worker, 0, JOINED) !== 0) return 0; // dismissed: the main thread is not waiting
  parentPort!.postMessage(takeRuns(task.files, task.format, validator, shared));
  return 0;
}

/**
 * Every file judged by `workers` worker threads and the main thread, each taking the next run of
 * files as it is free; the results in file order. `script` is the CLI bundle (the workers' entry point).
 */
export async function lintInParallel(
  files: string[],
  opts: { argv: string[]; format: 'text' | 'json'; validator: SchemaValidator | undefined; workers: number; script: string },
): Promise<FileResult[]> {
  const sab = new SharedArrayBuffer(4 * (1 + opts.workers));
  const shared = new Int32Array(sab);
  const workers = Array.from({ length: opts.workers }, (_x, w) => {
    const task: LintTask = { argv: opts.argv, format: opts.format, files, shared: sab, worker: w };
    const worker = new Worker(opts.script, { workerData: { [WORKER_TAG]: task } });
    const results = new Promise<RunResults>((resolve, reject) => {
      worker.once('message', (m: RunResults) => resolve(m));
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`a lint worker thread exited (${code}) before its results`)));
    });
    return { worker, results };
  });
  const byRun: FileResult[][] = [];
  for (const [r, results] of takeRuns(files, opts.format, opts.validator, shared)) byRun[r] = results;
  // Every run is taken: a worker that has not joined yet is stopped, not awaited.
  for (const [w, { worker, results }] of workers.entries()) {
    if (Atomics.compareExchange(shared, 1 + w, 0, DISMISSED) === 0) {
      results.catch(() => undefined);
      void worker.terminate();
      continue;
    }
    for (const [r, fileResults] of await results) byRun[r] = fileResults;
  }
  return byRun.flat();
}
