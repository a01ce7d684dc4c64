// What the ssh rig needs on the machine: root, OpenSSH (client and server),
// unshare + overlayfs, /run/sshd, and a dedicated test user whose shell is /bin/sh.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';

/** The unprivileged user the rig's sshds also let in (no home, shell /bin/sh, key login only). */
export const RIG_USER = 'ldi-rig';
/** Its supplementary group: the rig's fake virsh lets its members reach qemu:///system, as `libvirt` does. */
export const RIG_GROUP = 'ldi-libvirt';
export const SSHD = '/usr/sbin/sshd';
export const SUDO = '/usr/bin/sudo';

/** The rig cannot run on this machine; the reason says why. */
export class RigUnavailable extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'RigUnavailable';
  }
}

function run(cmd: string, args: string[], timeoutMs = 30_000): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

export function which(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd], { encoding: 'utf8' });
  const p = r.stdout?.trim();
  return r.status === 0 && p ? p : undefined;
}

function haveOpenSsh(): boolean {
  return existsSync(SSHD) && !!which('ssh') && !!which('ssh-keygen');
}

export interface RigUser {
  name: string;
  uid: number;
  gid: number;
}

let checked: RigUser | undefined;

/**
 * Makes sure the rig can run, installing OpenSSH with apt-get when it is missing.
 * Throws RigUnavailable (with the reason) when a prerequisite cannot be had.
 */
export function ensureRigPrerequisites(): RigUser {
  if (checked) return checked;
  if (process.platform !== 'linux') throw new RigUnavailable('the ssh rig needs Linux (mount namespaces, overlayfs)');
  if (process.getuid?.() !== 0) throw new RigUnavailable('the ssh rig needs root (unshare -m, mount, useradd)');

  if (!haveOpenSsh()) {
    if (!which('apt-get')) throw new RigUnavailable(`OpenSSH is missing (${SSHD}, ssh, ssh-keygen) and there is no apt-get to install it`);
    // Another test file may be installing at the same moment: wait for dpkg's lock.
    const install = ['-o', 'DPkg::Lock::Timeout=300', 'install', '-y', '-q', 'openssh-server', 'openssh-client'];
    let r = run('apt-get', install, 600_000);
    if (!r.ok && !haveOpenSsh()) {
      run('apt-get', ['-o', 'DPkg::Lock::Timeout=300', 'update', '-q'], 600_000);
      r = run('apt-get', install, 600_000);
    }
    if (!haveOpenSsh())
      throw new RigUnavailable(`could not install OpenSSH with apt-get: ${r.out.trim().split('\n').slice(-3).join(' | ')}`);
  }
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });

  for (const tool of ['unshare', 'mount', 'mknod', 'hostname']) {
    if (!which(tool)) throw new RigUnavailable(`the ssh rig needs ${tool} (util-linux / coreutils / hostname)`);
  }
  if (!/\boverlay$/m.test(readFileSync('/proc/filesystems', 'utf8')) && !run('modprobe', ['overlay']).ok) {
    throw new RigUnavailable('the ssh rig needs overlayfs (modprobe overlay failed)');
  }
  const ns = run('unshare', ['-m', '-u', 'sh', '-c', 'mount --make-rprivate / && hostname ldi-rig-probe']);
  if (!ns.ok) throw new RigUnavailable(`cannot create mount/UTS namespaces here (unshare -m -u): ${ns.out.trim()}`);

  if (!run('id', ['-u', RIG_USER]).ok) {
    const add = run('useradd', ['-M', '-d', '/', '-s', '/bin/sh', '-c', 'libvirt-domain-xml ssh test rig', RIG_USER]);
    // Another test file may have created it at the same moment.
    if (!add.ok && !run('id', ['-u', RIG_USER]).ok)
      throw new RigUnavailable(`could not create the test user ${RIG_USER}: ${add.out.trim()}`);
    // A "!" password means "locked", which sshd refuses when UsePAM is off; "*" means "no password".
    if (add.ok) run('usermod', ['-p', '*', RIG_USER]);
  }
  if (!run('getent', ['group', RIG_GROUP]).ok) {
    const g = run('groupadd', ['-r', RIG_GROUP]);
    if (!g.ok && !run('getent', ['group', RIG_GROUP]).ok)
      throw new RigUnavailable(`could not create the group ${RIG_GROUP}: ${g.out.trim()}`);
  }
  if (!run('id', ['-Gn', RIG_USER]).out.split(/\s+/).includes(RIG_GROUP)) {
    const m = run('usermod', ['-a', '-G', RIG_GROUP, RIG_USER]);
    if (!m.ok) throw new RigUnavailable(`could not add ${RIG_USER} to ${RIG_GROUP}: ${m.out.trim()}`);
  }
  const uid = Number(run('id', ['-u', RIG_USER]).out.trim());
  const gid = Number(run('id', ['-g', RIG_USER]).out.trim());
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new RigUnavailable(`cannot read the ids of ${RIG_USER}`);
  checked = { name: RIG_USER, uid, gid };
  return checked;
}

/**
 * Why the collector's `sudo -n` mode cannot run for real in the rig (undefined: it can): sudo must
 * be installed (Debian package sudo; scripts/setup-test-tools.sh installs it), setuid root, with
 * /etc/sudoers (whose `@includedir /etc/sudoers.d` reads the rig's drop-in). Callers skip with the
 * reason, except under CI (env CI set), where it is a failure.
 */
export function sudoUnavailable(): string | undefined {
  if (!existsSync(SUDO)) return `sudo is not installed (${SUDO}; scripts/setup-test-tools.sh installs the package sudo)`;
  const st = statSync(SUDO);
  if (st.uid !== 0 || !(st.mode & 0o4000)) return `${SUDO} is not setuid root`;
  if (!existsSync('/etc/sudoers')) return '/etc/sudoers is missing';
  if (!/^\s*[@#]includedir\s+\/etc\/sudoers\.d\s*$/m.test(readFileSync('/etc/sudoers', 'utf8')))
    return '/etc/sudoers does not include /etc/sudoers.d';
  return undefined;
}
