/**
 * Parsers of host output: collector output truncated, reordered, garbage, binary, huge (100 MB),
 * and version variants of each section; snapshot JSON files that are malformed or hostile. The
 * outcome is always a classified error (InventoryError / SnapshotError / ParseError) with a
 * one-line message, or a (partial) inventory with warnings — never another exception or a hang.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeDocument } from '../server/src/analysis';
import { splitCollectorOutput } from '../server/src/inventory/collectorOutput';
import { InventoryError } from '../server/src/inventory/errors';
import { snapshotFromCollectorOutput } from '../server/src/inventory/fetch';
import { loadInventoryFile, snapshotFromRawOutput } from '../server/src/inventory/load';
import { buildSnapshot, parseLsblk, parseVxdisk, parseVxdmpadm, SectionInput } from '../server/src/inventory/parsers';
import { HostIndex } from '../server/src/inventory/resolver';
import { HOST_DOMAIN_XML_MAX, SnapshotError, validateSnapshot } from '../server/src/inventory/snapshot';
import { LanguageService } from '../server/src/languageService';
import { escapeXmlValue } from '../server/src/xml/entities';
import { CampaignResult } from './fuzz/campaign';
import { fixtureCollectorOutput, fixtureRenderSections, HOST_FIXTURES, renderCollectorOutput } from './fuzz/collectorText';
import { HostFuzzResult, isClassified, runHostFuzz } from './fuzz/fuzzHost';
import { describeHostResult, runHostCampaign } from './fuzz/hostCampaign';
import { binary, checkHuge, isHugeChild, serveHugeChild } from './fuzz/huge';
import { Handler, isFuzzWorker, serveWorker } from './fuzz/worker';
import { EXAMPLE_INVENTORY, ROOT } from './support/examples';
import { FIXTURE_COLLECTED_AT, fixtureSections } from './support/fixtureHost';

const SEED = 4242;
const ITERATIONS = 1200;
const BOUND_MS = 1000;
/** A 100 MB input must be dealt with within this long (≥ 10 MB/s), in a child process with a 2 GiB heap. */
const HUGE_BOUND_MS = 10_000;
/** The huge cases run here (the others, slower, run with `npm run fuzz -- --targets huge`). */
const HUGE_IN_TEST = [
  'a links section of one link 1.9 million times',
  'an lsblk section of 100 MB of "x"',
  '100 MB of #LDI-BEGIN lines, never ended',
  'a body full of near-END markers',
  'an lsblk section of 100 MB of nested brackets',
];

/**
 * Tests that fail because of a bug reported to the maintainers and not fixed yet (see RELIABILITY.md):
 * marked todo so the run stays usable; remove an entry once its fix lands.
 */
const OPEN_BUGS: Record<string, string> = {};
const HOSTILE_BUGS = new Set<string>();
const todo = (name: string) => ({ todo: OPEN_BUGS[name] });

// ---- helpers ----------------------------------------------------------------------------------

const HEAD = '#LDI-COLLECTOR 1\n';
function section(name: string, body: string, rc = 0): string {
  return `#LDI-BEGIN ${name}\n${body}\n#LDI-END ${name} rc=${rc}\n`;
}
const lsblkSmall = () => readFileSync(join(ROOT, 'examples/hosts/kvm-a/lsblk.json'), 'utf8');

function expectOneLine(e: unknown): void {
  assert.ok(
    isClassified(e),
    `expected a classified one-line error, got ${(e as Error)?.constructor?.name}: ${JSON.stringify((e as Error)?.message)}`,
  );
}

const EXAMPLE_DOCS = ['app01.xml', 'db02.xml', 'web02.xml'].map((f) => readFileSync(join(ROOT, 'examples/domains', f), 'utf8'));

/** Analysis, hover and code actions of the example domains (and one naming odd and linked paths) against `idx` do not throw. */
function exerciseIndex(idx: HostIndex): void {
  const links = idx.snapshot.links && typeof idx.snapshot.links === 'object' ? Object.keys(idx.snapshot.links).slice(0, 20) : [];
  const own = [
    ...links,
    '__proto__',
    'constructor',
    '/dev/sdc',
    '/dev/sde',
    '/dev/vx/dmp/3pardata0_12',
    '/dev/vx/dmp/3pardata0_12s1',
    '/dev/vx/dsk/appdg/vol01',
    '/dev/mapper/mpatha1',
  ]
    .map((p, k) => `<disk type='block'><source dev='${escapeXmlValue(String(p), "'") ?? ''}'/><target dev='vd${k}'/></disk>`)
    .join('');
  const svc = new LanguageService({ hostsFor: () => [idx] });
  [...EXAMPLE_DOCS, `<domain><name>own</name><devices>${own}</devices></domain>`].forEach((text, i) => {
    const a = analyzeDocument(text, [idx]);
    for (const d of a.model?.disks ?? []) {
      if (!d.hostPath) continue;
      const p = a.doc.lines.positionAt(d.hostPath.start);
      svc.hover({ uri: `file:///d${i}.xml`, text }, p);
      svc.codeActions({ uri: `file:///d${i}.xml`, text }, { start: p, end: p });
    }
  });
}

