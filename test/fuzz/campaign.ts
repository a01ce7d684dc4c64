// Drives a fuzz target in worker chunks from the main thread: a chunk that stalls (a hang) is
// terminated, the input of the iteration it stopped in is regenerated and saved, and the run
// goes on after it. Used by test/fuzz.test.ts (short run) and test/fuzz/main.ts (long runs).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runWorker, WorkerOutcome } from './worker';

export interface ChunkResult {
  iterations: number;
  failures: { iteration: number; kind: string; op: string; group?: string; message: string }[];
}

export interface CampaignOptions<R extends ChunkResult> {
  /** The bundled file that serves the worker (its own __filename). */
  file: string;
  /** The job of one chunk: iterations [start, start + count). */
  job: (start: number, count: number) => Record<string, unknown>;
  iterations: number;
  chunk: number;
  stallMs: number;
  maxOldGenerationSizeMb?: number;
  /** Folds a chunk's result into the running total. */
  merge: (total: R | undefined, chunk: R) => R;
  /** The input of an iteration (to save a hang's input). */
  input: (iteration: number) => string;
  /** Where failing inputs are written; nothing is written when undefined. */
  saveDir?: string;
  label: string;
  onChunk?: (done: number, total: R) => void;
}

export interface CampaignFailure {
  iteration: number;
  kind: string;
  op: string;
  group?: string;
  message: string;
  file?: string;
}

export interface CampaignResult<R> {
  total?: R;
  failures: CampaignFailure[];
  hangs: number;
  ms: number;
}

function save(dir: string | undefined, name: string, text: string): string | undefined {
  if (!dir) return undefined;
  mkdirSync(dir, { recursive: true });
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

export async function runCampaign<R extends ChunkResult>(o: CampaignOptions<R>): Promise<CampaignResult<R>> {
  const started = Date.now();
  let total: R | undefined;
  const failures: CampaignFailure[] = [];
  let hangs = 0;
  let next = 0;
  const seen = new Set<string>();
  while (next < o.iterations) {
    const count = Math.min(o.chunk, o.iterations - next);
    const out: WorkerOutcome<R> = await runWorker<R>(o.file, o.job(next, count), {
      stallMs: o.stallMs,
      maxOldGenerationSizeMb: o.maxOldGenerationSizeMb,
    });
    if (out.status === 'ok' && out.result) {
      total = o.merge(total, out.result);
      for (const f of out.result.failures) {
        // One report per distinct failure (same kind, call and first message line).
        const key = `${f.kind}|${f.op}|${f.message.split('\n')[0]}`;
        if (seen.has(key)) continue;
        seen.add(key);
        failures.push({ ...f, file: save(o.saveDir, `${o.label}-${f.kind}-${f.iteration}.txt`, o.input(f.iteration)) });
      }
      next += count;
    } else {
      // A hang (stalled heartbeat), an out-of-memory or a crash of the worker: blame the iteration it was in.
      const it = out.status === 'error' ? next : out.iteration;
      if (out.status === 'stalled') hangs++;
      failures.push({
        iteration: it,
        kind: out.status === 'stalled' ? 'hang' : out.status === 'died' ? 'worker-died' : 'worker-error',
        op: `phase ${out.phase}`,
        message: out.error ?? out.status,
        file: save(o.saveDir, `${o.label}-${out.status}-${it}.txt`, o.input(it)),
      });
      next = Math.max(next, it) + 1;
    }
    if (total) o.onChunk?.(next, total);
    if (failures.length > 200) break;
  }
  return { total, failures, hangs, ms: Date.now() - started };
}
