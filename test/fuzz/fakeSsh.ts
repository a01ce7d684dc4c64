// Fake ssh clients for tests, passed as `sshPath` (TransportOptions), `--ssh` (CLI) or
// `libvirtDomain.ssh.path` (server): shell scripts that record that they ran, their argv
// (NUL-separated) and their stdin, then behave like a host (print canned collector output),
// hang, or flood. Nothing here runs a real ssh.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface FakeSsh {
  /** The script to run instead of ssh. */
  path: string;
  /** Appended to (one line, the pid) each time the script runs. */
  marker: string;
  argvFile: string;
  stdinFile: string;
  pidFile: string;
  /** How many times it ran. */
  runs(): number;
  /** The argv of the last run (without $0). */
  argv(): string[];
  stdin(): Buffer | undefined;
  /** Every run so far: its argv and stdin. */
  all(): { argv: string[]; stdin: Buffer | undefined }[];
  /** pids the script recorded (its own, then any it started). */
  pids(): number[];
}

function splitArgv(b: Buffer | undefined): string[] {
  if (!b || b.length === 0) return [];
  return b.toString('utf8').split('\0').slice(0, -1);
}

const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export type FakeBehaviour =
  /** Print this collector output and exit 0. */
  | { kind: 'answer'; output: string }
  /** Exit at once with this status (after recording). */
  | { kind: 'fail'; status: number }
  /** Never answer: sleep, with a child in the same process group. */
  | { kind: 'hang' }
  /** Like hang, plus a process that left the group (setsid) and holds stdout open. */
  | { kind: 'hang-escaped' }
  /** Print `bytes` bytes of "x", as fast as it can. */
  | { kind: 'flood'; bytes: number };

export function writeFakeSsh(dir: string, name: string, behaviour: FakeBehaviour): FakeSsh {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  const marker = join(dir, `${name}.ran`);
  const argvFile = join(dir, `${name}.argv`);
  const stdinFile = join(dir, `${name}.stdin`);
  const pidFile = join(dir, `${name}.pids`);
  const lines = [
    '#!/bin/sh',
    `echo $$ >> ${sq(marker)}`,
    `echo $$ >> ${sq(pidFile)}`,
    `for a in "$@"; do printf '%s\\0' "$a"; done > ${sq(argvFile)}.$$`,
    `cp ${sq(argvFile)}.$$ ${sq(argvFile)}`,
  ];
  switch (behaviour.kind) {
    case 'answer': {
      const out = join(dir, `${name}.output`);
      writeFileSync(out, behaviour.output);
      lines.push(`cat > ${sq(stdinFile)}.$$`, `cp ${sq(stdinFile)}.$$ ${sq(stdinFile)}`, `cat ${sq(out)}`, 'exit 0');
      break;
    }
    case 'fail':
      lines.push(`cat > ${sq(stdinFile)}.$$`, `cp ${sq(stdinFile)}.$$ ${sq(stdinFile)}`, `exit ${behaviour.status}`);
      break;
    case 'hang':
      lines.push(`cat > ${sq(stdinFile)}`, 'sleep 300 &', `echo $! >> ${sq(pidFile)}`, 'wait');
      break;
    case 'hang-escaped':
      lines.push(
        `cat > ${sq(stdinFile)}`,
        'setsid sleep 300 &',
        `echo $! >> ${sq(pidFile)}`,
        'sleep 300 &',
        `echo $! >> ${sq(pidFile)}`,
        'wait',
      );
      break;
    case 'flood':
      lines.push(`cat > ${sq(stdinFile)}`, `head -c ${Math.floor(behaviour.bytes)} /dev/zero | tr '\\000' x`, 'exit 0');
      break;
  }
  writeFileSync(path, lines.join('\n') + '\n');
  chmodSync(path, 0o755);
  const read = (f: string) => (existsSync(f) ? readFileSync(f) : undefined);
  return {
    path,
    marker,
    argvFile,
    stdinFile,
    pidFile,
    runs: () => read(marker)?.toString().split('\n').filter(Boolean).length ?? 0,
    argv: () => splitArgv(read(argvFile)),
    all: () => {
      const pids = read(marker)?.toString().split('\n').filter(Boolean) ?? [];
      return pids.map((pid) => ({ argv: splitArgv(read(`${argvFile}.${pid}`)), stdin: read(`${stdinFile}.${pid}`) }));
    },
    stdin: () => read(stdinFile),
    pids: () => read(pidFile)?.toString().split('\n').filter(Boolean).map(Number) ?? [],
  };
}
