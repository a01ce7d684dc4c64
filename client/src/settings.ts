/**
 * The `libvirtDomain` settings as the server gets them: paths made absolute. Pure (no `vscode`).
 * The server runs with the workspace folder as its working directory only by accident of the client
 * library, so relative snapshot / ssh config paths are resolved here, against the first folder.
 */
import * as os from 'node:os';
import * as path from 'node:path';

/** `~`, `${userHome}`, `${workspaceFolder}` and workspace-relative paths → absolute paths. */
export function resolveSettingPath(p: string, folder: string | undefined, home = os.homedir()): string {
  let s = p.trim();
  s = s.replace(/\$\{userHome\}/g, home);
  if (folder) s = s.replace(/\$\{workspaceFolder\}/g, folder);
  if (s === '~' || s.startsWith('~/')) s = path.join(home, s.slice(1));
  if (s && !path.isAbsolute(s) && folder) s = path.join(folder, s);
  return s;
}

/** A copy of the section with `inventorySnapshot`, `ssh.configFile` and `schema.path` resolved. */
export function resolveSettings(raw: unknown, folder: string | undefined, home = os.homedir()): unknown {
  if (!raw || typeof raw !== 'object') return raw;
  const s = JSON.parse(JSON.stringify(raw)) as Record<string, unknown>;
  const snap = s.inventorySnapshot;
  if (typeof snap === 'string' && snap) s.inventorySnapshot = resolveSettingPath(snap, folder, home);
  else if (Array.isArray(snap))
    s.inventorySnapshot = snap.map((x) => (typeof x === 'string' && x ? resolveSettingPath(x, folder, home) : x));
  const ssh = s.ssh as Record<string, unknown> | undefined;
  if (ssh && typeof ssh.configFile === 'string' && ssh.configFile) ssh.configFile = resolveSettingPath(ssh.configFile, folder, home);
  const schema = s.schema as Record<string, unknown> | undefined;
  if (schema && typeof schema.path === 'string' && schema.path) schema.path = resolveSettingPath(schema.path, folder, home);
  return s;
}
