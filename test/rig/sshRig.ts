// A real-sshd test rig: one OpenSSH server per simulated KVM host, on 127.0.0.1,
// each in its own mount + UTS namespace where overlays make /dev and the storage
// tools look like the host fixture (see fakeHost.ts). The client side is the
// system's real ssh, driven through a generated ssh_config file.
//
//   const rig = await startRig({ hosts: [{ name: 'kvm-a', fixtureDir }] });
//   await fetchCollectorOutput('kvm-a', { sshConfigFile: rig.sshConfigPath });
//   await rig.stop();
//
// A host with `realVirsh: true` keeps this machine's real virsh, which reaches the real libvirt
// daemon (test/rig/libvirtd.ts: call ensureLibvirtd first) through the shared /run/libvirt.
// Logged in as root it has libvirt's full access; as the non-root user (aliases.nonRoot, a member
// of RIG_LIBVIRT_GROUP, which owns the daemon's read-write socket) it has what a `libvirt` group
// member has on a host. The collector only ever connects read-only (virsh -r).
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync, appendFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildFakeHost, createToolLog, sq, type FakeTool, type RigFault } from './fakeHost';
import { canConnect, freePort } from './net';
import { RIG_USER, RigUnavailable, SSHD, ensureRigPrerequisites } from './prereq';
import { waitFor } from './wait';

export type { FakeTool, RigFault } from './fakeHost';
export { RigUnavailable, sudoUnavailable } from './prereq';

const execFileP = promisify(execFile);

export interface RigHostSpec {
  /** The ssh alias (and the simulated host's `uname -n`). */
  name: string;
  /** A host fixture directory (lsblk.json, links.tsv, ...; see fakeHost.ts). */
  fixtureDir: string;
  faults?: RigFault[];
  /** What the non-root user may run with `sudo -n` there (default: the README's sudoers entry; [] = not in sudoers). */
  sudoCommands?: string[];
  /** Use the machine's real virsh and libvirt daemon instead of the fixture's domains and pools. */
  realVirsh?: boolean;
}

export interface RigOptions {
  hosts: RigHostSpec[];
}

export interface RigHost {
  /** The ssh alias in the rig's ssh_config. */
  name: string;
  port: number;
  /** known_hosts with the right `[127.0.0.1]:PORT ssh-ed25519 ...` line. */
  knownHostsPath: string;
  /** One line per fake-tool run: the tool, then its arguments, tab-separated. */
  toolLogPath: string;
  /** The host key's public line (`ssh-ed25519 AAAA... comment`). */
  hostKeyPub: string;
  /** pid of the host's sshd (also its process group id). */
  pid: number;
  dir: string;
  /** The fixture as copied into the rig. */
  fixtureCopy: string;
  /** The fake tools present on the host. */
  tools: FakeTool[];
  /** virsh is the real one (RigHostSpec.realVirsh). */
  realVirsh: boolean;
  /** Aliases of the same sshd that fail in one way each. */
  aliases: {
    /** Empty known_hosts, StrictHostKeyChecking yes: host-key-unknown. */
    unknownHostKey: string;
    /** known_hosts holds another key for [127.0.0.1]:PORT: host-key-changed. */
    changedHostKey: string;
    /** A client key the server does not know: auth-failed. */
    wrongClientKey: string;
    /** An IdentityFile that does not exist: auth-failed. */
    missingClientKey: string;
    /** The same host, logged in as the non-root user (RIG_USER, in the libvirt-like RIG_GROUP). */
    nonRoot: string;
  };
  /** The fake-tool invocations so far, each as [tool, ...args]. */
  readToolLog(): string[][];
  /** What sshd logged so far (sshd -e). */
  sshdLog(): string;
}

export interface Rig {
  dir: string;
  /** Pass as `sshConfigFile` (ssh -F). */
  sshConfigPath: string;
  hosts: RigHost[];
  /** The user the sshds log in as by default: root, as the README advises. */
  user: string;
  /** The non-root user every host's `aliases.nonRoot` logs in as (member of the libvirt-like group). */
  nonRootUser: string;
  /** How long startRig took, in ms. */
  startMs: number;
  host(name: string): RigHost;
  /** Adds `Host <alias>` → 127.0.0.1:port (for listeners that are not sshd). */
  addAlias(alias: string, port: number): void;
  /** Kills every sshd and every process in their namespaces; removes the rig's files. */
  stop(): Promise<void>;
}

interface Running {
  child: ChildProcess;
  pid: number;
  ns: string;
}

const live = new Set<Running>();
let exitHookInstalled = false;

function ownMountNs(): string {
  return readlinkSync('/proc/self/ns/mnt');
}

/** pids of the processes in mount namespace `ns` (never ours). */
function pidsInNamespace(ns: string): number[] {
  if (ns === ownMountNs()) return []; // safety: never touch our own namespace
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      if (readlinkSync(`/proc/${entry}/ns/mnt`) === ns) pids.push(pid);
    } catch {
      // gone, or a zombie
    }
  }
  return pids;
}

