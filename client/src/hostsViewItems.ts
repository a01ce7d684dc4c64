/**
 * What the Libvirt Hosts view and the define dialogs say, from the server's answers (pure, no
 * `vscode`). Host and domain names are data: a tree item's label and description are plain text (one
 * line, capped, no `$(icon)`), its tooltip is Markdown with every name encoded (mdCode, mdText); a
 * dialog's text is plain (one line per item, controls escaped); a notification carries names only as
 * notificationLabel.
 */
import { cap, mdCode, mdText, notificationLabel, terminalText } from '../../server/src/encode';
import type { DefineFinding, HostDomainsEntry, HostDomainSummary } from '../../server/src/protocol';

/** A name as a tree item's label or description, a quick pick's or a dialog's line: one line, capped, no codicon. */
export function plainLabel(s: string, max = 120): string {
  return terminalText(cap(s, max)).replace(/\$\(/g, '$\u200b(');
}

export interface ItemText {
  label: string;
  description: string;
  /** Markdown (names encoded). */
  tooltip: string;
  /** A codicon id. */
  icon: string;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** A host: its domain count, or what keeps it from having one (fetching, failed, not fetched). */
export function hostItemText(h: HostDomainsEntry, hostAccess: boolean): ItemText {
  const n = h.domains?.length;
  const failed = h.error !== undefined;
  const parts: string[] = [];
  if (h.fetching) parts.push('fetching…');
  else if (failed) parts.push('failed');
  if (n !== undefined) parts.push(plural(n, 'domain'));
  else if (!h.fetching && !failed)
    parts.push(h.source === 'none' ? (hostAccess ? 'not fetched' : 'not fetched (Restricted Mode)') : 'no domain list');
  if (h.source === 'snapshot') parts.push('snapshot');
  const tip = [`**Host** ${mdCode(h.host, 200)}`, ''];
  tip.push(
    h.source === 'ssh' || h.source === 'local'
      ? `Inventory fetched (${h.source}).`
      : h.source === 'snapshot'
        ? 'Inventory from a snapshot file (read-only).'
        : 'No inventory yet.',
  );
  if (failed) tip.push('', `The last fetch failed: ${mdText(h.error!, 500)}`);
  if (n !== undefined) tip.push('', `${plural(n, 'domain')} defined.`);
  return {
    label: plainLabel(h.host),
    description: parts.join(' · '),
    tooltip: tip.join('\n'),
    icon: h.fetching ? 'sync~spin' : failed ? 'warning' : 'server',
  };
}

/** The finding counts in a few words: `2 errors, 1 warning`, `no problems`. */
export function findingsText(f: HostDomainSummary['findings']): string | undefined {
  if (!f) return undefined;
  const parts: string[] = [];
  if (f.errors) parts.push(plural(f.errors, 'error'));
  if (f.warnings) parts.push(plural(f.warnings, 'warning'));
  if (f.other) parts.push(`${f.other} other`);
  return parts.length ? parts.join(', ') : 'no problems';
}

/** A domain: state, disk count, finding count. */
export function domainItemText(host: string, d: HostDomainSummary): ItemText {
  const findings = findingsText(d.findings);
  const description = [d.state ?? 'state unknown', plural(d.disks, 'disk'), ...(findings ? [findings] : [])].join(' · ');
  const tip = [`**Domain** ${mdCode(d.name, 200)} on ${mdCode(host, 200)}`, ''];
  tip.push(`State: ${d.state ?? 'unknown'}; ${plural(d.disks, 'disk')} naming a host path.`);
  if (d.uuid) tip.push('', `UUID ${mdCode(d.uuid, 60)}`);
  if (findings) tip.push('', `Checked against this host: ${findings}.`);
  tip.push('', d.hasDefinition ? 'Click to open its persistent definition.' : 'Its definition was not read with the inventory.');
  return {
    label: plainLabel(d.name),
    description,
    tooltip: tip.join('\n'),
    icon: d.state === 'running' ? 'vm-running' : 'vm',
  };
}

// ---- the define dialogs (modal: plain text) ----

/** Host text in a modal dialog's detail: controls escaped, capped; line breaks are ours only. */
export function dialogText(s: string, max = 1000): string {
  return terminalText(cap(s, max));
}

/** The findings that block a define, the first `shown` of them, one line each (1-based lines). */
export function blockingDetail(findings: readonly DefineFinding[], shown = 5): string {
  const lines = findings.slice(0, shown).map((f) => `Line ${f.line + 1}: ${dialogText(f.message, 300)} (${dialogText(f.code, 60)})`);
  if (findings.length > shown) lines.push(`…and ${findings.length - shown} more (see the Problems panel).`);
  return lines.join('\n');
}

/** The message a failed save ends with (VS Code shows it in a notification, which renders links): names as labels only. */
export function notSavedMessage(name: string, host: string, why: string): string {
  return `Not defined: ${notificationLabel(name)} on ${notificationLabel(host)}: ${why}`;
}

/** The notification when the host's definition already says what the document does: nothing is defined. */
export function unchangedNotice(name: string, host: string): string {
  return `${notificationLabel(name)} on ${notificationLabel(host)}: the host's definition already says this; nothing defined.`;
}

/** The notification after a define: the names as labels, what libvirt changed as a count (the items are in the log). */
export function definedNotice(name: string, host: string, changes: number): string {
  const what = `Defined ${notificationLabel(name)} on ${notificationLabel(host)}.`;
  return changes
    ? `${what} libvirt dropped or rewrote ${plural(changes, 'thing')} the document set (listed in the log); the editor shows its definition now.`
    : `${what} libvirt kept everything the document sets.`;
}
