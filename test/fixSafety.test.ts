/**
 * Fix safety. Properties over random well-formed documents (mutated corpus and example domains,
 * CRLF, BOM, tabs, comments, both quote styles) and the example inventories: every offered fix
 * changes only the value it targets, keeps the document well-formed and writes the alias it names;
 * fix-all applied twice equals once. And the CLI's --fix: temporary file + rename in the same
 * directory, mode kept; a real write failure (immutable file, full tmpfs, read-only mount)
 * leaves the original intact and exits 2.
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  watch,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeDocument } from '../server/src/analysis';
import { HostIndex } from '../server/src/inventory/resolver';
import { SNAPSHOT_FORMAT } from '../server/src/inventory/snapshot';
import { applyEdits, preferredEdits } from '../server/src/rules/applyFixes';
import { parseXml } from '../server/src/xml/parse';
import { mutateGently, SHORT_LIMITS } from './fuzz/mutate';
import { Rng } from './fuzz/rng';
import { inventoryPaths, loadSeeds } from './fuzz/seeds';
import { runCli } from './support/cli';
import { blockDevice, blockDisk, domainXml, EXAMPLE_INVENTORY, exampleHost, exampleHostB, ROOT } from './support/examples';

/** A missing prerequisite skips with its reason here, and fails under CI (never a silent skip there). */
function skipOrFail(t: TestContext, reason: string): void {
  if (process.env.CI) assert.fail(`prerequisite missing under CI: ${reason}`);
  t.skip(reason);
}

const SEED = 777;
const DOCS = 300;