function killRunning(r: Running): void {
  try {
    process.kill(-r.pid, 'SIGKILL');
  } catch {
    /* gone */
  }
  for (const pid of pidsInNamespace(r.ns)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const r of live) killRunning(r);
  });
}

async function keygen(path: string, comment: string): Promise<string> {
  await execFileP('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);
  return readFileSync(`${path}.pub`, 'utf8').trim();
}

/** `ssh-ed25519 AAAA... comment` → `ssh-ed25519 AAAA...` */
function keyOnly(pub: string): string {
  return pub.split(/\s+/).slice(0, 2).join(' ');
}

function hostBlock(alias: string, port: number, identityFile: string, knownHosts: string, user = 'root'): string {
  return [
    `Host ${alias}`,
    '  HostName 127.0.0.1',
    `  Port ${port}`,
    `  User ${user}`,
    `  IdentityFile ${identityFile}`,
    '  IdentitiesOnly yes',
    '  IdentityAgent none',
    `  UserKnownHostsFile ${knownHosts}`,
    '  GlobalKnownHostsFile /dev/null',
    '  StrictHostKeyChecking yes',
    '  UpdateHostKeys no',
    '',
  ].join('\n');
}

function sshdConfig(dir: string, port: number): string {
  return [
    `ListenAddress 127.0.0.1:${port}`,
    `HostKey ${join(dir, 'hostkey')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    `AllowUsers root ${RIG_USER}`,
    'UsePAM no',
    'StrictModes no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password',
    'MaxStartups 100',
    'X11Forwarding no',
    'AllowTcpForwarding no',
    'AllowAgentForwarding no',
    'PrintMotd no',
    'LogLevel INFO',
    '',
  ].join('\n');
}

async function startSshd(
  name: string,
  dir: string,
  mountCommands: string[],
): Promise<{ running: Running; port: number; log: () => string }> {
  const hostname = name.replace(/[^A-Za-z0-9.-]/g, '-').slice(0, 63) || 'rig-host';
  let lastLog = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const config = join(dir, 'sshd_config');
    writeFileSync(config, sshdConfig(dir, port));
    const script = [
      'set -e',
      'mount --make-rprivate /',
      `hostname ${sq(hostname)}`,
      ...mountCommands,
      // root's ~/.bashrc (sourced for "ssh host cmd") adds start-up time and PATH entries: not here.
      'if [ -f /root/.bashrc ]; then mount --bind /dev/null /root/.bashrc; fi',
      `exec ${SSHD} -D -e -f ${sq(config)}`,
    ].join('\n');
    const child = spawn('unshare', ['-m', '-u', 'sh', '-c', script], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => {
      log += s;
      if (log.length > 256 * 1024) log = log.slice(-128 * 1024);
    });
    let exited = false;
    child.once('exit', () => {
      exited = true;
    });
    child.once('error', () => {
      exited = true;
    });
    await waitFor(async () => exited || (await canConnect(port)), { timeoutMs: 10_000, what: `sshd of ${name} on port ${port}` });
    if (!exited && child.pid !== undefined) {
      const pid = child.pid;
      const ns = readlinkSync(`/proc/${pid}/ns/mnt`);
      if (ns === ownMountNs()) throw new Error(`sshd of ${name} is not in its own mount namespace`);
      return { running: { child, pid, ns }, port, log: () => log };
    }
    lastLog = log;
    if (!/Bind to port|Address already in use|Cannot bind any address/i.test(log)) break;
  }
  throw new Error(`sshd for rig host ${name} did not start: ${lastLog.trim()}`);
}

/** Starts one sshd per host. Throws RigUnavailable when the machine cannot run the rig. */
export async function startRig(opts: RigOptions): Promise<Rig> {
  const started = Date.now();
  const user = ensureRigPrerequisites();
  installExitHook();
  const names = new Set<string>();
  for (const h of opts.hosts) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(h.name)) throw new Error(`rig host name must be a plain alias: ${h.name}`);
    if (names.has(h.name)) throw new Error(`duplicate rig host ${h.name}`);
    names.add(h.name);
  }

  const dir = mkdtempSync(join(tmpdir(), 'ldi-rig-'));
  chmodSync(dir, 0o755);
  const running: Running[] = [];
  const stop = async () => {
    for (const r of running) killRunning(r);
    await waitFor(
      () =>
        running.every((r) => r.child.exitCode !== null || r.child.signalCode !== null) &&
        running.every((r) => pidsInNamespace(r.ns).length === 0),
      { timeoutMs: 10_000, what: "the rig's processes to end" },
    );
    for (const r of running) live.delete(r);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const emptyKnownHosts = join(dir, 'known_hosts.empty');
    writeFileSync(emptyKnownHosts, '');
    const [wrongHostPub] = await Promise.all([
      keygen(join(dir, 'wrong_host_key'), 'ldi-rig wrong host key'),
      keygen(join(dir, 'wrong_client_key'), 'ldi-rig unauthorized client key'),
    ]);
    const sshConfigPath = join(dir, 'ssh_config');
    let firstClientKey = '';

    const hosts = await Promise.all(
      opts.hosts.map(async (spec, i): Promise<RigHost> => {
        const hdir = join(dir, `h${i}-${spec.name}`);
        mkdirSync(hdir, { mode: 0o755 });
        chmodSync(hdir, 0o755);
        const [hostKeyPub, clientPub] = await Promise.all([
          keygen(join(hdir, 'hostkey'), `ldi-rig host key of ${spec.name}`),
          keygen(join(hdir, 'client_key'), `ldi-rig client key for ${spec.name}`),
        ]);
        if (i === 0) firstClientKey = join(hdir, 'client_key');
        writeFileSync(join(hdir, 'authorized_keys'), `${clientPub}\n`, { mode: 0o644 });
        const toolLogPath = join(hdir, 'tool.log');
        createToolLog(toolLogPath, user.uid, user.gid);
        const fake = buildFakeHost({
          name: spec.name,
          fixtureDir: spec.fixtureDir,
          dir: hdir,
          toolLogPath,
          faults: spec.faults,
          sudoCommands: spec.sudoCommands,
          realVirsh: spec.realVirsh,
        });

        const { running: r, port, log } = await startSshd(spec.name, hdir, fake.mountCommands);
        running.push(r);
        live.add(r);

        const knownHostsPath = join(hdir, 'known_hosts');
        writeFileSync(knownHostsPath, `[127.0.0.1]:${port} ${keyOnly(hostKeyPub)}\n`);
        const changed = join(hdir, 'known_hosts.changed');
        writeFileSync(changed, `[127.0.0.1]:${port} ${keyOnly(wrongHostPub)}\n`);
        return {
          name: spec.name,
          port,
          knownHostsPath,
          toolLogPath,
          hostKeyPub,
          pid: r.pid,
          dir: hdir,
          fixtureCopy: fake.fixtureCopy,
          tools: fake.tools,
          realVirsh: spec.realVirsh === true,
          aliases: {
            unknownHostKey: `${spec.name}.unknown-host-key`,
            changedHostKey: `${spec.name}.changed-host-key`,
            wrongClientKey: `${spec.name}.wrong-client-key`,
            missingClientKey: `${spec.name}.missing-client-key`,
            nonRoot: `${spec.name}.nonroot`,
          },
          readToolLog: () =>
            readFileSync(toolLogPath, 'utf8')
              .split('\n')
              .filter((l) => l)
              .map((l) => l.split('\t')),
          sshdLog: log,
        };
      }),
    );

    const blocks: string[] = ['# ssh_config of the libvirt-domain-xml test rig (generated)', ''];
    for (const h of hosts) {
      const key = join(h.dir, 'client_key');
      blocks.push(
        hostBlock(h.name, h.port, key, h.knownHostsPath),
        hostBlock(h.aliases.unknownHostKey, h.port, key, emptyKnownHosts),
        hostBlock(h.aliases.changedHostKey, h.port, key, join(h.dir, 'known_hosts.changed')),
        hostBlock(h.aliases.wrongClientKey, h.port, join(dir, 'wrong_client_key'), h.knownHostsPath),
        hostBlock(h.aliases.missingClientKey, h.port, join(dir, 'no-such-client-key'), h.knownHostsPath),
        hostBlock(h.aliases.nonRoot, h.port, key, h.knownHostsPath, RIG_USER),
      );
    }
    writeFileSync(sshConfigPath, blocks.join('\n'));

    return {
      dir,
      sshConfigPath,
      hosts,
      user: 'root',
      nonRootUser: user.name,
      startMs: Date.now() - started,
      host(name: string) {
        const h = hosts.find((x) => x.name === name);
        if (!h) throw new Error(`no rig host ${name}`);
        return h;
      },
      addAlias(alias: string, port: number) {
        appendFileSync(sshConfigPath, `\n${hostBlock(alias, port, firstClientKey || join(dir, 'wrong_client_key'), emptyKnownHosts)}`);
      },
      stop,
    };
  } catch (e) {
    await stop().catch(() => {});
    throw e;
  }
}

/**
 * startRig for tests: when the machine cannot run the rig, returns the reason
 * (the caller skips its tests with it), except under CI (env CI set), where it
 * throws so that the test run fails instead of silently skipping.
 */
export async function startRigOrSkip(opts: RigOptions): Promise<Rig | string> {
  try {
    return await startRig(opts);
  } catch (e) {
    if (e instanceof RigUnavailable && !process.env.CI) {
      console.log(`# ssh rig unavailable, its tests are skipped: ${e.message}`);
      return e.message;
    }
    throw e;
  }
}
