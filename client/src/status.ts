/**
 * What the status bar says for a libvirt document, from the server's inventory state notification
 * (InventoryStateNotification) and the document's host group. Whether a document is a libvirt
 * document at all is documents.ts's answer. Pure (no `vscode`).
 */

// The protocol's types of the inventory state (type-only), and the server's encoders (pure).
import { cap, mdCode, mdText, terminalText } from '../../server/src/encode';
import type { HostStateReport, InventoryStateReport } from '../../server/src/protocol';

/** A host or group name in the status bar text: one line, capped, no `$(icon)` of its own. */
function barText(s: string): string {
  return terminalText(cap(s, 60)).replace(/\$\(/g, '$\u200b(');
}

export type HostState = HostStateReport;
export type InventoryState = InventoryStateReport;

export interface StatusPresentation {
  text: string;
  /** Markdown. */
  tooltip: string;
  warning: boolean;
  fetching: boolean;
}

/** `just now`, `2 min`, `3 h`, `2 d`. */
export function formatAge(ms: number): string {
  if (!(ms >= 0) || ms < 60_000) return 'just now';
  const min = Math.floor(ms / 60_000);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h`;
  return `${Math.floor(h / 24)} d`;
}

/** Group names the user did not choose (a plain host list, the offline snapshots) are not shown. */
const IMPLICIT_GROUPS = new Set(['default', 'snapshots']);

export function presentStatus(state: InventoryState | undefined, groupName: string | undefined, now: number): StatusPresentation {
  const restricted = state ? !state.hostAccess : false;
  const group = state?.groups.find((g) => g.name === groupName) ?? (groupName === undefined ? state?.groups[0] : undefined);
  const shield = restricted ? '$(shield) ' : '';
  if (!state || !group || !group.hosts.length) {
    return {
      text: `${shield || '$(server) '}no host inventory`,
      tooltip: [
        '**Libvirt Domain XML**: no host inventory for this file, so only the offline rules run.',
        restricted
          ? 'Restricted Mode: hosts are not contacted.'
          : 'Set `libvirtDomain.hosts` (ssh destinations) or `libvirtDomain.inventorySnapshot`.',
      ].join('\n\n'),
      warning: false,
      fetching: false,
    };
  }
  const hosts = group.hosts.map((h) => state.hosts.find((x) => x.host === h) ?? { host: h, fetching: false, source: 'none' as const });
  const fetching = hosts.some((h) => h.fetching);
  const failed = hosts.filter((h) => h.error);
  const label = `${IMPLICIT_GROUPS.has(group.name) ? '' : `${barText(group.name)}: `}${group.hosts.slice(0, 6).map(barText).join(', ')}${group.hosts.length > 6 ? ` +${group.hosts.length - 6}` : ''}`;
  let freshness: string;
  const live = hosts.filter((h) => h.fetchedAt !== undefined && (h.source === 'ssh' || h.source === 'local'));
  if (live.length) freshness = formatAge(now - Math.min(...live.map((h) => h.fetchedAt!)));
  else if (hosts.every((h) => h.source === 'snapshot')) freshness = 'snapshot';
  else if (restricted) freshness = 'offline';
  else freshness = fetching ? '' : 'not fetched';
  const icon = fetching ? '$(sync~spin) ' : failed.length ? '$(warning) ' : shield || '$(server) ';
  const text = `${icon}${label}${freshness ? ` · ${freshness}` : ''}`;

  // The tooltip is markdown: host names, group names and error messages (which quote ssh's stderr) encoded.
  const lines: string[] = [`**Libvirt Domain XML** — host group ${mdCode(group.name, 200)}`, ''];
  for (const h of hosts) {
    const what = h.fetching
      ? 'fetching…'
      : h.source === 'ssh' || h.source === 'local'
        ? `fetched ${formatAge(now - (h.fetchedAt ?? now))}${formatAge(now - (h.fetchedAt ?? now)) === 'just now' ? '' : ' ago'} (${h.source})`
        : h.source === 'snapshot'
          ? 'from a snapshot file'
          : 'no inventory';
    lines.push(`- ${mdCode(h.host, 200)}: ${what}${h.error ? ` — ⚠ ${mdText(h.error, 500)}` : ''}`);
  }
  lines.push('');
  if (restricted) lines.push('Restricted Mode: offline rules only, no host is contacted.', '');
  if (!restricted) lines.push('Click to refresh the inventory.');
  return { text, tooltip: lines.join('\n').trim(), warning: failed.length > 0, fetching };
}
