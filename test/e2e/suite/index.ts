// Mocha loader that runs inside the extension host (the `extensionTestsPath` entry).
// Runs every *.e2e.js bundled next to this file (out/e2e/suite/**), ui 'tdd' (suite/test).
// Env (set by runTest.ts, reaches the extension host): LDX_E2E_FILES = comma-separated
// substrings selecting test files (default: the run's suite folder, LDX_E2E_SUITE = main |
// restricted | vsix, plus files directly in suite/); LDX_E2E_GREP = mocha grep on test titles.
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';

function findTests(dir: string, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) findTests(p, out);
    else if (entry.name.endsWith('.e2e.js')) out.push(p);
  }
  return out;
}

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60_000 });
  if (process.env.LDX_E2E_GREP) mocha.grep(process.env.LDX_E2E_GREP);
  const only = (process.env.LDX_E2E_FILES ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  // editor.e2e first: it checks what a fresh window does before any libvirt document is open (the
  // server not started yet); the others in name order.
  const first = (f: string) => (path.basename(f) === 'editor.e2e.js' ? 0 : 1);
  let files = findTests(__dirname).sort((a, b) => first(a) - first(b) || (a < b ? -1 : a > b ? 1 : 0));
  const suite = process.env.LDX_E2E_SUITE;
  if (only.length) files = files.filter((f) => only.some((o) => path.relative(__dirname, f).includes(o)));
  else if (suite)
    files = files.filter((f) => {
      const rel = path.relative(__dirname, f);
      return !rel.includes(path.sep) || rel.startsWith(suite + path.sep);
    });
  if (files.length === 0) {
    return Promise.reject(new Error(`no *.e2e.js test files in ${__dirname}${only.length ? ` matching ${only.join(',')}` : ''}`));
  }
  for (const f of files) mocha.addFile(f);
  return new Promise((resolve, reject) => {
    try {
      mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} e2e test(s) failed`)) : resolve()));
    } catch (err) {
      reject(err);
    }
  });
}
