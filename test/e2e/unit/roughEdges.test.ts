/**
 * Unit tests (node:test) of the client's rough edges (issue 14): the status bar after a failed host
 * and for snapshot files, and which settings editor "Open Settings" opens.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { presentStatus, type InventoryState } from '../../../client/src/status';
import { settingsTarget } from '../../../client/src/settingsScope';

const now = Date.UTC(2026, 0, 10, 12, 0, 0);
const state = (
  hosts: InventoryState['hosts'],
  groups = [{ name: 'default', hosts: hosts.map((h) => h.host) }],
  hostAccess = true,
): InventoryState => ({
  hostAccess,
  groups,
  hosts,
});

describe('status bar: snapshot files', () => {
  test('a snapshot shows its real age (collectedAt); no "Click to refresh" and nothing to click for a static file', () => {
    const s = presentStatus(
      state(
        [{ host: 'kvm-a', fetching: false, source: 'snapshot', collectedAt: new Date(now - 3 * 86_400_000).toISOString(), live: false }],
        [{ name: 'snapshots', hosts: ['kvm-a'] }],
      ),
      'snapshots',
      now,
    );
    assert.equal(s.text, '$(server) kvm-a · snapshot, 3 d old');
    assert.match(s.tooltip, /`kvm-a`: from a snapshot file, collected 3 d ago/);
    assert.doesNotMatch(s.tooltip, /Click to refresh/);
    assert.equal(s.refreshable, false);
  });

  test('the oldest snapshot of a group is the age shown; one without collectedAt shows no age', () => {
    const s = presentStatus(
      state([
        { host: 'kvm-a', fetching: false, source: 'snapshot', collectedAt: new Date(now - 2 * 3600_000).toISOString(), live: false },
        { host: 'kvm-b', fetching: false, source: 'snapshot', collectedAt: new Date(now - 5 * 3600_000).toISOString(), live: false },
      ]),
      'default',
      now,
    );
    assert.equal(s.text, '$(server) kvm-a, kvm-b · snapshot, 5 h old');
    const bad = presentStatus(state([{ host: 'kvm-a', fetching: false, source: 'snapshot', collectedAt: 'yesterday' }]), 'default', now);
    assert.equal(bad.text, '$(server) kvm-a · snapshot');
  });

  test('a configured live host still on its snapshot fallback can be refreshed', () => {
    const s = presentStatus(
      state([{ host: 'kvm-a', fetching: false, source: 'snapshot', collectedAt: new Date(now).toISOString(), live: true }]),
      'default',
      now,
    );
    assert.equal(s.refreshable, true);
    assert.match(s.tooltip, /Click to refresh/);
  });
});

describe('status bar: failed hosts', () => {
  test('an unreachable host: the text says it failed, never "· just now"', () => {
    const s = presentStatus(
      state([
        {
          host: 'kvm-down',
          fetching: false,
          source: 'none',
          error: 'kvm-down: connection refused',
          errorKind: 'connection-refused',
          live: true,
        },
      ]),
      'default',
      now,
    );
    assert.equal(s.text, '$(warning) kvm-down · failed');
    assert.doesNotMatch(s.text, /just now/);
    assert.equal(s.warning, true);
    assert.equal(s.refreshable, true);
    assert.match(s.tooltip, /No host of this group could be read/);
  });

  test('one host of a group failed: the bar names it, the tooltip says diagnostics cover only the reachable hosts', () => {
    const s = presentStatus(
      state(
        [
          { host: 'kvm-a', fetching: false, source: 'ssh', fetchedAt: now - 10_000, live: true },
          { host: 'kvm-down', fetching: false, source: 'none', error: 'kvm-down: connection refused', live: true },
        ],
        [{ name: 'prod', hosts: ['kvm-a', 'kvm-down'] }],
      ),
      'prod',
      now,
    );
    assert.equal(s.text, '$(warning) prod: kvm-a, kvm-down · kvm-down failed (just now)');
    assert.match(s.tooltip, /Diagnostics cover only the reachable host \(`kvm-a`\): `kvm-down` failed\./);
  });

  test('several failed hosts are counted; while fetching the spinner shows, not the failure', () => {
    const hosts: InventoryState['hosts'] = [
      { host: 'a', fetching: false, source: 'none', error: 'a: x' },
      { host: 'b', fetching: false, source: 'none', error: 'b: y' },
    ];
    assert.equal(presentStatus(state(hosts), 'default', now).text, '$(warning) a, b · 2 hosts failed');
    assert.equal(presentStatus(state([{ ...hosts[0], fetching: true }, hosts[1]]), 'default', now).text, '$(sync~spin) a, b');
  });
});

describe('Open Settings scope (client/src/settingsScope.ts)', () => {
  test('a remote window opens the Remote tab (machine-scoped settings live there), a local one the User tab; filtered to the extension', () => {
    assert.deepEqual(settingsTarget('ssh-remote', 'pub.ext', 'hosts'), {
      command: 'workbench.action.openRemoteSettings',
      args: { query: '@ext:pub.ext hosts' },
    });
    assert.deepEqual(settingsTarget(undefined, 'pub.ext'), {
      command: 'workbench.action.openGlobalSettings',
      args: { query: '@ext:pub.ext' },
    });
    assert.equal(settingsTarget('', 'pub.ext').command, 'workbench.action.openGlobalSettings');
  });
});
