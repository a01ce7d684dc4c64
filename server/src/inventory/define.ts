/**
 * The one write this project makes on a host: `virsh -c URI define /dev/stdin`, the domain XML on
 * standard input. The host's definition changes only through libvirt, and no document text is on a
 * command line (the remote command is fixed; the URI is validated and quoted).
 */
import { classifySshFailure, InventoryError, oneLine } from './errors';
import { DEFAULT_LIBVIRT_URI, LOCAL_DESTINATION, runCollector, validateLibvirtUri, type TransportOptions } from './transport';

/** The command run on the host (shown by the CLI and the README: nothing else is run to change a host). */
export function defineCommand(libvirtUri = DEFAULT_LIBVIRT_URI): string[] {
  return ['virsh', '-c', libvirtUri, 'define', '/dev/stdin'];
}

/**
 * On this machine (destination `local`) the command runs without ssh, and Node gives a child's
 * standard input as a socket, which `virsh define /dev/stdin` cannot open (ENXIO): a shell's `cat |`
 * makes it a pipe. The URI is an argument of the shell (`$1`), never part of its script.
 */
function localDefineCommand(libvirtUri: string): string[] {
  return ['sh', '-c', 'cat | exec virsh -c "$1" define /dev/stdin', 'sh', libvirtUri];
}

/** virsh's own words without its `error: ` prefixes, on one line. */
function virshError(stderr: string): string {
  return oneLine(
    stderr
      .split('\n')
      .map((l) => l.replace(/^error:\s*/, ''))
      .filter(Boolean)
      .join('; '),
  ).slice(0, 500);
}

/** Defines `xml` on `dest`. Resolves to virsh's one-line answer; throws an InventoryError naming the host and the cause. */
export async function defineOnHost(dest: string, xml: string, opts: TransportOptions = {}): Promise<string> {
  const uri = opts.libvirtUri ?? DEFAULT_LIBVIRT_URI;
  validateLibvirtUri(uri, dest);
  const raw = await runCollector(dest, {
    ...opts,
    script: xml,
    remoteCommand: dest === LOCAL_DESTINATION ? localDefineCommand(uri) : defineCommand(uri),
    timeoutMs: opts.timeoutMs ?? 60_000,
    maxBytes: opts.maxBytes ?? 1024 * 1024,
  });
  if (raw.stoppedBy === 'abort') throw new InventoryError(dest, 'cancelled', 'the define was cancelled; the host may or may not have it');
  if (raw.stoppedBy === 'timeout')
    throw new InventoryError(dest, 'timed-out', 'virsh define did not answer in time; read the definition back before trying again');
  if (raw.stoppedBy === 'max-bytes') throw new InventoryError(dest, 'too-large', 'virsh define printed more than expected');
  if (raw.exitCode === 0) return oneLine(raw.stdout).slice(0, 500);
  if (raw.exitCode === 255 && dest !== LOCAL_DESTINATION) throw classifySshFailure(dest, 255, raw.stderr);
  if (raw.exitCode === 127) throw new InventoryError(dest, 'tool-missing', 'virsh is not installed there (libvirt-clients)', raw.stderr);
  throw new InventoryError(
    dest,
    'failed',
    `virsh define refused the definition: ${virshError(raw.stderr) || `exit ${raw.exitCode}`}`,
    raw.stderr,
  );
}
