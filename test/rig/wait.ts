// Polling with a deadline (the rig and its tests never sleep for a fixed time).

export interface WaitOptions {
  /** Give up after this many ms (default 5000). */
  timeoutMs?: number;
  /** Poll interval in ms (default 10). */
  intervalMs?: number;
  /** Named in the timeout error. */
  what?: string;
}

/** Resolves once `check()` returns true; rejects when the deadline passes first. */
export async function waitFor(check: () => boolean | Promise<boolean>, opts: WaitOptions = {}): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const intervalMs = opts.intervalMs ?? 10;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${opts.what ?? 'a condition'}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** True when no process (pid > 0) or no process group (pid < 0) of that id exists any more. */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Waits until the process (or, for a negative id, the whole group) is gone. */
export async function waitForGone(pid: number, timeoutMs = 5000): Promise<void> {
  await waitFor(() => processGone(pid), { timeoutMs, what: `${pid < 0 ? 'process group' : 'process'} ${Math.abs(pid)} to be gone` });
}
