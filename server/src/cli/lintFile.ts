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
  /** The next unclaimed run of RUN files (an Int32 shared by every thread, advanced with Atomics.add). */
  next: SharedArrayBuffer;
}

/** What a worker thread posts: one run's results, as soon as it is judged. */
type RunResult = [run: number, results: FileResult[]];

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

/** `files`, whole runs of RUN files in file order (the last may be short), judged run by run. */
export function lintRuns(files: string[], format: 'text' | 'json', validator: SchemaValidator | undefined, total: number): FileResult[] {
  const validatorAt = runValidators(validator, total);
  return files.map((f, i) => lintFile(f, format, validatorAt(i)));
}

/**
 * Worker threads for `files` (besides the main thread), with the schema check (`schema`) or without:
 * none without it (measured on this project's 2-core machine: a second thread gave nothing over
 * 1,480 or 5,927 files and cost 25–35 % more CPU; its start-up and cold code are not paid back by
 * rules this cheap), none for a few files (a thread's start-up is about the time of 200), else one
 * per further core, at most 3. LDX_LINT_WORKERS=N sets it.
 */
export function lintWorkerCount(files: number, schema: boolean): number {
  const env = process.env.LDX_LINT_WORKERS;
  if (env !== undefined && /^\d+$/.test(env)) return Math.min(Number(env), 16);
  if (!schema || files < 400) return 0;
  return Math.max(0, Math.min(availableParallelism() - 1, 3, Math.floor(files / 200) - 1));
}

export function isLintWorker(): boolean {
  return !isMainThread && (workerData as Record<string, unknown> | null)?.[WORKER_TAG] !== undefined;
}

/**
 * A worker thread's work: its validator made (libxml2 loaded, the grammar compiled) while the main
 * thread still walks the directories, then, once given the files, the runs it claims, each posted
 * back as soon as it is judged.
 */
export async function serveLintWorker(validatorFor: (argv: string[]) => Promise<SchemaValidator | undefined>): Promise<number> {
  const task = (workerData as Record<string, LintTask>)[WORKER_TAG];
  // The listener stays: the thread then waits to be stopped by the main thread once its runs are
  // posted, and never ends on its own (it did, when it found no run left while another thread was
  // still judging its last, and the main thread took that end for a failure).
  const files = new Promise<string[]>((resolve) => parentPort!.on('message', resolve));
  let validator: SchemaValidator | undefined;
  let failure: unknown;
  try {
    validator = await validatorFor(task.argv);
  } catch (e) {
    failure = e;
  }
  const list = await files;
  // The main thread compiles the same schema after starting this thread: a schema that cannot be used
  // is reported there, once (files are only handed over when it compiled there).
  if (failure !== undefined) throw failure;
  claimRuns(list, task.format, validator, new Int32Array(task.next), (r) => parentPort!.postMessage(r));
  return 0;
}

/**
 * Runs of RUN files claimed one at a time until none is left: a thread that started late or runs
 * slowly takes fewer. Which thread judges a run changes nothing in its results (each run has its
 * own share of the localisation work, see runValidators).
 */
function claimRuns(
  files: string[],
  format: 'text' | 'json',
  validator: SchemaValidator | undefined,
  next: Int32Array,
  done: (r: RunResult) => void,
): void {
  const validatorAt = runValidators(validator, files.length);
  for (let run = Atomics.add(next, 0, 1); run * RUN < files.length; run = Atomics.add(next, 0, 1)) {
    const results: FileResult[] = [];
    for (let i = run * RUN; i < Math.min(files.length, (run + 1) * RUN); i++) results.push(lintFile(files[i], format, validatorAt(i)));
    done([run, results]);
  }
}

/**
 * Lint worker threads, started before the main thread compiles the schema (so that their start-up,
 * libxml2's load and the grammar's compilation overlap its own), then given the files. Until then
 * they do not keep the process alive (a run that ends early, on an error, does not wait for them).
 */
export class LintWorkers {
  private readonly next = new SharedArrayBuffer(4);
  private readonly workers: Worker[];
  private failed: ((e: unknown) => void) | undefined;
  private failure: unknown;

  constructor(count: number, argv: string[], format: 'text' | 'json', script: string) {
    const task: LintTask = { argv, format, next: this.next };
    this.workers = Array.from({ length: count }, () => {
      const w = new Worker(script, { workerData: { [WORKER_TAG]: task } });
      w.unref();
      w.once('error', (e) => this.fail(e));
      return w;
    });
  }

  private fail(e: unknown): void {
    this.failure ??= e;
    this.failed?.(e);
  }

  /**
   * Every file judged by these threads and the main thread, each claiming runs of RUN files as it
   * gets to them; the results in file order. The threads are stopped once every run is judged.
   */
  async lint(files: string[], format: 'text' | 'json', validator: SchemaValidator | undefined): Promise<FileResult[]> {
    const runs = Math.ceil(files.length / RUN);
    const byRun: FileResult[][] = new Array(runs);
    let left = runs;
    const all = new Promise<void>((resolve, reject) => {
      if (this.failure !== undefined) return reject(this.failure);
      this.failed = reject;
      const got = ([run, results]: RunResult) => {
        byRun[run] = results;
        if (--left === 0) resolve();
      };
      for (const w of this.workers) {
        w.on('message', got);
        // A worker ends only when stopped (below), so an end before every run is judged is a failure.
        w.once('exit', (code) => {
          if (left) reject(new Error(`a lint worker thread exited (${code}) before its results`));
        });
        w.ref();
        w.postMessage(files);
      }
      if (!runs) resolve();
      claimRuns(files, format, validator, new Int32Array(this.next), got);
    });
    try {
      await all;
    } finally {
      // Idle (every run judged) or still starting: nothing of theirs is waited for.
      await Promise.all(this.workers.map((w) => w.terminate()));
    }
    return byRun.flat();
  }
}

/** The worker threads lintWorkerCount gives for `files` files, started now (undefined for none). */
export function startLintWorkers(
  files: number,
  schema: boolean,
  argv: string[],
  format: 'text' | 'json',
  script: string,
): LintWorkers | undefined {
  const count = lintWorkerCount(files, schema);
  return count ? new LintWorkers(count, argv, format, script) : undefined;
}