if (isHugeChild()) {
  serveHugeChild();
} else if (isFuzzWorker()) {
  serveWorker({ host: runHostFuzz as unknown as Handler });
} else {
  describe('host output fuzzing (short run)', () => {
    let run: CampaignResult<HostFuzzResult> | undefined;
    before(async () => {
      run = await runHostCampaign({
        file: __filename,
        seed: SEED,
        iterations: ITERATIONS,
        boundMs: BOUND_MS,
        limits: 'short',
        chunk: 750,
        saveDir: join(ROOT, 'test-output', 'fuzz'),
      });
      console.log(`# fuzz (host output): ${describeHostResult(run.total, SEED).replace(/\n/g, '\n# ')}`);
      for (const f of run.failures)
        console.log(
          `# fuzz failure: iteration ${f.iteration} ${f.kind} ${f.op}: ${f.message.split('\n')[0]}${f.file ? ` (input: ${f.file})` : ''}`,
        );
    });

    test(
      `${ITERATIONS} mutated collector outputs and snapshot files (seed ${SEED}): classified errors or inventories, within ${BOUND_MS} ms each`,
      todo(
        `${ITERATIONS} mutated collector outputs and snapshot files (seed ${SEED}): classified errors or inventories, within ${BOUND_MS} ms each`,
      ),
      () => {
        assert.ok(run?.total);
        assert.equal(run.total.iterations, ITERATIONS);
        assert.ok(run.total.snapshots > 100 && run.total.classifiedErrors > 100, 'both outcomes occur');
        assert.deepEqual(
          run.failures.map(
            (f) => `iteration ${f.iteration}: ${f.kind} in ${f.op}: ${f.message.split('\n').slice(0, 2).join(' | ')} (${f.file})`,
          ),
          [],
        );
      },
    );
  });

  describe('collector output: truncated, reordered, garbage', () => {
    const full = fixtureCollectorOutput('kvm-a');
    const whole = splitCollectorOutput(full);

    test('the rendered fixture output splits into every section, complete', () => {
      assert.equal(whole.complete, true);
      assert.equal(whole.version, 1);
      assert.deepEqual(
        [...whole.sections.keys()],
        fixtureRenderSections(HOST_FIXTURES[0].dir, 'kvm-a').map((s) => s.name),
      );
    });

    test('cut at every line end and at every 7th character: never throws, never returns a section cut short', () => {
      const cuts = new Set<number>();
      for (let i = 0; i <= full.length; i += 7) cuts.add(i);
      for (let i = full.indexOf('\n'); i >= 0; i = full.indexOf('\n', i + 1)) {
        cuts.add(i);
        cuts.add(i + 1);
      }
      let checked = 0;
      for (const n of cuts) {
        const out = splitCollectorOutput(full.slice(0, n));
        // "#LDI-DONE" counts without its final newline.
        assert.equal(out.complete, n >= full.length - 1, `complete at ${n}/${full.length}`);
        for (const [name, s] of out.sections) {
          const orig = whole.sections.get(name)!;
          assert.equal(s.body, orig.body, `section ${name} returned cut short at ${n}`);
          assert.equal(s.rc, orig.rc);
          assert.deepEqual(s.stderr, orig.stderr.slice(0, s.stderr.length));
        }
        if (n < full.length - 1) {
          assert.throws(
            () => snapshotFromRawOutput(full.slice(0, n), 'cut.out'),
            (e: unknown) => e instanceof SnapshotError && !e.message.includes('\n'),
          );
        }
        checked++;
      }
      assert.ok(checked > 1000);
    });

    test('sections in another order give the same inventory', () => {
      const list = fixtureRenderSections(HOST_FIXTURES[0].dir, 'kvm-a');
      const reversed = renderCollectorOutput([...list].reverse());
      const a = snapshotFromCollectorOutput('kvm-a', splitCollectorOutput(full), FIXTURE_COLLECTED_AT);
      const b = snapshotFromCollectorOutput('kvm-a', splitCollectorOutput(reversed), FIXTURE_COLLECTED_AT);
      assert.deepEqual(b, a);
    });

    test('CRLF line ends, a login banner and a BOM give the same inventory', () => {
      const a = snapshotFromCollectorOutput('kvm-a', splitCollectorOutput(full), FIXTURE_COLLECTED_AT);
      const banner = snapshotFromCollectorOutput('kvm-a', splitCollectorOutput(`Welcome\nLast login: now\n${full}`), FIXTURE_COLLECTED_AT);
      assert.deepEqual(banner, a);
      const crlf = snapshotFromCollectorOutput('kvm-a', splitCollectorOutput(`\ufeff${full.replace(/\n/g, '\r\n')}`), FIXTURE_COLLECTED_AT);
      assert.deepEqual(crlf.devices, a.devices);
      assert.deepEqual(crlf.links, a.links);
      assert.deepEqual(crlf.dmp, a.dmp);
      assert.deepEqual(crlf.vxvm, a.vxvm);
    });

    test('garbage and binary: classified errors', () => {
      const inputs = [
        '',
        '\n',
        'garbage',
        binary(200_000),
        HEAD,
        `${HEAD}${binary(50_000)}`,
        '#LDI-COLLECTOR x\n#LDI-DONE\n',
        `${HEAD}#LDI-DONE\n`,
        `${HEAD}#LDI-ABSENT lsblk lsblk\n#LDI-DONE\n`,
        `${HEAD}${section('lsblk', 'not json')}#LDI-DONE\n`,
        `${HEAD}${section('lsblk', '{"blockdevices": 5}')}#LDI-DONE\n`,
        `${HEAD}${section('lsblk', lsblkSmall(), 1)}#LDI-DONE\n`,
      ];
      for (const text of inputs) {
        const out = splitCollectorOutput(text);
        assert.throws(
          () => snapshotFromCollectorOutput('h', out),
          (e: unknown) => {
            expectOneLine(e);
            return e instanceof InventoryError && (e.kind === 'tool-missing' || e.kind === 'unparseable');
          },
          JSON.stringify(text.slice(0, 60)),
        );
        assert.throws(
          () => snapshotFromRawOutput(text, 'saved.out'),
          (e: unknown) => {
            expectOneLine(e);
            return e instanceof SnapshotError;
          },
        );
      }
    });

    test('a failing or unparseable optional section: a partial inventory with a warning naming it', () => {
      const list = fixtureRenderSections(HOST_FIXTURES[0].dir, 'kvm-a').map((s) =>
        s.name === 'vxdmpadm'
          ? {
              ...s,
              body: 'VxVM vxdmpadm ERROR V-5-1-684 IPC failure',
              rc: 1,
              stderr: ['VxVM vxdmpadm ERROR V-5-1-684 IPC failure: Configuration daemon is not accessible'],
            }
          : s.name === 'vxdisk'
            ? { ...s, body: 'garbage\nmore garbage' }
            : s.name === 'virsh-dumpxml web01'
              ? { ...s, body: '<domain><name>web01' }
              : s,
      );
      const snap = snapshotFromCollectorOutput('kvm-a', splitCollectorOutput(renderCollectorOutput(list)));
      assert.equal(snap.tools.vxdmpadm, 'failed');
      assert.equal(snap.tools.vxdisk, 'failed');
      assert.equal(snap.tools['virsh-dumpxml web01'], 'failed');
      assert.equal(snap.tools.lsblk, 'ok');
      assert.ok(snap.devices.length > 10);
      assert.ok(
        snap.warnings.some((w) => /^vxdmpadm exited with 1: VxVM/.test(w)),
        snap.warnings.join(' | '),
      );
      assert.ok(snap.warnings.some((w) => /^vxdisk output has no DEVICE/.test(w)));
      assert.ok(snap.warnings.some((w) => /^domain web01: XML not well-formed/.test(w)));
      for (const w of snap.warnings) assert.equal(w.includes('\n'), false);
      exerciseIndex(new HostIndex(snap));
    });
  });

  describe('version variants of each section', () => {
    const sections = () => fixtureSections(join(ROOT, 'examples/hosts/kvm-a'));
    const snapOf = (m: Map<string, SectionInput>) => buildSnapshot({ host: 'kvm-a', collectedAt: FIXTURE_COLLECTED_AT, sections: m });
    const original = () => snapOf(sections());

    /** lsblk of util-linux before 2.33: every value a string, no PATH column, MOUNTPOINT (one string). */
    function oldLsblk(body: string, opts: { strings: boolean; noPath: boolean; mountpoint: boolean }): string {
      const data = JSON.parse(body);
      const walk = (nodes: Record<string, unknown>[] | undefined) => {
        for (const n of nodes ?? []) {
          if (opts.strings) for (const k of Object.keys(n)) if (typeof n[k] === 'number' || typeof n[k] === 'boolean') n[k] = String(n[k]);
          if (opts.noPath) delete n.path;
          if (opts.mountpoint) {
            n.mountpoint = Array.isArray(n.mountpoints) ? (n.mountpoints[0] ?? null) : null;
            delete n.mountpoints;
          }
          walk(n.children as Record<string, unknown>[] | undefined);
        }
      };
      walk(data.blockdevices);
      return JSON.stringify(data, null, 3);
    }
    const firstMount = (d: { mountpoints: string[] }) => ({ ...d, mountpoints: d.mountpoints.slice(0, 1) });

    test('lsblk with strings instead of numbers, and MOUNTPOINT instead of MOUNTPOINTS: the same devices', () => {
      const m = sections();
      m.get('lsblk')!.body = oldLsblk(m.get('lsblk')!.body, { strings: true, noPath: false, mountpoint: true });
      const snap = snapOf(m);
      assert.equal(snap.tools.lsblk, 'ok');
      assert.deepEqual(snap.devices.map(firstMount), original().devices.map(firstMount));
    });

    test('lsblk without PATH (util-linux < 2.33): the same findings for the example domains', () => {
      const m = sections();
      m.get('lsblk')!.body = oldLsblk(m.get('lsblk')!.body, { strings: true, noPath: true, mountpoint: true });
      const old = new HostIndex(snapOf(m));
      const cur = new HostIndex(original());
      for (const text of EXAMPLE_DOCS) {
        const strip = (fs: ReturnType<typeof analyzeDocument>['findings']) =>
          fs.map((f) => ({ code: f.code, start: f.start, fixes: f.fixes.map((x) => x.title) }));
        assert.deepEqual(strip(analyzeDocument(text, [old]).findings), strip(analyzeDocument(text, [cur]).findings));
      }
    });

    test(
      'lsblk without PATH (util-linux < 2.33): device paths, including partitions of multipath maps',
      todo('lsblk without PATH (util-linux < 2.33): device paths, including partitions of multipath maps'),
      () => {
        const m = sections();
        m.get('lsblk')!.body = oldLsblk(m.get('lsblk')!.body, { strings: false, noPath: true, mountpoint: false });
        const got = snapOf(m).devices.map((d) => `${d.kname} ${d.path}`);
        const want = original().devices.map((d) => `${d.kname} ${d.path}`);
        assert.deepEqual(
          got.filter((x) => !want.includes(x)),
          [],
          'derived paths that differ from what lsblk PATH says',
        );
      },
    );

    test('lsblk without KNAME and PKNAME: devices keyed by NAME, partitions still under their disk', () => {
      const data = JSON.parse(sections().get('lsblk')!.body);
      const strip = (nodes: Record<string, unknown>[] | undefined) =>
        nodes?.forEach((n) => {
          delete n.pkname;
          if (n.name === n.kname) delete n.kname;
          strip(n.children as Record<string, unknown>[]);
        });
      strip(data.blockdevices);
      const devs = parseLsblk(JSON.stringify(data));
      const orig = parseLsblk(sections().get('lsblk')!.body);
      assert.equal(devs.length, orig.length);
      const part = devs.find((d) => d.type === 'part')!;
      assert.deepEqual(part.parents, orig.find((d) => d.kname === part.kname)!.parents);
    });

    test('vxdmpadm with its optional keys missing, or extra keys: the same nodes, defaults where missing', () => {
      const body = sections().get('vxdmpadm')!.body;
      const orig = parseVxdmpadm(body);
      const extra = parseVxdmpadm(body.replace(/^(dmpdev\s*=.*)$/gm, '$1\nnew-key-9.0      = something\nfuture_attr     = x = y'));
      assert.deepEqual(extra, orig);
      const minimal = parseVxdmpadm(
        body
          .split('\n')
          .filter((l) => /^(dmpdev|path)\s*=/.test(l) || !l.includes('='))
          .join('\n'),
      );
      assert.deepEqual(
        minimal.map((n) => [n.name, n.paths, n.numPaths]),
        orig.map((n) => [n.name, n.paths, n.paths.length]),
      );
      for (const n of minimal) assert.deepEqual([n.state, n.arrayType, n.udid, n.scsi3Vpd], ['', '', '', null]);
      const snap = buildSnapshot({
        host: 'kvm-a',
        collectedAt: '',
        sections: new Map(
          [...sections()].map(([k, v]) => [
            k,
            k === 'vxdmpadm'
              ? {
                  ...v,
                  body: body
                    .split('\n')
                    .filter((l) => /^(dmpdev|path)\s*=/.test(l))
                    .join('\n'),
                }
              : v,
          ]),
        ),
      });
      assert.equal(snap.tools.vxdmpadm, 'ok');
      exerciseIndex(new HostIndex(snap));
    });

    test('vxdisk without the ATTR column, and without OS_NATIVE_NAME and ATTR', () => {
      const body = sections().get('vxdisk')!.body;
      const orig = parseVxdisk(body);
      const noAttr = parseVxdisk(
        body
          .split('\n')
          .map((l) => l.replace(/\s+\S+\s*$/, ''))
          .join('\n'),
      );
      assert.deepEqual(noAttr, orig);
      const bare = parseVxdisk(
        body
          .split('\n')
          .map((l) => l.replace(/\s+\S+\s+\S+\s*$/, ''))
          .join('\n'),
      );
      assert.deepEqual(
        bare.map((d) => ({ ...d, osNativeName: null })),
        orig.map((d) => ({ ...d, osNativeName: null })),
      );
      assert.ok(bare.every((d) => d.osNativeName === null));
      // A STATUS with spaces ("online shared") keeps its words.
      assert.ok(orig.some((d) => d.status === 'online shared'));
    });

    test('vxdctl, virsh and links variants: no exception, warnings for what cannot be read', () => {
      const variants: [string, string][] = [
        ['vxdctl', 'mode: enabled: cluster inactive'],
        ['vxdctl', ''],
        ['vxdctl', 'VxVM vxdctl ERROR V-5-1-1589 enable failed'],
        [
          'links',
          '/dev/disk/by-id/a\t../../sdz\n/dev/disk/by-id/b\n\t/dev/sdc\n/dev/disk/by-id/loop\tloop\n/dev/disk/by-id/c\t../../../../../etc/passwd\r\n',
        ],
        ['virsh-list', 'name with spaces\n-starts-with-dash\n\n'],
        ['vx-dmp-names', '\u0000\n../x\n'],
      ];
      for (const [name, body] of variants) {
        const m = sections();
        m.set(name, { body, rc: 0, stderr: [] });
        const snap = snapOf(m);
        assert.equal(snap.tools.lsblk, 'ok');
        for (const w of snap.warnings) assert.equal(w.includes('\n'), false, w);
        exerciseIndex(new HostIndex(snap));
      }
    });
  });

  describe('domains: persistent definitions, UUIDs and states', () => {
    const DOMAIN = (name: string, uuid: string) =>
      `<domain type='kvm'>\n  <name>${name}</name>\n  <uuid>${uuid}</uuid>\n  <devices>\n    <disk type='block' device='disk'>\n      <source dev='/dev/sdc'/>\n      <target dev='vda'/>\n    </disk>\n  </devices>\n</domain>\n`;
    const U1 = '7b2d4f61-1a3c-4e5d-8f7a-9b0c1d2e3f40';
    const U2 = '3e4a1c52-8d0b-4c1e-9f53-2b6a7d8e9f01';
    /** Raw collector output (as a host sends it): the script adds one newline after each body. */
    const raw = (extra: string) =>
      HEAD +
      section('lsblk', lsblkSmall()) +
      section('virsh-list', 'db01\nweb01\nodd\n\n') +
      // As real virsh 9.0.0 prints it: the definition, then an empty line.
      section('virsh-dumpxml db01', `${DOMAIN('db01', U1.toUpperCase())}\n`) +
      // No final newline at all.
      section('virsh-dumpxml web01', DOMAIN('web01', U2).trimEnd()) +
      section('virsh-dumpxml odd', DOMAIN('odd', 'not-a-uuid')) +
      extra +
      '#LDI-DONE\n';
    const snapOfRaw = (text: string) => snapshotFromCollectorOutput('kvm-x', splitCollectorOutput(text), FIXTURE_COLLECTED_AT);

    test('xml is the body byte for byte (not the newline the collector adds); uuid lower case; state from the running list', () => {
      const snap = snapOfRaw(raw(section('virsh-list-active', 'web01\n\n')));
      assert.deepEqual(snap.warnings, []);
      const [db, web, odd] = snap.domains!;
      assert.equal(db.xml, `${DOMAIN('db01', U1.toUpperCase())}\n`);
      assert.equal(web.xml, DOMAIN('web01', U2).trimEnd());
      assert.deepEqual(
        snap.domains!.map((d) => [d.name, d.uuid, d.state]),
        [
          ['db01', U1, 'shut off'],
          ['web01', U2, 'running'],
          ['odd', undefined, 'shut off'],
        ],
      );
      assert.equal('uuid' in odd, false);
      // CRLF output (a saved file): the body is still what was between the markers.
      const crlf = snapOfRaw(raw(section('virsh-list-active', '\n')).replace(/\n/g, '\r\n'));
      assert.equal(crlf.domains![1].xml, DOMAIN('web01', U2).trimEnd().replace(/\n/g, '\r\n'));
    });

    test('no running list (older output) or a failing one: no state; a failing one is a warning', () => {
      const none = snapOfRaw(raw(''));
      assert.deepEqual(none.warnings, []);
      assert.ok(none.domains!.every((d) => d.state === undefined && d.xml !== undefined));
      const failed = snapOfRaw(raw(section('virsh-list-active', '', 1) + '#LDI-ERR virsh-list-active error: failed to connect\n'));
      assert.ok(failed.domains!.every((d) => d.state === undefined));
      assert.equal(failed.tools['virsh-list-active'], 'failed');
      assert.match(failed.warnings.join('\n'), /virsh-list-active exited with 1/);
    });

    test('a definition over HOST_DOMAIN_XML_MAX: the domain and its disks stay, the text is dropped whole, with a warning', () => {
      const big = DOMAIN('db01', U1).replace('</domain>', `<!--${'x'.repeat(HOST_DOMAIN_XML_MAX)}-->\n</domain>`);
      const snap = snapOfRaw(
        raw('').replace(section('virsh-dumpxml db01', `${DOMAIN('db01', U1.toUpperCase())}\n`), section('virsh-dumpxml db01', big)),
      );
      const db = snap.domains![0];
      assert.equal(db.xml, undefined);
      assert.deepEqual(db.disks, [{ source: '/dev/sdc', shareable: false, target: 'vda' }]);
      assert.equal(db.uuid, U1);
      assert.match(snap.warnings.join('\n'), /domain db01: its definition is over \d+ characters and was not kept/);
    });

    test('snapshot JSON: uuid only when a UUID (lower-cased), state only running or shut off, xml only a bounded string without NUL', () => {
      const base = (domains: unknown[]) => ({ format: 'libvirt-domain-inventory/1', host: 'h', devices: [], links: {}, domains });
      const read = (d: Record<string, unknown>) => validateSnapshot(base([{ name: 'a', disks: [], ...d }]), 'f').domains![0];
      assert.deepEqual(read({ uuid: U1.toUpperCase(), state: 'running', xml: '<domain/>\n\n' }), {
        name: 'a',
        uuid: U1,
        state: 'running',
        disks: [],
        xml: '<domain/>\n\n',
      });
      for (const uuid of ['', 'x', `${U1} `, U1.replace(/-/g, ''), `{${U1}}`, 5, null, { a: 1 }, [U1]])
        assert.equal(read({ uuid }).uuid, undefined, String(uuid));
      for (const state of ['paused', 'Running', '', 1, true, null, ['running']])
        assert.equal(read({ state }).state, undefined, String(state));
      for (const xml of [5, null, { a: 1 }, ['<domain/>'], 'a\u0000b', 'x'.repeat(HOST_DOMAIN_XML_MAX + 1)])
        assert.equal(read({ xml }).xml, undefined, typeof xml === 'string' ? `string of ${xml.length}` : String(xml));
      assert.equal(read({ xml: 'x'.repeat(HOST_DOMAIN_XML_MAX) }).xml?.length, HOST_DOMAIN_XML_MAX);
      assert.equal(read({ xml: '' }).xml, '');
    });
  });

  describe('warnings are one line', () => {
    // Found by the host-output fuzzer (seed 4242, iterations 239, 382): the libvirt-version warning quotes the body.
    test(
      'a libvirt-version section that is not a version: a one-line warning, the rest of the inventory intact',
      todo('a libvirt-version section that is not a version: a one-line warning, the rest of the inventory intact'),
      () => {
        const m = fixtureSections(join(ROOT, 'examples/hosts/kvm-a'));
        m.set('libvirt-version', { body: 'not a version\n#LDI-END lsblk rc=0\n\u0000binary', rc: 0, stderr: [] });
        const snap = buildSnapshot({ host: 'kvm-a', collectedAt: FIXTURE_COLLECTED_AT, sections: m });
        assert.equal(snap.tools.lsblk, 'ok');
        assert.ok(snap.warnings.length > 0);
        for (const w of snap.warnings) assert.equal(w.includes('\n'), false, JSON.stringify(w));
      },
    );
  });

  describe('huge host output (100 MB, generated in a child process with a 2 GiB heap)', () => {
    for (const name of HUGE_IN_TEST) {
      test(name, todo(name), async () => {
        const r = await checkHuge(__filename, name, HUGE_BOUND_MS);
        console.log(`# huge: ${name}: ${r.detail.split('\n')[0]}`);
        assert.ok(r.ok, r.detail);
      });
    }
  });

  describe('snapshot files that are malformed or hostile (loadInventoryFile)', () => {
    let dir = '';
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'ldx-snap-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));
    const base = () => JSON.parse(readFileSync(EXAMPLE_INVENTORY, 'utf8'));
    let n = 0;
    function load(text: string): HostIndex | Error {
      const f = join(dir, `s${n++}.json`);
      writeFileSync(f, text);
      try {
        return loadInventoryFile(f);
      } catch (e) {
        return e as Error;
      }
    }
    /** A snapshot file either loads and then survives every request, or fails with a classified one-line error. */
    function check(text: string): void {
      const r = load(text);
      if (r instanceof Error) {
        expectOneLine(r);
        return;
      }
      exerciseIndex(r);
    }

    test('not JSON, empty, binary, truncated, another format: one-line SnapshotError naming the file', () => {
      const text = readFileSync(EXAMPLE_INVENTORY, 'utf8');
      for (const t of [
        '',
        ' ',
        'null',
        '[]',
        '5',
        '"x"',
        '{}',
        '{"format":"libvirt-domain-inventory/2"}',
        binary(10_000),
        text.slice(0, 200),
        text.slice(0, text.length - 2),
        `\ufeff\ufeff${text}`,
      ]) {
        const r = load(t);
        assert.ok(r instanceof SnapshotError, `${JSON.stringify(t.slice(0, 40))}: ${r}`);
        assert.match(r.message, /s\d+\.json: /);
      }
    });

    test(
      'a JSON syntax error across lines: the message is still one line',
      todo('a JSON syntax error across lines: the message is still one line'),
      () => {
        const r = load('{\n  "format": "libvirt-domain-inventory/1",\n  "host": x\n}\n');
        assert.ok(r instanceof SnapshotError);
        assert.equal(r.message.includes('\n'), false, JSON.stringify(r.message));
      },
    );

    test(
      'saved collector output whose uname holds several lines: the message is still one line',
      todo('saved collector output whose uname holds several lines: the message is still one line'),
      () => {
        const text = renderCollectorOutput([
          { name: 'uname', body: 'kvm-a\nsecond line\n', rc: 0, stderr: [] },
          { name: 'lsblk', body: '', rc: null, stderr: [], absent: 'lsblk' },
        ]);
        const r = load(text);
        assert.ok(r instanceof SnapshotError, String(r));
        assert.equal(r.message.includes('\n'), false, JSON.stringify(r.message));
      },
    );

    // Values of the wrong type where the resolver reads them (found by the host-output fuzzer, or next to what it found).
    type Snap = Record<string, any>;
    const all = (list: unknown, fn: (x: Snap) => void) => Array.isArray(list) && list.forEach((x) => x && typeof x === 'object' && fn(x));
    const hostile: [string, (s: Snap) => void][] = [
      [
        'links: an array',
        (s) => {
          s.links = ['/dev/sdc'];
        },
      ],
      [
        'links: every target a number',
        (s) => {
          for (const k of Object.keys(s.links)) s.links[k] = 5;
        },
      ],
      [
        'links: every target null',
        (s) => {
          for (const k of Object.keys(s.links)) s.links[k] = null;
        },
      ],
      [
        'links: every target an object',
        (s) => {
          for (const k of Object.keys(s.links)) s.links[k] = { a: 1 };
        },
      ],
      [
        'links: "__proto__" and "constructor" keys',
        (s) => {
          s.links = JSON.parse('{"__proto__":"/dev/sdc","constructor":{"a":1},"/dev/sdc":"constructor"}');
        },
      ],
      [
        'devices[]: serial a number',
        (s) =>
          all(s.devices, (d) => {
            d.serial = 9007199254740992;
          }),
      ],
      [
        'devices[]: vendor and model objects',
        (s) =>
          all(s.devices, (d) => {
            d.vendor = {};
            d.model = [];
          }),
      ],
      [
        'devices[]: wwn a number',
        (s) =>
          all(s.devices, (d) => {
            d.wwn = 5;
          }),
      ],
      [
        'devices[]: size a string',
        (s) =>
          all(s.devices, (d) => {
            d.size = 'huge';
          }),
      ],
      [
        'devices[]: name an array',
        (s) =>
          all(s.devices, (d) => {
            d.name = [[[]]];
          }),
      ],
      [
        'devices[]: type and fstype numbers',
        (s) =>
          all(s.devices, (d) => {
            d.type = 5;
            d.fstype = 7;
          }),
      ],
      [
        'devices[]: parents with non-strings',
        (s) =>
          all(s.devices, (d) => {
            d.parents = [5, null, {}];
          }),
      ],
      [
        'devices[]: mountpoints with non-strings',
        (s) =>
          all(s.devices, (d) => {
            d.mountpoints = [null, 5, {}];
          }),
      ],
      [
        'devices[]: a null entry',
        (s) => {
          s.devices.push(null);
        },
      ],
      [
        'dmp: nodes not an array',
        (s) => {
          s.dmp.nodes = 5;
        },
      ],
      [
        'dmp.nodes[]: a null node',
        (s) => {
          s.dmp.nodes.push(null);
        },
      ],
      [
        'dmp.nodes[]: name missing',
        (s) =>
          all(s.dmp.nodes, (n) => {
            delete n.name;
          }),
      ],
      [
        'dmp.nodes[]: name a number',
        (s) =>
          all(s.dmp.nodes, (n) => {
            n.name = 5;
          }),
      ],
      [
        'dmp.nodes[]: paths not an array',
        (s) =>
          all(s.dmp.nodes, (n) => {
            n.paths = 5;
          }),
      ],
      [
        'dmp.nodes[]: paths holding null and {}',
        (s) =>
          all(s.dmp.nodes, (n) => {
            n.paths = [null, {}];
          }),
      ],
      [
        'dmp.nodes[]: scsi3Vpd and udid numbers',
        (s) =>
          all(s.dmp.nodes, (n) => {
            n.scsi3Vpd = 5;
            n.udid = 6;
          }),
      ],
      [
        'dmp.nodes[]: arrayType and numPaths of the wrong type',
        (s) =>
          all(s.dmp.nodes, (n) => {
            n.arrayType = 5;
            n.numPaths = 'two';
          }),
      ],
      [
        'dmp: names not an array',
        (s) => {
          s.dmp.names = 5;
        },
      ],
      [
        'vxvm: volumes not an array',
        (s) => {
          s.vxvm.volumes = 5;
        },
      ],
      [
        'vxvm: disks not an array',
        (s) => {
          s.vxvm.disks = true;
        },
      ],
      [
        'vxvm.disks[]: null and numbers',
        (s) => {
          s.vxvm.disks = [null, { device: 5, osNativeName: 7, group: 8, imported: 'yes' }];
        },
      ],
      [
        'cluster: a string, then an array',
        (s) => {
          s.cluster = [[[[]]]];
        },
      ],
      [
        'domains: not an array',
        (s) => {
          s.domains = -1;
        },
      ],
      [
        'domains: an object',
        (s) => {
          s.domains = { a: 1 };
        },
      ],
      [
        'domains[]: a null domain',
        (s) => {
          s.domains[0] = null;
        },
      ],
      [
        'domains[]: disks not an array',
        (s) =>
          all(s.domains, (d) => {
            d.disks = 1e308;
          }),
      ],
      [
        'domains[].disks[]: a disk without a source',
        (s) =>
          all(s.domains, (d) => {
            d.disks = [{ shareable: false }, null];
          }),
      ],
      [
        'domains[]: name a number',
        (s) =>
          all(s.domains, (d) => {
            d.name = 5;
          }),
      ],
      [
        'tools and warnings of the wrong type',
        (s) => {
          s.tools = 5;
          s.warnings = 'x';
        },
      ],
    ];
    test('hostile: a "__proto__" key at the top level', () => {
      const text = readFileSync(EXAMPLE_INVENTORY, 'utf8').replace(/^\{/, '{"__proto__":{"devices":5,"links":{"/dev/sdc":"/dev/sdd"}},');
      check(text);
    });
    for (const [name, edit] of hostile) {
      test(
        `hostile: ${name}`,
        {
          todo: HOSTILE_BUGS.has(name)
            ? 'bug: validateSnapshot (server/src/inventory/snapshot.ts) accepts values of the wrong type that HostIndex, the rules or hover then throw on'
            : undefined,
        },
        () => {
          const s = base();
          edit(s);
          check(JSON.stringify(s));
        },
      );
    }
  });
}
