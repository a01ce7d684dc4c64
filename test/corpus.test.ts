/**
 * libvirt's own test domains: every file analysed without an exception, nothing flagged that is
 * fine, and --fix (against an inventory that knows every flagged path) changes only values.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeDocument } from '../server/src/analysis';
import { classifyPath } from '../server/src/domain/pathClass';
import { BlockDevice, InventorySnapshot, SNAPSHOT_FORMAT } from '../server/src/inventory/snapshot';
import { parseXml } from '../server/src/xml/parse';
import { blockDevice, CORPUS } from './support/examples';
import { runCli } from './support/cli';

const DOMAINS = join(CORPUS, 'domains');

function corpusFiles(): string[] {
  if (!existsSync(DOMAINS)) {
    // The corpus sits beside the repository (../shared); CI must have it.
    if (process.env.CI) throw new Error(`corpus not found at ${DOMAINS}`);
    return [];
  }
  return readdirSync(DOMAINS)
    .filter((f) => f.endsWith('.xml'))
    .sort();
}

const files = corpusFiles();
const texts = new Map(files.map((f) => [f, readFileSync(join(DOMAINS, f), 'utf8')]));

test('the corpus is there (1,480 domains)', (t) => {
  if (!files.length) t.skip('corpus not present beside the repository (not CI)');
  else assert.equal(files.length, 1480);
});

test('every corpus file is analysed without an exception; fine sources are never flagged', () => {
  let disks = 0;
  let flagged = 0;
  for (const [f, text] of texts) {
    const a = analyzeDocument(text);
    assert.ok(a.isDomain && a.model, `${f}: not recognised as a domain`);
    for (const d of a.model!.disks) {
      if (!d.hostPath) continue;
      disks++;
      const cls = classifyPath(d.hostPath.value).cls;
      const here = a.findings.filter(
        (x) => x.start === d.hostPath!.start && (x.code === 'unstable-device-name' || x.code === 'guest-mutable-identifier'),
      );
      if (['volume', 'file', 'by-path', 'hardware-id', 'dmp', 'multipath', 'removable'].includes(cls))
        assert.equal(here.length, 0, `${f}: ${d.hostPath.value} flagged`);
      flagged += here.length;
    }
    for (const d of a.model!.disks) {
      if (d.type?.value === 'network' || d.type?.value === 'volume')
        assert.equal(d.hostPath, undefined, `${f}: network/volume disk has a host path`);
    }
  }
  assert.ok(disks > 800, `only ${disks} disk sources seen`);
  assert.ok(flagged > 0 && flagged < 100, `${flagged} flagged`);
});

/** An inventory in which every flagged corpus path exists and has a WWN link, so every finding has a fix. */
function inventoryForFlaggedPaths(): InventorySnapshot {
  const devices: BlockDevice[] = [];
  const links: Record<string, string> = {};
  let n = 0;
  for (const text of texts.values()) {
    for (const f of analyzeDocument(text).findings) {
      if (f.code !== 'unstable-device-name' && f.code !== 'guest-mutable-identifier') continue;
      const path = text.slice(f.start, f.end);
      if (links[path] || devices.some((d) => d.path === path)) continue;
      n++;
      const kname = `sdx${n}`;
      const target = classifyPath(path).cls === 'guest-mutable' ? `/dev/${kname}` : path;
      if (target !== path) links[path] = target;
      devices.push(
        blockDevice(kname, {
          path: target,
          vendor: 'V',
          model: 'M',
          serial: `S${n}`,
          wwn: `0x5000c500${n.toString(16).padStart(8, '0')}`,
          tran: 'sas',
        }),
      );
      links[`/dev/disk/by-id/wwn-0x5000c500${n.toString(16).padStart(8, '0')}`] = target;
    }
  }
  return { format: SNAPSHOT_FORMAT, host: 'corpus', collectedAt: '', devices, links, tools: {}, warnings: [] };
}

test('--fix on every corpus file: well-formed result that differs only inside replaced values', () => {
  if (!files.length) return;
  const work = mkdtempSync(join(tmpdir(), 'ldx-corpus-'));
  cpSync(DOMAINS, join(work, 'domains'), { recursive: true });
  for (const f of files) chmodSync(join(work, 'domains', f), 0o644); // the shared corpus is read-only
  writeFileSync(join(work, 'inv.json'), JSON.stringify(inventoryForFlaggedPaths()));
  const r = runCli(['--inventory', 'inv.json', '--fix', '--format', 'json', 'domains'], work);
  assert.ok(r.status === 0 || r.status === 1, r.stderr);
  const out = JSON.parse(r.stdout) as { fixed: { file: string; from: string; to: string }[]; findings: { code: string }[] };
  assert.ok(out.fixed.length > 0, 'nothing was fixed');
  assert.ok(
    !out.findings.some((f) => f.code === 'unstable-device-name' || f.code === 'guest-mutable-identifier'),
    'fixable findings remain',
  );
  let changedFiles = 0;
  for (const f of files) {
    const before = texts.get(f)!;
    const after = readFileSync(join(work, 'domains', f), 'utf8');
    if (before === after) continue;
    changedFiles++;
    assert.equal(parseXml(after).error, undefined, `${f}: not well-formed after --fix`);
    // Walk both texts: outside the replaced values they must be identical, and each difference must be a fixed value.
    const mine = out.fixed.filter((x) => x.file === join('domains', f));
    let i = 0;
    let j = 0;
    for (const fx of mine) {
      const at = before.indexOf(fx.from, i);
      assert.ok(at >= 0, `${f}: ${fx.from} not found`);
      assert.equal(after.slice(j, j + (at - i)), before.slice(i, at), `${f}: bytes before ${fx.from} changed`);
      assert.ok(["'", '"', '>'].includes(before[at - 1]), `${f}: replaced text is not a whole value`);
      j += at - i;
      assert.equal(after.slice(j, j + fx.to.length), fx.to);
      i = at + fx.from.length;
      j += fx.to.length;
    }
    assert.equal(after.slice(j), before.slice(i), `${f}: bytes after the last fix changed`);
  }
  assert.ok(changedFiles > 0);
});
