// The host-output fuzzer as a campaign (chunks in workers), shared by the test and the CLI.
import { runCampaign, CampaignResult } from './campaign';
import { HostFuzzJob, HostFuzzResult, hostFuzzInput } from './fuzzHost';

export function mergeHostResults(a: HostFuzzResult | undefined, b: HostFuzzResult): HostFuzzResult {
  if (!a) return { ...b, errorKinds: { ...b.errorKinds }, failures: [...b.failures] };
  const out: HostFuzzResult = { ...a, errorKinds: { ...a.errorKinds }, failures: [...a.failures, ...b.failures] };
  for (const k of [
    'iterations',
    'collectorInputs',
    'snapshotInputs',
    'snapshots',
    'classifiedErrors',
    'warnings',
    'failedTools',
    'bytes',
  ] as const)
    out[k] = a[k] + b[k];
  if (b.maxMs > a.maxMs) {
    out.maxMs = b.maxMs;
    out.maxOp = b.maxOp;
  }
  for (const [k, v] of Object.entries(b.errorKinds)) out.errorKinds[k] = (out.errorKinds[k] ?? 0) + v;
  return out;
}

export interface HostCampaignOptions {
  file: string;
  seed: number;
  iterations: number;
  boundMs: number;
  limits: 'short' | 'long';
  chunk?: number;
  stallMs?: number;
  saveDir?: string;
  onChunk?: (done: number, total: HostFuzzResult) => void;
}

export function runHostCampaign(o: HostCampaignOptions): Promise<CampaignResult<HostFuzzResult>> {
  return runCampaign<HostFuzzResult>({
    file: o.file,
    label: `host-seed${o.seed}`,
    iterations: o.iterations,
    chunk: o.chunk ?? 500,
    stallMs: o.stallMs ?? Math.max(10_000, o.boundMs * 10),
    maxOldGenerationSizeMb: 2048,
    job: (start, count): HostFuzzJob & Record<string, unknown> => ({
      kind: 'host',
      seed: o.seed,
      start,
      iterations: count,
      boundMs: o.boundMs,
      limits: o.limits,
    }),
    merge: mergeHostResults,
    input: (i) => hostFuzzInput(o.seed, i, o.limits).text,
    saveDir: o.saveDir,
    onChunk: o.onChunk,
  });
}

export function describeHostResult(r: HostFuzzResult | undefined, seed: number): string {
  if (!r) return `seed ${seed}: no chunk completed`;
  const kinds = Object.entries(r.errorKinds)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return [
    `seed ${seed}: ${r.iterations} inputs (${r.collectorInputs} collector outputs, ${r.snapshotInputs} snapshot files; ${(r.bytes / 1e6).toFixed(1)} MB)`,
    `${r.snapshots} became inventories (${r.failedTools} failed tools, ${r.warnings} warnings), ${r.classifiedErrors} classified errors (${kinds || 'none'})`,
    `slowest call ${r.maxMs.toFixed(1)} ms (${r.maxOp})`,
  ].join('\n');
}
