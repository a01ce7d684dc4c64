// A longer run that stops by itself: bundles test/fuzz/soak.ts to out/fuzz/soak.js and runs it
// against dist/server.js (build it first: npm run build). Usage:
//   npm run soak [-- --edits 10000 --docs 12 --seed 1 --ratio 1.2]
// It prints the server's RSS figures and exits 1 when the last quarter's median RSS exceeds
// ratio × the second quarter's median (or when the server logged a failure).
import { bundleAndRun } from './bundle.mjs';

await bundleAndRun('test/fuzz/soak.ts', 'fuzz', 'soak', ['--enable-source-maps']);
