import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { normalizeSettings } from '../server/src/lsp/settings';
import { EXAMPLE_INVENTORY } from './support/examples';
import { recordingHostManager } from './support/hostManager';

const manager = () => recordingHostManager();

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

test('failure advice names the configured ssh config file instead of ~/.ssh/config', async () => {
  const { classifySshFailure, withSshConfigFile } = await import('../server/src/inventory/errors');
  const auth = classifySshFailure('kvm-a', 255, 'user@kvm-a: Permission denied (publickey).\n');
  assert.match(auth.message, /in ~\/\.ssh\/config/);
  const mine = withSshConfigFile(auth, '/home/u/.ssh/lab_config');
  assert.match(mine.message, /in \/home\/u\/\.ssh\/lab_config \(libvirtDomain\.ssh\.configFile\)/);
  assert.doesNotMatch(mine.message, /~\/\.ssh\/config/);
  assert.equal(mine.kind, 'auth-failed');
  assert.equal(mine.stderr, auth.stderr);
  const dns = withSshConfigFile(
    classifySshFailure('kvm-x', 255, 'ssh: Could not resolve hostname kvm-x: Name or service not known\n'),
    '/etc/lab',
  );
  assert.match(dns.message, /Host block with HostName in \/etc\/lab \(libvirtDomain\.ssh\.configFile\)/);
  assert.equal(withSshConfigFile(auth, undefined), auth);
});

test('libvirtDomain.hostGroups: groups by glob, the plain host list is the fallback; the old object form of hosts is still read', () => {
  const { m } = manager();
  const u = (p: string) => pathToFileURL(p).toString();
  m.configure(
    normalizeSettings({ hosts: ['kvm-a'], hostGroups: { cluster: { hosts: ['kvm-b', 'kvm-c'], files: ['cluster/**/*.xml'] } } }),
    false,
    ['/ws'],
  );
  assert.deepEqual(m.groupFor(u('/ws/cluster/db1.xml'))?.hosts, ['kvm-b', 'kvm-c']);
  assert.deepEqual(m.groupFor(u('/ws/other/a.xml'))?.hosts, ['kvm-a']);
  m.configure(normalizeSettings({ hosts: { cluster: { hosts: ['kvm-b'], files: ['cluster/**'] } } }), false, ['/ws']);
  assert.deepEqual(m.groupFor(u('/ws/cluster/x.xml'))?.hosts, ['kvm-b']);
  m.configure(normalizeSettings({ hosts: ['kvm-a'] }), false, ['/ws']);
  assert.deepEqual(m.groupFor(u('/anywhere/x.xml'))?.hosts, ['kvm-a']);
});
