// `npm run fuzz -- --iterations N [--seed S] [--bound MS] [--limits short|long] [--targets docs,host,huge]`
// (scripts/fuzz.mjs bundles this file to out/fuzz/main.js and runs it). Failing inputs are
// written to test-output/fuzz/; the exit status is 1 when anything failed.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { describeDocResult, runDocCampaign } from './docCampaign';
import { describeHostResult, runHostCampaign } from './hostCampaign';
import { runDocFuzz } from './fuzzDocs';
import { runHostFuzz } from './fuzzHost';
import { checkHuge, HUGE_CASES, isHugeChild, serveHugeChild } from './huge';
import { isFuzzWorker, serveWorker, Handler } from './worker';
import { ROOT } from '../support/examples';

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      iterations: { type: 'string', default: '20000' },
      seed: { type: 'string' },
      bound: { type: 'string', default: '2000' },
      limits: { type: 'string', default: 'long' },
      targets: { type: 'string', default: 'docs,host' },
      chunk: { type: 'string', default: '500' },
      out: { type: 'string', default: join(ROOT, 'test-output', 'fuzz') },
    },
  });
  const iterations = Number(values.iterations);
  const seed = values.seed === undefined ? Date.now() % 2_147_483_647 : Number(values.seed);
  const boundMs = Number(values.bound);
  const limits = values.limits === 'short' ? 'short' : 'long';
  if (!Number.isInteger(iterations) || iterations <= 0 || !Number.isFinite(seed) || !(boundMs > 0)) {
    console.error(
      'usage: fuzz --iterations N [--seed S] [--bound MS] [--limits short|long] [--targets docs,host,huge] [--chunk N] [--out DIR]',
    );
    return 2;
  }
  const targets = new Set(values.targets!.split(','));
  console.log(
    `fuzz: seed ${seed}, ${iterations} iterations per target, bound ${boundMs} ms per call, ${limits} limits, failing inputs to ${values.out}`,
  );
  let failed = 0;
  const t0 = Date.now();
  if (targets.has('docs')) {
    const r = await runDocCampaign({
      file: __filename,
      seed,
      iterations,
      boundMs,
      limits,
      chunk: Number(values.chunk),
      saveDir: values.out,
      onChunk: (done, total) =>
        process.stdout.write(`\r  docs: ${done}/${iterations} (${total.calls} calls, slowest ${total.maxMs.toFixed(0)} ms)   `),
    });
    console.log(`\ndocs: ${describeDocResult(r.total, seed)}`);
    for (const f of r.failures)
      console.log(
        `  FAIL iteration ${f.iteration} ${f.kind} ${f.op}${f.group ? ` [${f.group}]` : ''}: ${f.message.split('\n')[0]}${f.file ? `\n    input: ${f.file}` : ''}`,
      );
    failed += r.failures.length;
  }
  if (targets.has('host')) {
    const r = await runHostCampaign({
      file: __filename,
      seed,
      iterations,
      boundMs,
      limits,
      chunk: Number(values.chunk),
      saveDir: values.out,
      onChunk: (done) => process.stdout.write(`\r  host output: ${done}/${iterations}   `),
    });
    console.log(`\nhost output: ${describeHostResult(r.total, seed)}`);
    for (const f of r.failures)
      console.log(
        `  FAIL iteration ${f.iteration} ${f.kind} ${f.op}: ${f.message.split('\n')[0]}${f.file ? `\n    input: ${f.file}` : ''}`,
      );
    failed += r.failures.length;
  }
  if (targets.has('huge')) {
    // Every ~100 MB host-output case (npm test runs a few of them), bound 15 s each.
    for (const name of Object.keys(HUGE_CASES)) {
      const r = await checkHuge(__filename, name, 15_000);
      console.log(`huge: ${r.ok ? 'ok  ' : 'FAIL'} ${name}: ${r.detail.split('\n')[0]}`);
      if (!r.ok) failed++;
    }
  }
  console.log(`fuzz: ${failed} failure(s) in ${((Date.now() - t0) / 1000).toFixed(1)} s; reproduce with --seed ${seed}`);
  return failed ? 1 : 0;
}

if (isHugeChild()) {
  serveHugeChild();
} else if (isFuzzWorker()) {
  serveWorker({ docs: runDocFuzz as unknown as Handler, host: runHostFuzz as unknown as Handler });
} else {
  void main().then(
    (code) => (process.exitCode = code),
    (e) => {
      console.error(e);
      process.exitCode = 2;
    },
  );
}
