// The document fuzzer as a campaign (chunks in workers), shared by the test and the CLI.
import { runCampaign, CampaignResult } from './campaign';
import { DocFuzzJob, DocFuzzResult, docFuzzInput } from './fuzzDocs';

export function mergeDocResults(a: DocFuzzResult | undefined, b: DocFuzzResult): DocFuzzResult {
  if (!a) return { ...b, opCounts: { ...b.opCounts }, failures: [...b.failures] };
  const out: DocFuzzResult = { ...a, opCounts: { ...a.opCounts }, failures: [...a.failures, ...b.failures] };
  for (const k of [
    'iterations',
    'documents',
    'wellFormed',
    'calls',
    'analyses',
    'hovers',
    'hoversAnswered',
    'codeActionCalls',
    'codeActionsOffered',
    'findings',
    'fixes',
    'bytes',
    'totalMs',
  ] as const) {
    out[k] = a[k] + b[k];
  }
  if (b.maxMs > a.maxMs) {
    out.maxMs = b.maxMs;
    out.maxOp = b.maxOp;
    out.maxIteration = b.maxIteration;
  }
  for (const [k, v] of Object.entries(b.opCounts)) out.opCounts[k] = (out.opCounts[k] ?? 0) + v;
  return out;
}

export interface DocCampaignOptions {
  file: string;
  seed: number;
  iterations: number;
  boundMs: number;
  limits: 'short' | 'long';
  positions?: number;
  chunk?: number;
  stallMs?: number;
  saveDir?: string;
  onChunk?: (done: number, total: DocFuzzResult) => void;
}

export function runDocCampaign(o: DocCampaignOptions): Promise<CampaignResult<DocFuzzResult>> {
  return runCampaign<DocFuzzResult>({
    file: o.file,
    label: `docs-seed${o.seed}`,
    iterations: o.iterations,
    chunk: o.chunk ?? 500,
    stallMs: o.stallMs ?? Math.max(10_000, o.boundMs * 10),
    maxOldGenerationSizeMb: 2048,
    job: (start, count): DocFuzzJob & Record<string, unknown> => ({
      kind: 'docs',
      seed: o.seed,
      start,
      iterations: count,
      boundMs: o.boundMs,
      limits: o.limits,
      positions: o.positions ?? 3,
    }),
    merge: mergeDocResults,
    input: (i) => docFuzzInput(o.seed, i, o.limits).text,
    saveDir: o.saveDir,
    onChunk: o.onChunk,
  });
}

export function describeDocResult(r: DocFuzzResult | undefined, seed: number): string {
  if (!r) return `seed ${seed}: no chunk completed`;
  return [
    `seed ${seed}: ${r.documents} mutated documents (${r.wellFormed} well-formed, ${(r.bytes / 1e6).toFixed(1)} MB) from ${r.seedCount} seeds${r.corpus ? '' : ' (corpus missing)'}`,
    `${r.calls} timed calls: ${r.analyses} analyses, ${r.hovers} hovers (${r.hoversAnswered} answered), ${r.codeActionCalls} code-action requests (${r.codeActionsOffered} actions), ${r.findings} findings with ${r.fixes} fixes`,
    `slowest call ${r.maxMs.toFixed(1)} ms (${r.maxOp}, iteration ${r.maxIteration}); ${(r.totalMs / 1000).toFixed(1)} s of fuzzing`,
  ].join('\n');
}
