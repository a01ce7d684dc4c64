// Errors of an inventory fetch, and the classification of a failed ssh run
// from OpenSSH's own messages (exit status 255 = ssh itself failed).

export type InventoryErrorKind =
  | 'bad-destination'
  | 'ssh-missing'
  | 'host-key-unknown'
  | 'host-key-changed'
  | 'auth-failed'
  | 'connection-refused'
  | 'timed-out'
  | 'name-not-resolved'
  | 'connection-closed'
  | 'tool-missing'
  | 'truncated'
  | 'unparseable'
  | 'too-large'
  | 'cancelled'
  | 'failed';

/**
 * A failed inventory fetch. `message` is one line that names the host, the cause
 * and what to do; `host: ` is prefixed unless the message starts with it or quotes
 * the host (JSON-style); newlines are folded into spaces.
 * `stderr` keeps ssh's (or the remote command's) stderr for a details view.
 */
export class InventoryError extends Error {
  constructor(
    readonly host: string,
    readonly kind: InventoryErrorKind,
    message: string,
    readonly stderr?: string,
  ) {
    const line = oneLine(message);
    const named = !host || line.startsWith(`${host}:`) || line.includes(JSON.stringify(host));
    super(oneLine(named ? line : `${host}: ${line}`));
    this.name = 'InventoryError';
  }
}

/** The ssh config file the advice names when none is configured. */
const DEFAULT_SSH_CONFIG = '~/.ssh/config';

/**
 * The error with its advice naming the configured ssh config file (`libvirtDomain.ssh.configFile`,
 * passed as `ssh -F`, which replaces ~/.ssh/config) instead of ~/.ssh/config; unchanged without one.
 */
export function withSshConfigFile(err: InventoryError, configFile: string | undefined): InventoryError {
  if (!configFile || !err.message.includes(` in ${DEFAULT_SSH_CONFIG}`)) return err;
  const message = err.message.split(` in ${DEFAULT_SSH_CONFIG}`).join(` in ${oneLine(configFile)} (libvirtDomain.ssh.configFile)`);
  return new InventoryError(err.host, err.kind, message, err.stderr);
}

/** Collapses whitespace runs (newlines included) so a message stays on one line. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** The last non-empty line of stderr that is not one of ssh's decorative banner lines. */
function lastLine(stderr: string): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !/^@+$/.test(l));
  return lines.length ? lines[lines.length - 1] : '';
}

function quoteCause(line: string, max = 200): string {
  const l = oneLine(line);
  return l.length > max ? `${l.slice(0, max - 1)}…` : l;
}

/** `[127.0.0.1]:2222` → { host: '127.0.0.1', port: '2222' }; `kvm-a` → { host: 'kvm-a' }. */
function splitHostPort(text: string): { host: string; port?: string } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text);
  return m ? { host: m[1], port: m[2] } : { host: text };
}

/**
 * Turns a failed ssh run into an InventoryError. `exitCode` 255 means ssh itself
 * failed (its message is classified); 127 with "not found" means a command is
 * missing on the host; any other status is the remote command's own failure.
 */
