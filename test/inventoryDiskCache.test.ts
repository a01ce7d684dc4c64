/**
 * Fetched inventories kept on disk (the extension's global storage, InitializationOptions.cacheDir):
 * a second server with the same directory, within the maximum age, fetches nothing; what is read back
 * is validated; hosts known from snapshot files alone never use it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InventoryCache, InventoryDiskStore } from '../server/src/inventory/cache';
import type { InventorySnapshot } from '../server/src/inventory/snapshot';
import { reachKey } from '../server/src/lsp/hostManager';
import { normalizeSettings } from '../server/src/lsp/settings';
import { Rig, startRigOrSkip } from './rig/sshRig';
import { recordingHostManager } from './support/hostManager';
import { EXAMPLE_INVENTORY, ROOT } from './support/examples';

const example = (): InventorySnapshot => JSON.parse(readFileSync(EXAMPLE_INVENTORY, 'utf8')) as InventorySnapshot;
const tmp = () => mkdtempSync(join(tmpdir(), 'ldx-invcache-'));

const manager = (cacheDir: string | undefined) => recordingHostManager(cacheDir);

/** The store a HostManager configured with `raw` settings uses in `dir`. */
const storeFor = (dir: string, raw: unknown) =>
  new InventoryDiskStore(
    dir,
    createHash('sha256')
      .update(reachKey(normalizeSettings(raw)))
      .digest('hex'),
  );

describe('InventoryDiskStore', () => {
  test('round trip; the file is named by a hash of the destination, never the destination', () => {
    const dir = tmp();
    const store = new InventoryDiskStore(dir, 'r1');
    const snap = { ...example(), host: '../../etc/x y' };
    store.save('../../etc/x y', { snapshot: snap, fetchedAt: 1_700_000_000_000 });
    const files = readdirSync(dir);
    assert.equal(files.length, 1);
    assert.match(files[0], /^inventory-[0-9a-f]{32}\.json$/);
    const back = store.load('../../etc/x y');
    assert.equal(back?.fetchedAt, 1_700_000_000_000);
    assert.equal(back?.snapshot.host, '../../etc/x y');
    assert.equal(back?.snapshot.devices.length, snap.devices.length);
    assert.equal(store.load('kvm-a'), undefined, 'another host has no entry');
  });

  test('not used: other ssh settings, another host inside, a fetch time in the future, not a snapshot, not JSON, not a file', () => {
    const dir = tmp();
    const store = new InventoryDiskStore(dir, 'r1');
    store.save('kvm-a', { snapshot: example(), fetchedAt: Date.now() - 1000 });
    assert.ok(store.load('kvm-a'));
    assert.equal(new InventoryDiskStore(dir, 'r2').load('kvm-a'), undefined, 'stored under other settings');
    const file = store.fileOf('kvm-a');
    const record = JSON.parse(readFileSync(file, 'utf8'));
    const tamper = (r: unknown) => {
      writeFileSync(file, typeof r === 'string' ? r : JSON.stringify(r));
      return store.load('kvm-a');
    };
    assert.equal(tamper({ ...record, host: 'kvm-b' }), undefined);
    assert.equal(tamper({ ...record, snapshot: { ...record.snapshot, host: 'kvm-b' } }), undefined);
    assert.equal(tamper({ ...record, fetchedAt: Date.now() + 3_600_000 }), undefined);
    assert.equal(tamper({ ...record, fetchedAt: 'yesterday' }), undefined);
    assert.equal(tamper({ ...record, snapshot: { format: 'something else' } }), undefined);
    assert.equal(tamper({ ...record, format: 'other/1' }), undefined);
    assert.equal(tamper('{ not json'), undefined);
    assert.ok(tamper(record), 'the untouched record is used again');
    assert.equal(new InventoryDiskStore('/dev', 'r1').load('null'), undefined);
  });
});

describe('InventoryCache with a store', () => {
  test('a second cache over the same store fetches nothing until the inventory is older than the maximum age', async () => {
    const dir = tmp();
    let now = 1_700_000_000_000;
    let fetches = 0;
    const make = () =>
      new InventoryCache({
        maxAgeMs: 30 * 60_000,
        now: () => now,
        store: new InventoryDiskStore(dir, 'r', () => now),
        fetch: async () => {
          fetches++;
          return example();
        },
      });
    const first = make();
    await first.refresh('kvm-a');
    assert.equal(fetches, 1);
    now += 10 * 60_000;
    const second = make();
    assert.equal(second.current('kvm-a')?.host, 'kvm-a', 'the stored inventory is there at once');
    assert.equal(second.state('kvm-a').fetchedAt, now - 10 * 60_000, 'with its real fetch time');
    await second.refresh('kvm-a');
    assert.equal(fetches, 1, 'not fetched again within the maximum age');
    now += 30 * 60_000;
    const third = make();
    assert.equal(third.isDue('kvm-a'), true);
    await third.refresh('kvm-a');
    assert.equal(fetches, 2);
  });

  test('a store that cannot be written: the fetch still counts, the error is reported', async () => {
    const errors: string[] = [];
    const cache = new InventoryCache({
      maxAgeMs: 60_000,
      store: new InventoryDiskStore('/dev/null/nope', 'r'),
      onStoreError: (host, m) => errors.push(`${host}: ${m}`),
      fetch: async () => example(),
    });
    await cache.refresh('kvm-a');
    assert.equal(cache.current('kvm-a')?.host, 'kvm-a');
    assert.equal(errors.length, 1, errors.join());
  });
});

