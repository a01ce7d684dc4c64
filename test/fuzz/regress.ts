// Fixed inputs (crashes and hangs the fuzzers found, and the extremes of each mutation class),
// run in a worker under a watchdog so that a hang fails the test instead of stalling it.
import { analyzeDocument } from '../../server/src/analysis';
import { LanguageService } from '../../server/src/languageService';
import { exampleHost, exampleHostB } from '../support/examples';
import { runWorker } from './worker';
import type { Heartbeat } from './worker';

export interface DocRegressionJob {
  kind: 'doc-regression';
  text: string;
}

export interface DocRegressionResult {
  /** Slowest single call, ms. */
  maxMs: number;
  maxOp: string;
  calls: number;
  error?: string;
}

/** analyzeDocument with no host, kvm-a, kvm-a+kvm-b; hover and code actions at every disk path and a few places. */
export function runDocRegression(job: DocRegressionJob, hb: Heartbeat): DocRegressionResult {
  const groups = [[], [exampleHost()], [exampleHost(), exampleHostB()]];
  const res: DocRegressionResult = { maxMs: 0, maxOp: '', calls: 0 };
  let phase = 0;
  const call = <T>(op: string, fn: () => T): T => {
    hb.beat(0, phase++);
    const t0 = performance.now();
    const v = fn();
    const ms = performance.now() - t0;
    res.calls++;
    if (ms > res.maxMs) {
      res.maxMs = ms;
      res.maxOp = op;
    }
    return v;
  };
  try {
    groups.forEach((hosts, g) => {
      const a = call(`analyzeDocument [group ${g}]`, () => analyzeDocument(job.text, hosts));
      const svc = new LanguageService({ hostsFor: () => hosts });
      const doc = { uri: 'file:///regression.xml', text: job.text };
      const spots = [{ line: 0, character: 0 }, a.doc.lines.positionAt(job.text.length >> 1), a.doc.lines.positionAt(job.text.length)];
      for (const d of a.model?.disks ?? []) if (d.hostPath) spots.push(a.doc.lines.positionAt(d.hostPath.start));
      for (const p of spots.slice(0, 50)) {
        call(`hover [group ${g}]`, () => svc.hover(doc, p));
        call(`codeActions [group ${g}]`, () => svc.codeActions(doc, { start: p, end: p }));
      }
      call(`fixAllEdits [group ${g}]`, () => svc.fixAllEdits(doc));
    });
  } catch (e) {
    res.error = (e as Error)?.stack ?? String(e);
  }
  return res;
}

/**
 * Runs one fixed input in a worker started from `file`; a call that does not return within
 * `stallMs` ends the worker and is reported as `hang`.
 */
export async function checkDocRegression(file: string, text: string, stallMs: number): Promise<DocRegressionResult & { hang?: string }> {
  const out = await runWorker<DocRegressionResult>(file, { kind: 'doc-regression', text }, { stallMs, maxOldGenerationSizeMb: 1024 });
  if (out.status === 'ok' && out.result) return out.result;
  return { maxMs: out.ms, maxOp: `phase ${out.phase}`, calls: 0, hang: `${out.status}: ${out.error ?? ''}` };
}
