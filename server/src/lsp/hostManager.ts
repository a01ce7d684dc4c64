/**
 * Which hosts a document is checked against, and keeping their inventories: host groups from the
 * settings (chosen per file by glob or by the user), offline snapshots, live fetches through the
 * inventory cache with progress, and the state the client shows in its status bar.
 */
import { minimatch } from 'minimatch';
import { createHash } from 'node:crypto';
import { basename, isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import { notificationLabel, terminalText } from '../encode';
import { InventoryCache, InventoryDiskStore } from '../inventory/cache';
import { InventoryError, withSshConfigFile, type InventoryErrorKind } from '../inventory/errors';
import { snapshotFromCollectorOutput } from '../inventory/fetch';
import { loadInventoryFile } from '../inventory/load';
import type { HostIndex } from '../inventory/resolver';
import { fetchCollectorOutput, type TransportOptions } from '../inventory/transport';
import { isHostDocumentUri, parseHostDocumentUri } from '../hostDocument';
import type { HostStateReport, InventoryStateReport } from '../protocol';
import { defaultSchemaCacheDir, fetchHostSchemas } from '../schema/hostSchemas';
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
  /**
   * An inventory could not be read. `details` is for the log only (it quotes ssh's and the tools'
   * stderr, parser messages, file names: host text); `notice` is what a notification may say
   * (see inventoryNotice).
   */
  error(details: string, host: string, notice: string): void;
}

/** Plain words for each failure kind: fixed text, never host text. */
const KIND_TEXT: Record<InventoryErrorKind, string> = {
  'bad-destination': 'not a valid ssh destination',
  'ssh-missing': 'ssh was not found',
  'host-key-unknown': 'its host key is not known',
  'host-key-changed': 'its host key has CHANGED',
  'auth-failed': 'authentication failed',
  'connection-refused': 'connection refused',
  'timed-out': 'the connection timed out',
  'name-not-resolved': 'the host name cannot be resolved',
  'connection-closed': 'the connection was closed',
  'tool-missing': 'a tool is missing on the host',
  truncated: 'the output was cut off',
  unparseable: 'the output could not be parsed',
  'too-large': 'the output is too large',
  cancelled: 'cancelled',
  failed: 'the command failed',
};

/**
 * The text of an inventory-error notification: a fixed template whose only variable part is
 * `notificationLabel` of the host (or of a snapshot file's base name). VS Code renders markdown links
 * in notifications and runs `command:` links, so nothing a host or a file says may appear there;
 * the details go to the log.
 */
export function inventoryNotice(what: { host: string; kind?: InventoryErrorKind } | { snapshotFile: string }): string {
  if ('snapshotFile' in what)
    return `${notificationLabel(basename(what.snapshotFile) || what.snapshotFile)}: the inventory snapshot could not be read (details in the log)`;
  const why = what.kind && what.kind !== 'failed' && KIND_TEXT[what.kind] ? `${KIND_TEXT[what.kind]}; ` : '';
  return `${notificationLabel(what.host)}: the inventory could not be read (${why}details in the log)`;
}

/** How hosts are reached: a change resets the live inventories (and the stored ones are not used). */
export function reachKey(x: ServerSettings | undefined): string {
  return JSON.stringify(
    x && [x.sshPath, x.sshConfigFile, x.sshExtraArgs, x.connectTimeoutSec, x.inventoryMaxAgeMs, x.sshSudo, x.libvirtUris],
  );
}

export class HostManager {
  private settings: ServerSettings | undefined;
  /** Where fetched inventories are kept between sessions (the client's global storage); none: memory only. */
  private cacheDir: string | undefined;
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

  /**
   * After a live inventory arrives: fetch that host's own schema once per session and version (a
   * snapshot never gets a fetched schema: a version names no schema). A refused or failed fetch
   * drops the host's schema, so its documents fall back to the local or configured one.
   */
  private ensureSchema(host: string, version: string | undefined, fetchAllowed: boolean): void {
    if (!this.schemas || !version || !fetchAllowed || this.schemas.hostSchema(host)?.version === version) return;
    if (this.schemaFetches.has(`${host}@${version}`)) return;
    const s = this.settings!;
    const p = fetchHostSchemas(host, this.schemaCacheDir, {
      sshPath: s.sshPath,
      sshConfigFile: s.sshConfigFile,
      extraSshArgs: s.sshExtraArgs,
      connectTimeoutSec: s.connectTimeoutSec,
      onSpawn: (argv) => this.client.log(`${terminalText(host)}: running ${terminalText(JSON.stringify(argv))} (schema)`),
    })
      .then((r) => {
        this.client.log(
          `${terminalText(host)}: libvirt ${terminalText(r.version)} schema (sha256 ${r.sha256.slice(0, 12)}) stored in ${terminalText(r.dir)}`,
        );
        this.schemas!.setHostSchema(host, r.dir, r.version, r.sha256);
      })
      .catch((e: Error) => {
        this.client.log(`schema fetch failed: ${terminalText(e.message)}`);
        this.schemas!.clearHostSchema(host);
      });
    this.schemaFetches.set(`${host}@${version}`, p);
  }

