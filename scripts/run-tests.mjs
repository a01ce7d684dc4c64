// Runs every bundled test file under out/test with Node's built-in test runner (its closing
// summary, tests/pass/fail, is printed), then the editor tests:
//   bash scripts/setup-editor-tests.sh       (code-server + Chromium; a no-op once installed)
//   node test/e2e/build.mjs                  (bundles the editor tests and the client's unit tests)
//   node --test out/e2e/unit/                (the client's pure modules, no editor)
//   node out/e2e/runTest.js                  (e2e main: trusted workspace, ssh rig)
//   node out/e2e/runTest.js --untrusted      (e2e restricted: Restricted Mode)
//   npm run package + runTest.js --vsix      (e2e vsix: the packaged extension installed into code-server)
// Prints one summary line per editor run ("e2e main: 7 passed, 0 failed") and, last, one line
// "N passed, N failed" over everything. Exits non-zero when anything failed.
// When the editor tests cannot run (their setup fails) that is reported; under CI (env CI set) it is
// a failure. `node scripts/run-tests.mjs PATTERN...` runs only the matching unit test files and no
// editor tests; LDX_E2E=0 skips the editor tests (said so at the end).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) find(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

// eslint-disable-next-line no-control-regex
const stripAnsi = (s) => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');

/** Runs a command with its output streamed through, and returns its exit code and full output. */
function run(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      process.stdout.write(d);
    });
    child.stderr.on('data', (d) => {
      out += d;
      process.stderr.write(d);
    });
    child.on('error', (e) => {
      out += `\n${e.message}\n`;
      resolve({ code: 127, out });
    });
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), out: stripAnsi(out) }));
  });
}

/** node:test's summary: `ℹ pass N` / `ℹ fail N` (spec reporter) or `# pass N` (tap). */
function nodeTestCounts(out) {
  const n = (what) => {
    const all = [...out.matchAll(new RegExp(`^(?:ℹ|#) ${what} (\\d+)$`, 'gm'))];
    return all.length ? Number(all[all.length - 1][1]) : undefined;
  };
  return { pass: n('pass'), fail: n('fail'), skipped: n('skipped') };
}

/** mocha's summary inside the editor: `N passing (…)`, `N failing`, `N pending`. */
function mochaCounts(out) {
  const n = (what) => {
    const m = [...out.matchAll(new RegExp(`^\\s*(\\d+) ${what}\\b`, 'gm'))];
    return m.length ? Number(m[m.length - 1][1]) : 0;
  };
  return { pass: n('passing'), fail: n('failing'), pending: n('pending') };
}

const only = process.argv.slice(2);
let files = find(join(root, process.env.LDX_OUT || 'out', 'test')).sort();
if (only.length) files = files.filter((f) => only.some((o) => f.includes(o)));
if (files.length === 0) {
  console.error('run-tests: no test files found under out/test');
  process.exit(1);
}

const started = Date.now();
let passed = 0;
let failed = 0;
const summary = [];
// A test that waits on something that never comes fails after 10 minutes instead of holding up CI.
const unit = await run(process.execPath, ['--test', '--test-reporter=spec', '--test-timeout=600000', ...files]);
{
  const c = nodeTestCounts(unit.out);
  if (c.pass === undefined || c.fail === undefined) {
    failed += 1;
    summary.push(`unit: no summary from node --test (exit ${unit.code})`);
  } else {
    passed += c.pass;
    failed += c.fail + (unit.code !== 0 && c.fail === 0 ? 1 : 0);
    summary.push(`unit: ${c.pass} passed, ${c.fail} failed${unit.code !== 0 && c.fail === 0 ? ` (exit ${unit.code})` : ''}`);
  }
}

async function editorTests() {
  if (only.length) {
    summary.push('e2e: not run (unit test files selected on the command line)');
    return;
  }
  if (process.env.LDX_E2E === '0') {
    summary.push('e2e: SKIPPED (LDX_E2E=0)');
    return;
  }
  const e2eStarted = Date.now();
  console.log('\n── editor tests ──');
  const setup = await run('bash', ['scripts/setup-editor-tests.sh']);
  if (setup.code !== 0) {
    const why =
      setup.out
        .trim()
        .split('\n')
        .filter((l) => l.includes('setup-editor-tests'))
        .pop() ?? `exit ${setup.code}`;
    if (process.env.CI) {
      failed += 1;
      summary.push(`e2e: FAILED, the editor tests cannot run here (${why}); under CI that is a failure`);
    } else {
      summary.push(`e2e: NOT RUN, the editor tests cannot run here (${why}); under CI (env CI set) this fails`);
    }
    return;
  }
  const build = await run(process.execPath, ['test/e2e/build.mjs']);
  if (build.code !== 0) {
    failed += 1;
    summary.push(`e2e: FAILED to build the editor tests (exit ${build.code})`);
    return;
  }

  // The client's pure modules (node:test, no editor).
  const clientUnit = await run(process.execPath, ['--test', '--test-reporter=spec', 'out/e2e/unit/']);
  {
    const c = nodeTestCounts(clientUnit.out);
    const p = c.pass ?? 0;
    const f = (c.fail ?? 0) + (clientUnit.code !== 0 && !c.fail ? 1 : 0);
    passed += p;
    failed += f;
    summary.push(`client unit: ${p} passed, ${f} failed`);
  }

  const editorRun = async (name, args) => {
    const t0 = Date.now();
    const r = await run(process.execPath, ['out/e2e/runTest.js', ...args]);
    const c = mochaCounts(r.out);
    // A run that fails without a failing test (launcher, code-server, timeout) counts as one failure.
    const f = c.fail + (r.code !== 0 && c.fail === 0 ? 1 : 0);
    passed += c.pass;
    failed += f;
    const extra = [
      c.pending ? `${c.pending} skipped` : '',
      r.code !== 0 && c.fail === 0 ? `run failed, exit ${r.code}` : '',
      `${((Date.now() - t0) / 1000).toFixed(0)} s`,
    ]
      .filter(Boolean)
      .join(', ');
    const line = `e2e ${name}: ${c.pass} passed, ${f} failed (${extra})`;
    console.log(line);
    summary.push(line);
  };
  await editorRun('main', []);
  await editorRun('untrusted', ['--untrusted']);

  // The packaged extension, installed into code-server as a user would.
  const vsix = 'libvirt-domain-xml.vsix';
  const pack = await run('npm', ['run', '--silent', 'package']);
  if (pack.code !== 0) {
    failed += 1;
    summary.push(`e2e vsix: FAILED, npm run package exited ${pack.code}`);
  } else {
    await editorRun('vsix', ['--vsix', vsix]);
  }
  summary.push(`e2e total time: ${((Date.now() - e2eStarted) / 1000).toFixed(0)} s`);
}

await editorTests();

console.log('\n── summary ──');
for (const l of summary) console.log(l);
console.log(`(${((Date.now() - started) / 1000).toFixed(0)} s)`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
