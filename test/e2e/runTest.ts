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
//   --vsix FILE          install this .vsix into the fresh code-server and test it as an installed extension
//                        (extensionDevelopmentPath = test/e2e/vsix-driver, suite vsix/)   LDX_E2E_VSIX
//   --no-rig             do not start the ssh rig (trusted runs start it)  LDX_E2E_RIG=0
// A fixture workspace under test/e2e/ is copied afresh to .vscode-test/ws/<name> (the same depth below the
// repository, so relative paths in its settings still reach examples/) and the copy is opened: tests may
// change its files. Suites: test files under out/e2e/suite/<suite>/ run, suite = restricted (--untrusted),
// vsix (--vsix) or main; --files overrides.
// The trusted run starts the ssh rig (test/rig/sshRig.ts: a real sshd serving examples/hosts/kvm-a) and
// passes LDX_E2E_SSH_CONFIG / LDX_E2E_RIG_TOOL_LOG to the tests, or LDX_E2E_RIG_SKIP with the reason
// (under CI an unavailable rig fails the run).
// Which VS Code: code-server via test/e2e/code-launcher.sh when .vscode-test/tools/node_modules/code-server
// exists or LDX_E2E_CODE_SERVER=1; LDX_E2E_DOWNLOAD=1 lets @vscode/test-electron download VS Code
// (LDX_E2E_VSCODE_VERSION, default 'stable').
import * as fs from 'fs';
import * as path from 'path';
import * as os from 'os';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import { writeFleetHost } from '../rig/fleet';
import { closedPort } from '../rig/net';
import { FLEET } from '../rig/seededFleet';
import { startRigOrSkip, type Rig } from '../rig/sshRig';

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
  const vsixOpt = option('--vsix', 'LDX_E2E_VSIX');
  const vsix = vsixOpt ? path.resolve(vsixOpt) : undefined;
  if (vsix && !fs.existsSync(vsix)) throw new Error(`vsix not found: ${vsix} (npm run package)`);
  const suite = vsix ? 'vsix' : untrusted ? 'restricted' : 'main';
  const defaultWorkspace = path.join(root, untrusted ? 'test/e2e/workspace-untrusted' : 'test/e2e/workspace');
  const workspaceOpt = option('--workspace', 'LDX_E2E_WORKSPACE');
  let workspace = workspaceOpt ? path.resolve(workspaceOpt) : fs.existsSync(defaultWorkspace) ? defaultWorkspace : undefined;
  if (workspace && !fs.existsSync(workspace)) throw new Error(`workspace not found: ${workspace}`);
  const fixture = workspace;
  if (workspace && fs.statSync(workspace).isDirectory() && workspace.startsWith(path.join(root, 'test/e2e') + path.sep)) {
    const copy = path.join(root, '.vscode-test/ws', path.basename(workspace));
    fs.rmSync(copy, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(copy), { recursive: true });
    fs.cpSync(workspace, copy, { recursive: true });
    for (const m of fs.readdirSync(copy).filter((f) => f.endsWith('.marker'))) fs.rmSync(path.join(copy, m));
    workspace = copy;
  }
  const extensionDevelopmentPath = path.resolve(
    option('--extension', 'LDX_E2E_EXTENSION') ?? (vsix ? path.join(root, 'test/e2e/vsix-driver') : root),
  );
  const extensionTestsPath = path.resolve(option('--tests', 'LDX_E2E_TESTS') ?? path.join(root, 'out/e2e/suite/index.js'));
  if (!fs.existsSync(extensionTestsPath)) throw new Error(`${extensionTestsPath} not found: run node test/e2e/build.mjs first`);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ldx-e2e-run-'));

  // Reaches the extension host (the launcher passes its whole environment to code-server).
  const extensionTestsEnv: Record<string, string | undefined> = {
    LDX_E2E_UNTRUSTED: untrusted ? '1' : '0',
    LDX_E2E_WORKSPACE: workspace ?? '',
    LDX_E2E_FILES: option('--files', 'LDX_E2E_FILES') ?? '',
    LDX_E2E_GREP: option('--grep', 'LDX_E2E_GREP') ?? '',
    LDX_E2E_LABEL: option('--label', 'LDX_E2E_LABEL') ?? (vsix ? 'vsix' : untrusted ? 'untrusted' : ''),
    LDX_E2E_SUITE: suite,
    LDX_E2E_FIXTURE: fixture ?? '',
    LDX_E2E_REPO: root,
    LDX_E2E_INSTALL_VSIX: vsix ?? '',
    // The fake ssh (test/e2e/workspace-untrusted/fake-ssh.sh) appends a line here whenever it runs.
    LDX_E2E_SSH_MARKER: path.join(scratch, 'fake-ssh.marker'),
    LDX_E2E_FAKE_SSH: path.join(root, 'test/e2e/workspace-untrusted/fake-ssh.sh'),
    LDX_E2E_SCRATCH: scratch,
  };

  // The live host: a real sshd on 127.0.0.1 serving the example host (trusted main suite only).
  let rig: Rig | undefined;
  const wantRig = suite === 'main' && !process.argv.includes('--no-rig') && process.env.LDX_E2E_RIG !== '0';
  if (wantRig) {
    const t0 = Date.now();
    // Audit Hosts: two hosts of the seeded fleet sharing a LUN, and a host whose fetch never ends (for Cancel).
    const fleetDir = path.join(scratch, 'fleet');
    const fleet = FLEET.filter((h) => h.name === 'dmp-1' || h.name === 'mp-1').map((h) => ({
      name: h.name,
      fixtureDir: writeFleetHost(fleetDir, h),
    }));
    const hung = {
      name: 'hung-1',
      fixtureDir: writeFleetHost(fleetDir, { ...FLEET[FLEET.length - 1], name: 'hung-1' }),
      faults: [{ kind: 'hang' as const }],
    };
    extensionTestsEnv.LDX_E2E_FLEET_DIR = fleetDir;
    const r = await startRigOrSkip({ hosts: [{ name: 'kvm-a', fixtureDir: path.join(root, 'examples/hosts/kvm-a') }, ...fleet, hung] });
    if (typeof r === 'string') extensionTestsEnv.LDX_E2E_RIG_SKIP = r;
    else {
      rig = r;
      rig.addAlias('kvm-down', await closedPort());
      extensionTestsEnv.LDX_E2E_SSH_CONFIG = rig.sshConfigPath;
      extensionTestsEnv.LDX_E2E_RIG_TOOL_LOG = rig.host('kvm-a').toolLogPath;
      console.log(
        `e2e: ssh rig up in ${Date.now() - t0} ms (kvm-a on 127.0.0.1:${rig.host('kvm-a').port}, dmp-1, mp-1, hung-1; kvm-down refused)`,
      );
    }
  } else extensionTestsEnv.LDX_E2E_RIG_SKIP = 'the ssh rig is not started for this run';

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
    throw new Error(
      'no VS Code to test in: run scripts/setup-editor-tests.sh (code-server), or set LDX_E2E_DOWNLOAD=1 on a machine with internet',
    );
  }

  const launchArgs = [...(workspace ? [workspace] : []), '--disable-extensions'];
  console.log(
    `e2e: ${vscodeExecutablePath && !extensionTestsEnv.LDX_E2E_REAL_VSCODE ? 'code-server' : 'VS Code (download)'}, ` +
      `suite ${suite}, workspace ${workspace ?? '(none)'}, ${untrusted ? 'UNTRUSTED' : 'trusted'}${vsix ? `, installing ${path.relative(root, vsix)}` : ''}`,
  );
  try {
    return await runTests({
      vscodeExecutablePath,
      version: process.env.LDX_E2E_VSCODE_VERSION || undefined,
      extensionDevelopmentPath,
      extensionTestsPath,
      launchArgs,
      extensionTestsEnv,
    });
  } finally {
    await rig?.stop().catch((e: unknown) => console.error(`e2e: stopping the ssh rig: ${e instanceof Error ? e.message : e}`));
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`e2e: FAILED: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
