// ansible/collect.yml against the ssh rig: an Ansible inventory of rig hosts (reached through the
// rig's generated ssh_config, host key checking on) and one ansible-playbook run, isolated from the
// user's Ansible settings (own HOME, ANSIBLE_CONFIG, local temp; no ANSIBLE_* from the environment).
// ssh, scp and sftp are found first in a directory of wrappers that record each invocation's argv
// and exec the real client: what Ansible asked of ssh (and that it copied nothing) is checkable.
//
//   const r = await collectWithAnsible(rig, ['kvm-a', 'kvm-b'], outDir);
//   // r.status 0, outDir/kvm-a.out and outDir/kvm-b.out hold each host's raw collector output
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { repoRoot } from './paths';
import { which } from './prereq';
import type { Rig } from './sshRig';

/** The playbook under test. */
export const COLLECT_PLAYBOOK = join(repoRoot(), 'ansible', 'collect.yml');

/**
 * Why ansible-playbook cannot run here (undefined: it can). scripts/setup-test-tools.sh installs the
 * Debian package ansible-core. Callers skip with the reason, except under CI (env CI set), where it
 * is a failure.
 */
export function ansibleUnavailable(): string | undefined {
  if (!which('ansible-playbook'))
    return 'ansible-playbook is not installed (Debian package ansible-core; scripts/setup-test-tools.sh installs it)';
  return undefined;
}

/**
 * Writes an Ansible inventory (YAML, as JSON) with `hosts` in the group `kvm`: each an alias of the
 * rig's ssh_config (rig hosts, or aliases added with rig.addAlias), reached with `-F ssh_config`.
 */
export function writeAnsibleInventory(
  rig: Rig,
  hosts: string[],
  path: string,
  hostVars: Record<string, Record<string, unknown>> = {},
): void {
  const quoted = shellWord(rig.sshConfigPath);
  const inventory = {
    all: {
      children: {
        kvm: {
          hosts: Object.fromEntries(hosts.map((h) => [h, hostVars[h] ?? {}])),
          vars: {
            ansible_ssh_common_args: `-F ${quoted}`,
            ansible_python_interpreter: '/usr/bin/python3',
          },
        },
      },
    },
  };
  writeFileSync(path, `${JSON.stringify(inventory, null, 2)}\n`);
}

export interface AnsibleCollectResult {
  /** ansible-playbook's exit status (0 all collected, 2 a host failed). */
  status: number | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** The output directory, absolute. */
  outDir: string;
  /** The hosts the play failed (from the recap: failed or unreachable). */
  failedHosts: string[];
  /** The `ansible-playbook` argv. */
  argv: string[];
  /** Every ssh, scp and sftp run, as its argv (argv[0] the program's name), in no particular order. */
  sshInvocations: string[][];
}

export interface AnsibleCollectOptions {
  /** The working directory of ansible-playbook (default: a fresh temporary directory); `outDir` may be relative to it. */
  cwd?: string;
  /** More `-e NAME=VALUE` (libvirt_uri, sudo: for every host). */
  extraVars?: Record<string, string>;
  /** Inventory variables of single hosts (libvirt_uri, sudo). */
  hostVars?: Record<string, Record<string, unknown>>;
  timeoutMs?: number;
}

function shellWord(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The hosts with failed=N or unreachable=N (N > 0) in the PLAY RECAP. */
export function recapFailures(stdout: string): string[] {
  const recap = stdout.slice(stdout.lastIndexOf('PLAY RECAP'));
  const failed: string[] = [];
  for (const m of recap.matchAll(/^(\S+)\s+:\s+ok=\d+.*$/gm)) {
    if (/\b(failed|unreachable)=[1-9]/.test(m[0])) failed.push(m[1]);
  }
  return failed;
}

/**
 * Runs `ansible-playbook -i INVENTORY ansible/collect.yml -e out_dir=OUT_DIR` over `hosts` (aliases
 * of the rig's ssh_config) and returns what it did. Ansible's own state (HOME, ~/.ansible, local
 * temp, config) lives in a temporary directory removed afterwards; host key checking stays on.
 */
export async function collectWithAnsible(
  rig: Rig,
  hosts: string[],
  outDir: string,
  opts: AnsibleCollectOptions = {},
): Promise<AnsibleCollectResult> {
  const work = mkdtempSync(join(tmpdir(), 'ldx-ansible-'));
  try {
    const home = join(work, 'home');
    mkdirSync(home);
    const config = join(work, 'ansible.cfg');
    writeFileSync(config, '');
    const inventory = join(work, 'inventory.yml');
    writeAnsibleInventory(rig, hosts, inventory, opts.hostVars);
    const bin = join(work, 'bin');
    const calls = join(work, 'calls');
    mkdirSync(bin);
    mkdirSync(calls);
    for (const tool of ['ssh', 'scp', 'sftp']) {
      const real = which(tool);
      const body = [
        '#!/bin/sh',
        `f=$(mktemp ${shellWord(join(calls, `${tool}.XXXXXX`))}) || exit 255`,
        `printf '%s\\0' ${tool} "$@" >"$f"`,
        real ? `exec ${shellWord(real)} "$@"` : `echo '${tool}: not installed' >&2; exit 127`,
        '',
      ].join('\n');
      writeFileSync(join(bin, tool), body, { mode: 0o755 });
    }
    const cwd = opts.cwd ?? mkdtempSync(join(work, 'cwd-'));
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ANSIBLE_')) env[k] = v;
    Object.assign(env, {
      HOME: home,
      ANSIBLE_CONFIG: config,
      ANSIBLE_LOCAL_TEMP: join(work, 'local-tmp'),
      ANSIBLE_NOCOLOR: '1',
      ANSIBLE_RETRY_FILES_ENABLED: '0',
      // The playbook runs `node …/dist/cli.js collector-script`: this node.
      PATH: [bin, dirname(process.execPath), env.PATH ?? '/usr/bin:/bin'].join(delimiter),
    });
    const extra = Object.entries(opts.extraVars ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    const argv = ['ansible-playbook', '-i', inventory, COLLECT_PLAYBOOK, '-e', `out_dir=${outDir}`, ...extra];
    const started = Date.now();
    const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
      const child = spawn(argv[0], argv.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
      child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
      const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 300_000);
      child.on('error', (e) => {
        clearTimeout(timer);
        done({ status: null, stdout, stderr: `${stderr}${e.message}\n` });
      });
      child.on('close', (status) => {
        clearTimeout(timer);
        done({ status, stdout, stderr });
      });
    });
    return {
      ...r,
      durationMs: Date.now() - started,
      outDir: isAbsolute(outDir) ? outDir : resolve(cwd, outDir),
      failedHosts: recapFailures(r.stdout),
      argv,
      sshInvocations: readdirSync(calls).map((f) => readFileSync(join(calls, f), 'utf8').split('\0').slice(0, -1)),
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
