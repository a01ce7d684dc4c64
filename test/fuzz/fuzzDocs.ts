// The document fuzzer: mutated corpus and example domains through analyzeDocument (no hosts,
// one host, both example hosts) and through LanguageService hover / code actions / fix-all at
// random positions. Every call is timed; an exception, a call over the time bound, or a result
// outside the document is a failure. Runs inside a worker (see worker.ts) so a hang is caught.
import { analyzeDocument } from '../../server/src/analysis';
import { peerOf } from '../../server/src/domain/peer';
import type { HostIndex } from '../../server/src/inventory/resolver';
import { LanguageService } from '../../server/src/languageService';
import type { PeerDomain } from '../../server/src/rules/types';
import { parseXml } from '../../server/src/xml/parse';
import { exampleHost, exampleHostB } from '../support/examples';
import { LONG_LIMITS, mutate, MutationContext, SHORT_LIMITS } from './mutate';
import { Rng } from './rng';
import { inventoryPaths, loadSeeds, Seed } from './seeds';
import type { Heartbeat } from './worker';

export interface DocFuzzJob {
  kind: 'docs';
  seed: number;
  iterations: number;
  /** First iteration number (a long run can be split in chunks). */
  start?: number;
  /** A call slower than this (best of three) is a failure. */
  boundMs: number;
  limits: 'short' | 'long';
  /** Hover positions and code-action ranges per document and host group. */
  positions: number;
}

export interface DocFuzzFailure {
  iteration: number;
  kind: 'exception' | 'slow' | 'invariant';
  op: string;
  group: string;
  message: string;
  ms?: number;
  base: string;
  ops: string[];
  length: number;
}

export interface DocFuzzResult {
  iterations: number;
  documents: number;
  wellFormed: number;
  calls: number;
  analyses: number;
  hovers: number;
  hoversAnswered: number;
  codeActionCalls: number;
  codeActionsOffered: number;
  findings: number;
  fixes: number;
  bytes: number;
  maxMs: number;
  maxOp: string;
  maxIteration: number;
  totalMs: number;
  opCounts: Record<string, number>;
  failures: DocFuzzFailure[];
  corpus: boolean;
  seedCount: number;
}

export const GROUP_NAMES = ['no hosts', 'kvm-a', 'kvm-a+kvm-b'] as const;

let cachedSeeds: { seeds: Seed[]; corpus: boolean } | undefined;
function seeds(): { seeds: Seed[]; corpus: boolean } {
  return (cachedSeeds ??= loadSeeds());
}

function context(limits: 'short' | 'long', list: Seed[]): MutationContext {
  return { limits: limits === 'long' ? LONG_LIMITS : SHORT_LIMITS, paths: inventoryPaths(), donors: list.slice(0, 64).map((s) => s.text) };
}

/** The input of one iteration, regenerated from (seed, iteration) alone. */
export function docFuzzInput(seed: number, iteration: number, limits: 'short' | 'long'): { base: Seed; text: string; ops: string[] } {
  const list = seeds().seeds;
  const rng = Rng.forIteration(seed, iteration);
  const base = rng.pick(list);
  const m = mutate(base.text, rng, context(limits, list));
  return { base, text: m.text, ops: m.ops };
}

function hostGroups(): HostIndex[][] {
  return [[], [exampleHost()], [exampleHost(), exampleHostB()]];
}

