import { readFileSync } from 'node:fs';
import { HostIndex } from './resolver';
import { InventorySnapshot, SnapshotError, validateSnapshot } from './snapshot';

/** Parses snapshot JSON text; `origin` names the file or host in errors. */
export function snapshotFromText(text: string, origin: string): InventorySnapshot {
  const t = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let data: unknown;
  try {
    data = JSON.parse(t);
  } catch (e) {
    throw new SnapshotError(`${origin}: not valid JSON (${(e as Error).message})`);
  }
  return validateSnapshot(data, origin);
}

/** Reads an inventory file (a snapshot JSON) and indexes it. Errors are one line naming the file. */
export function loadInventoryFile(path: string): HostIndex {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new SnapshotError(`${path}: cannot read inventory (${err.code ?? err.message})`);
  }
  return new HostIndex(snapshotFromText(text, path));
}
