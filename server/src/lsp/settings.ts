/** The server's view of the `libvirtDomain.*` settings, normalised. */
import type { SeverityOverrides } from '../features/diagnostics';

export interface HostGroupSetting {
  name: string;
  hosts: string[];
  /** Glob patterns (workspace-relative or absolute) of the files this group applies to. */
  files: string[];
}

export interface ServerSettings {
  /** Host groups; a plain list of hosts is one group named "default" applying to every file. */
  hostGroups: HostGroupSetting[];
  sshPath?: string;
  sshConfigFile?: string;
  sshExtraArgs: string[];
  /** `libvirtDomain.ssh.sudo`: vxdmpadm/vxdisk/vxdctl through `sudo -n` for a non-root login. */
  sshSudo: boolean;
  /** `libvirtDomain.libvirtUri`: host → libvirt URI (others use qemu:///system); values checked when fetching. */
  libvirtUris: Record<string, string>;
  connectTimeoutSec: number;
  inventoryMaxAgeMs: number;
  inventorySnapshots: string[];
  severityOverrides?: SeverityOverrides;
  schemaEnabled: boolean;
  schemaPath?: string;
  /** `libvirtDomain.inlayHints.enabled`: what each disk source resolves to, after it (default on). */
  inlayHintsEnabled: boolean;
  /** `libvirtDomain.workspaceDiagnostics`: findings for the workspace's files that are not open (default on). */
  workspaceDiagnostics: boolean;
}

function strings(v: unknown): string[] {
  if (typeof v === 'string') return v ? [v] : [];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.length > 0) : [];
}

function uriMap(v: unknown): Record<string, string> {
  const m: Record<string, string> = Object.create(null);
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (typeof x === 'string' && x) m[k] = x;
  }
  return m;
}

export function normalizeSettings(raw: unknown): ServerSettings {
  const s = (raw ?? {}) as Record<string, unknown>;
  const ssh = (s.ssh ?? {}) as Record<string, unknown>;
  const groups: HostGroupSetting[] = [];
  const hosts = s.hosts;
  const list = Array.isArray(hosts) ? strings(hosts) : [];
  // Host groups: `libvirtDomain.hostGroups`, and the older object form of `libvirtDomain.hosts` (still read).
  for (const byName of [Array.isArray(hosts) ? undefined : hosts, s.hostGroups]) {
    if (!byName || typeof byName !== 'object' || Array.isArray(byName)) continue;
    for (const [name, g] of Object.entries(byName as Record<string, unknown>)) {
      // The first definition of a name wins; a plain host list is the group "default".
      if (groups.some((x) => x.name === name) || (name === 'default' && list.length)) continue;
      if (Array.isArray(g)) groups.push({ name, hosts: strings(g), files: [] });
      else if (g && typeof g === 'object') {
        const o = g as Record<string, unknown>;
        groups.push({ name, hosts: strings(o.hosts), files: strings(o.files) });
      }
    }
  }
  // The plain list: every file's group alone, else the one of files no group's glob matches.
  if (list.length) groups.push({ name: 'default', hosts: list, files: groups.length ? [] : ['**/*'] });
  const n = (v: unknown, d: number) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : d);
  return {
    hostGroups: groups,
    sshPath: typeof ssh.path === 'string' && ssh.path ? ssh.path : undefined,
    sshConfigFile: typeof ssh.configFile === 'string' && ssh.configFile ? ssh.configFile : undefined,
    sshExtraArgs: strings(ssh.extraArgs),
    sshSudo: ssh.sudo === true,
    libvirtUris: uriMap(s.libvirtUri),
    connectTimeoutSec: n(s.connectTimeout, 10),
    inventoryMaxAgeMs: n(s.inventoryMaxAgeMinutes, 30) * 60_000,
    inventorySnapshots: strings(s.inventorySnapshot),
    severityOverrides: (s.severity && typeof s.severity === 'object' ? s.severity : undefined) as SeverityOverrides | undefined,
    schemaEnabled: (s.schema as { enabled?: unknown } | undefined)?.enabled !== false,
    schemaPath:
      typeof (s.schema as { path?: unknown } | undefined)?.path === 'string' && (s.schema as { path: string }).path
        ? (s.schema as { path: string }).path
        : undefined,
    inlayHintsEnabled: (s.inlayHints as { enabled?: unknown } | undefined)?.enabled !== false,
    workspaceDiagnostics: s.workspaceDiagnostics !== false,
  };
}
