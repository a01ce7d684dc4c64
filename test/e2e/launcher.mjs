#!/usr/bin/env node
// Stand-in for a VS Code executable, for @vscode/test-electron's runTests({ vscodeExecutablePath }).
// It starts code-server (VS Code 1.100.3, from .vscode-test/tools) on a free 127.0.0.1 port,
// opens its workbench in headless Debian Chromium (playwright-core) with a `payload` that
// carries extensionDevelopmentPath/extensionTestsPath, prints the test output, takes one
// screenshot into test-output/, cleans up and exits with the code the test runner reported.
//
// Arguments (as VS Code gets them): --extensionTestsPath=P --extensionDevelopmentPath=P (repeatable)
// --user-data-dir=D --extensions-dir=D (accepted, ignored: fresh dirs under a temp dir are used)
// --disable-workspace-trust --disable-extensions, and one folder or .code-workspace path.
// Env: LDX_E2E_TIMEOUT_MS (overall deadline, default 180000), LDX_E2E_UNTRUSTED=1 (keep workspace
// trust ON even though runTests always passes --disable-workspace-trust), LDX_E2E_LABEL (screenshot
// name suffix), LDX_E2E_VERBOSE=1 (also print code-server's and the workbench's own log lines),
// LDX_E2E_KEEP_TMP=1, LDX_E2E_TOOLS (tools dir), LDX_E2E_CHROMIUM (browser binary),
// LDX_E2E_INSTALL_VSIX=FILE (install that .vsix into the fresh extensions dir with
// `code-server --install-extension` before starting), LDX_E2E_REAL_VSCODE=PATH (pass-through mode: exec that real VS Code instead, minus
// --disable-workspace-trust when LDX_E2E_UNTRUSTED=1). The whole environment reaches the extension host.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, inspect } from 'node:util';

const started = Date.now();
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TOOLS = resolve(process.env.LDX_E2E_TOOLS || join(ROOT, '.vscode-test/tools'));
const CHROMIUM = process.env.LDX_E2E_CHROMIUM || '/usr/bin/chromium';
const TIMEOUT_MS = Number(process.env.LDX_E2E_TIMEOUT_MS || 180000);
const UNTRUSTED = process.env.LDX_E2E_UNTRUSTED === '1';
const VERBOSE = process.env.LDX_E2E_VERBOSE === '1';
const say = (msg) => process.stdout.write(`[launcher +${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}\n`);

// ---- arguments ---------------------------------------------------------------------------
const argv = process.argv.slice(2);
const opts = { devPaths: [], testsPath: undefined, disableTrust: false, targets: [] };
const WITH_VALUE = new Set(['extensionTestsPath', 'extensionDevelopmentPath', 'user-data-dir', 'extensions-dir']);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const m = /^--([^=]+)(?:=(.*))?$/s.exec(a);
  if (!m) {
    opts.targets.push(a);
    continue;
  }
  const [, name, inline] = m;
  const value = WITH_VALUE.has(name) && inline === undefined ? argv[++i] : inline;
  if (name === 'extensionTestsPath') opts.testsPath = resolve(value);
  else if (name === 'extensionDevelopmentPath') opts.devPaths.push(resolve(value));
  else if (name === 'disable-workspace-trust') opts.disableTrust = true;
  // --disable-extensions: nothing to do, the extensions dir is fresh and empty (built-ins stay).
  // user-data-dir, extensions-dir, --no-sandbox, --disable-gpu-sandbox, --disable-updates,
  // --skip-welcome, --skip-release-notes ... : not needed here.
}

// ---- state for cleanup -------------------------------------------------------------------
let tmp;
let server;
let browser;
let page;
let cleaning;

// ---- pass-through mode (a real, downloaded VS Code; only to honour LDX_E2E_UNTRUSTED) -------
if (process.env.LDX_E2E_REAL_VSCODE) {
  const args = UNTRUSTED ? argv.filter((a) => a !== '--disable-workspace-trust') : argv;
  const child = spawn(process.env.LDX_E2E_REAL_VSCODE, args, { stdio: 'inherit' });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  child.on('error', (e) => {
    console.error(`launcher: cannot start ${process.env.LDX_E2E_REAL_VSCODE}: ${e.message}`);
    process.exit(1);
  });
} else {
  main().catch(async (e) => {
    if (!cleaning) console.error(`launcher: FAILED: ${e?.message ?? e}`); // else: a signal is already stopping us
    await cleanup();
    process.exit(1);
  });
}