export function runDocFuzz(job: DocFuzzJob, hb: Heartbeat): DocFuzzResult {
  const { seeds: list, corpus } = seeds();
  const ctx = context(job.limits, list);
  const groups = hostGroups();
  const services = groups.map((g) => new LanguageService({ hostsFor: () => g, docsUri: 'file:///README.md' }));
  const res: DocFuzzResult = {
    iterations: 0,
    documents: 0,
    wellFormed: 0,
    calls: 0,
    analyses: 0,
    hovers: 0,
    hoversAnswered: 0,
    codeActionCalls: 0,
    codeActionsOffered: 0,
    findings: 0,
    fixes: 0,
    bytes: 0,
    maxMs: 0,
    maxOp: '',
    maxIteration: -1,
    totalMs: 0,
    opCounts: {},
    failures: [],
    corpus,
    seedCount: list.length,
  };
  const started = performance.now();
  const start = job.start ?? 0;
  for (let i = start; i < start + job.iterations; i++) {
    const rng = Rng.forIteration(job.seed, i);
    const base = rng.pick(list);
    hb.beat(i, 0);
    const m = mutate(base.text, rng, ctx);
    const text = m.text;
    for (const op of m.ops) res.opCounts[op] = (res.opCounts[op] ?? 0) + 1;
    res.iterations++;
    res.documents++;
    res.bytes += text.length;
    let phase = 1;
    const fail = (kind: DocFuzzFailure['kind'], op: string, group: string, message: string, ms?: number) => {
      if (res.failures.length < 50)
        res.failures.push({ iteration: i, kind, op, group, message, ms, base: base.name, ops: m.ops, length: text.length });
    };
    /** Runs one call, timed; over the bound it is re-run twice and the best time counts. */
    const call = <T>(op: string, group: string, fn: () => T): T | undefined => {
      hb.beat(i, phase++);
      res.calls++;
      let value: T | undefined;
      let ms: number;
      try {
        const t0 = performance.now();
        value = fn();
        ms = performance.now() - t0;
        if (ms > job.boundMs) {
          for (let k = 0; k < 2 && ms > job.boundMs; k++) {
            hb.beat(i, phase++);
            const t1 = performance.now();
            fn();
            ms = Math.min(ms, performance.now() - t1);
          }
          if (ms > job.boundMs) fail('slow', op, group, `${op} took ${ms.toFixed(0)} ms (bound ${job.boundMs} ms)`, ms);
        }
      } catch (e) {
        fail('exception', op, group, ((e as Error)?.stack ?? String(e)).split('\n').slice(0, 8).join('\n'));
        return undefined;
      }
      if (ms > res.maxMs) {
        res.maxMs = ms;
        res.maxOp = `${op} [${group}]`;
        res.maxIteration = i;
      }
      return value;
    };

    if (parseXml(text).error === undefined) res.wellFormed++;
    const baseModel = analyzeDocument(base.text).model;
    const peers: PeerDomain[] = baseModel && rng.chance(0.5) ? [peerOf('file:///fuzz/peer.xml', baseModel)] : [];
    groups.forEach((hosts, gi) => {
      const g = GROUP_NAMES[gi];
      const a = call('analyzeDocument', g, () => analyzeDocument(text, hosts, peers));
      res.analyses++;
      if (a) {
        res.findings += a.findings.length;
        for (const f of a.findings) {
          res.fixes += f.fixes.length;
          const bad =
            !(f.start >= 0 && f.start <= f.end && f.end <= text.length) ||
            f.fixes.some((x) => x.edits.some((e) => !(e.start >= 0 && e.start <= e.end && e.end <= text.length)));
          if (bad)
            fail(
              'invariant',
              'analyzeDocument',
              g,
              `finding ${f.code} [${f.start}, ${f.end}) or a fix edit lies outside the text (length ${text.length})`,
            );
        }
      }
      const svc = services[gi];
      const uri = `file:///fuzz/doc${i % 4}.xml`;
      // The unmutated document first: the service keeps it as the last good parse.
      call('LanguageService.analyze(base)', g, () => svc.analyze({ uri, text: base.text }));
      const doc = { uri, text };
      call('LanguageService.diagnostics', g, () => svc.diagnostics(doc));
      const lineCount = text.split(/\r\n|\r|\n/).length;
      const spots: { line: number; character: number }[] = [];
      const model = a?.model ?? baseModel;
      for (let k = 0; k < job.positions; k++) {
        const disk = model?.disks.length && rng.chance(0.5) ? rng.pick(model.disks) : undefined;
        if (disk?.hostPath) {
          const p = a?.doc.lines.positionAt(disk.hostPath.start + rng.int(disk.hostPath.end - disk.hostPath.start + 1));
          if (p) {
            spots.push(p);
            continue;
          }
        }
        spots.push(
          rng.chance(0.05)
            ? rng.pick([
                { line: -1, character: -1 },
                { line: 1e9, character: 1e9 },
                { line: 0, character: 1e9 },
                { line: lineCount, character: 0 },
              ])
            : { line: rng.int(lineCount + 1), character: rng.int(120) },
        );
      }
      for (const p of spots) {
        const h = call('LanguageService.hover', g, () => svc.hover(doc, p));
        res.hovers++;
        if (h) res.hoversAnswered++;
      }
      for (let k = 0; k < job.positions; k++) {
        const s = spots[k] ?? { line: 0, character: 0 };
        const e = rng.chance(0.3) ? { line: s.line + rng.int(40), character: rng.int(200) } : s;
        const only = rng.pick([undefined, ['quickfix'], ['source.fixAll'], ['source'], ['refactor']]);
        const actions = call('LanguageService.codeActions', g, () => svc.codeActions(doc, { start: s, end: e }, only));
        res.codeActionCalls++;
        res.codeActionsOffered += actions?.length ?? 0;
      }
      call('LanguageService.fixAllEdits', g, () => svc.fixAllEdits(doc));
    });
  }
  res.totalMs = performance.now() - started;
  return res;
}