function which(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** libxml2 (what libvirt parses with) as a second well-formedness oracle, when installed. */
function xmllintWellFormed(text: string): boolean | undefined {
  if (!which('xmllint')) return undefined;
  const r = spawnSync('xmllint', ['--noout', '-'], { input: text });
  return r.status === 0;
}

function xmllintValue(text: string, xpath: string): string | undefined {
  if (!which('xmllint')) return undefined;
  const r = spawnSync('xmllint', ['--xpath', xpath, '-'], { input: text, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.replace(/\n$/, '') : undefined;
}

interface Stats {
  docs: number;
  findings: number;
  fixesApplied: number;
  fixAll: number;
  crlf: number;
  bom: number;
  doubleQuoted: number;
  readonlyInserted: number;
}

/**
 * The path a fix title names: "Use P", "Use P (bypasses multipath: one path)" (a marked single-path link),
 * "Map kvm-a's LUN (DMP node x): use P" (a host group where the value is ambiguous; issue 12).
 */
function titledPath(title: string): string {
  return title
    .replace(/^Map .*\): use /, '')
    .replace(/^Use /, '')
    .replace(/ \(bypasses multipath: one path\)$/, '');
}

describe('fix properties over random well-formed documents', () => {
  const stats: Stats = { docs: 0, findings: 0, fixesApplied: 0, fixAll: 0, crlf: 0, bom: 0, doubleQuoted: 0, readonlyInserted: 0 };
  const groups: [string, HostIndex[]][] = [
    ['kvm-a', [exampleHost()]],
    ['kvm-b', [exampleHostB()]],
    ['kvm-a+kvm-b', [exampleHost(), exampleHostB()]],
  ];
  const docs: string[] = [];

  before(() => {
    const { seeds } = loadSeeds();
    const ctx = { limits: SHORT_LIMITS, paths: inventoryPaths(), donors: [] as string[] };
    // Example domains always, then corpus files, each mutated gently until well-formed.
    for (let i = 0; docs.length < DOCS && i < DOCS * 20; i++) {
      const rng = Rng.forIteration(SEED, i);
      const base = i < 30 ? seeds[i % 3] : rng.pick(seeds);
      const m = mutateGently(base.text, rng, ctx).text;
      if (parseXml(m).error === undefined) docs.push(m);
    }
  });

  after(() => {
    console.log(
      `# fix safety: ${stats.docs} documents × 3 host groups, ${stats.findings} findings, ${stats.fixesApplied} fixes applied one by one, fix-all ${stats.fixAll} times; ${stats.crlf} with CRLF, ${stats.bom} with a BOM, ${stats.doubleQuoted} with double-quoted sources, ${stats.readonlyInserted} <readonly/> insertions`,
    );
  });

  test(`${DOCS} documents: each fix replaces exactly one disk source value (or inserts <readonly/> after a gold image's <source>), keeps the rest byte for byte, stays well-formed, and writes its alias`, () => {
    assert.equal(docs.length, DOCS);
    for (const text of docs) {
      stats.docs++;
      if (text.includes('\r\n')) stats.crlf++;
      if (text.charCodeAt(0) === 0xfeff) stats.bom++;
      if (/<source[^>]*\bdev="/.test(text)) stats.doubleQuoted++;
      for (const [g, hosts] of groups) {
        const a = analyzeDocument(text, hosts);
        const spans = new Map(
          (a.model?.disks ?? []).filter((d) => d.hostPath).map((d) => [`${d.hostPath!.start}:${d.hostPath!.end}`, d.hostPath!]),
        );
        const targets = new Map(
          (a.model?.disks ?? []).filter((d) => d.target?.dev).map((d) => [`${d.target!.dev!.start}:${d.target!.dev!.end}`, d.target!.dev!]),
        );
        for (const f of a.findings) {
          stats.findings++;
          for (const fix of f.fixes) {
            const where = `[${g}] ${f.code} at ${f.start}: ${fix.title}\n${text.slice(Math.max(0, f.start - 80), f.end + 40)}`;
            assert.equal(fix.edits.length, 1, where);
            const e = fix.edits[0];
            if (f.code === 'gold-image-writable') {
              // The one insertion (issue 18): exactly a line break, an indent and `<readonly/>`, right after the
              // disk's <source> element, never preferred; the rest byte for byte.
              assert.equal(e.start, e.end, `not an insertion: ${where}`);
              const m = /^(\r\n|\r|\n)([ \t]*)<readonly\/>$/.exec(e.newText);
              assert.ok(m, `not a line break, an indent and <readonly/>: ${JSON.stringify(e.newText)} ${where}`);
              assert.ok(!fix.preferred, `<readonly/> is never applied by fix-all: ${where}`);
              assert.match(
                text.slice(Math.max(0, e.start - 64), e.start),
                /(\/>|<\/source\s*>)$/,
                `not after a <source> element: ${where}`,
              );
              const srcStart = text.lastIndexOf('<source', e.start);
              const lineStart = Math.max(text.lastIndexOf('\n', srcStart - 1), text.lastIndexOf('\r', srcStart - 1)) + 1;
              assert.equal(m[2], /^[ \t]*/.exec(text.slice(lineStart, srcStart))![0], `not the <source> line's indent: ${where}`);
              const out = applyEdits(text, fix.edits);
              assert.equal(out.slice(0, e.start) + out.slice(e.start + e.newText.length), text, where);
              assert.equal(parseXml(out).error, undefined, `not well-formed after the fix: ${where}`);
              const disk = analyzeDocument(out).model!.disks.find((d) => d.start < e.start && e.start < d.end);
              assert.ok(disk && !(a.model?.disks ?? []).find((d) => d.start === disk.start)?.readonly && disk.readonly, where);
              stats.fixesApplied++;
              stats.readonlyInserted++;
              continue;
            }
            if (f.code === 'duplicate-target') {
              // The one fix that is not a source path (issue 12): the next free target name, exactly over a <target dev> value.
              const t = targets.get(`${e.start}:${e.end}`);
              assert.ok(t, `the edit is not exactly a target dev value: ${where}`);
              assert.ok(!(a.model?.disks ?? []).some((d) => d.target?.dev?.value === e.newText), `${e.newText} is not free: ${where}`);
              assert.ok(!fix.preferred, `a target rename is never applied by fix-all: ${where}`);
              const out = applyEdits(text, fix.edits);
              assert.equal(out.slice(0, e.start) + t.value + out.slice(e.start + e.newText.length), text, where);
              stats.fixesApplied++;
              continue;
            }
            const ref = spans.get(`${e.start}:${e.end}`);
            assert.ok(ref, `the edit is not exactly a disk source value: ${where}`);
            const out = applyEdits(text, fix.edits);
            stats.fixesApplied++;
            assert.equal(out.slice(0, e.start), text.slice(0, e.start), where);
            assert.equal(out.slice(e.start + e.newText.length), text.slice(e.end), where);
            assert.equal(parseXml(out).error, undefined, `not well-formed after the fix: ${where}`);
            const again = analyzeDocument(out).model!.disks.find((d) => d.hostPath?.start === e.start);
            assert.equal(again?.hostPath?.value, titledPath(fix.title), where);
            // The delimiters around the value are untouched.
            if (ref.quote) assert.equal(out[e.start - 1] + out[e.start + e.newText.length], ref.quote + ref.quote, where);
          }
        }
        const once = applyEdits(text, preferredEdits(a.findings));
        const twice = applyEdits(once, preferredEdits(analyzeDocument(once, hosts).findings));
        stats.fixAll++;
        assert.equal(twice, once, `fix-all is not idempotent [${g}]`);
        assert.equal(parseXml(once).error, undefined);
        const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;
        for (const re of [/\r\n/g, /\t/g, /<!--/g, /"/g, /'/g, /\ufeff/g, /&[a-z#0-9]+;/gi]) {
          // Fix values are paths: they add no line ends, tabs, comments, quotes or references.
          assert.equal(count(once, re), count(text, re), `fix-all changed the number of ${re} [${g}]`);
        }
      }
    }
    assert.ok(stats.fixesApplied > 300, `only ${stats.fixesApplied} fixes were exercised`);
    assert.ok(stats.readonlyInserted > 0, 'no <readonly/> insertion was exercised');
    assert.ok(stats.crlf > 5 && stats.bom > 5 && stats.doubleQuoted > 5, JSON.stringify(stats));
  });

  test('aliases with quotes, ampersands and angle brackets: escaped for the quote in use, well-formed for libxml2, read back as the alias', () => {
    const odd = ['/dev/disk/by-id/scsi-SATA_x\'y"z&w<v>u_1', '/dev/disk/by-id/scsi-SATA_a]]>b_2'];
    const device = blockDevice('sdx', { vendor: 'V', model: 'M', serial: 'S1', tran: 'sata' });
    const idx = new HostIndex({
      format: SNAPSHOT_FORMAT,
      host: 'odd',
      collectedAt: '',
      devices: [device],
      links: Object.fromEntries(odd.map((l) => [l, '/dev/sdx'])),
      tools: {},
      warnings: [],
    });
    const texts = [
      domainXml(blockDisk('/dev/sdx')),
      domainXml(`    <disk type="block" device="disk"><source dev="/dev/sdx"/><target dev="vdb"/></disk>`),
      domainXml(`    <hostdev mode='capabilities' type='storage'><source><block>/dev/sdx</block></source></hostdev>`),
    ];
    let applied = 0;
    for (const text of texts) {
      const a = analyzeDocument(text, [idx]);
      const fixes = a.findings.flatMap((f) => f.fixes);
      assert.ok(fixes.length >= 2, `${fixes.length} fixes for ${text}`);
      for (const fix of fixes) {
        const out = applyEdits(text, fix.edits);
        const alias = titledPath(fix.title);
        assert.equal(parseXml(out).error, undefined, out);
        assert.equal(analyzeDocument(out).model!.disks[0].hostPath!.value, alias);
        const wf = xmllintWellFormed(out);
        if (wf !== undefined) assert.equal(wf, true, `libxml2 rejects the fixed document:\n${out}`);
        const read = xmllintValue(out, text.includes('<block>') ? 'string(//block)' : 'string(//source/@dev)');
        if (read !== undefined) assert.equal(read, alias);
        applied++;
      }
    }
    assert.equal(applied, 6);
  });
});

// ---- the CLI's --fix ---------------------------------------------------------------------------

const FIXABLE = domainXml(
  [`    <!-- keep -->`, `    <disk type="block" device="disk">\t<source dev="/dev/sdc"/><target dev='vdb'/></disk>`].join('\r\n'),
  '\r\n',
);
const FIXED = FIXABLE.replace('/dev/sdc', '/dev/vx/dmp/3pardata0_12');

function runCliAsync(args: string[], cwd = ROOT): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [join(ROOT, 'dist/cli.js'), ...args], { cwd });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('CLI --fix writes atomically', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ldx-fix-'));
  });
  after(() => {
    spawnSync('chattr', ['-R', '-i', dir]);
    rmSync(dir, { recursive: true, force: true });
  });

  test('a temporary file in the same directory, renamed over the original: a hard link keeps the old bytes, the mode is kept', async () => {
    const d = join(dir, 'atomic');
    mkdirSync(d);
    const file = join(d, 'dom.xml');
    writeFileSync(file, FIXABLE);
    chmodSync(file, 0o604);
    linkSync(file, join(dir, 'old-link.xml'));
    const inodeBefore = statSync(file).ino;
    const seen: string[] = [];
    const watcher = watch(d, (_event, name) => {
      if (name) seen.push(String(name));
    });
    const r = await runCliAsync(['--inventory', EXAMPLE_INVENTORY, '--fix', file]);
    // Events arrive asynchronously: wait (with a deadline) until the rename of the temporary file is seen.
    const deadline = Date.now() + 5000;
    while (!seen.some((n) => n !== 'dom.xml') && Date.now() < deadline) await new Promise((res) => setTimeout(res, 10));
    watcher.close();
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readFileSync(file, 'utf8'), FIXED);
    assert.equal(readFileSync(join(dir, 'old-link.xml'), 'utf8'), FIXABLE, 'the old inode was not written in place');
    assert.notEqual(statSync(file).ino, inodeBefore, 'a new inode was renamed over the name');
    assert.equal(statSync(file).mode & 0o7777, 0o604);
    const temps = seen.filter((n) => n !== 'dom.xml');
    assert.ok(
      temps.length > 0 && temps.every((n) => /^\.dom\.xml\.\d+\.[0-9a-f]+\.tmp$/.test(n)),
      `temporary names seen in the directory: ${JSON.stringify([...new Set(seen)])}`,
    );
    assert.deepEqual(readdirSync(d), ['dom.xml'], 'no temporary file left');
  });

  test('modes 0600, 0640, 0664, 0755 and setgid are kept', () => {
    for (const mode of [0o600, 0o640, 0o664, 0o755, 0o2644]) {
      const file = join(dir, `mode-${mode.toString(8)}.xml`);
      writeFileSync(file, FIXABLE);
      chmodSync(file, mode);
      const r = runCli(['--inventory', EXAMPLE_INVENTORY, '--fix', file]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(readFileSync(file, 'utf8'), FIXED);
      assert.equal(statSync(file).mode & 0o7777, mode, `mode ${mode.toString(8)}`);
    }
  });

  test('the owner and group of a file root fixes are kept', (t) => {
    if (process.getuid?.() !== 0) return skipOrFail(t, 'needs root to create a file owned by someone else');
    const file = join(dir, 'owned.xml');
    writeFileSync(file, FIXABLE);
    chownSync(file, 4321, 4322);
    const r = runCli(['--inventory', EXAMPLE_INVENTORY, '--fix', file]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readFileSync(file, 'utf8'), FIXED);
    const st = statSync(file);
    assert.deepEqual([st.uid, st.gid], [4321, 4322], 'owner changed to root by --fix');
  });

  test('an immutable file (chattr +i): rename fails, the original is intact, no temporary file, exit 2; other files are still fixed', (t) => {
    const d = join(dir, 'immutable');
    mkdirSync(d);
    const locked = join(d, 'a-locked.xml');
    const other = join(d, 'b-other.xml');
    writeFileSync(locked, FIXABLE);
    writeFileSync(other, FIXABLE);
    const ch = spawnSync('chattr', ['+i', locked], { encoding: 'utf8' });
    if (ch.status !== 0) return skipOrFail(t, `chattr +i does not work here: ${ch.stderr.trim()}`);
    try {
      const r = runCli(['--inventory', EXAMPLE_INVENTORY, '--fix', d]);
      assert.equal(r.status, 2, r.stdout + r.stderr);
      assert.match(r.stderr, /a-locked\.xml: cannot write \(EPERM\); the original is unchanged/);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.equal(readFileSync(locked, 'utf8'), FIXABLE);
      assert.equal(readFileSync(other, 'utf8'), FIXED);
      assert.deepEqual(readdirSync(d).sort(), ['a-locked.xml', 'b-other.xml']);
    } finally {
      spawnSync('chattr', ['-i', locked]);
    }
  });

  /** Runs the CLI inside a private mount namespace after `setup` (shell), then copies what it left to `out`. */
  function inNamespace(setup: string, target: string, out: string): { status: number | null; stdout: string; stderr: string } {
    const script = [
      'set -e',
      'mount --make-rprivate /',
      setup,
      'set +e',
      `${JSON.stringify(process.execPath)} ${JSON.stringify(join(ROOT, 'dist/cli.js'))} --inventory ${JSON.stringify(EXAMPLE_INVENTORY)} --fix "$1"`,
      'rc=$?',
      `cat "$1" > ${JSON.stringify(join(out, 'after.xml'))}`,
      `ls -A "$(dirname "$1")" > ${JSON.stringify(join(out, 'ls.txt'))}`,
      'exit $rc',
    ].join('\n');
    const r = spawnSync('unshare', ['-m', 'sh', '-c', script, 'sh', target], { encoding: 'utf8', timeout: 30_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  test('a full filesystem (a 16 KiB tmpfs, filled): ENOSPC, the original is intact, no temporary file, exit 2', (t) => {
    if (process.getuid?.() !== 0 || !which('unshare')) return skipOrFail(t, 'needs root and unshare for a private tmpfs');
    const mnt = join(dir, 'full');
    const out = join(dir, 'full-out');
    mkdirSync(mnt);
    mkdirSync(out);
    const src = join(out, 'src.xml');
    writeFileSync(src, FIXABLE);
    const setup = `mount -t tmpfs -o size=16k ldx-full ${JSON.stringify(mnt)}; cp ${JSON.stringify(src)} "$1"; chmod 644 "$1"; dd if=/dev/zero of=${JSON.stringify(join(mnt, 'filler'))} bs=1k count=64 2>/dev/null || true`;
    const r = inNamespace(setup, join(mnt, 'dom.xml'), out);
    assert.equal(r.status, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /dom\.xml: cannot write \(ENOSPC\); the original is unchanged/);
    assert.equal(readFileSync(join(out, 'after.xml'), 'utf8'), FIXABLE);
    assert.deepEqual(readFileSync(join(out, 'ls.txt'), 'utf8').trim().split('\n').sort(), ['dom.xml', 'filler']);
  });

  test('a read-only bind mount: EROFS, the original is intact, exit 2', (t) => {
    if (process.getuid?.() !== 0 || !which('unshare')) return skipOrFail(t, 'needs root and unshare for a private mount');
    const d = join(dir, 'ro');
    const out = join(dir, 'ro-out');
    mkdirSync(d);
    mkdirSync(out);
    const file = join(d, 'dom.xml');
    writeFileSync(file, FIXABLE);
    const setup = `mount --bind ${JSON.stringify(d)} ${JSON.stringify(d)}; mount -o remount,bind,ro ${JSON.stringify(d)}`;
    const r = inNamespace(setup, file, out);
    assert.equal(r.status, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /dom\.xml: cannot write \(EROFS\); the original is unchanged/);
    assert.equal(readFileSync(join(out, 'after.xml'), 'utf8'), FIXABLE);
    assert.equal(readFileSync(file, 'utf8'), FIXABLE);
    assert.deepEqual(readdirSync(d), ['dom.xml']);
  });

  test('read-only files (0444, 0400) are reported, not changed, exit 2', () => {
    // (test/cli.test.ts covers 0444 next to invalid UTF-8; this adds 0400 and a directory of both.)
    const d = join(dir, 'readonly');
    mkdirSync(d);
    for (const [name, mode] of [
      ['r444.xml', 0o444],
      ['r400.xml', 0o400],
    ] as const) {
      writeFileSync(join(d, name), FIXABLE);
      chmodSync(join(d, name), mode);
    }
    const r = runCli(['--inventory', EXAMPLE_INVENTORY, '--fix', d]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /r400\.xml: not rewritten: the file is read-only/);
    assert.match(r.stderr, /r444\.xml: not rewritten: the file is read-only/);
    for (const name of ['r444.xml', 'r400.xml']) assert.equal(readFileSync(join(d, name), 'utf8'), FIXABLE);
    assert.deepEqual(readdirSync(d).sort(), ['r400.xml', 'r444.xml']);
  });
});