async function main() {
  if (!opts.testsPath) throw new Error('no --extensionTestsPath given');
  const entry = join(TOOLS, 'node_modules/code-server/out/node/entry.js');
  if (!existsSync(entry)) throw new Error(`code-server not found at ${entry}: run scripts/setup-editor-tests.sh`);
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: run scripts/setup-editor-tests.sh`);
  const require = createRequire(join(TOOLS, 'package.json'));
  const { chromium } = require('playwright-core');

  // Where the workbench opens: a folder, a .code-workspace file, or an empty window.
  let open = '';
  for (const t of opts.targets) {
    const p = resolve(t);
    if (!existsSync(p)) throw new Error(`launch target does not exist: ${p}`);
    if (statSync(p).isDirectory()) open = `folder=${encodeURIComponent(p)}`;
    else if (p.endsWith('.code-workspace')) open = `workspace=${encodeURIComponent(p)}`;
    else say(`ignoring launch argument ${t} (only a folder or a .code-workspace file can be opened)`);
  }
  if (!open) open = 'ew=true';
  const trustOn = UNTRUSTED || !opts.disableTrust;

  const deadline = started + TIMEOUT_MS;
  const overall = setTimeout(() => onTimeout(), Math.max(0, deadline - Date.now()));

  tmp = mkdtempSync(join(tmpdir(), 'ldx-e2e-'));
  for (const d of ['ud', 'ext', 'chromium']) mkdirSync(join(tmp, d));
  writeFileSync(join(tmp, 'config.yaml'), 'auth: none\ncert: false\n');
  // VS Code settings for a quiet, deterministic window.
  mkdirSync(join(tmp, 'ud/User'), { recursive: true });
  writeFileSync(
    join(tmp, 'ud/User/settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'extensions.autoUpdate': false,
        'extensions.autoCheckUpdates': false,
        'update.mode': 'none',
        'telemetry.telemetryLevel': 'off',
        'security.workspace.trust.startupPrompt': 'never',
        'security.workspace.trust.emptyWindow': !trustOn,
        // The fixture copies live inside this repository: no "open the parent repository?" prompt.
        'git.openRepositoryInParentFolders': 'never',
      },
      null,
      2,
    ),
  );

  if (process.env.LDX_E2E_INSTALL_VSIX) await installVsix(entry, process.env.LDX_E2E_INSTALL_VSIX);

  const port = await freePort();
  const csArgs = [
    entry,
    '--config',
    join(tmp, 'config.yaml'),
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--user-data-dir',
    join(tmp, 'ud'),
    '--extensions-dir',
    join(tmp, 'ext'),
  ];
  if (!trustOn) csArgs.push('--disable-workspace-trust');
  const env = { ...process.env };
  // Inside a VS Code / code-server terminal these make code-server talk to *that* instance.
  for (const k of Object.keys(env)) if (k.startsWith('VSCODE_') || k === 'ELECTRON_RUN_AS_NODE') delete env[k];
  // No extension gallery (open-vsx.org by default): nothing to reach from here.
  env.EXTENSIONS_GALLERY = '{}';
  // Tells the tests they may ask this launcher about the page (see handleProbe).
  env.LDX_E2E_PROBES = '1';
  const csLog = createWriteStream(join(tmp, 'code-server.log'));
  server = spawn(process.execPath, csArgs, { cwd: tmp, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const s of [server.stdout, server.stderr])
    s.on('data', (d) => {
      csLog.write(d);
      if (VERBOSE) process.stdout.write(`[code-server] ${d}`);
    });
  let serverExit;
  server.on('exit', (code, signal) => {
    serverExit = `code-server exited (${code ?? signal})`;
  });
  say(`code-server on 127.0.0.1:${port}, workspace trust ${trustOn ? 'ON' : 'off'}, opening ${decodeURIComponent(open)}`);

  const base = `http://127.0.0.1:${port}`;
  await waitHealthy(`${base}/healthz`, Math.min(deadline, Date.now() + 60000), () => serverExit);

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false, // ours clean up and exit 1
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  let resolveExit;
  const exitCode = new Promise((r) => {
    resolveExit = r;
  });
  await page.exposeFunction('codeAutomationExit', (code) => resolveExit(Number(code)));
  await page.exposeFunction('codeAutomationLog', (type, args) => printLog(type, args));
  if (VERBOSE) page.on('console', (m) => process.stdout.write(`[browser ${m.type()}] ${m.text()}\n`));
  page.on('pageerror', (e) => process.stdout.write(`[browser pageerror] ${e.message}\n`));
  page.on('crash', () => say('the workbench page crashed'));

  const remote = (p) => `vscode-remote://127.0.0.1:${port}${p}`;
  const payload = [...opts.devPaths.map((p) => ['extensionDevelopmentPath', remote(p)]), ['extensionTestsPath', remote(opts.testsPath)]];
  const url = `${base}/?${open}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: Math.max(1000, deadline - Date.now()) });
  say('workbench loading; waiting for the tests');

  const code = await Promise.race([
    exitCode,
    new Promise((_, rej) => {
      const t = setInterval(() => {
        if (serverExit) {
          clearInterval(t);
          rej(new Error(`${serverExit} before the tests finished (log: ${join(tmp, 'code-server.log')})`));
        }
      }, 200);
    }),
  ]);
  clearTimeout(overall);
  say(`tests reported exit code ${code}`);
  await screenshot();
  await cleanup();
  process.exit(code === 0 ? 0 : 1);
}

// `code-server --install-extension FILE` into the run's fresh extensions dir (what a user does with a .vsix).
async function installVsix(entry, vsix) {
  const t0 = Date.now();
  const child = spawn(
    process.execPath,
    [
      entry,
      '--config',
      join(tmp, 'config.yaml'),
      '--user-data-dir',
      join(tmp, 'ud'),
      '--extensions-dir',
      join(tmp, 'ext'),
      '--install-extension',
      resolve(vsix),
    ],
    { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  for (const s of [child.stdout, child.stderr])
    s.on('data', (d) => {
      out += d;
    });
  const code = await new Promise((r) => {
    child.on('exit', (c, sig) => r(c ?? sig));
    child.on('error', (e) => {
      out += e.message;
      r(-1);
    });
  });
  if (code !== 0 || !/successfully installed/i.test(out)) throw new Error(`--install-extension ${vsix} failed (${code}): ${out.trim()}`);
  say(`installed ${vsix} in ${Date.now() - t0} ms: ${out.trim().split('\n').pop()}`);
}

// codeAutomationLog gets (level, args) for the extension host's console (the test output:
// mocha's reporter, console.log in tests and extensions) and for the workbench's own log lines,
// all as level "info"; args are console.log-style (format string first). Known workbench chatter
// is dropped unless LDX_E2E_VERBOSE=1.
const NOISE =
  /^(Resolving connection token|Resolved connection token|Creating a socket|Ignoring fetching additional builtin extensions|Updating additional builtin extensions cache|\[Service Worker\]|ChatSessionStore:|Unable to resolve resource vscode-bulkeditpreview-editor:)/;
function printLog(type, args) {
  const list = Array.isArray(args) ? args : [args];
  const text = typeof list[0] === 'string' ? format(...list) : list.map((a) => inspect(a, { depth: 4 })).join(' ');
  if (text.startsWith(PROBE)) {
    void handleProbe(text.slice(PROBE.length).trim());
    return;
  }
  if (!VERBOSE && (type === 'trace' || type === 'debug' || NOISE.test(text))) return;
  (type === 'error' ? process.stderr : process.stdout).write(text.endsWith('\n') ? text : `${text}\n`);
}

// Probes: a test in the extension host cannot see the workbench page, but it can log a line
// `[ldx-probe] {"kind":…,"out":FILE}`; the launcher answers by writing JSON {ok, value|error} to FILE.
//   {"kind":"eval","expr":"JS expression"}   page.evaluate(expr) (a Promise is awaited); value = its result
//   {"kind":"screenshot","path":P,"clip"?:{x,y,width,height}}   saves a PNG of the page (or the clip)
//   {"kind":"press","key":"Escape"}          a key press in the page
//   {"kind":"frames","expr":"JS expression"} the expression in every frame of the page (webviews such as the
//                                             Markdown preview are frames): value = [{url, value} | {url, error}]
const PROBE = '[ldx-probe] ';
async function handleProbe(json) {
  let req;
  try {
    req = JSON.parse(json);
  } catch {
    say(`bad probe: ${json}`);
    return;
  }
  let result;
  try {
    if (!page) throw new Error('no page');
    if (req.kind === 'eval') result = { ok: true, value: await page.evaluate(req.expr) };
    else if (req.kind === 'screenshot') {
      mkdirSync(dirname(resolve(req.path)), { recursive: true });
      await page.screenshot({ path: resolve(req.path), clip: req.clip, timeout: 10000 });
      result = { ok: true, value: resolve(req.path) };
    } else if (req.kind === 'press') {
      await page.keyboard.press(req.key);
      result = { ok: true };
    } else if (req.kind === 'frames') {
      const value = [];
      for (const f of page.frames()) {
        try {
          value.push({ url: f.url(), value: await f.evaluate(req.expr) });
        } catch (e) {
          value.push({ url: f.url(), error: e?.message ?? String(e) });
        }
      }
      result = { ok: true, value };
    } else throw new Error(`unknown probe kind ${req.kind}`);
  } catch (e) {
    result = { ok: false, error: e?.message ?? String(e) };
  }
  if (typeof req.out !== 'string') return;
  try {
    writeFileSync(`${req.out}.tmp`, JSON.stringify(result ?? { ok: true }));
    renameSync(`${req.out}.tmp`, req.out);
  } catch (e) {
    say(`probe answer to ${req.out} failed: ${e.message}`);
  }
}

async function onTimeout() {
  console.error(`launcher: TIMEOUT: the tests did not finish within ${TIMEOUT_MS} ms (LDX_E2E_TIMEOUT_MS)`);
  await screenshot();
  await cleanup();
  process.exit(1);
}

async function screenshot() {
  if (!page) return;
  try {
    const dir = join(ROOT, 'test-output');
    mkdirSync(dir, { recursive: true });
    const label = process.env.LDX_E2E_LABEL ? `-${process.env.LDX_E2E_LABEL.replace(/[^\w.-]+/g, '_')}` : '';
    const file = join(dir, `e2e-${new Date().toISOString().replace(/[:.]/g, '-')}${label}.png`);
    await page.screenshot({ path: file, timeout: 10000 });
    say(`screenshot: ${file}`);
  } catch (e) {
    say(`screenshot failed: ${e.message}`);
  }
}

async function cleanup() {
  if (cleaning) return cleaning;
  cleaning = (async () => {
    if (browser) await Promise.race([browser.close().catch(() => {}), sleep(5000)]);
    if (server && server.exitCode === null && server.signalCode === null) {
      const gone = new Promise((r) => server.once('exit', r));
      killGroup('SIGTERM');
      if ((await Promise.race([gone.then(() => true), sleep(3000).then(() => false)])) === false) killGroup('SIGKILL');
    }
    killGroup('SIGKILL'); // stragglers (e.g. a fileWatcher child) left in the group
    if (tmp && process.env.LDX_E2E_KEEP_TMP !== '1') rmSync(tmp, { recursive: true, force: true });
    else if (tmp) say(`kept ${tmp}`);
  })();
  return cleaning;
}

function killGroup(signal) {
  if (!server?.pid) return;
  try {
    process.kill(-server.pid, signal);
  } catch {
    /* group already gone */
  }
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, async () => {
    say(`${sig}: stopping`);
    await cleanup();
    process.exit(1);
  });
}

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.unref();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

async function waitHealthy(url, until, died) {
  let last = '';
  while (Date.now() < until) {
    if (died()) throw new Error(`${died()} before it answered ${url} (log: ${join(tmp, 'code-server.log')})`);
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (r.ok) return;
      last = `HTTP ${r.status}`;
    } catch (e) {
      last = e.cause?.code ?? e.message;
    }
    await sleep(100);
  }
  throw new Error(`code-server did not answer ${url} in time (last: ${last})`);
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
