/**
 * The schema lint over many files on worker threads (cli/lintFile.ts: runs of files claimed as each
 * thread gets to them, the threads started before the main thread compiles the schema): the findings
 * on schema-invalid documents of many kinds do not depend on the number of threads, and a schema that
 * cannot be used ends the run at once, without waiting for the threads already started.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_SCHEMA_DIR } from '../server/src/schema/validator';
import { CORPUS, ROOT } from './support/examples';

const DOMAINS = join(CORPUS, 'domains');

function lint(args: string[], workers: number) {
  const r = spawnSync(process.execPath, [join(ROOT, 'dist/cli.js'), ...args], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: 120_000,
    env: { ...process.env, LDX_LINT_WORKERS: String(workers) },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function missing(): string | undefined {
  const what = [];
  if (!existsSync(DOMAINS)) what.push(`the corpus at ${DOMAINS}`);
  if (!existsSync(join(LOCAL_SCHEMA_DIR, 'domain.rng'))) what.push(`${LOCAL_SCHEMA_DIR}/domain.rng (Debian libvirt0)`);
  if (!what.length) return undefined;
  if (process.env.CI) assert.fail(`missing: ${what.join(', ')}`);
  return `missing: ${what.join(', ')}`;
}

/** Edits that make a domain schema-invalid in different ways (a value, an attribute, an element, a place). */
const EDITS: ((text: string, pick: (n: number) => number) => string)[] = [
  (t) => t.replace(/(<disk [^>]*?)bus='\w+'/, "$1bus='floppybus'"),
  (t) => t.replace(/<target dev='(\w+)'/, "<target dev='$1' bogus='1'"),
  (t, pick) => {
    const ends = [...t.matchAll(/<\/\w+>/g)];
    const e = ends[pick(ends.length)];
    return e ? t.slice(0, e.index) + '<unknown/>' + t.slice(e.index) : t;
  },
  (t, pick) => {
    const attrs = [...t.matchAll(/ (\w+)='([^']*)'/g)];
    const a = attrs[pick(attrs.length)];
    return a ? t.slice(0, a.index) + ` ${a[1]}='@@${a[2]}'` + t.slice(a.index + a[0].length) : t;
  },
  (t) => t.replace(/<uuid>[^<]*<\/uuid>\s*/, '').replace(/<\/devices>/, '</devices><uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>'),
  (t, pick) => {
    const places = [...t.matchAll(/<(?:disk|interface|controller|memory|vcpu|os|features)\b/g)];
    const p = places[pick(places.length)];
    return p ? t.slice(0, p.index) + '<name>again</name>' + t.slice(p.index) : t;
  },
];

test('schema findings on documents made invalid in many ways are the same on 0, 1 and 3 worker threads', (t) => {
  const skip = missing();
  if (skip) return t.skip(skip);
  const dir = mkdtempSync(join(tmpdir(), 'ldx-schema-workers-'));
  try {
    // A fixed pseudo-random sequence: the same documents every run.
    let seed = 7;
    const pick = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), n ? seed % n : 0);
    const files = readdirSync(DOMAINS)
      .filter((f) => f.endsWith('.xml'))
      .sort()
      .filter((_f, i) => i % 3 === 0);
    for (const f of files) {
      let text = readFileSync(join(DOMAINS, f), 'utf8');
      for (let k = 1 + pick(2); k > 0; k--) text = EDITS[pick(EDITS.length)](text, pick);
      writeFileSync(join(dir, f), text);
    }
    const one = lint(['--format', 'json', '--schema', 'local', dir], 0);
    assert.equal(one.status, 1, one.stderr);
    const schema = (JSON.parse(one.stdout) as { findings: { code: string; message: string }[] }).findings.filter(
      (f) => f.code === 'schema',
    );
    assert.ok(schema.length > files.length / 3, `many edited documents are found invalid (${schema.length} of ${files.length})`);
    assert.ok(
      schema.some((f) => /the document is valid with/.test(f.message)),
      'some are found by a trial (the localisation ran, not only the fallback)',
    );
    for (const workers of [1, 3])
      assert.deepEqual(lint(['--format', 'json', '--schema', 'local', dir], workers), one, `${workers} worker thread(s)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a schema that cannot be used ends the run with one message, said once, without waiting for the worker threads already started', (t) => {
  const skip = missing();
  if (skip) return t.skip(skip);
  const dir = mkdtempSync(join(tmpdir(), 'ldx-schema-workers-'));
  try {
    mkdirSync(join(dir, 'noschema'));
    mkdirSync(join(dir, 'broken'));
    writeFileSync(
      join(dir, 'broken', 'domain.rng'),
      '<grammar xmlns="http://relaxng.org/ns/structure/1.0"><start><ref name="nowhere"/></start></grammar>\n',
    );
    const files = join(dir, 'files');
    mkdirSync(files);
    const sample = readFileSync(join(DOMAINS, readdirSync(DOMAINS).filter((f) => f.endsWith('.xml'))[0]));
    for (let i = 0; i < 40; i++) writeFileSync(join(files, `d${i}.xml`), sample);
    for (const [schema, says] of [
      [join(dir, 'noschema'), /no domain\.rng/],
      [join(dir, 'broken'), /does not compile/],
    ] as const) {
      const r = lint(['--format', 'json', '--schema', schema, files], 3);
      assert.equal(r.status, 2, `${schema}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr.split('\n')[0], /^libvirt-domain-lint: --schema: /);
      assert.match(r.stderr.split('\n')[0], says);
      // Said once: the threads compiling the same schema leave it to the main thread.
      assert.equal(r.stderr.split('\n').filter((l) => says.test(l)).length, 1, r.stderr);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
