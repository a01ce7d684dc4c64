/**
 * Inventories per host, kept in memory with their fetch time. Concurrent requests for a host share
 * one fetch; several hosts are fetched in parallel up to a bound; a failed refresh keeps the last
 * good inventory and marks it stale.
 */
import { InventoryError } from './errors';
import { HostIndex } from './resolver';
import type { InventorySnapshot } from './snapshot';

export type SnapshotFetcher = (host: string, signal: AbortSignal) => Promise<InventorySnapshot>;

export interface HostState {
  host: string;
  index?: HostIndex;
  fetchedAt?: number;
  /** The last refresh failed (index, if any, is older) */
  error?: InventoryError;
  fetching: boolean;
}

export interface InventoryCacheOptions {
  fetch: SnapshotFetcher;
  maxAgeMs: number;
  concurrency?: number;
  now?: () => number;
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
    return this.entries.get(host)?.index;
  }

  /** Whether the inventory is missing or older than maxAge. */
  isDue(host: string): boolean {
    const e = this.entries.get(host);
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
