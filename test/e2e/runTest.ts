// Entry point of the editor (e2e) tests: node out/e2e/runTest.js [options]
//
// Options (each also as env):
//   --workspace DIR      folder (or .code-workspace) to open      LDX_E2E_WORKSPACE   (default test/e2e/workspace if it exists)
//   --untrusted          keep workspace trust ON (restricted mode) LDX_E2E_UNTRUSTED=1
//   --files a,b          only test files whose path contains a or b  LDX_E2E_FILES
//   --grep PATTERN       mocha grep on test titles               LDX_E2E_GREP
//   --label NAME         screenshot name suffix                  LDX_E2E_LABEL
//   --extension DIR      extensionDevelopmentPath                LDX_E2E_EXTENSION   (default: repo root)
//   --tests FILE         extensionTestsPath                      LDX_E2E_TESTS       (default: out/e2e/suite/index.js)
// Which VS Code: code-server via test/e2e/code-launcher.sh when .vscode-test/tools/node_modules/code-server
// exists or LDX_E2E_CODE_SERVER=1; LDX_E2E_DOWNLOAD=1 lets @vscode/test-electron download VS Code
// (LDX_E2E_VSCODE_VERSION, default 'stable').
import * as fs from 'fs';
import * as path from 'path';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';

const root = path.resolve(__dirname, '../..');

function option(flag: string, envName: string): string | undefined {
  const i = process.argv.indexOf(flag);
  if (i >= 0) {
    const v = process.argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value`);
    return v;
  }
  const eq = process.argv.find((a) => a.startsWith(`${flag}=`));
  if (eq) return eq.slice(flag.length + 1);
  return process.env[envName] || undefined;
}

async function main(): Promise<number> {
  const untrusted = process.argv.includes('--untrusted') || process.env.LDX_E2E_UNTRUSTED === '1';
  const defaultWorkspace = path.join(root, 'test/e2e/workspace');
  const workspaceOpt = option('--workspace', 'LDX_E2E_WORKSPACE');
  const workspace = workspaceOpt ? path.resolve(workspaceOpt) : fs.existsSync(defaultWorkspace) ? defaultWorkspace : undefined;
  if (workspace && !fs.existsSync(workspace)) throw new Error(`workspace not found: ${workspace}`);
  const extensionDevelopmentPath = path.resolve(option('--extension', 'LDX_E2E_EXTENSION') ?? root);
  const extensionTestsPath = path.resolve(option('--tests', 'LDX_E2E_TESTS') ?? path.join(root, 'out/e2e/suite/index.js'));
  if (!fs.existsSync(extensionTestsPath)) throw new Error(`${extensionTestsPath} not found: run node test/e2e/build.mjs first`);

  // Reaches the extension host (the launcher passes its whole environment to code-server).
  const extensionTestsEnv: Record<string, string | undefined> = {
    LDX_E2E_UNTRUSTED: untrusted ? '1' : '0',
    LDX_E2E_WORKSPACE: workspace ?? '',
    LDX_E2E_FILES: option('--files', 'LDX_E2E_FILES') ?? '',
    LDX_E2E_GREP: option('--grep', 'LDX_E2E_GREP') ?? '',
    LDX_E2E_LABEL: option('--label', 'LDX_E2E_LABEL') ?? (untrusted ? 'untrusted' : ''),
  };

  const launcher = path.join(root, 'test/e2e/code-launcher.sh');
  const codeServer = path.join(root, '.vscode-test/tools/node_modules/code-server');
  let vscodeExecutablePath: string | undefined;
  if (process.env.LDX_E2E_DOWNLOAD === '1') {
    if (untrusted) {
      // runTests always adds --disable-workspace-trust; the launcher's pass-through mode drops it.
      extensionTestsEnv.LDX_E2E_REAL_VSCODE = await downloadAndUnzipVSCode(process.env.LDX_E2E_VSCODE_VERSION || 'stable');
      vscodeExecutablePath = launcher;
    }
  } else if (process.env.LDX_E2E_CODE_SERVER === '1' || fs.existsSync(codeServer)) {
    vscodeExecutablePath = launcher;
  } else {
    throw new Error('no VS Code to test in: run scripts/setup-editor-tests.sh (code-server), or set LDX_E2E_DOWNLOAD=1 on a machine with internet');
  }

  const launchArgs = [...(workspace ? [workspace] : []), '--disable-extensions'];
  console.log(`e2e: ${vscodeExecutablePath && !extensionTestsEnv.LDX_E2E_REAL_VSCODE ? 'code-server' : 'VS Code (download)'}, ` +
    `workspace ${workspace ?? '(none)'}, ${untrusted ? 'UNTRUSTED' : 'trusted'}`);
  return runTests({
    vscodeExecutablePath,
    version: process.env.LDX_E2E_VSCODE_VERSION || undefined,
    extensionDevelopmentPath,
    extensionTestsPath,
    launchArgs,
    extensionTestsEnv,
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`e2e: FAILED: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
