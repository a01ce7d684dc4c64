// Huge host output (about 100 MB per case), generated inside a child process (the test process
// never holds it) with a bounded heap, and run through split → snapshot → index → analysis. A case
// passes when it ends in an inventory or a classified one-line error within the time bound.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeDocument } from '../../server/src/analysis';
import { splitCollectorOutput } from '../../server/src/inventory/collectorOutput';
import { snapshotFromCollectorOutput } from '../../server/src/inventory/fetch';
import { HostIndex } from '../../server/src/inventory/resolver';
import { ROOT } from '../support/examples';
import { FIXTURE_COLLECTED_AT } from '../support/fixtureHost';
import { isClassified } from './fuzzHost';
import { spawn } from 'node:child_process';

export const MB100 = 100 * 1000 * 1000;

export interface HugeResult {
  ms: number;
  outcome: string;
  classified: boolean;
  error?: string;
  heapMb: number;
}

const HEAD = '#LDI-COLLECTOR 1\n';
function section(name: string, body: string, rc = 0): string {
  return `#LDI-BEGIN ${name}\n${body}\n#LDI-END ${name} rc=${rc}\n`;
}
function fill(unit: string, bytes = MB100): string {
  return unit.repeat(Math.ceil(bytes / unit.length));
}
/** Pseudo-random bytes (a 1 MiB block repeated), decoded as UTF-8 the way the transport decodes ssh's output. */
export function binary(bytes = MB100): string {
  const block = Buffer.allocUnsafe(Math.min(bytes, 1 << 20));
  let x = 0x9e3779b9;
  for (let i = 0; i < block.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    block[i] = x & 0xff;
  }
  return Buffer.alloc(bytes, block).toString('utf8');
}
/** About 100 MB of distinct "<link>\t<target>" lines. */
function distinctLinks(bytes = MB100): string {
  const lines: string[] = [];
  let n = 0;
  for (let i = 0; n < bytes; i++) {
    const l = `/dev/disk/by-id/wwn-0x5000c500${i.toString(16).padStart(8, '0')}\t../../sd${String.fromCharCode(97 + (i % 26))}\n`;
    lines.push(l);
    n += l.length;
  }
  return lines.join('');
}
const lsblkSmall = () => readFileSync(join(ROOT, 'examples/hosts/kvm-a/lsblk.json'), 'utf8');

/** Each case: collector output of about 100 MB. */
export const HUGE_CASES: Record<string, () => string> = {
  'binary, no header': () => binary(),
  'header, then binary': () => HEAD + binary(),
  'a links section of one link 1.9 million times': () =>
    HEAD + section('lsblk', lsblkSmall()) + section('links', fill('/dev/disk/by-id/wwn-0x5000c50000000000\t../../sdb\n')) + '#LDI-DONE\n',
  'a links section of 2 million distinct links': () =>
    HEAD + section('lsblk', lsblkSmall()) + section('links', distinctLinks()) + '#LDI-DONE\n',
  'an lsblk section of 100 MB of "x"': () => HEAD + section('lsblk', fill('x')) + '#LDI-DONE\n',
  'a vxdisk section without a header line': () =>
    HEAD + section('lsblk', lsblkSmall()) + section('vxdisk', fill('3pardata0_12 auto:cdsdisk - - online sdc tprclm\n')) + '#LDI-DONE\n',
  'a vxdmpadm section of "a = b" lines': () => HEAD + section('lsblk', lsblkSmall()) + section('vxdmpadm', fill('a = b\n')) + '#LDI-DONE\n',
  '100 MB of #LDI-BEGIN lines, never ended': () => HEAD + fill('#LDI-BEGIN x\n'),
  'a body full of near-END markers': () => HEAD + '#LDI-BEGIN lsblk\n' + fill('\n#LDI-END lsblk rc=x') + '#LDI-DONE\n',
  '100 MB of #LDI-ERR lines': () => HEAD + '#LDI-ABSENT vxdisk vxdisk\n' + fill('#LDI-ERR vxdisk x\n') + '#LDI-DONE\n',
  'an lsblk section of 100 MB of nested brackets': () =>
    HEAD + section('lsblk', `${fill('[', MB100 / 2)}${fill(']', MB100 / 2)}`) + '#LDI-DONE\n',
  'a virsh-list section of 9 million names': () =>
    HEAD + section('lsblk', lsblkSmall()) + section('virsh-list', fill('guest-0001\n')) + '#LDI-DONE\n',
};

