// `npm run demo`: lint the example domains against the example host snapshot, then apply the
// preferred fixes to a copy and show the changed lines. No host needed.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const cli = join(root, 'dist/cli.js');
const inventory = join(root, 'examples/kvm-a.inventory.json');
const run = (args, cwd) => spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8' });

console.log('== Findings for examples/domains against host kvm-a (examples/kvm-a.inventory.json) ==\n');
const lint = run(['--inventory', inventory, 'examples/domains'], root);
process.stdout.write(lint.stdout + lint.stderr);
if (lint.status !== 0 && lint.status !== 1) process.exit(lint.status ?? 2);

const work = mkdtempSync(join(tmpdir(), 'libvirt-domain-demo-'));
try {
  cpSync(join(root, 'examples/domains'), join(work, 'domains'), { recursive: true });
  console.log('\n== libvirt-domain-lint --fix on a copy: changed lines ==\n');
  const fix = run(['--inventory', inventory, '--fix', 'domains'], work);
  for (const name of readdirSync(join(work, 'domains')).sort()) {
    const before = readFileSync(join(root, 'examples/domains', name), 'utf8').split('\n');
    const after = readFileSync(join(work, 'domains', name), 'utf8').split('\n');
    before.forEach((line, i) => {
      if (line !== after[i]) console.log(`${name}:${i + 1}\n  - ${line.trim()}\n  + ${after[i].trim()}`);
    });
  }
  const remaining = fix.stdout.split('\n').filter((l) => / (error|warning) /.test(l) && !l.startsWith('fixed'));
  console.log(`\n${remaining.length} finding(s) remain after --fix (they need a human: see the messages above).`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