export function classifySshFailure(host: string, exitCode: number | null, stderr: string): InventoryError {
  const err = (kind: InventoryErrorKind, message: string) => new InventoryError(host, kind, message, stderr);
  const s = stderr;
  let m: RegExpExecArray | null;

  if (exitCode === 127 && /not found|No such file or directory/i.test(s)) {
    return err(
      'tool-missing',
      `a command the inventory needs is missing on the host (${quoteCause(lastLine(s))}); install it or check the PATH of the login shell`,
    );
  }
  if (exitCode !== 255 && exitCode !== null) {
    const cause = lastLine(s);
    return err('failed', `the inventory command failed on the host with exit status ${exitCode}${cause ? ` (${quoteCause(cause)})` : ''}`);
  }

  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for \S+ has changed/i.test(s)) {
    const off = /Offending \S+ key in (\S+?):(\d+)/.exec(s);
    const where = off ? ` (recorded in ${off[1]} line ${off[2]})` : '';
    m = /Host key for (\S+) has changed/.exec(s);
    const target = m ? m[1] : host;
    return err(
      'host-key-changed',
      `the host key has CHANGED since it was recorded${where}: possibly a man-in-the-middle, or the host was reinstalled; verify the new key out of band, then remove the old one with ssh-keygen -R '${target}' and connect once with ssh`,
    );
  }
  if (
    (m = /No (\S+) host key is known for (\S+) and you have requested strict checking/.exec(s)) ||
    /Host key verification failed|authenticity of host .* can't be established/i.test(s)
  ) {
    const hp = m ? splitHostPort(m[2]) : { host, port: undefined };
    const scan = `ssh-keyscan ${hp.port ? `-p ${hp.port} ` : ''}${hp.host}`;
    return err(
      'host-key-unknown',
      `host key is not known; verify it and add it with ${scan} >> ~/.ssh/known_hosts, or connect once with ssh`,
    );
  }
  if ((m = /Permission denied \(([^)]*)\)/.exec(s)) || /Too many authentication failures/i.test(s)) {
    const methods = m ? ` (server accepts: ${m[1]})` : '';
    const idf = /(?:no such identity: |Identity file )(.+?)(?:: No such file or directory| not accessible)/.exec(s);
    const missing = idf ? `; the IdentityFile ${idf[1]} does not exist` : '';
    return err(
      'auth-failed',
      `authentication failed${methods}${missing}; ssh runs in batch mode, so use a key without a passphrase prompt: load it into the agent (ssh-add) or set IdentityFile and User for this host in ${DEFAULT_SSH_CONFIG}`,
    );
  }
  if (
    (m = /Could not resolve hostname (\S+?):/.exec(s)) ||
    /Name or service not known|nodename nor servname|Temporary failure in name resolution/i.test(s)
  ) {
    const name = m ? m[1] : host;
    return err(
      'name-not-resolved',
      `the host name ${name} cannot be resolved; check the spelling, DNS, or add a Host block with HostName in ${DEFAULT_SSH_CONFIG}`,
    );
  }
  if ((m = /connect to host (\S+) port (\d+): Connection refused/.exec(s)) || /Connection refused/i.test(s)) {
    const where = m ? ` (${m[1]} port ${m[2]})` : '';
    return err('connection-refused', `connection refused${where}; is sshd running there, and is the port right?`);
  }
  if (/timed out|Connection timed out|Operation timed out/i.test(s)) {
    const banner = /banner exchange/i.test(s)
      ? ' during the banner exchange (something accepts the connection but does not speak SSH)'
      : '';
    return err(
      'timed-out',
      `the connection timed out${banner}; check that the host is up and reachable on its ssh port, or raise the connect timeout`,
    );
  }
  if (/No route to host|Network is unreachable|Host is unreachable/i.test(s)) {
    return err('failed', `the host is unreachable (${quoteCause(lastLine(s))}); check the network path to it`);
  }
  if (
    /kex_exchange_identification|ssh_exchange_identification|Connection closed by|Connection reset by|closed by remote host|Broken pipe/i.test(
      s,
    )
  ) {
    return err(
      'connection-closed',
      `the connection was closed by the remote side (${quoteCause(lastLine(s))}); check sshd on the host (MaxStartups, AllowUsers, tcp wrappers, fail2ban) and any proxy in between`,
    );
  }
  if (
    /Bad configuration option|Can't open user config file|no argument after keyword|terminating, \d+ bad configuration options/i.test(s)
  ) {
    return err('failed', `ssh refused its configuration (${quoteCause(lastLine(s))}); fix the ssh config file`);
  }
  const cause = lastLine(s);
  if (!cause) {
    return err(
      'failed',
      'the ssh session ended without an exit status or a message (the remote shell was killed, or the connection dropped); try again, and check the host',
    );
  }
  return err('failed', `ssh failed (${quoteCause(cause)})`);
}
