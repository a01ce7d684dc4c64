/**
 * The domain schema of the libvirt a host runs: fetched once per libvirt version over the same ssh
 * transport as the inventory (a second read-only script), and cached on disk by version.
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { InventoryError } from '../inventory/errors';
import { fetchCollectorOutput, TransportOptions } from '../inventory/transport';
import script from './schemas.sh';

export const SCHEMA_SCRIPT: string = script;

export function defaultSchemaCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'libvirt-domain-xml', 'schemas');
}

/** Where the schemas of one libvirt version live in the cache (they are identical for every host running it). */
export function cachedSchemaDir(cacheDir: string, version: string): string | undefined {
  const dir = join(cacheDir, version.replace(/[^\w.-]/g, '_'));
  return existsSync(join(dir, 'domain.rng')) ? dir : undefined;
}

/** Fetches the host's schemas and stores them under the cache, by the version the host reports. */
export async function fetchHostSchemas(dest: string, cacheDir: string, opts: TransportOptions = {}): Promise<{ version: string; dir: string }> {
  const { output } = await fetchCollectorOutput(dest, { ...opts, script: SCHEMA_SCRIPT, maxBytes: 16 * 1024 * 1024 });
  const version = /\d+\.\d+\.\d+/.exec(output.sections.get('libvirt-version')?.body ?? '')?.[0];
  if (!version) throw new InventoryError(dest, 'tool-missing', 'virsh --version printed no version; libvirt is not installed there');
  const files = [...output.sections.values()].filter((s) => s.name.startsWith('rng ') && s.rc === 0);
  if (!files.some((f) => f.name === 'rng domain.rng')) throw new InventoryError(dest, 'tool-missing', '/usr/share/libvirt/schemas/domain.rng is not there');
  const dir = join(cacheDir, version.replace(/[^\w.-]/g, '_'));
  const tmp = `${dir}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  for (const f of files) {
    const name = f.name.slice(4);
    if (!/^[\w.-]+\.rng$/.test(name)) continue; // a file name from the host never leaves the directory
    writeFileSync(join(tmp, name), f.body);
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return { version, dir };
}
