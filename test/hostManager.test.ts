import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { HostManager } from '../server/src/lsp/hostManager';
import type { InventoryStateReport } from '../server/src/protocol';
import { normalizeSettings } from '../server/src/lsp/settings';
import { EXAMPLE_INVENTORY } from './support/examples';

function manager() {
  const states: InventoryStateReport[] = [];
  const logs: string[] = [];
  const m = new HostManager({
    log: (l) => logs.push(l),
    error: (e) => logs.push(`error ${e}`),
    inventoryChanged: () => undefined,
    state: (s) => states.push(s),
    progress: async () => ({ report: () => undefined, done: () => undefined, onCancel: () => undefined }),
  });
  return { m, states, logs };
}

test('host groups: files globs pick the group, a chosen group wins, else the default', () => {
  const { m } = manager();
  m.configure(
    normalizeSettings({ hosts: { default: { hosts: ['kvm-a'] }, cluster: { hosts: ['kvm-b', 'kvm-c'], files: ['cluster/**/*.xml'] } } }),
    false,
    ['/ws'],
  );
  const u = (p: string) => pathToFileURL(p).toString();
  assert.equal(m.groupFor(u('/ws/cluster/db/db1.xml'))?.name, 'cluster');
  assert.equal(m.groupFor(u('/ws/other/a.xml'))?.name, 'default');
  m.chooseGroup(u('/ws/other/a.xml'), 'cluster');
  assert.equal(m.groupFor(u('/ws/other/a.xml'))?.name, 'cluster');
});

test('offline snapshots form a group; without host access nothing is fetched', async () => {
  const { m, states } = manager();
  m.configure(normalizeSettings({ inventorySnapshot: EXAMPLE_INVENTORY }), false, []);
  assert.deepEqual(
    m.hostsFor('file:///x.xml').map((h) => h.host),
    ['kvm-a'],
  );
  const s = states[states.length - 1];
  assert.equal(s.hostAccess, false);
  assert.equal(s.hosts[0].source, 'snapshot');
  m.configure(normalizeSettings({ hosts: ['kvm-a'], inventorySnapshot: EXAMPLE_INVENTORY }), false, []);
  await m.refresh('all', true); // no host access: must not start ssh
  assert.equal(states[states.length - 1].hosts[0].fetching, false);
  assert.equal(states[states.length - 1].hosts[0].source, 'snapshot');
});

test('hosts known only from snapshots are never fetched, even with host access', async () => {
  const { m, states } = manager();
  m.configure(normalizeSettings({ inventorySnapshot: EXAMPLE_INVENTORY }), true, []);
  await m.refresh('all', true);
  await m.refresh(['file:///x.xml'], true);
  assert.ok(
    states.every((s) => s.hosts.every((h) => !h.fetching && !h.error)),
    JSON.stringify(states),
  );
  assert.equal(states[states.length - 1].hosts[0].source, 'snapshot');
});
