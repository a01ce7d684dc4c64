import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InventoryCache } from '../server/src/inventory/cache';
import { InventoryError } from '../server/src/inventory/errors';
import type { InventorySnapshot } from '../server/src/inventory/snapshot';
import { exampleHost } from './support/examples';

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((a, b) => ((resolve = a), (reject = b)));
  return { promise, resolve, reject };
}

const snap = (host: string): InventorySnapshot => ({ ...exampleHost().snapshot, host });

test('concurrent refreshes of one host share one fetch; fetch time and max age decide freshness', async () => {
  let now = 1000;
  const calls: string[] = [];
  const d = deferred<InventorySnapshot>();
  const cache = new InventoryCache({ maxAgeMs: 60_000, now: () => now, fetch: (h) => (calls.push(h), d.promise) });
  const a = cache.refresh('kvm-a');
  const b = cache.refresh('kvm-a', true);
  assert.equal(cache.state('kvm-a').fetching, true);
  d.resolve(snap('kvm-a'));
  await Promise.all([a, b]);
  assert.deepEqual(calls, ['kvm-a']);
  assert.equal(cache.state('kvm-a').fetchedAt, 1000);
  assert.equal(cache.isDue('kvm-a'), false);
  now += 60_001;
  assert.equal(cache.isDue('kvm-a'), true);
});

test('a failed refresh keeps the last good inventory and records the classified error', async () => {
  let fail = false;
  const cache = new InventoryCache({
    maxAgeMs: 0,
    fetch: async (h) => {
      if (fail) throw new InventoryError(h, 'connection-refused', 'connection refused');
      return snap(h);
    },
  });
  await cache.refresh('kvm-a');
  const good = cache.current('kvm-a');
  assert.ok(good);
  fail = true;
  await cache.refresh('kvm-a', true);
  assert.equal(cache.current('kvm-a'), good);
  assert.equal(cache.state('kvm-a').error?.kind, 'connection-refused');
});

test('hosts are fetched in parallel up to the bound', async () => {
  let running = 0;
  let peak = 0;
  const gates = new Map<string, ReturnType<typeof deferred<InventorySnapshot>>>();
  const cache = new InventoryCache({
    maxAgeMs: 0,
    concurrency: 2,
    fetch: (h) => {
      running++;
      peak = Math.max(peak, running);
      const g = deferred<InventorySnapshot>();
      gates.set(h, g);
      return g.promise.finally(() => running--);
    },
  });
  const all = cache.refreshAll(['a', 'b', 'c', 'd'], true);
  // Release each fetch as it starts, until all four have run.
  const released = new Set<string>();
  const deadline = Date.now() + 5000;
  while (released.size < 4) {
    for (const [h, g] of gates)
      if (!released.has(h)) {
        released.add(h);
        g.resolve(snap(h));
      }
    if (Date.now() > deadline) throw new Error('fetches did not all start');
    await new Promise((r) => setImmediate(r));
  }
  await all;
  assert.equal(peak, 2);
  for (const h of ['a', 'b', 'c', 'd']) assert.ok(cache.current(h));
});

test('cancel aborts the running fetch', async () => {
  const cache = new InventoryCache({
    maxAgeMs: 0,
    fetch: (h, signal) =>
      new Promise((_, reject) => signal.addEventListener('abort', () => reject(new InventoryError(h, 'cancelled', 'cancelled')))),
  });
  const p = cache.refresh('kvm-a');
  cache.cancel('kvm-a');
  await p;
  assert.equal(cache.state('kvm-a').error?.kind, 'cancelled');
});
