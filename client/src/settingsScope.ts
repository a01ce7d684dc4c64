/**
 * Which settings editor "Open Settings" opens. Most of the extension's settings are machine-scoped:
 * in a remote window (Remote-SSH, WSL, a dev container, code-server) VS Code shows them on the
 * Remote tab only, so the User tab would not list them. Pure (no `vscode`).
 */

export interface SettingsTarget {
  /** `workbench.action.openRemoteSettings` in a remote window, else `workbench.action.openGlobalSettings` (the User tab). */
  command: 'workbench.action.openRemoteSettings' | 'workbench.action.openGlobalSettings';
  /** The settings editor's search: the extension's own settings (`@ext:`), narrowed by `words`. */
  args: { query: string };
}

/** `remoteName`: `vscode.env.remoteName`; `extensionId`: publisher.name; `words`: e.g. `hosts`. */
export function settingsTarget(remoteName: string | undefined, extensionId: string, words?: string): SettingsTarget {
  const query = `@ext:${extensionId}${words ? ` ${words}` : ''}`;
  return {
    command: remoteName ? 'workbench.action.openRemoteSettings' : 'workbench.action.openGlobalSettings',
    args: { query },
  };
}
