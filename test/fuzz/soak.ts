// `npm run soak` (scripts/soak.mjs bundles this to out/fuzz/soak.js): the bundled server over
// stdio with both example inventories, fed 10,000 edits (typing into disk paths, swapping and
// adding disks, breaking and repairing the XML, closing and reopening documents), with hovers and
// code actions in between. The server's RSS is sampled every 100 edits; the run fails when the
// median of the last quarter of the samples exceeds 1.2 × the median of the second quarter.
// Options: --edits N (10000) --docs N (12) --seed S (1) --ratio R (1.2)
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { LspSession } from './lsp';
import { Rng } from './rng';
import { inventoryPaths } from './seeds';
import { EXAMPLE_INVENTORY, EXAMPLE_INVENTORY_B, ROOT } from '../support/examples';

interface SoakDoc {
  uri: string;
  doc: TextDocument;
  name: string;
  paths: string[];
  shareable: boolean[];
  broken: boolean;
}

function render(d: SoakDoc): string {
  const disks = d.paths.map(
    (p, i) =>
      `    <disk type='block' device='disk'>\n      <source dev='${p}'/>\n      <target dev='vd${String.fromCharCode(98 + i)}' bus='virtio'/>${d.shareable[i] ? '\n      <shareable/>' : ''}\n    </disk>`,
  );
  const text = `<domain type='kvm'>\n  <name>${d.name}</name>\n  <devices>\n${disks.join('\n')}\n  </devices>\n</domain>\n`;
  return d.broken ? text.replace('</devices>', '</devices') : text;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      edits: { type: 'string', default: '10000' },
      docs: { type: 'string', default: '12' },
      seed: { type: 'string', default: '1' },
      ratio: { type: 'string', default: '1.2' },
    },
  });
  const edits = Number(values.edits);
  const ndocs = Number(values.docs);
  const ratioBound = Number(values.ratio);
  const rng = new Rng(Number(values.seed));
  const pool = inventoryPaths().filter((p) => p.startsWith('/dev/'));
  const s = new LspSession({ initializationOptions: { inventoryFiles: [EXAMPLE_INVENTORY, EXAMPLE_INVENTORY_B] } });
  const started = Date.now();
  const samples: { edit: number; rssMb: number }[] = [];
  let requests = 0;
  let reopened = 0;
  try {
    await s.initialize();
    const docs: SoakDoc[] = [];
    for (let i = 0; i < ndocs; i++) {
      const d: SoakDoc = {
        uri: pathToFileURL(join(ROOT, 'soak', `soak-${i}.xml`)).toString(),
        doc: undefined as unknown as TextDocument,
        name: `soak${i}`,
        paths: [rng.pick(pool), rng.pick(pool)],
        shareable: [false, false],
        broken: false,
      };
      d.doc = TextDocument.create(d.uri, 'xml', 1, render(d));
      docs.push(d);
      await s.open(d.uri, d.doc.getText(), 1);
    }
    const touched = new Set<SoakDoc>();
    for (let e = 1; e <= edits; e++) {
      const d = rng.pick(docs);
      const k = rng.int(d.paths.length);
      const op = rng.int(10);
      if (op <= 4)
        d.paths[k] = d.paths[k] + rng.pick(['a', 'b', '1', '-', '_', 'x']); // typing: a new path every time
      else if (op === 5) d.paths[k] = d.paths[k].slice(0, -1) || '/';
      else if (op === 6) d.paths[k] = rng.pick(pool);
      else if (op === 7) {
        if (d.paths.length < 6 && rng.chance(0.6)) {
          d.paths.push(rng.pick(pool));
          d.shareable.push(rng.chance(0.3));
        } else if (d.paths.length > 1) {
          d.paths.pop();
          d.shareable.pop();
        }
      } else if (op === 8) d.broken = !d.broken;
      else d.shareable[k] = !d.shareable[k];
      const version = d.doc.version + 1;
      const text = render(d);
      d.doc = TextDocument.update(d.doc, [{ text }], version);
      await s.change(d.uri, version, text);
      touched.add(d);
      if (e % 25 === 0) {
        // A sync point: the edited documents' last versions are published; a hover and code actions answer.
        await s.until(
          `publish of edit ${e}`,
          () => [...touched].every((x) => s.latest.get(x.uri)?.version === x.doc.version) || undefined,
          30_000,
        );
        touched.clear();
        const line = 4 + 4 * rng.int(d.paths.length);
        await s.hover(d.uri, { line, character: 22 });
        await s.codeActions(d.uri, { start: { line, character: 19 }, end: { line, character: 30 } });
        requests += 2;
      }
      if (e % 1000 === 0) {
        // Close one document and open it again (the server forgets and re-learns it).
        const r = rng.pick(docs);
        await s.close(r.uri);
        r.doc = TextDocument.create(r.uri, 'xml', r.doc.version + 1, render(r));
        await s.open(r.uri, r.doc.getText(), r.doc.version);
        touched.add(r);
        reopened++;
      }
      if (e % 100 === 0) {
        samples.push({ edit: e, rssMb: s.rssKb() / 1024 });
        if (e % 1000 === 0) process.stdout.write(`\r  ${e}/${edits} edits, RSS ${samples.at(-1)!.rssMb.toFixed(1)} MB   `);
      }
    }
    process.stdout.write('\n');
    if (s.exited) throw new Error('the server exited');
    const failures = s.failureLogs();
    const q = Math.floor(samples.length / 4);
    const quarter = (i: number) => samples.slice(i * q, i === 3 ? samples.length : (i + 1) * q).map((x) => x.rssMb);
    const med = [0, 1, 2, 3].map((i) => median(quarter(i)));
    const ratio = med[3] / med[1];
    const rss = samples.map((x) => x.rssMb);
    console.log(
      `soak: ${edits} edits on ${ndocs} documents, ${requests} hover/code-action requests, ${reopened} close/reopen, ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    console.log(
      `soak: server RSS ${samples.length} samples: min ${Math.min(...rss).toFixed(1)} MB, max ${Math.max(...rss).toFixed(1)} MB; quarter medians ${med.map((m) => m.toFixed(1)).join(' / ')} MB; last/second = ${ratio.toFixed(3)} (bound ${ratioBound})`,
    );
    if (failures.length) console.log(`soak: the server logged failures:\n  ${failures.slice(0, 5).join('\n  ')}`);
    return ratio <= ratioBound && failures.length === 0 ? 0 : 1;
  } finally {
    await s.stop();
  }
}

void main().then(
  (code) => (process.exitCode = code),
  (e) => {
    console.error(e);
    process.exitCode = 2;
  },
);
