/**
 * What the status bar says for a libvirt document, from the server's inventory state notification
 * (InventoryStateNotification) and the document's host group. Whether a document is a libvirt
 * document at all is documents.ts's answer. Pure (no `vscode`).
 */

// The protocol's types of the inventory state (type-only), and the server's encoders (pure).
import { cap, mdCode, mdText, terminalText } from '../../server/src/encode';
import { IMPLICIT_GROUPS, type HostStateReport, type InventoryStateReport } from '../../server/src/protocol';

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
  /** Whether a click refreshes anything (some host of the group is fetched live, and hosts may be contacted). */
  refreshable: boolean;
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

/** `3 h old`, or `just now`. */
function old(ms: number): string {
  const age = formatAge(ms);
  return age === 'just now' ? age : `${age} old`;
}

/**
 * `ownHosts`: the document is a host's own definition (`libvirt-domain://HOST/…`), checked against that
 * host alone: its group is `ownHosts`, not one of the state's groups, and has no name to show.
 */
export function presentStatus(
  state: InventoryState | undefined,
  groupName: string | undefined,
  now: number,
  ownHosts?: string[],
): StatusPresentation {
  const restricted = state ? !state.hostAccess : false;
  const own = ownHosts?.length ? { name: groupName ?? ownHosts[0], hosts: ownHosts } : undefined;
  const group = own ?? state?.groups.find((g) => g.name === groupName) ?? (groupName === undefined ? state?.groups[0] : undefined);
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
      refreshable: false,
    };
  }
  const hosts = group.hosts.map((h) => state.hosts.find((x) => x.host === h) ?? { host: h, fetching: false, source: 'none' as const });
  const fetching = hosts.some((h) => h.fetching);
  const failed = hosts.filter((h) => h.error);
  const label = `${own || IMPLICIT_GROUPS.has(group.name) ? '' : `${barText(group.name)}: `}${group.hosts.slice(0, 6).map(barText).join(', ')}${group.hosts.length > 6 ? ` +${group.hosts.length - 6}` : ''}`;
  const live = hosts.filter((h) => h.fetchedAt !== undefined && (h.source === 'ssh' || h.source === 'local'));
  // A group of snapshot files alone is static: nothing to refresh.
  const refreshable = !restricted && hosts.some((h) => h.live ?? (h.source === 'ssh' || h.source === 'local' || !!h.error));
  const oldestLive = live.length ? now - Math.min(...live.map((h) => h.fetchedAt!)) : undefined;
  let freshness: string;
  if (failed.length && !fetching) {
    // Said first: the host failed (not "· just now" over the hosts that did not).
    freshness =
      failed.length === 1 ? (hosts.length === 1 ? 'failed' : `${barText(failed[0].host)} failed`) : `${failed.length} hosts failed`;
    if (oldestLive !== undefined) freshness += ` (${old(oldestLive)})`;
  } else if (oldestLive !== undefined) freshness = formatAge(oldestLive);
  else if (hosts.every((h) => h.source === 'snapshot')) {
    const ages = hosts.map((h) => collectedAge(h, now)).filter((a): a is number => a !== undefined);
    freshness = ages.length === hosts.length ? `snapshot, ${old(Math.max(...ages))}` : 'snapshot';
  } else if (restricted) freshness = 'offline';
  else freshness = fetching ? '' : 'not fetched';
  const icon = fetching ? '$(sync~spin) ' : failed.length ? '$(warning) ' : shield || '$(server) ';
  const text = `${icon}${label}${freshness ? ` · ${freshness}` : ''}`;

  // The tooltip is markdown: host names, group names and error messages (which quote ssh's stderr) encoded.
  const lines: string[] = [
    own
      ? `**Libvirt Domain XML** — the definition on ${mdCode(group.hosts[0], 200)}`
      : `**Libvirt Domain XML** — host group ${mdCode(group.name, 200)}`,
    '',
  ];
  for (const h of hosts) {
    const age = (ms: number) => (formatAge(ms) === 'just now' ? 'just now' : `${formatAge(ms)} ago`);
    const snapAge = collectedAge(h, now);
    const what = h.fetching
      ? 'fetching…'
      : h.source === 'ssh' || h.source === 'local'
        ? `fetched ${age(now - (h.fetchedAt ?? now))} (${h.source})`
        : h.source === 'snapshot'
          ? `from a snapshot file${snapAge !== undefined ? `, collected ${age(snapAge)}` : ''}`
          : 'no inventory';
    lines.push(`- ${mdCode(h.host, 200)}: ${what}${h.error ? ` — ⚠ ${mdText(h.error, 500)}` : ''}`);
  }
  lines.push('');
  const reachable = hosts.filter((h) => !h.error && h.source !== 'none');
  if (failed.length && reachable.length)
    lines.push(
      `Diagnostics cover only the reachable host${reachable.length === 1 ? '' : 's'} (${reachable.map((h) => mdCode(h.host, 200)).join(', ')}): ${failed.map((h) => mdCode(h.host, 200)).join(', ')} failed.`,
      '',
    );
  else if (failed.length) lines.push('No host of this group could be read: only the offline rules run.', '');
  if (restricted) lines.push('Restricted Mode: offline rules only, no host is contacted.', '');
  if (refreshable) lines.push('Click to refresh the inventory.');
  return { text, tooltip: lines.join('\n').trim(), warning: failed.length > 0, fetching, refreshable };
}

/** How old a snapshot file's inventory is (its `collectedAt`), when it says. */
function collectedAge(h: HostState, now: number): number | undefined {
  if (h.source !== 'snapshot' || !h.collectedAt) return undefined;
  const t = Date.parse(h.collectedAt);
  return Number.isFinite(t) ? Math.max(0, now - t) : undefined;
}
