/**
 * Workspace trust: in Restricted Mode the server runs offline rules only (hostAccess false; VS Code
 * also drops the workspace's values of the restricted settings, see package.json capabilities).
 * Says so once per workspace; grants host access when the user trusts the workspace.
 */
import * as vscode from 'vscode';
import { State, type LanguageClient } from 'vscode-languageclient/node';
import { HostAccessNotification } from '../../server/src/protocol';

const NOTICE_KEY = 'libvirtDomain.restrictedNoticeShown';
export const RESTRICTED_NOTICE =
  "Libvirt Domain XML: this workspace is in Restricted Mode, so only the offline checks run. No host is contacted, and the workspace's host, ssh, snapshot and schema path settings are ignored until you trust it.";

export function hostAccessAllowed(): boolean {
  return vscode.workspace.isTrusted;
}

/** Shows the Restricted Mode notice unless this workspace has seen it. Returns whether it was shown. */
export function noticeRestrictedOnce(
  context: vscode.ExtensionContext,
  show: (message: string, ...items: string[]) => Thenable<string | undefined>,
): boolean {
  if (vscode.workspace.isTrusted || context.workspaceState.get<boolean>(NOTICE_KEY)) return false;
  void context.workspaceState.update(NOTICE_KEY, true);
  void show(RESTRICTED_NOTICE, 'Manage Workspace Trust').then((choice) => {
    if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
  });
  return true;
}

/**
 * When trust is granted later, lets a started (or starting) server contact hosts. A server not
 * started yet is not started for this: it reads the trust when it starts (initialization options).
 */
export function onTrustGranted(client: LanguageClient, after: () => void): vscode.Disposable {
  return vscode.workspace.onDidGrantWorkspaceTrust(() => {
    if (client.state !== State.Stopped) void client.sendNotification(HostAccessNotification, { allowed: true }).catch(() => undefined); // stopping: nothing to tell
    after();
  });
}
