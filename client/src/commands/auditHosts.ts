/**
 * Audit Hosts: the server fetches every configured host and audits every domain defined there, per
 * host and across the hosts (as `libvirt-domain-lint audit`); the findings arrive as diagnostics of
 * the host definition documents (`libvirt-domain://HOST/NAME.xml`, opened through the host
 * definitions provider). The progress notification is the server's (with Cancel). `{ hosts }` audits
 * only those configured hosts. Resolves to the server's result.
 */
import * as vscode from 'vscode';
import { AuditHostsRequest, type AuditHostsResult } from '../../../server/src/protocol';
import { offerSettings, offerTrust, type CommandFactory } from './context';

/** The summary notification: a fixed template with numbers only (no host text). */
export function auditSummary(r: AuditHostsResult): string {
  const count = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;
  const sum = (k: 'errors' | 'warnings' | 'other') => r.hosts.reduce((n, h) => n + h[k], 0);
  const failed = r.hosts.filter((h) => h.failure).length;
  const found = sum('errors') + sum('warnings') + sum('other');
  return (
    `Libvirt Domain XML: audited ${count(r.hosts.length - failed, 'host')}: ` +
    `${found ? `${count(sum('errors'), 'error')}, ${count(sum('warnings'), 'warning')}, ${sum('other')} other (see Problems)` : 'no findings'}` +
    `${failed ? `; ${count(failed, 'host')} could not be audited (see the log)` : ''}.`
  );
}

export const auditHosts: CommandFactory = (ctx) => async (arg?: { hosts?: unknown }) => {
  const client = await ctx.server();
  if (!client) return undefined;
  const hosts = Array.isArray(arg?.hosts) ? arg.hosts.filter((h): h is string => typeof h === 'string') : undefined;
  const r = await client.sendRequest(AuditHostsRequest, hosts ? { hosts } : {});
  if (r.outcome === 'no-host-access') offerTrust('audit them');
  else if (r.outcome === 'no-hosts')
    void offerSettings('Libvirt Domain XML: no host configured. Set libvirtDomain.hosts (ssh destinations).', 'hosts');
  else if (r.outcome === 'cancelled') ctx.log.info('audit: cancelled');
  else
    void vscode.window.showInformationMessage(auditSummary(r), 'Show Problems', 'Show Log').then((c) => {
      if (c === 'Show Problems') void vscode.commands.executeCommand('workbench.actions.view.problems');
      else if (c === 'Show Log') ctx.log.show(true);
    });
  return r;
};
