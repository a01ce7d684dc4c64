/**
 * The code lens on the root `<domain>` (or `<pool>`) start tag: the host group and the age of its
 * inventories, the finding counts, and the actions that apply (Refresh, Fix all in this file).
 * Titles are fixed text plus host and group names as labels (terminalText, capped, no codicon `$(…)`);
 * no command carries an argument (a lens is clicked in its own, active editor, which Fix all and Refresh
 * act on; the client's fixAllInFile takes a vscode.Uri, which a JSON argument cannot be), except
 * Compare with HOST (when `differs-from-host` is reported): `{ uri, host, name }`, strings the client
 * checks (the host is a configured one, the name the host's own).
 */
import type { CodeLens, Range } from 'vscode-languageserver';
import { IMPLICIT_GROUPS, type HostStateReport } from '../protocol';
import { cap, terminalText } from '../encode';

/** Longest host or group name in a title; hosts named before counting the rest. */
const NAME = 40;
const HOSTS = 3;

export const REFRESH_COMMAND = 'libvirtDomain.refreshInventory';
export const FIX_ALL_COMMAND = 'libvirtDomain.fixAllInFile';
export const CHOOSE_GROUP_COMMAND = 'libvirtDomain.chooseHostGroup';
export const PROBLEMS_COMMAND = 'workbench.actions.view.problems';
export const COMPARE_COMMAND = 'libvirtDomain.compareWithHost';

export interface LensHost {
  host: string;
  source: HostStateReport['source'];
  /** When the live inventory was fetched (ms since the epoch). */
  fetchedAt?: number;
  /** When a snapshot was collected (ms since the epoch), if it says. */
  collectedAt?: number;
}

export interface LensInput {
  uri: string;
  /** The span of the root's start tag. */
  range: Range;
  group?: string;
  hosts: LensHost[];
  /** Whether hosts may be contacted (Refresh applies). */
  hostAccess: boolean;
  errors: number;
  warnings: number;
  /** Whether the document's fix-all has edits. */
  fixable: boolean;
  /** The hosts whose definition of this domain differs from the document (`differs-from-host`), with the name there. */
  compare?: { host: string; name: string }[];
  now: number;
}

/** A host or group name in a lens title: no control character, no codicon (`$(name)` renders as an icon). */
export function lensLabel(s: string): string {
  return terminalText(cap(s, NAME)).replace(/\$\(/g, '$\u200c(');
}

/** An age in words: `just now`, `5 min`, `3 h`, `2 d`. */
export function ageText(ms: number): string {
  const min = Math.floor(Math.max(0, ms) / 60_000);
  if (min < 1) return 'just now';
  if (min < 120) return `${min} min`;
  const h = Math.floor(min / 60);
  return h < 48 ? `${h} h` : `${Math.floor(h / 24)} d`;
}

/** The inventories in a few words: the oldest live one's age, else snapshot (with its age when known), else none. */
function inventoryText(hosts: LensHost[], now: number): string {
  if (!hosts.length) return 'no inventory';
  const live = hosts.filter((h) => h.fetchedAt !== undefined).map((h) => h.fetchedAt!);
  const snaps = hosts.filter((h) => h.source === 'snapshot');
  const parts: string[] = [];
  if (live.length) {
    const age = ageText(now - Math.min(...live));
    parts.push(age === 'just now' ? 'fetched just now' : `fetched ${age} ago`);
  }
  if (snaps.length) {
    const when = snaps.map((h) => h.collectedAt).filter((t): t is number => t !== undefined);
    parts.push(when.length === snaps.length ? `snapshot, ${ageText(now - Math.min(...when))} old` : 'snapshot');
  }
  const missing = hosts.filter((h) => h.source === 'none').length;
  if (missing) parts.push(`${missing} without inventory`);
  return parts.join(', ');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function codeLenses(input: LensInput): CodeLens[] {
  const { range } = input;
  const names = input.hosts.slice(0, HOSTS).map((h) => lensLabel(h.host));
  if (input.hosts.length > HOSTS) names.push(`+${input.hosts.length - HOSTS}`);
  // Group names the user did not choose (a plain host list, the offline snapshots) are not shown.
  const group = input.group !== undefined && !IMPLICIT_GROUPS.has(input.group) ? ` (${lensLabel(input.group)})` : '';
  const hostsTitle = input.hosts.length
    ? `Hosts${group}: ${names.join(', ')} · ${inventoryText(input.hosts, input.now)}`
    : 'No host inventory (set libvirtDomain.hosts or libvirtDomain.inventorySnapshot)';
  const lenses: CodeLens[] = [{ range, command: { title: hostsTitle, command: CHOOSE_GROUP_COMMAND } }];
  const counts = input.errors || input.warnings ? `${plural(input.errors, 'error')}, ${plural(input.warnings, 'warning')}` : 'No problems';
  lenses.push({ range, command: { title: counts, command: PROBLEMS_COMMAND } });
  if (input.hostAccess && input.hosts.length) lenses.push({ range, command: { title: 'Refresh inventory', command: REFRESH_COMMAND } });
  if (input.fixable) lenses.push({ range, command: { title: 'Fix all in this file', command: FIX_ALL_COMMAND } });
  for (const c of (input.compare ?? []).slice(0, HOSTS))
    lenses.push({
      range,
      command: {
        title: `Compare with ${lensLabel(c.host)}`,
        command: COMPARE_COMMAND,
        arguments: [{ uri: input.uri, host: c.host, name: c.name }],
      },
    });
  return lenses;
}
