/** The ssh and libvirt options every host-reading command takes (lint, inventory, pull, define, audit), as TransportOptions. */
import { validateLibvirtUri, type TransportOptions } from '../inventory/transport';

/** The option specs (node:util parseArgs) of TransportArgs, spread into each command's options. */
export const TRANSPORT_OPTIONS = {
  'ssh-config': { type: 'string' },
  ssh: { type: 'string' },
  'connect-timeout': { type: 'string' },
  uri: { type: 'string' },
  sudo: { type: 'boolean', default: false },
} as const;

export interface TransportArgs {
  uri?: string;
  'ssh-config'?: string;
  ssh?: string;
  'connect-timeout'?: string;
  sudo?: boolean;
}

/** The transport these options ask for; a bad value throws `usageError(message)` (the caller's usage error). */
export function transportFromArgs(values: TransportArgs, usageError: (message: string) => Error): TransportOptions {
  const t = values['connect-timeout'];
  if (t !== undefined && (!/^\d+$/.test(t) || Number(t) > 86400))
    throw usageError(`--connect-timeout must be a whole number of seconds (at most 86400), not ${t}`);
  const uri = values.uri;
  if (uri !== undefined) {
    try {
      validateLibvirtUri(uri);
    } catch (e) {
      throw usageError((e as Error).message);
    }
  }
  return {
    sshConfigFile: values['ssh-config'],
    sshPath: values.ssh,
    connectTimeoutSec: t === undefined ? undefined : Number(t),
    libvirtUri: uri,
    sudo: values.sudo,
  };
}