describe('HostManager with a cache directory', () => {
  test('a stored live inventory is used without fetching (ssh is never started); its real age is reported', async () => {
    const dir = tmp();
    // An ssh that does not exist: any fetch fails loudly.
    const raw = { hosts: ['kvm-a'], ssh: { path: '/nonexistent/ldx-ssh' } };
    const fetchedAt = Date.now() - 5 * 60_000;
    storeFor(dir, raw).save('kvm-a', { snapshot: example(), fetchedAt });
    const { m, logs, last } = manager(dir);
    m.configure(normalizeSettings(raw), true, []);
    await m.refresh('all', false);
    assert.ok(!logs.some((l) => /running|failed|^error/.test(l)), logs.join('\n'));
    const h = last().hosts.find((x) => x.host === 'kvm-a');
    assert.equal(h?.source, 'ssh');
    assert.equal(h?.fetchedAt, fetchedAt);
    assert.equal(h?.error, undefined);
    assert.deepEqual(
      m.hostsFor('file:///x.xml').map((x) => x.host),
      ['kvm-a'],
    );
    assert.ok(
      logs.some((l) => /kvm-a: inventory fetched .* read from the cache/.test(l)),
      logs.join('\n'),
    );
  });

  test('not used: other ssh settings, no host access, a host known from a snapshot file alone, no cache directory', async () => {
    const dir = tmp();
    const raw = { hosts: ['kvm-a'], ssh: { path: '/nonexistent/ldx-ssh' } };
    storeFor(dir, raw).save('kvm-a', { snapshot: example(), fetchedAt: Date.now() });
    const other = manager(dir);
    other.m.configure(normalizeSettings({ ...raw, connectTimeout: 3 }), true, []);
    assert.equal(other.last().hosts[0].source, 'none');
    const restricted = manager(dir);
    restricted.m.configure(normalizeSettings(raw), false, []);
    assert.equal(restricted.last().hosts[0].source, 'none');
    assert.deepEqual(restricted.m.hostsFor('file:///x.xml'), []);
    const snapOnly = manager(dir);
    snapOnly.m.configure(normalizeSettings({ ssh: raw.ssh, inventorySnapshot: EXAMPLE_INVENTORY }), true, []);
    const s = snapOnly.last().hosts[0];
    assert.equal(s.source, 'snapshot');
    assert.equal(s.live, false);
    assert.equal(s.collectedAt, example().collectedAt || undefined);
    const none = manager(undefined);
    none.m.configure(normalizeSettings(raw), true, []);
    assert.equal(none.last().hosts[0].source, 'none');
  });

  test('a relative cache directory is ignored', () => {
    const { m, last } = manager('relative/dir');
    m.configure(normalizeSettings({ hosts: ['kvm-a'] }), true, []);
    assert.equal(last().hosts[0].source, 'none');
  });
});

describe('HostManager with a cache directory, over ssh (rig)', () => {
  let rig: Rig | undefined;
  let skip = '';
  before(async () => {
    const r = await startRigOrSkip({ hosts: [{ name: 'kvm-a', fixtureDir: join(ROOT, 'examples/hosts/kvm-a') }] });
    if (typeof r === 'string') skip = r;
    else rig = r;
  });
  after(async () => rig?.stop());

  test('a second server with the same cache directory does not fetch again (no ssh login)', async (t) => {
    if (!rig) return t.skip(skip);
    const dir = tmp();
    const raw = { hosts: ['kvm-a'], ssh: { configFile: rig.sshConfigPath } };
    const logins = () => rig!.host('kvm-a').sshdLog().split('Accepted publickey').length;
    const first = manager(dir);
    first.m.configure(normalizeSettings(raw), true, []);
    const before = logins();
    await first.m.refresh('all', false);
    const fetched = first.last().hosts[0];
    assert.equal(fetched.source, 'ssh', first.logs.join('\n'));
    assert.ok(fetched.fetchedAt);
    assert.ok(logins() > before, 'the first server logged in');
    assert.equal(readdirSync(dir).length, 1);

    const afterFirst = logins();
    const second = manager(dir);
    second.m.configure(normalizeSettings(raw), true, []);
    await second.m.refresh('all', false);
    const h = second.last().hosts[0];
    assert.equal(h.source, 'ssh');
    assert.equal(h.fetchedAt, fetched.fetchedAt, 'the stored fetch time, not now');
    assert.ok(!second.logs.some((l) => /running/.test(l)), second.logs.join('\n'));
    assert.equal(logins(), afterFirst, 'no ssh login for the second server');
    assert.equal(second.m.hostsFor('file:///x.xml')[0]?.host, 'kvm-a');
    // Forced, it fetches (and stores) again.
    await second.m.refresh('all', true);
    assert.ok(logins() > afterFirst);
  });
});
