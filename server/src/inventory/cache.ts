/**
 * Inventories per host, kept in memory with their fetch time (and, given a store, on disk: a window
 * reload within the maximum age fetches nothing). Concurrent requests for a host share one fetch;
 * several hosts are fetched in parallel up to a bound; a failed refresh keeps the last good inventory
 * and marks it stale.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeTextAtomic } from '../files';
import { readFileBounded } from '../safeRead';
import { InventoryError } from './errors';
import { HostIndex } from './resolver';
import { validateSnapshot, type InventorySnapshot } from './snapshot';

export type SnapshotFetcher = (host: string, signal: AbortSignal) => Promise<InventorySnapshot>;

export interface HostState {
  host: string;
  index?: HostIndex;
  fetchedAt?: number;
  /** The last refresh failed (index, if any, is older) */
  error?: InventoryError;
  fetching: boolean;
}

/** A fetched inventory as kept between sessions. */
export interface StoredInventory {
  snapshot: InventorySnapshot;
  fetchedAt: number;
}

/** Where fetched inventories are kept between sessions (see InventoryDiskStore). */
export interface InventoryStore {
  /** The stored inventory of `host`, if there is a valid one; never throws. */
  load(host: string): StoredInventory | undefined;
  /** Stores the inventory of `host`; may throw (the cache logs and goes on). */
  save(host: string, stored: StoredInventory): void;
}

export interface InventoryCacheOptions {
  fetch: SnapshotFetcher;
  maxAgeMs: number;
  concurrency?: number;
  now?: () => number;
  /** Keeps each fetched inventory (and starts from the stored one of a host). */
  store?: InventoryStore;
  /** A store could not be written (the message names the file, never its content). */
  onStoreError?: (host: string, message: string) => void;
}

const STORE_FORMAT = 'libvirt-domain-inventory-cache/1';
/** A stored inventory is at most this large (as the collector output it came from). */
const STORE_MAX_BYTES = 256 * 1024 * 1024;
/** A fetch time this far in the future is a clock that went back, or a forged file: not used. */
const FUTURE_SLACK_MS = 5 * 60_000;

/**
 * Fetched inventories on disk, one JSON file per destination in `dir` (the extension's global
 * storage), named by a hash of the destination (never the destination itself: it is host text).
 * `reach` fingerprints how hosts are reached (ssh settings, URIs): an inventory stored under other
 * settings is not used. Written atomically; read with the bounded reader and validated as a
 * snapshot file is (the directory is the user's, but its content is still input).
 */
export class InventoryDiskStore implements InventoryStore {
  constructor(
    readonly dir: string,
    private readonly reach: string,
    private readonly now: () => number = Date.now,
  ) {}

  fileOf(host: string): string {
    return join(this.dir, `inventory-${createHash('sha256').update(host).digest('hex').slice(0, 32)}.json`);
  }

  load(host: string): StoredInventory | undefined {
    const file = this.fileOf(host);
    try {
      const data = JSON.parse(
        readFileBounded(file, { maxBytes: STORE_MAX_BYTES, what: 'inventory cache' }).data.toString('utf8'),
      ) as unknown;
      if (!data || typeof data !== 'object' || Array.isArray(data)) return undefined;
      const d = data as Record<string, unknown>;
      if (d.format !== STORE_FORMAT || d.host !== host || d.reach !== this.reach) return undefined;
      const fetchedAt = d.fetchedAt;
      if (typeof fetchedAt !== 'number' || !Number.isFinite(fetchedAt) || fetchedAt <= 0 || fetchedAt > this.now() + FUTURE_SLACK_MS)
        return undefined;
      const snapshot = validateSnapshot(d.snapshot, file);
      if (snapshot.host !== host) return undefined;
      return { snapshot, fetchedAt };
    } catch {
      return undefined; // missing, unreadable, not JSON, not a snapshot: fetched again
    }
  }

  save(host: string, stored: StoredInventory): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const record = { format: STORE_FORMAT, host, reach: this.reach, fetchedAt: stored.fetchedAt, snapshot: stored.snapshot };
    writeTextAtomic(this.fileOf(host), JSON.stringify(record));
  }
}

interface Entry extends HostState {
  inflight?: Promise<void>;
  controller?: AbortController;
}

export class InventoryCache {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<(host: string) => void>();
  private running = 0;
  private readonly queue: Array<() => void> = [];

  constructor(private readonly options: InventoryCacheOptions) {}

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  private entry(host: string): Entry {
    let e = this.entries.get(host);
    if (!e) {
      e = { host, fetching: false };
      const stored = this.options.store?.load(host);
      if (stored) {
        e.index = new HostIndex(stored.snapshot);
        e.fetchedAt = stored.fetchedAt;
      }
      this.entries.set(host, e);
    }
    return e;
  }

  onDidChange(listener: (host: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(host: string): void {
    for (const l of this.listeners) l(host);
  }

  state(host: string): HostState {
    const { inflight: _i, controller: _c, ...s } = this.entry(host);
    return s;
  }

  /** The inventory to use now (possibly stale), without fetching. */
  current(host: string): HostIndex | undefined {
    return this.entry(host).index;
  }

  /** Whether the inventory is missing or older than maxAge. */
  isDue(host: string): boolean {
    const e = this.entry(host);
    return !e?.fetchedAt || this.now() - e.fetchedAt > this.options.maxAgeMs;
  }

  /** Puts a snapshot in (e.g. one loaded from a file). */
  set(host: string, snapshot: InventorySnapshot): void {
    const e = this.entry(host);
    e.index = new HostIndex(snapshot);
    e.fetchedAt = this.now();
    e.error = undefined;
    this.emit(host);
  }

  private async slot<T>(fn: () => Promise<T>): Promise<T> {
    const limit = this.options.concurrency ?? 4;
    if (this.running >= limit) await new Promise<void>((r) => this.queue.push(r));
    this.running++;
    try {
      return await fn();
    } finally {
      this.running--;
      this.queue.shift()?.();
    }
  }

  /**
   * Refreshes a host when forced or due; resolves when that fetch is over (it never rejects:
   * the outcome is in state(host)). A second caller during a fetch waits for the same one.
   */
  refresh(host: string, force = false): Promise<void> {
    const e = this.entry(host);
    if (e.inflight) return e.inflight;
    if (!force && !this.isDue(host)) return Promise.resolve();
    const controller = new AbortController();
    e.controller = controller;
    e.fetching = true;
    this.emit(host);
    e.inflight = this.slot(() => this.options.fetch(host, controller.signal))
      .then(
        (snap) => {
          e.index = new HostIndex(snap);
          e.fetchedAt = this.now();
          e.error = undefined;
          try {
            this.options.store?.save(host, { snapshot: snap, fetchedAt: e.fetchedAt });
          } catch (err) {
            this.options.onStoreError?.(host, (err as Error)?.message ?? String(err));
          }
        },
        (err: unknown) => {
          e.error = err instanceof InventoryError ? err : new InventoryError(host, 'failed', (err as Error)?.message ?? String(err));
        },
      )
      .finally(() => {
        e.fetching = false;
        e.inflight = undefined;
        e.controller = undefined;
        this.emit(host);
      });
    return e.inflight;
  }

  /** Refreshes several hosts in parallel (bounded). */
  async refreshAll(hosts: string[], force = false): Promise<void> {
    await Promise.all(hosts.map((h) => this.refresh(h, force)));
  }

  /** Cancels a running fetch (its ssh process group is killed by the transport). */
  cancel(host?: string): void {
    for (const e of this.entries.values()) if (!host || e.host === host) e.controller?.abort();
  }
}