  /**
   * The directory to keep fetched inventories in (InitializationOptions.cacheDir; an absolute path,
   * else ignored). Takes effect with the next configure.
   */
  setCacheDir(dir: string | undefined): void {
    this.cacheDir = dir && isAbsolute(dir) ? dir : undefined;
  }

  configure(settings: ServerSettings, hostAccess: boolean, workspaceFolders: string[]): void {
    // Live inventories survive a settings change that does not change how hosts are reached.
    const reach = reachKey;
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
        this.client.error(terminalText((e as Error).message), f, inventoryNotice({ snapshotFile: f }));
      }
    }
    if (!keepCache) {
      if (this.cache) this.client.log('inventory cache reset: host access or the way hosts are reached changed');
      const disk = this.cacheDir
        ? new InventoryDiskStore(this.cacheDir, createHash('sha256').update(reach(settings)).digest('hex'))
        : undefined;
      this.cache = new InventoryCache({
        maxAgeMs: settings.inventoryMaxAgeMs,
        concurrency: 4,
        fetch: (host, signal) => this.fetch(host, signal),
        // Only hosts configured to be fetched: a host known from a snapshot file alone never uses a stored live inventory.
        store: disk && {
          load: (host) => {
            if (!this.hostAccess || !this.isLive(host)) return undefined;
            const stored = disk.load(host);
            if (stored)
              this.client.log(
                `${terminalText(host)}: inventory fetched ${new Date(stored.fetchedAt).toISOString()} read from the cache (${terminalText(disk.fileOf(host))})`,
              );
            return stored;
          },
          save: (host, stored) => disk.save(host, stored),
        },
        onStoreError: (host, message) =>
          this.client.log(`${terminalText(host)}: the inventory cache could not be written: ${terminalText(message)}`),
      });
      this.cache.onDidChange(() => {
        this.client.inventoryChanged();
        this.report();
      });
    }
    this.report();
    this.client.inventoryChanged();
  }

  /**
   * How `host` is reached, from the settings: the ssh program, config file and extra arguments, the
   * connect timeout, its libvirt URI and the sudo switch. The inventory fetch and the define use the same.
   */
  transportOptions(host: string): TransportOptions {
    const s = this.settings;
    if (!s) return {};
    return {
      sshPath: s.sshPath,
      sshConfigFile: s.sshConfigFile,
      extraSshArgs: s.sshExtraArgs,
      connectTimeoutSec: s.connectTimeoutSec,
      // The per-host URI (else qemu:///system) and the sudo switch: checked by the transport before use.
      libvirtUri: Object.hasOwn(s.libvirtUris, host) ? s.libvirtUris[host] : undefined,
      sudo: s.sshSudo,
    };
  }

  private async fetch(host: string, signal: AbortSignal) {
    const s = this.settings!;
    const started = Date.now();
    try {
      const { raw, output } = await fetchCollectorOutput(host, {
        ...this.transportOptions(host),
        signal,
        onSpawn: (argv) => this.client.log(`${terminalText(host)}: running ${terminalText(JSON.stringify(argv))}`),
      });
      this.client.log(
        `${terminalText(host)}: inventory fetched in ${Date.now() - started} ms (${raw.stdout.length} bytes)${raw.stderr.trim() ? `; stderr: ${terminalText(raw.stderr.trim())}` : ''}`,
      );
      const snap = snapshotFromCollectorOutput(host, output);
      this.ensureSchema(host, snap.libvirtVersion, true);
      return snap;
    } catch (e) {
      const err = withSshConfigFile(
        e instanceof InventoryError ? e : new InventoryError(host, 'failed', (e as Error).message),
        s.sshConfigFile,
      );
      // Host text (the message quotes stderr) is logged as terminal text: one line, no control sequences.
      this.client.log(
        `${terminalText(host)}: failed after ${Date.now() - started} ms: ${terminalText(err.message)}${err.stderr?.trim() ? `; stderr: ${terminalText(err.stderr.trim())}` : ''}`,
      );
      if (err.kind !== 'cancelled') {
        this.client.error(terminalText(err.message), host, inventoryNotice({ host, kind: err.kind }));
        for (const g of this.settings?.hostGroups ?? [])
          if (g.hosts.includes(host) && g.hosts.length > 1)
            this.client.log(
              `host group ${terminalText(g.name)}: ${terminalText(host)} could not be read; diagnostics of its files cover only the reachable hosts (${g.hosts
                .filter((h) => h !== host && !this.cache?.state(h).error)
                .map(terminalText)
                .join(', ')})`,
            );
      }
      throw err;
    }
  }

  /** Whether `host` is in a configured host group (fetched live), not only known from a snapshot file. */
  isLive(host: string): boolean {
    return (this.settings?.hostGroups ?? []).some((g) => g.hosts.includes(host));
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
    for (const f of this.workspaceFolders)
      if (path.startsWith(f.endsWith('/') ? f : f + '/')) out.push(path.slice(f.length).replace(/^\/+/, ''));
    return out;
  }

  /** Every host of the groups (configured, else the snapshots'), each once, in group order. */
  allHosts(): string[] {
    return [...new Set(this.groups.flatMap((g) => g.hosts))];
  }

  /**
   * The host a host definition URI names: VS Code writes the authority in lower case, so a known host
   * (configured or from a snapshot) that differs only in case is that host; else the authority itself.
   */
  resolveHost(authority: string): string {
    const known = [...new Set([...this.allHosts(), ...this.snapshots.keys()])];
    if (known.includes(authority)) return authority;
    const same = known.filter((h) => h.toLowerCase() === authority.toLowerCase());
    return same.length === 1 ? same[0] : authority;
  }

  /** For a host definition document (`libvirt-domain://HOST/NAME.xml`): its host and domain name. */
  hostDocument(uri: string): { host: string; name: string } | undefined {
    const p = parseHostDocumentUri(uri);
    return p && { host: this.resolveHost(p.authority), name: p.name };
  }

  groupFor(uri: string): HostGroupSetting | undefined {
    // A host's own definition is checked against that host alone (a group of its own; never chosen).
    if (isHostDocumentUri(uri)) {
      const d = this.hostDocument(uri);
      return d ? { name: d.host, hosts: [d.host], files: [] } : undefined;
    }
    const groups = this.groups;
    const chosen = this.chosenGroup.get(uri);
    if (chosen) {
      const g = groups.find((x) => x.name === chosen);
      if (g) return g;
    }
    const paths = this.relative(uri);
    for (const g of groups)
      if (g.files.some((p) => paths.some((x) => minimatch(x, p, { dot: true, matchBase: !p.includes('/') })))) return g;
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

  /**
   * The inventory of `host` for the inventory view and snapshot saving: the one the document `uri`
   * is checked against, else the live one, else a snapshot's.
   */
  inventoryOf(host: string, uri?: string): HostIndex | undefined {
    const mine = uri ? this.hostsFor(uri).find((h) => h.host === host) : undefined;
    return mine ?? (this.hostAccess ? this.cache?.current(host) : undefined) ?? this.snapshots.get(host);
  }

  /** The fetch state of `host`: whether a fetch runs, and why the last one failed. */
  fetchState(host: string): { fetching: boolean; fetchedAt?: number; error?: string } {
    const st = this.hostAccess ? this.cache?.state(host) : undefined;
    return { fetching: !!st?.fetching, fetchedAt: st?.fetchedAt, error: st?.error?.message };
  }

  /**
   * Fetches `host` now, a fetch that starts after this call (one already running is waited for, then
   * another one runs): for what must be read after a change, as before and after a define. Resolves
   * to the new inventory, or to why there is none. Only configured hosts, only with host access.
   */
  async fetchNow(host: string): Promise<{ index?: HostIndex; error?: string }> {
    if (!this.hostAccess || !this.cache) return { error: 'hosts are not contacted in Restricted Mode' };
    if (!this.isLive(host)) return { error: `${terminalText(host)} is not a configured host (libvirtDomain.hosts)` };
    const before = this.cache.state(host);
    if (before.fetching) await this.cache.refresh(host);
    const since = Date.now();
    await this.cache.refresh(host, true);
    const after = this.cache.state(host);
    if (after.error || !after.fetchedAt || after.fetchedAt < since || !this.cache.current(host))
      return { error: after.error?.message ?? 'the inventory could not be read' };
    return { index: this.cache.current(host) };
  }

  /** The hosts of the configured groups (`libvirtDomain.hosts`, `libvirtDomain.hostGroups`), each once: the ones fetched live. */
  liveHosts(): string[] {
    return [...new Set((this.settings?.hostGroups ?? []).flatMap((g) => g.hosts))];
  }

  /**
   * Fetches `host` for an audit: a fetch running now is waited for (it is fresh enough), else one
   * starts. Resolves to the inventory, or to why there is none and the failure's class; `signal`
   * aborts the fetch (its ssh process group is killed). The fetch reports a failure as every fetch
   * does (the log, a notification); a cancelled one is not reported.
   */
  async fetchFresh(host: string, signal?: AbortSignal): Promise<{ index?: HostIndex; error?: string; kind?: string }> {
    if (!this.hostAccess || !this.cache) return { error: 'hosts are not contacted in Restricted Mode', kind: 'no-host-access' };
    if (!this.isLive(host)) return { error: `${terminalText(host)} is not a configured host (libvirtDomain.hosts)`, kind: 'unknown-host' };
    const cache = this.cache;
    if (signal?.aborted) return { error: 'cancelled', kind: 'cancelled' };
    const abort = () => cache.cancel(host);
    signal?.addEventListener('abort', abort);
    try {
      await cache.refresh(host, true);
    } finally {
      signal?.removeEventListener('abort', abort);
    }
    const st = cache.state(host);
    if (signal?.aborted) return { error: 'cancelled', kind: 'cancelled' };
    if (st.error || !cache.current(host))
      return { error: st.error?.message ?? 'the inventory could not be read', kind: st.error?.kind ?? 'failed' };
    return { index: cache.current(host) };
  }

  /** Fetches `host` when it has no inventory yet (configured hosts, with host access); resolves when done. */
  async ensureFetched(host: string): Promise<void> {
    if (!this.hostAccess || !this.cache || !this.isLive(host) || this.cache.current(host)) return;
    await this.cache.refresh(host);
  }

  /** Waits for the schema fetch of `host`'s current libvirt version, when one runs (it never rejects). */
  async schemaSettled(host: string): Promise<void> {
    const version = this.cache?.current(host)?.snapshot.libvirtVersion;
    if (version) await this.schemaFetches.get(`${host}@${version}`);
  }

  /** Where the inventory of `host` comes from now (as in the state report). */
  sourceOf(host: string): HostStateReport['source'] {
    const live = this.hostAccess && !!this.cache?.state(host)?.fetchedAt;
    return live ? (host === 'local' ? 'local' : 'ssh') : this.snapshots.has(host) ? 'snapshot' : 'none';
  }

  /** Fetches the hosts of the given documents' groups that are due (or all, when forced), with progress. */
  async refresh(uris: string[] | 'all', force: boolean): Promise<void> {
    if (!this.hostAccess || !this.cache) return;
    const hosts = new Set<string>();
    // Only configured host groups are fetched: hosts known from snapshots alone are never contacted.
    const configured = new Set(this.settings?.hostGroups ?? []);
    // A host definition document's group is its host alone: fetched when that host is configured.
    const groups = (uris === 'all' ? this.groups : uris).flatMap((x): HostGroupSetting[] => {
      if (typeof x !== 'string') return configured.has(x) ? [x] : [];
      const g = this.groupFor(x);
      if (!g) return [];
      return configured.has(g) || (isHostDocumentUri(x) && g.hosts.every((h) => this.isLive(h))) ? [g] : [];
    });
    for (const g of groups) for (const h of g.hosts) if (force || this.cache.isDue(h)) hosts.add(h);
    if (!hosts.size) return;
    const list = [...hosts];
    // The title is shown in a notification: host names only as notification labels.
    const shown = list.slice(0, 8).map(notificationLabel).join(', ') + (list.length > 8 ? ` and ${list.length - 8} more` : '');
    const progress = await this.client.progress(`Fetching inventory of ${shown}`);
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
          collectedAt: !live ? this.snapshots.get(h)?.snapshot.collectedAt || undefined : undefined,
          live: this.isLive(h),
        };
      }),
    });
  }
}
