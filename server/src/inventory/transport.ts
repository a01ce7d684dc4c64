// Runs the read-only collector script on a host: `ssh ... -- DEST sh -s` with the
// script on stdin (or `sh -s` locally for the destination `local`). ssh is
// spawned with an argument array (never a shell) in its own process group, so a
// timeout, the size bound or an abort kills ssh and everything it started.
import { spawn } from 'node:child_process';
import script from './collector.sh';
import { splitCollectorOutput, type CollectorOutput } from './collectorOutput';
import { InventoryError, classifySshFailure } from './errors';

/** The collector script sent to every host (read-only; see collector.sh), with the default settings. */
export const COLLECTOR_SCRIPT: string = script;

/** The libvirt URI the collector connects virsh to unless told otherwise. */
export const DEFAULT_LIBVIRT_URI = 'qemu:///system';
const URI_LINE = `LDI_URI='${DEFAULT_LIBVIRT_URI}'\n`;
const SUDO_LINE = 'LDI_SUDO=0\n';
/** What a libvirt URI may look like before it is placed (single-quoted) into the script. */
const LIBVIRT_URI = /^[a-z+]+:\/\/[\w.\-@:[\]]*\/[\w/.-]*(\?[\w=&.-]*)?$/;

/** Refuses a libvirt URI outside the strict form (no quotes, spaces, $, ;, backslashes, …). Throws 'bad-destination'. */
export function validateLibvirtUri(uri: string, host = ''): void {
  if (typeof uri !== 'string' || uri.length > 256 || !LIBVIRT_URI.test(uri)) {
    throw new InventoryError(
      host,
      'bad-destination',
      `libvirt URI ${JSON.stringify(String(uri).slice(0, 80))} refused: it must look like qemu:///system or qemu+ssh://user@host/system (letters, digits and . _ - @ : [ ] / ? = & only)`,
    );
  }
}

/**
 * The collector script for these options: the URI and the sudo switch are the two setting lines
 * of the script, rewritten here (the URI validated, then single-quoted). With the defaults it is
 * COLLECTOR_SCRIPT itself.
 */
export function collectorScript(opts: { libvirtUri?: string; sudo?: boolean } = {}): string {
  let s = COLLECTOR_SCRIPT;
  const at = (line: string) => {
    const i = s.indexOf(`\n${line}`);
    if (i < 0 || s.indexOf(`\n${line}`, i + 1) >= 0) throw new Error(`collector.sh: setting line ${line.trim()} not found once`);
    return i + 1;
  };
  if (opts.libvirtUri !== undefined && opts.libvirtUri !== DEFAULT_LIBVIRT_URI) {
    validateLibvirtUri(opts.libvirtUri);
    const i = at(URI_LINE);
    s = `${s.slice(0, i)}LDI_URI='${opts.libvirtUri}'\n${s.slice(i + URI_LINE.length)}`;
  }
  if (opts.sudo) {
    const i = at(SUDO_LINE);
    s = `${s.slice(0, i)}LDI_SUDO=1\n${s.slice(i + SUDO_LINE.length)}`;
  }
  return s;
}

export interface TransportOptions {
  /** The ssh client to run; default 'ssh'. */
  sshPath?: string;
  /** An ssh config file passed with -F (then ~/.ssh/config and /etc/ssh/ssh_config are not read). */
  sshConfigFile?: string;
  /** ssh's ConnectTimeout (TCP connect and banner exchange), in seconds; default 10. */
  connectTimeoutSec?: number;
  /** Deadline for the whole fetch, in ms; default 60000. */
  timeoutMs?: number;
  /** Bound on the collector's stdout, in bytes; default 256 MiB. */
  maxBytes?: number;
  /** More ssh options, placed before `--` (e.g. ['-o', 'ControlMaster=auto']). */
  extraSshArgs?: string[];
  /** Aborting kills the ssh process group; the fetch then fails with 'cancelled'. */
  signal?: AbortSignal;
  /** The script to send instead of the collector (another read-only script of ours, e.g. the schema fetch). */
  script?: string;
  /**
   * A fixed command of ours to run instead of `sh -s` (e.g. `virsh -c URI define /dev/stdin`), its
   * arguments quoted for the remote shell; `script` is then its standard input. Never document text.
   */
  remoteCommand?: readonly string[];
  /** The libvirt URI virsh connects to (`virsh -c URI -r`); default qemu:///system. Validated strictly. */
  libvirtUri?: string;
  /** Run vxdmpadm, vxdisk and vxdctl through `sudo -n` when the login is not root; default false. */
  sudo?: boolean;
  /** Called once per spawn with the argv and the pid (undefined when the spawn failed). */
  onSpawn?: (argv: string[], pid?: number) => void;
}

