/** A HostManager over a recording client: the state reports and log lines it sent, for tests. */
import { HostManager } from '../../server/src/lsp/hostManager';
import type { InventoryStateReport } from '../../server/src/protocol';

export function recordingHostManager(cacheDir?: string) {
  const states: InventoryStateReport[] = [];
  const logs: string[] = [];
  const m = new HostManager({
    log: (l) => logs.push(l),
    error: (e) => logs.push(`error ${e}`),
    inventoryChanged: () => undefined,
    state: (s) => states.push(s),
    progress: async () => ({ report: () => undefined, done: () => undefined, onCancel: () => undefined }),
  });
  if (cacheDir !== undefined) m.setCacheDir(cacheDir);
  return { m, states, logs, last: () => states[states.length - 1] };
}
