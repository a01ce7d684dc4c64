/**
 * Which libvirt schema a document is validated against: the one its host serves (fetched from that
 * host, checked, cached by content hash; see schema/hostSchemas.ts), else this machine's
 * /usr/share/libvirt/schemas, else a configured directory. A host's schema serves that host only:
 * never another host of the same libvirt version, never a snapshot. Validators are compiled in the
 * background; until one is ready the document is simply not schema-checked.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  dirSchemaSource,
  hostSchemaLabel,
  LOCAL_SCHEMA_DIR,
  schemaDirHash,
  schemaLabelText,
  SchemaSource,
  SchemaValidator,
  schemaValidator,
} from '../schema/validator';

export interface SchemaManagerClient {
  log(message: string): void;
  /** A validator became ready: documents should be re-checked. */
  changed(): void;
}

interface HostEntry {
  dir: string;
  version: string;
  sha256: string;
  source: SchemaSource;
}

export class SchemaManager {
  private enabled = true;
  private configuredDir: string | undefined;
  private readonly hostSchemas = new Map<string, HostEntry>();
  /** Sources of local and configured directories (their labels carry a content hash, computed once). */
  private readonly dirSources = new Map<string, SchemaSource>();
  private readonly ready = new Map<SchemaSource, SchemaValidator>();
  private readonly pending = new Set<SchemaSource>();
  private readonly failed = new Set<string>();
  /**
   * Whether a directory holds domain.rng, looked at once per configuration (it was asked for every
   * file of the workspace pass, twice): a schema installed later is seen after the next settings change.
   */
  private readonly hasDomainRng = new Map<string, boolean>();

  constructor(
    private readonly client: SchemaManagerClient,
    private readonly localDir = LOCAL_SCHEMA_DIR,
  ) {}

  configure(enabled: boolean, configuredDir: string | undefined): void {
    this.hasDomainRng.clear();
    this.enabled = enabled;
    this.configuredDir = configuredDir;
  }

  /**
   * The schema `host` serves, as fetched from it (fetchHostSchemas): its files in `dir`, whose content
   * hash is `sha256` (computed from the files when not given). Used for documents checked against that
   * host only.
   */
  setHostSchema(host: string, dir: string, version: string, sha256?: string): void {
    const hash = sha256 ?? schemaDirHash(dir);
    if (!hash) {
      this.client.log(`schema: ${schemaLabelText(host, 80)}: the schema files in ${schemaLabelText(dir)} cannot be read; not used`);
      return;
    }
    this.hostSchemas.set(host, { dir, version, sha256: hash, source: { dir, label: hostSchemaLabel(host, version, hash) } });
    this.client.changed();
  }

  /** Forgets `host`'s schema (its latest fetch was refused): its documents fall back to the local or configured one. */
  clearHostSchema(host: string): void {
    if (this.hostSchemas.delete(host)) this.client.changed();
  }

  hostSchema(host: string): { dir: string; version: string; sha256: string } | undefined {
    const e = this.hostSchemas.get(host);
    return e && { dir: e.dir, version: e.version, sha256: e.sha256 };
  }

  private dirSource(dir: string, kind: 'local' | 'configured'): SchemaSource {
    const key = `${kind}\0${dir}`;
    let s = this.dirSources.get(key);
    if (!s) this.dirSources.set(key, (s = dirSchemaSource(dir, kind)));
    return s;
  }

  private holdsDomainRng(dir: string): boolean {
    let has = this.hasDomainRng.get(dir);
    if (has === undefined) this.hasDomainRng.set(dir, (has = existsSync(join(dir, 'domain.rng'))));
    return has;
  }

  /** The source for a document checked against `hosts` (names, in group order), and what to call it in the log. */
  private pick(hosts: string[], evenDisabled = false): { source: SchemaSource; logName: string } | undefined {
    if (!this.enabled && !evenDisabled) return undefined;
    for (const h of hosts) {
      const s = this.hostSchemas.get(h);
      if (s)
        return {
          source: s.source,
          logName: `libvirt ${schemaLabelText(s.version, 40)} (${schemaLabelText(h, 80)}) compiled (sha256 ${s.sha256.slice(0, 12)})`,
        };
    }
    if (this.holdsDomainRng(this.localDir)) {
      const source = this.dirSource(this.localDir, 'local');
      return { source, logName: `${source.label} compiled` };
    }
    if (this.configuredDir && this.holdsDomainRng(this.configuredDir)) {
      const source = this.dirSource(this.configuredDir, 'configured');
      return { source, logName: `${source.label} compiled` };
    }
    return undefined;
  }

  /** The source for a document checked against `hosts` (names, in group order). */
  sourceFor(hosts: string[]): SchemaSource | undefined {
    return this.pick(hosts)?.source;
  }

  /**
   * The validator a define checks with (as the CLI's `define`): `hosts`'s schema, compiled if need be,
   * whether or not schema diagnostics are enabled; undefined when there is no schema or it cannot be compiled.
   */
  async validatorReady(hosts: string[]): Promise<SchemaValidator | undefined> {
    const picked = this.pick(hosts, true);
    if (!picked || this.failed.has(picked.source.dir)) return undefined;
    try {
      return this.ready.get(picked.source) ?? (await schemaValidator(picked.source)).perDocument();
    } catch {
      return undefined;
    }
  }

  /** The compiled validator for the source, or undefined while it compiles (changed() follows). */
  validatorFor(hosts: string[]): SchemaValidator | undefined {
    const picked = this.pick(hosts);
    if (!picked) return undefined;
    const { source, logName } = picked;
    if (this.failed.has(source.dir)) return undefined;
    const v = this.ready.get(source);
    if (v || this.pending.has(source)) return v;
    this.pending.add(source);
    schemaValidator(source).then(
      (val) => {
        this.pending.delete(source);
        // The editor re-validates on every edit: its localisation is bounded per document only.
        this.ready.set(source, val.perDocument());
        this.client.log(`schema: ${logName}`);
        this.client.changed();
      },
      (e: Error) => {
        this.pending.delete(source);
        this.failed.add(source.dir);
        this.client.log(`schema: ${e.message}`);
      },
    );
    return undefined;
  }
}