export interface RawFetch {
  host: string;
  argv: string[];
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  /** pid of ssh (or of the local sh); it was also the process group id. */
  pid?: number;
  /** Why the transport killed the process group, if it did. */
  stoppedBy: 'timeout' | 'max-bytes' | 'abort' | null;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;
const DEFAULT_CONNECT_TIMEOUT_SEC = 10;
/** stderr kept in memory: its first part (where ssh's messages are). */
const MAX_STDERR_BYTES = 1024 * 1024;
/** The destination that runs the collector on this machine, without ssh. */
export const LOCAL_DESTINATION = 'local';

/**
 * Refuses a destination that ssh could read as an option or that holds anything
 * but [A-Za-z0-9._@:[]-] (no spaces, quotes, $, ;, / ...). Throws 'bad-destination'.
 */
export function validateDestination(dest: string): void {
  if (typeof dest !== 'string' || dest.length === 0) {
    throw new InventoryError(
      '',
      'bad-destination',
      'the ssh destination is empty; give a host alias from ~/.ssh/config, a host name, or user@host',
    );
  }
  const shown = JSON.stringify(dest);
  if (dest.startsWith('-')) {
    throw new InventoryError(
      dest,
      'bad-destination',
      `ssh destination ${shown} refused: it starts with "-", which ssh would read as an option`,
    );
  }
  if (!/^[A-Za-z0-9._@:[\]-]+$/.test(dest)) {
    throw new InventoryError(
      dest,
      'bad-destination',
      `ssh destination ${shown} refused: only A-Z a-z 0-9 . _ @ : [ ] - are allowed; use a host alias from ~/.ssh/config for anything else`,
    );
  }
}

/** One argument for the remote shell: as is when it holds only safe characters, else single-quoted. */
export function remoteShellWord(arg: string): string {
  return /^[A-Za-z0-9_/.:=@-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** ssh's arguments (without the program): options, then `--`, the destination and `sh -s` (or opts.remoteCommand). */
export function buildSshArgs(dest: string, opts: TransportOptions = {}): string[] {
  const connectTimeout = Math.max(1, Math.ceil(opts.connectTimeoutSec ?? DEFAULT_CONNECT_TIMEOUT_SEC));
  return [
    ...(opts.sshConfigFile ? ['-F', opts.sshConfigFile] : []),
    '-o',
    'BatchMode=yes',
    '-o',
    `ConnectTimeout=${connectTimeout}`,
    '-T',
    ...(opts.extraSshArgs ?? []),
    '--',
    dest,
    ...(opts.remoteCommand ? [opts.remoteCommand.map(remoteShellWord).join(' ')] : ['sh', '-s']),
  ];
}

/** Process groups of the fetches under way: killed if this process exits or is signalled first. */
const running = new Set<number>();
let exitHookInstalled = false;
function killRunning(): void {
  for (const pid of running) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  running.clear();
}
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', killRunning);
  // A signal ends node without running 'exit' handlers: end the ssh groups, then die of the same signal.
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.once(sig, () => {
      killRunning();
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    });
  }
}

/** Runs the collector on `dest` and returns what came back; throws only when nothing could be run. */
export async function runCollector(dest: string, opts: TransportOptions = {}): Promise<RawFetch> {
  validateDestination(dest);
  if (opts.libvirtUri !== undefined) validateLibvirtUri(opts.libvirtUri, dest);
  const input = opts.script ?? collectorScript(opts);
  if (opts.signal?.aborted) {
    throw new InventoryError(dest, 'cancelled', 'the inventory fetch was cancelled');
  }
  const local = dest === LOCAL_DESTINATION;
  const command = local ? (opts.remoteCommand?.[0] ?? 'sh') : (opts.sshPath ?? 'ssh');
  const args = local ? (opts.remoteCommand ? opts.remoteCommand.slice(1) : ['-s']) : buildSshArgs(dest, opts);
  const argv = [command, ...args];
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;

  const started = Date.now();
  const child = spawn(command, args, { detached: true, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
  const pid = child.pid;
  if (pid !== undefined) {
    running.add(pid);
    installExitHook();
    child.once('exit', () => running.delete(pid));
  }
  try {
    opts.onSpawn?.(argv, pid);
  } catch {
    // a logging callback must not leave ssh running unwatched
  }

  return new Promise<RawFetch>((resolve, reject) => {
    const out: Buffer[] = [];
    let outBytes = 0;
    const err: Buffer[] = [];
    let errBytes = 0;
    let stoppedBy: RawFetch['stoppedBy'] = null;
    let exited = false;
    let settled = false;

    const destroyStreams = () => {
      child.stdout?.destroy();
      child.stderr?.destroy();
      child.stdin?.destroy();
    };
    const stop = (why: NonNullable<RawFetch['stoppedBy']>) => {
      if (stoppedBy || settled) return;
      stoppedBy = why;
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          try {
            child.kill('SIGKILL');
          } catch {
            /* already gone */
          }
        }
      }
      // Something outside the group could still hold the pipes open: once the
      // child is gone, stop waiting for them.
      if (exited) destroyStreams();
    };

    const timer = setTimeout(() => stop('timeout'), timeoutMs);
    const onAbort = () => stop('abort');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const cleanup = () => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    };

    child.stdout!.on('data', (chunk: Buffer) => {
      if (stoppedBy) return;
      outBytes += chunk.length;
      if (outBytes > maxBytes) {
        stop('max-bytes');
        return;
      }
      out.push(chunk);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      if (errBytes >= MAX_STDERR_BYTES) return;
      const keep = chunk.subarray(0, MAX_STDERR_BYTES - errBytes);
      errBytes += keep.length;
      err.push(keep);
    });
    // ssh may exit before reading the script (e.g. a refused connection): ignore EPIPE.
    child.stdin!.on('error', () => {});
    child.stdout!.on('error', () => {});
    child.stderr!.on('error', () => {});

    child.on('error', (e: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      cleanup();
      destroyStreams();
      if (e.code === 'ENOENT') {
        reject(
          local
            ? new InventoryError(dest, 'failed', `no ${command} found on this machine to run the collector locally`)
            : new InventoryError(
                dest,
                'ssh-missing',
                `the ssh client "${command}" was not found; install OpenSSH (openssh-client) or set the ssh path in the settings`,
              ),
        );
      } else {
        reject(new InventoryError(dest, 'failed', `could not start ${command}: ${e.message}`));
      }
    });
    child.on('exit', () => {
      exited = true;
      if (stoppedBy) destroyStreams();
    });
    child.on('close', (code: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      cleanup();
      resolve({
        host: dest,
        argv,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        exitCode: code,
        signal,
        durationMs: Date.now() - started,
        pid: child.pid,
        stoppedBy,
      });
    });

    child.stdin!.end(input);
  });
}

