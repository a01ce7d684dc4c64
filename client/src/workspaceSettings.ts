/**
 * Settings a repository must not decide. VS Code itself drops a workspace's value of a machine- or
 * application-scoped setting, and of a restricted setting in Restricted Mode (package.json:
 * `scope`, `capabilities.untrustedWorkspaces.restrictedConfigurations`); this module only says so,
 * once per setting, in the log, so that a user wondering why `.vscode/settings.json` has no effect
 * finds the reason.
 *
 * In Restricted Mode VS Code hides such values even from `inspect()`, so the workspace's settings
 * files are also looked at (small regular files only; the value itself is never read or logged).
 */
import * as vscode from 'vscode';

export interface GuardedSetting {
  /** Below `libvirtDomain.`. */
  key: string;
  /** `never`: no workspace value is ever used; `untrusted`: only once the workspace is trusted. */
  fromWorkspace: 'never' | 'untrusted';
  why: string;
}

/** Every setting that names a program to run, a config or file to read, or a machine to contact. */
export const GUARDED_SETTINGS: readonly GuardedSetting[] = [
  { key: 'ssh.path', fromWorkspace: 'never', why: 'machine-scoped: only user or remote settings are used' },
  { key: 'ssh.extraArgs', fromWorkspace: 'never', why: 'machine-scoped: only user or remote settings are used' },
  { key: 'ssh.sudo', fromWorkspace: 'never', why: 'machine-scoped: only user or remote settings are used' },
  { key: 'libvirtUri', fromWorkspace: 'never', why: 'machine-scoped: only user or remote settings are used' },
  {
    key: 'ssh.configFile',
    fromWorkspace: 'never',
    why: "application-scoped (as Remote-SSH's remote.SSH.configFile): only user settings are used",
  },
  { key: 'hosts', fromWorkspace: 'untrusted', why: 'restricted: used from a workspace only once it is trusted' },
  { key: 'hostGroups', fromWorkspace: 'untrusted', why: 'restricted: used from a workspace only once it is trusted' },
  { key: 'inventorySnapshot', fromWorkspace: 'untrusted', why: 'restricted: used from a workspace only once it is trusted' },
  { key: 'schema.path', fromWorkspace: 'untrusted', why: 'restricted: used from a workspace only once it is trusted' },
];

const MAX_SETTINGS_FILE = 1024 * 1024;

async function readSmallFile(uri: vscode.Uri): Promise<string | undefined> {
  try {
    const st = await vscode.workspace.fs.stat(uri);
    if (st.type !== vscode.FileType.File || st.size > MAX_SETTINGS_FILE) return undefined;
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    return undefined;
  }
}

/** The workspace's settings files: each folder's `.vscode/settings.json` and the `.code-workspace` file. */
async function workspaceSettingsTexts(): Promise<string[]> {
  const uris: vscode.Uri[] = (vscode.workspace.workspaceFolders ?? []).map((f) => vscode.Uri.joinPath(f.uri, '.vscode', 'settings.json'));
  const wf = vscode.workspace.workspaceFile;
  if (wf && wf.scheme !== 'untitled') uris.push(wf);
  const texts = await Promise.all(uris.map(readSmallFile));
  return texts.filter((t): t is string => t !== undefined);
}

/** Whether the workspace (or one of its folders) sets `libvirtDomain.<key>`. */
function setByWorkspace(key: string, texts: string[]): boolean {
  const scopes: (vscode.Uri | undefined)[] = [undefined, ...(vscode.workspace.workspaceFolders ?? []).map((f) => f.uri)];
  for (const scope of scopes) {
    const i = vscode.workspace.getConfiguration('libvirtDomain', scope).inspect(key);
    if (i && (i.workspaceValue !== undefined || i.workspaceFolderValue !== undefined)) return true;
  }
  const re = new RegExp(`"libvirtDomain\\.${key.replace(/\./g, '\\.')}"\\s*:`);
  return texts.some((t) => re.test(t));
}

const logged = new Set<string>();

/**
 * Logs each guarded setting the workspace sets but that is not used from there, once per session,
 * and records it in `ignored` (`libvirtDomain.<key>`).
 */
export async function logIgnoredWorkspaceSettings(log: vscode.LogOutputChannel, ignored: string[]): Promise<void> {
  const texts = await workspaceSettingsTexts();
  for (const s of GUARDED_SETTINGS) {
    if (s.fromWorkspace === 'untrusted' && vscode.workspace.isTrusted) continue;
    const name = `libvirtDomain.${s.key}`;
    if (logged.has(name) || !setByWorkspace(s.key, texts)) continue;
    logged.add(name);
    ignored.push(name);
    log.warn(`the workspace sets ${name}, which is ignored there (${s.why}); set it in your user settings if you mean it`);
  }
}
