/**
 * Which hosts a document is checked against, and keeping their inventories: host groups from the
 * settings (chosen per file by glob or by the user), offline snapshots, live fetches through the
 * inventory cache with progress, and the state the client shows in its status bar.
 */
import { minimatch } from 'minimatch';
import { fileURLToPath } from 'node:url';
import { InventoryCache } from '../inventory/cache';
import { InventoryError } from '../inventory/errors';
import { snapshotFromCollectorOutput } from '../inventory/fetch';
import { loadInventoryFile } from '../inventory/load';
import type { HostIndex } from '../inventory/resolver';
import { fetchCollectorOutput } from '../inventory/transport';
import { cachedSchemaDir, defaultSchemaCacheDir, fetchHostSchemas } from '../schema/hostSchemas';
import type { SchemaManager } from './schemaManager';
import type { HostGroupSetting, ServerSettings } from './settings';

export interface ProgressHandle {
  report(message: string, percentage?: number): void;
  done(): void;
  /** Set when the user cancels. */
  onCancel(listener: () => void): void;
}

export interface HostManagerClient {
  log(message: string): void;
  progress(title: string): Promise<ProgressHandle>;
  inventoryChanged(): void;
  /** Per-host state for the status bar. */
  state(state: InventoryStateReport): void;
  error(message: string, host: string): void;
}

export interface HostStateReport {
  host: string;
  fetchedAt?: number;
  fetching: boolean;
  error?: string;
  errorKind?: string;
  source: 'ssh' | 'local' | 'snapshot' | 'none';
}

export interface InventoryStateReport {
  hostAccess: boolean;
  groups: { name: string; hosts: string[] }[];
  hosts: HostStateReport[];
}

export class HostManager {
  private settings: ServerSettings | undefined;
  private cache: InventoryCache | undefined;
  private snapshots = new Map<string, HostIndex>();
  private readonly chosenGroup = new Map<string, string>();
  private workspaceFolders: string[] = [];
  private hostAccess = false;

  private readonly schemaFetches = new Map<string, Promise<void>>();

  constructor(
    private readonly client: HostManagerClient,
    private readonly schemas?: SchemaManager,
    private readonly schemaCacheDir = defaultSchemaCacheDir(),
  ) {}

  /** After an inventory arrives: make the schema of the host's libvirt version available (cached by version). */
  private ensureSchema(host: string, version: string | undefined, fetchAllowed: boolean): void {
    if (!this.schemas || !version || this.schemas.hostSchema(host)?.version === version) return;
    const cached = cachedSchemaDir(this.schemaCacheDir, version);
    if (cached) return this.schemas.setHostSchema(host, cached, version);
    if (!fetchAllowed || this.schemaFetches.has(`${host}@${version}`)) return;
    const s = this.settings!;
    const p = fetchHostSchemas(host, this.schemaCacheDir, { sshPath: s.sshPath, sshConfigFile: s.sshConfigFile, extraSshArgs: s.sshExtraArgs, connectTimeoutSec: s.connectTimeoutSec, onSpawn: (argv) => this.client.log(`${host}: running ${JSON.stringify(argv)} (schema)`) })
      .then((r) => {
        this.client.log(`${host}: libvirt ${r.version} schema stored in ${r.dir}`);
        this.schemas!.setHostSchema(host, r.dir, r.version);
      })
      .catch((e: Error) => this.client.log(`${host}: schema fetch failed: ${e.message}`));
    this.schemaFetches.set(`${host}@${version}`, p);
  }

  configure(settings: ServerSettings, hostAccess: boolean, workspaceFolders: string[]): void {
    // Live inventories survive a settings change that does not change how hosts are reached.
    const reach = (x: ServerSettings | undefined) => JSON.stringify(x && [x.sshPath, x.sshConfigFile, x.sshExtraArgs, x.connectTimeoutSec, x.inventoryMaxAgeMs]);
    const keepCache = !!this.cache && hostAccess === this.hostAccess && reach(settings) === reach(this.settings);
    if (!keepCache) this.cache?.cancel();
    this.settings = settings;
    this.hostAccess = hostAccess;
    this.workspaceFolders = workspaceFolders;
    this.snapshots = new Map();
    for (const f of settings.inventorySnapshots) {
      try {
        const idx = loadInventoryFile(f);
        this.snapshots.set(idx.host, idx);
        this.ensureSchema(idx.host, idx.snapshot.libvirtVersion, false);
      } catch (e) {
        this.client.error((e as Error).message, f);
      }
    }
    if (!keepCache) {
      if (this.cache) this.client.log('inventory cache reset: host access or the way hosts are reached changed');
      this.cache = new InventoryCache({
        maxAgeMs: settings.inventoryMaxAgeMs,
        concurrency: 4,
        fetch: (host, signal) => this.fetch(host, signal),
      });
      this.cache.onDidChange(() => {
        this.client.inventoryChanged();
        this.report();
      });
    }
    this.report();
    this.client.inventoryChanged();
  }

