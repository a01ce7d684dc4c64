// Whole-process cost of schema checking, side by side with xmllint in one run: each round runs
// every command once (interleaved, so load drifts hit all alike); medians of wall and CPU time.
// usage: node scripts/bench-schema.mjs [DIR] [ROUNDS] [NAME=COMMAND]...   (default: the corpus, 5 rounds)
// (the default commands: xmllint, the CLI with the local schema on its default threads and on one, the CLI offline)
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const dir = process.argv[2] || join(root, '..', 'shared', 'corpus', 'libvirt-11.3.0', 'domains');
const rounds = Number(process.argv[3] ?? 5);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.xml'))
  .map((f) => join(dir, f));
const rng = '/usr/share/libvirt/schemas/domain.rng';
const commands = [
  ['xmllint --relaxng', 'xmllint', ['--noout', '--relaxng', rng, ...files]],
  ['cli --schema local', process.execPath, [join(root, 'dist/cli.js'), '--format', 'json', '--schema', 'local', dir]],
  // One thread (no lint workers): what the second core is worth at the load of the run.
  [
    'cli --schema local, 1 thread',
    process.execPath,
    [join(root, 'dist/cli.js'), '--format', 'json', '--schema', 'local', dir],
    { LDX_LINT_WORKERS: '0' },
  ],
  ['cli (no schema)', process.execPath, [join(root, 'dist/cli.js'), '--format', 'json', dir]],
];
for (const extra of process.argv.slice(4)) {
  const [name, ...cmd] = extra.split('=');
  const parts = cmd.join('=').split(' ');
  commands.push([name, parts[0], parts.slice(1)]);
}

/** CPU seconds of this process's waited-for children (user + system), from /proc. */
function childCpu() {
  const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return (Number(f[13]) + Number(f[14])) / 100; // cutime, cstime (fields 16, 17), at 100 ticks a second
}

const wall = new Map(commands.map(([n]) => [n, []]));
const cpu = new Map(commands.map(([n]) => [n, []]));
const loads = [];
for (let r = 0; r < rounds; r++) {
  for (const [name, cmd, args, env] of commands) {
    loads.push(loadavg()[0]);
    const c0 = childCpu();
    const t0 = process.hrtime.bigint();
    const res = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'ignore'], env: { ...process.env, ...env } });
    const t = Number(process.hrtime.bigint() - t0) / 1e9;
    if (res.error) throw res.error;
    wall.get(name).push(t);
    cpu.get(name).push(childCpu() - c0);
  }
}
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const base = commands[0][0];
console.log(`${files.length} files, ${rounds} rounds, load average ${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)}`);
for (const [name] of commands) {
  const w = median(wall.get(name));
  const c = median(cpu.get(name));
  console.log(
    `${name.padEnd(28)} wall ${w.toFixed(2)} s (${(w / median(wall.get(base))).toFixed(1)}×)   cpu ${c.toFixed(2)} s (${(c / median(cpu.get(base))).toFixed(1)}×)`,
  );
}
