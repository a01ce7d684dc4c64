/**
 * Which libvirt schema a document is validated against: the one of the libvirt version its host
 * runs (fetched once per version), else this machine's /usr/share/libvirt/schemas, else a
 * configured directory. Validators are compiled in the background; until one is ready the
 * document is simply not schema-checked.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_SCHEMA_DIR, SchemaSource, SchemaValidator, schemaValidator } from '../schema/validator';

export interface SchemaManagerClient {
  log(message: string): void;
  /** A validator became ready: documents should be re-checked. */
  changed(): void;
}

export class SchemaManager {
  private enabled = true;
  private configuredDir: string | undefined;
  private readonly hostSchemas = new Map<string, { dir: string; version: string }>();
  private readonly ready = new Map<string, SchemaValidator>();
  private readonly failed = new Set<string>();

  constructor(private readonly client: SchemaManagerClient, private readonly localDir = LOCAL_SCHEMA_DIR) {}

  configure(enabled: boolean, configuredDir: string | undefined): void {
    this.enabled = enabled;
    this.configuredDir = configuredDir;
  }

  setHostSchema(host: string, dir: string, version: string): void {
    this.hostSchemas.set(host, { dir, version });
    this.client.changed();
  }

  hostSchema(host: string): { dir: string; version: string } | undefined {
    return this.hostSchemas.get(host);
  }

  /** The source for a document checked against `hosts` (names, in group order). */
  sourceFor(hosts: string[]): SchemaSource | undefined {
    if (!this.enabled) return undefined;
    for (const h of hosts) {
      const s = this.hostSchemas.get(h);
      if (s) return { dir: s.dir, label: `libvirt ${s.version} (${h})` };
    }
    if (existsSync(join(this.localDir, 'domain.rng'))) return { dir: this.localDir, label: `local libvirt (${this.localDir})` };
    if (this.configuredDir && existsSync(join(this.configuredDir, 'domain.rng'))) return { dir: this.configuredDir, label: `libvirt (${this.configuredDir})` };
    return undefined;
  }

  /** The compiled validator for the source, or undefined while it compiles (changed() follows). */
  validatorFor(hosts: string[]): SchemaValidator | undefined {
    const source = this.sourceFor(hosts);
    if (!source || this.failed.has(source.dir)) return undefined;
    const v = this.ready.get(source.dir);
    if (v) return v;
    schemaValidator(source).then(
      (val) => {
        if (!this.ready.has(source.dir)) {
          this.ready.set(source.dir, val);
          this.client.log(`schema: ${source.label} compiled`);
          this.client.changed();
        }
      },
      (e: Error) => {
        this.failed.add(source.dir);
        this.client.log(`schema: ${e.message}`);
      },
    );
    return undefined;
  }
}