  private async fetch(host: string, signal: AbortSignal) {
    const s = this.settings!;
    const started = Date.now();
    try {
      const { raw, output } = await fetchCollectorOutput(host, {
        sshPath: s.sshPath,
        sshConfigFile: s.sshConfigFile,
        extraSshArgs: s.sshExtraArgs,
        connectTimeoutSec: s.connectTimeoutSec,
        signal,
        onSpawn: (argv) => this.client.log(`${host}: running ${JSON.stringify(argv)}`),
      });
      this.client.log(`${host}: inventory fetched in ${Date.now() - started} ms (${raw.stdout.length} bytes)${raw.stderr.trim() ? `; stderr: ${raw.stderr.trim()}` : ''}`);
      const snap = snapshotFromCollectorOutput(host, output);
      this.ensureSchema(host, snap.libvirtVersion, true);
      return snap;
    } catch (e) {
      const err = e instanceof InventoryError ? e : new InventoryError(host, 'failed', (e as Error).message);
      this.client.log(`${host}: failed after ${Date.now() - started} ms: ${err.message}${err.stderr?.trim() ? `\n${err.stderr.trim()}` : ''}`);
      if (err.kind !== 'cancelled') this.client.error(err.message, host);
      throw err;
    }
  }

  get groups(): HostGroupSetting[] {
    const g = this.settings?.hostGroups ?? [];
    if (g.length) return g;
    // Offline: the snapshots form one group.
    return this.snapshots.size ? [{ name: 'snapshots', hosts: [...this.snapshots.keys()], files: ['**/*'] }] : [];
  }

  chooseGroup(uri: string, group: string | undefined): void {
    if (group) this.chosenGroup.set(uri, group);
    else this.chosenGroup.delete(uri);
    this.client.inventoryChanged();
  }

  private relative(uri: string): string[] {
    let path: string;
    try {
      path = fileURLToPath(uri);
    } catch {
      return [uri];
    }
    const out = [path];
    for (const f of this.workspaceFolders) if (path.startsWith(f.endsWith('/') ? f : f + '/')) out.push(path.slice(f.length).replace(/^\/+/, ''));
    return out;
  }

  groupFor(uri: string): HostGroupSetting | undefined {
    const groups = this.groups;
    const chosen = this.chosenGroup.get(uri);
    if (chosen) {
      const g = groups.find((x) => x.name === chosen);
      if (g) return g;
    }
    const paths = this.relative(uri);
    for (const g of groups) if (g.files.some((p) => paths.some((x) => minimatch(x, p, { dot: true, matchBase: !p.includes('/') })))) return g;
    return groups.find((g) => g.name === 'default') ?? groups[0];
  }

  /** The inventories a document is checked against (live where fetched, else a snapshot of that host). */
  hostsFor(uri: string): HostIndex[] {
    const g = this.groupFor(uri);
    if (!g) return [];
    const out: HostIndex[] = [];
    for (const h of g.hosts) {
      const idx = (this.hostAccess ? this.cache?.current(h) : undefined) ?? this.snapshots.get(h);
      if (idx) out.push(idx);
    }
    return out;
  }

  /** Fetches the hosts of the given documents' groups that are due (or all, when forced), with progress. */
  async refresh(uris: string[] | 'all', force: boolean): Promise<void> {
    if (!this.hostAccess || !this.cache) return;
    const hosts = new Set<string>();
    // Only configured host groups are fetched: hosts known from snapshots alone are never contacted.
    const configured = new Set(this.settings?.hostGroups ?? []);
    const groups = (uris === 'all' ? this.groups : uris.map((u) => this.groupFor(u))).filter((g): g is HostGroupSetting => !!g && configured.has(g));
    for (const g of groups) for (const h of g.hosts) if (force || this.cache.isDue(h)) hosts.add(h);
    if (!hosts.size) return;
    const list = [...hosts];
    const progress = await this.client.progress(`Fetching inventory of ${list.join(', ')}`);
    progress.onCancel(() => this.cache?.cancel());
    let done = 0;
    await Promise.all(
      list.map((h) =>
        this.cache!.refresh(h, force).then(() => {
          done++;
          progress.report(`${done}/${list.length} hosts`, Math.round((done / list.length) * 100));
        }),
      ),
    );
    progress.done();
  }

  cancel(): void {
    this.cache?.cancel();
  }

  report(): void {
    const hosts = new Set<string>();
    for (const g of this.groups) for (const h of g.hosts) hosts.add(h);
    this.client.state({
      hostAccess: this.hostAccess,
      groups: this.groups.map((g) => ({ name: g.name, hosts: g.hosts })),
      hosts: [...hosts].map((h) => {
        const st = this.cache?.state(h);
        const live = this.hostAccess && !!st?.fetchedAt;
        return {
          host: h,
          fetchedAt: live ? st!.fetchedAt : undefined,
          fetching: !!st?.fetching,
          error: st?.error?.message,
          errorKind: st?.error?.kind,
          source: live ? (h === 'local' ? 'local' : 'ssh') : this.snapshots.has(h) ? 'snapshot' : 'none',
        };
      }),
    });
  }
}
