// Process checks that count a zombie as gone: a killed process whose parent (init here, for an
// orphaned grandchild) has not reaped it yet is dead, but kill(pid, 0) still succeeds on it.
import { readdirSync, readFileSync } from 'node:fs';

/** State letter and process group of a pid, from /proc (undefined when there is no such process). */
function stat(pid: number): { state: string; pgrp: number } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) S ppid pgrp ..." — comm may hold spaces and parentheses: split after the last ')'.
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0], pgrp: Number(rest[2]) };
  } catch {
    return undefined;
  }
}

/** True when the process is gone or a zombie. */
export function dead(pid: number): boolean {
  const s = stat(pid);
  return !s || s.state === 'Z' || s.state === 'X';
}

/** Live (non-zombie) members of a process group. */
export function liveGroupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const s = stat(Number(e));
    if (s && s.pgrp === pgid && s.state !== 'Z' && s.state !== 'X') out.push(Number(e));
  }
  return out;
}

/** Resolves once no live process is left in the group; rejects at the deadline, naming the survivors. */
export async function waitGroupDead(pgid: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const live = liveGroupMembers(pgid);
    if (!live.length) return;
    if (Date.now() > deadline) throw new Error(`process group ${pgid} still has live members after ${timeoutMs} ms: ${live.join(', ')}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
