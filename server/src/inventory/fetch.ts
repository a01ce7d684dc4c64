/** Collector output → snapshot, from a live host or from a file holding the raw output. */
import type { CollectorOutput } from './collectorOutput';
import { InventoryError } from './errors';
import { buildSnapshot } from './parsers';
import type { InventorySnapshot } from './snapshot';
import { fetchCollectorOutput, TransportOptions } from './transport';

/** Builds a snapshot from split collector output; a host without lsblk cannot be inventoried. */
export function snapshotFromCollectorOutput(
  host: string,
  output: CollectorOutput,
  collectedAt = new Date().toISOString(),
): InventorySnapshot {
  const lsblk = output.sections.get('lsblk');
  if (!lsblk || lsblk.absent)
    throw new InventoryError(host, 'tool-missing', 'lsblk is not installed there (util-linux); the inventory needs it');
  const snap = buildSnapshot({ host, collectedAt, sections: output.sections });
  if (snap.tools.lsblk !== 'ok')
    throw new InventoryError(host, 'unparseable', `lsblk output could not be used: ${snap.warnings.join('; ')}`);
  return snap;
}

/** Runs the collector on `dest` (over ssh, or locally for `local`) and returns its snapshot. */
export async function fetchSnapshot(dest: string, opts: TransportOptions = {}): Promise<InventorySnapshot> {
  const { output } = await fetchCollectorOutput(dest, opts);
  return snapshotFromCollectorOutput(dest, output);
}
