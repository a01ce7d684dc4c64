import { readFileSync } from 'node:fs';
import { isCollectorOutput, splitCollectorOutput } from './collectorOutput';
import { InventoryError, oneLine } from './errors';
import { snapshotFromCollectorOutput } from './fetch';
import { HostIndex } from './resolver';
import { InventorySnapshot, SnapshotError, validateSnapshot } from './snapshot';

/** Parses snapshot JSON text; `origin` names the file or host in errors. */
export function snapshotFromText(text: string, origin: string): InventorySnapshot {
  const t = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let data: unknown;
  try {
    data = JSON.parse(t);
  } catch (e) {
    throw new SnapshotError(`${origin}: not valid JSON (${oneLine((e as Error).message).slice(0, 160)})`);
  }
  return validateSnapshot(data, origin);
}

/**
 * Reads an inventory file and indexes it: a snapshot JSON, or the raw output of the collector script
 * (as an operator's own tooling collected it). Errors are one line naming the file.
 */
export function loadInventoryFile(path: string): HostIndex {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new SnapshotError(`${path}: cannot read inventory (${err.code ?? err.message})`);
  }
  // Saved collector output may start with login noise before its header line.
  if (isCollectorOutput(text) || /\n#LDI-COLLECTOR /.test(text.slice(0, 65536))) return new HostIndex(snapshotFromRawOutput(text, path));
  return new HostIndex(snapshotFromText(text, path));
}

/** A snapshot from a file holding collector output; the host is named by its `uname -n` section, else the file. */
export function snapshotFromRawOutput(text: string, path: string): InventorySnapshot {
  const output = splitCollectorOutput(text);
  if (!output.complete) throw new SnapshotError(`${path}: collector output is truncated (no #LDI-DONE end marker)`);
  const uname = output.sections.get('uname');
  const host = (uname && !uname.absent && uname.body.trim().split('\n')[0].trim().slice(0, 255)) || path;
  try {
    return snapshotFromCollectorOutput(host, output, '');
  } catch (e) {
    if (e instanceof InventoryError) throw new SnapshotError(oneLine(`${path}: ${e.message}`));
    throw e;
  }
}