/** Runs generated host output through split → snapshot → index → analysis of an example domain. */
export function measureHuge(text: string): HugeResult {
  const t0 = performance.now();
  let outcome: string;
  let classified = false;
  let error: string | undefined;
  try {
    const out = splitCollectorOutput(text);
    const snap = snapshotFromCollectorOutput('huge-host', out, FIXTURE_COLLECTED_AT);
    const idx = new HostIndex(snap);
    analyzeDocument(readFileSync(join(ROOT, 'examples/domains/app01.xml'), 'utf8'), [idx]);
    outcome = `inventory: ${snap.devices.length} devices, ${Object.keys(snap.links).length} links, ${snap.warnings.length} warnings (${snap.warnings.join('; ').slice(0, 200)})`;
  } catch (e) {
    classified = isClassified(e);
    outcome = `${(e as Error).constructor.name}: ${(e as Error).message.slice(0, 300)}`;
    if (!classified) error = (e as Error).stack;
  }
  return { ms: performance.now() - t0, outcome, classified, error, heapMb: Math.round(process.memoryUsage().heapUsed / 1e6) };
}

const CHILD_ENV = 'LDX_HUGE_CASE';

/** True in the child process that runs one huge case (see checkHuge). */
export function isHugeChild(): boolean {
  return !!process.env[CHILD_ENV];
}

/** In the child: generates the case, says so, runs it and prints the result as one JSON line. */
export function serveHugeChild(): void {
  const name = process.env[CHILD_ENV]!;
  const text = HUGE_CASES[name]();
  process.stdout.write(`${JSON.stringify({ generated: true })}\n`);
  const r = measureHuge(text);
  process.stdout.write(`${JSON.stringify({ result: r })}\n`);
}

/**
 * Runs one case in a child process started from `file` (a bundle that calls serveHugeChild when
 * isHugeChild()), with a 2 GiB heap: an out-of-memory abort, which V8 does not always turn into a
 * worker termination, then ends only that child. The child is killed when it is not done within
 * boundMs of having generated its input.
 */
export function checkHuge(file: string, name: string, boundMs: number): Promise<{ ok: boolean; detail: string; result?: HugeResult }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--max-old-space-size=2048', file], {
      env: { ...process.env, [CHILD_ENV]: name },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    let killedAfter = 0;
    const started = Date.now();
    // Generating 100 MB takes a few seconds at most; this cap only guards against a stuck generator.
    const cap = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      out += d;
      if (!timer && out.includes('"generated"')) {
        const t0 = Date.now();
        timer = setTimeout(() => {
          killedAfter = Date.now() - t0;
          child.kill('SIGKILL');
        }, boundMs);
      }
    });
    child.stderr.on('data', (d: string) => {
      if (err.length < 100_000) err += d;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(cap);
      const line = out.split('\n').find((l) => l.startsWith('{"result"'));
      if (line) {
        const r = (JSON.parse(line) as { result: HugeResult }).result;
        const detail = `${r.ms.toFixed(0)} ms, heap ${r.heapMb} MB: ${r.outcome.slice(0, 200)}`;
        resolve({ ok: !r.error && r.ms < boundMs, detail: r.error ? `${detail}\n${r.error}` : detail, result: r });
        return;
      }
      const why = killedAfter
        ? `no answer within ${killedAfter} ms: killed`
        : /heap out of memory/.test(err)
          ? 'out of memory (2 GiB heap)'
          : `exited with ${code ?? signal}`;
      resolve({
        ok: false,
        detail: `${why} after ${Date.now() - started} ms in all; ${err
          .split('\n')
          .filter((l) => /FATAL|Error/.test(l))
          .slice(0, 2)
          .join(' | ')}`,
      });
    });
  });
}
