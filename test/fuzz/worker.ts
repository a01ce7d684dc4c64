// Runs fuzz work in a worker thread under a watchdog. Synchronous code that hangs cannot be
// interrupted from inside, so the worker bumps a shared heartbeat before every call it makes;
// the main thread terminates the worker when the heartbeat stops moving for `stallMs` and
// reports where it stopped (iteration and phase), from which the input can be regenerated.
//
// A test file (or the fuzz CLI) passes its own bundled file as the worker script:
//   if (isFuzzWorker()) serveWorker(handlers); else { ...tests... }
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const MARK = '__ldxFuzzWorker';

export interface Heartbeat {
  /** Called before each call under test; `phase` says which call. */
  beat(iteration: number, phase?: number): void;
}

export type Handler = (job: Record<string, unknown>, hb: Heartbeat) => unknown;

export function isFuzzWorker(): boolean {
  return !isMainThread && !!(workerData as Record<string, unknown> | null)?.[MARK];
}

/** In the worker: runs the job named by `job.kind` and posts its result (or its error). */
export function serveWorker(handlers: Record<string, Handler>): void {
  const { job, sab } = workerData as { job: Record<string, unknown>; sab: SharedArrayBuffer };
  const cells = new Int32Array(sab);
  const hb: Heartbeat = {
    beat(iteration, phase = 0) {
      Atomics.store(cells, 1, iteration);
      Atomics.store(cells, 2, phase);
      Atomics.add(cells, 0, 1);
    },
  };
  const handler = handlers[String(job.kind)];
  Promise.resolve()
    .then(() => {
      if (!handler) throw new Error(`no fuzz worker handler "${String(job.kind)}"`);
      return handler(job, hb);
    })
    .then(
      (result) => parentPort!.postMessage({ ok: true, result }),
      (e: unknown) => parentPort!.postMessage({ ok: false, error: (e as Error)?.stack ?? String(e) }),
    );
}

export interface WorkerOutcome<T> {
  status: 'ok' | 'error' | 'stalled' | 'died' | 'deadline';
  result?: T;
  error?: string;
  /** Last iteration and phase the worker announced. */
  iteration: number;
  phase: number;
  ms: number;
}

export interface RunWorkerOptions {
  /** Terminate when the heartbeat has not moved for this long. */
  stallMs: number;
  /** Terminate after this long in any case. */
  deadlineMs?: number;
  /** Heap bound for the worker (an out-of-memory ends the worker, not this process). */
  maxOldGenerationSizeMb?: number;
}

/** Runs `job` in a worker started from `file` (a bundle that calls serveWorker when isFuzzWorker()). */
export function runWorker<T>(file: string, job: Record<string, unknown>, opts: RunWorkerOptions): Promise<WorkerOutcome<T>> {
  const sab = new SharedArrayBuffer(16);
  const cells = new Int32Array(sab);
  const started = Date.now();
  const worker = new Worker(file, {
    workerData: { [MARK]: true, job, sab },
    execArgv: [],
    stdout: false,
    stderr: false,
    resourceLimits: opts.maxOldGenerationSizeMb ? { maxOldGenerationSizeMb: opts.maxOldGenerationSizeMb } : undefined,
  });
  return new Promise((resolve) => {
    let settled = false;
    let lastCount = -1;
    let lastMove = Date.now();
    const finish = (o: Omit<WorkerOutcome<T>, 'iteration' | 'phase' | 'ms'>) => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      resolve({ ...o, iteration: Atomics.load(cells, 1), phase: Atomics.load(cells, 2), ms: Date.now() - started });
      void worker.terminate();
    };
    const timer = setInterval(() => {
      const c = Atomics.load(cells, 0);
      const now = Date.now();
      if (c !== lastCount) {
        lastCount = c;
        lastMove = now;
      } else if (now - lastMove > opts.stallMs) finish({ status: 'stalled', error: `no progress for ${now - lastMove} ms` });
      if (opts.deadlineMs && now - started > opts.deadlineMs)
        finish({ status: 'deadline', error: `still running after ${now - started} ms` });
    }, 25);
    worker.on('message', (m: { ok: boolean; result?: T; error?: string }) =>
      finish(m.ok ? { status: 'ok', result: m.result } : { status: 'error', error: m.error }),
    );
    worker.on('error', (e) => finish({ status: 'died', error: e.stack ?? String(e) }));
    worker.on('exit', (code) => finish({ status: 'died', error: `worker exited with code ${code}` }));
  });
}