/**
 * Runs the collector and splits its output. Throws an InventoryError when ssh
 * failed, when the output is cut short ('truncated'), over maxBytes ('too-large'),
 * late ('timed-out'), cancelled ('cancelled') or not collector output ('unparseable').
 */
export async function fetchCollectorOutput(dest: string, opts: TransportOptions = {}): Promise<{ raw: RawFetch; output: CollectorOutput }> {
  const raw = await runCollector(dest, opts);
  const fail = (kind: ConstructorParameters<typeof InventoryError>[1], message: string): never => {
    throw new InventoryError(dest, kind, message, raw.stderr);
  };
  if (raw.stoppedBy === 'abort') fail('cancelled', 'the inventory fetch was cancelled');
  if (raw.stoppedBy === 'timeout') {
    const secs = (opts.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000;
    fail(
      'timed-out',
      `no complete inventory within ${secs} s (the connection or a command on the host hangs); check the host, or raise the timeout`,
    );
  }
  if (raw.stoppedBy === 'max-bytes') {
    const mib = ((opts.maxBytes ?? DEFAULT_MAX_BYTES) / (1024 * 1024)).toFixed(1);
    fail(
      'too-large',
      `the inventory output exceeded ${mib} MiB and was cut off; raise the size limit if this host really has that many devices or domains`,
    );
  }
  const output = splitCollectorOutput(raw.stdout);
  if (output.complete) return { raw, output };
  if (output.version > 0) {
    const how = raw.signal ? `ssh was killed by ${raw.signal}` : `exit status ${raw.exitCode}`;
    fail(
      'truncated',
      `the inventory output ended early, without its end marker (${how}); the remote shell or the connection died: try again, and check the host`,
    );
  }
  if (raw.exitCode !== 0) throw classifySshFailure(dest, raw.exitCode, raw.stderr);
  return fail(
    'unparseable',
    'the host did not answer with collector output (a forced command in authorized_keys, or a login shell that prints text?); check that "ssh HOST sh -s" runs a shell there',
  );
}
