/**
 * The lint over many files on worker threads (cli/lintFile.ts) prints exactly what it prints on one
 * thread: the same standard output, standard error and exit status, files in the same order, for
 * the corpus with broken, foreign, pool and template files mixed in.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORPUS, ROOT } from './support/examples';

const DOMAINS = join(CORPUS, 'domains');

function lint(args: string[], workers: number, cwd: string) {
  const r = spawnSync(process.execPath, [join(ROOT, 'dist/cli.js'), ...args], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, LDX_LINT_WORKERS: String(workers) },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('worker threads give the one-thread output: text and JSON, the corpus with broken and other files mixed in', (t) => {
  if (!existsSync(DOMAINS)) {
    if (process.env.CI) assert.fail(`corpus not found at ${DOMAINS}`);
    return t.skip('corpus not present beside the repository (not CI)');
  }
  const dir = mkdtempSync(join(tmpdir(), 'ldx-workers-'));
  try {
    const files = readdirSync(DOMAINS)
      .filter((f) => f.endsWith('.xml'))
      .sort()
      .slice(0, 240);
    mkdirSync(join(dir, 'sub'));
    files.forEach((f, k) => {
      const text = readFileSync(join(DOMAINS, f), 'utf8');
      const to = join(dir, k % 3 ? '' : 'sub', f);
      // Every 7th file broken (its last end tag removed), every 11th with a stray '<' in a value.
      if (k % 7 === 0) writeFileSync(to, text.replace(/<\/domain>\s*$/, ''));
      else if (k % 11 === 0) writeFileSync(to, text.replace(/='/, "='<"));
      else copyFileSync(join(DOMAINS, f), to);
    });
    writeFileSync(join(dir, 'other.xml'), '<network><name>n</name></network>\n');
    for (const f of readdirSync(join(ROOT, 'examples/pools'))) copyFileSync(join(ROOT, 'examples/pools', f), join(dir, `pool-${f}`));
    writeFileSync(
      join(dir, 'vm.xml.j2'),
      "<domain type='kvm'>\n  <name>{{ name }}</name>\n  <devices>\n    <disk type='block'><source dev='/dev/sdb'/><target dev='vda'/></disk>\n  </devices>\n</domain>\n",
    );
    for (const format of ['text', 'json']) {
      const one = lint(['--format', format, '.'], 0, dir);
      assert.equal(one.status, 1, one.stderr);
      assert.ok(one.stdout.includes('xml-not-well-formed'), 'broken files are judged');
      for (const workers of [1, 3]) {
        const many = lint(['--format', format, '.'], workers, dir);
        assert.deepEqual(many, one, `${format}, ${workers} worker thread(s)`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('schema findings do not depend on the number of threads, nor on the format (the localisation work is shared out per run of files)', (t) => {
  if (!existsSync(DOMAINS)) {
    if (process.env.CI) assert.fail(`corpus not found at ${DOMAINS}`);
    return t.skip('corpus not present beside the repository (not CI)');
  }
  const one = lint(['--format', 'json', '--schema', 'local', DOMAINS], 0, ROOT);
  const schema = (out: string) =>
    (JSON.parse(out).findings as { file: string; code: string; message: string }[])
      .filter((f) => f.code === 'schema')
      .map((f) => `${f.file}|${f.message}`);
  const found = schema(one.stdout);
  assert.ok(found.length > 100, `the corpus's schema-invalid files are found (${found.length})`);
  for (const workers of [1, 3])
    assert.deepEqual(lint(['--format', 'json', '--schema', 'local', DOMAINS], workers, ROOT), one, `${workers} worker thread(s)`);
  // SARIF takes the other path (every file read before any is judged): the same schema findings.
  const sarif = lint(['--format', 'sarif', '--schema', 'local', DOMAINS], 0, ROOT);
  const fromSarif = (
    JSON.parse(sarif.stdout).runs[0].results as {
      ruleId: string;
      message: { text: string };
      locations: { physicalLocation: { artifactLocation: { uri: string } } }[];
    }[]
  )
    .filter((r) => r.ruleId === 'schema')
    .map((r) => `${r.locations[0].physicalLocation.artifactLocation.uri.split('/').pop()}|${r.message.text}`);
  assert.deepEqual(fromSarif.sort(), found.map((f) => `${f.split('|')[0].split('/').pop()}|${f.split('|').slice(1).join('|')}`).sort());
});
