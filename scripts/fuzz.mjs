// Long fuzz runs: bundles test/fuzz/main.ts (the same fuzzer library `npm test` runs briefly)
// to out/fuzz/main.js and runs it. Usage:
//   npm run fuzz -- --iterations N [--seed S] [--bound MS] [--limits short|long] [--targets docs,host]
// Failing inputs go to test-output/fuzz/; the exit status is 1 when anything failed.
import { bundleAndRun } from './bundle.mjs';

await bundleAndRun('test/fuzz/main.ts', 'fuzz', 'main', ['--enable-source-maps']);
