import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CodeAction } from 'vscode-languageserver';
import { analyzeDocument } from '../server/src/analysis';
import { FIX_ALL_QUICK_FIX_TITLE } from '../server/src/features/codeActions';
import { LanguageService } from '../server/src/languageService';
import { FIX_ALL_KIND } from '../server/src/protocol';
import { applyEdits } from '../server/src/rules/applyFixes';
import { MAX_DIRECTIVE_LENGTH, scanDirectives } from '../server/src/rules/directives';
import type { Finding } from '../server/src/rules/types';
import { LineIndex } from '../server/src/xml/lineIndex';
import { runCli } from './support/cli';
import { applyLspEdits } from './support/edits';
import { blockDisk, domainXml, EXAMPLE_INVENTORY, exampleHost } from './support/examples';

const codes = (fs: Finding[]) => fs.map((f) => f.code);
const NEXT = 'libvirt-domain-lint-disable-next-line';
const FILE = 'libvirt-domain-lint-disable';
const tmp = () => mkdtempSync(join(tmpdir(), 'ldx-directives-'));

function scan(text: string) {
  return scanDirectives(text, new LineIndex(text)).directives;
}

test('parsing: both forms, codes by commas and blanks, no codes, the line after the comment end', () => {
  const text = [
    `<!-- ${NEXT} unstable-device-name, multipath-bypass -->`,
    'x',
    `<!--${FILE} a b,c-->`,
    `<!-- ${NEXT}`,
    '  spanning lines -->',
    'y',
    `<!-- ${NEXT} -->`,
    `<!-- ${NEXT}: not one -->`,
    `<!-- libvirt-domain-lint-disable-nextline x -->`,
    `<!-- ${FILE}-line x -->`,
    `<!-- say ${NEXT} x -->`,
  ].join('\n');
  const ds = scan(text);
  assert.deepEqual(
    ds.map((d) => [d.scope, d.line, d.codes.map((c) => c.code)]),
    [
      ['next-line', 1, ['unstable-device-name', 'multipath-bypass']],
      ['file', 3, ['a', 'b', 'c']],
      ['next-line', 5, ['spanning', 'lines']],
      ['next-line', 7, []],
    ],
  );
  // Code spans are exact.
  for (const d of ds) for (const c of d.codes) assert.equal(text.slice(c.start, c.end), c.code);
});

test('hostile comments: a directive inside CDATA, a PI or the DOCTYPE is not one; unterminated, huge and many are linear', () => {
  const inCdata = `<x><![CDATA[<!-- ${FILE} -->]]></x>`;
  assert.deepEqual(scan(inCdata), []);
  assert.deepEqual(scan(`<?pi <!-- ${FILE} --> ?><x/>`), []);
  const dt = `<!DOCTYPE x [<!ENTITY e "<!-- ${FILE} -->">]><x/>`;
  const lines = new LineIndex(dt);
  assert.deepEqual(scanDirectives(dt, lines, { start: 0, end: dt.indexOf('<x/>') }).directives, []);
  // Unterminated: nothing after it, and no directive from it.
  assert.deepEqual(scan(`<!-- ${FILE} x`), []);
  assert.deepEqual(scan(`<x><![CDATA[ <!-- ${FILE} x -->`), []);
  // Longer than the bound: not read.
  const long = `<!-- ${FILE} ${'a,'.repeat(MAX_DIRECTIVE_LENGTH)} -->`;
  assert.deepEqual(scan(long), []);
  // Huge inputs stay fast (one pass): 2 MB of comment openers, and 100 000 small comments.
  for (const huge of ['<!--'.repeat(500_000), '<!-- x -->'.repeat(100_000), `<!-- ${NEXT} ` + '-'.repeat(2_000_000)]) {
    const t0 = performance.now();
    scan(huge);
    const ms = performance.now() - t0;
    assert.ok(ms < 2000, `${huge.length} characters scanned in ${ms.toFixed(0)} ms`);
  }
});

test('next-line silences those codes on the next line only; the file form everywhere', () => {
  const two = [blockDisk('/dev/sdc', 'vdb'), blockDisk('/dev/sdd', 'vdc')].join('\n');
  const base = analyzeDocument(domainXml(two));
  assert.deepEqual(codes(base.findings), ['unstable-device-name', 'unstable-device-name']);

  const next = analyzeDocument(domainXml([`    <!-- ${NEXT} unstable-device-name -->`, two].join('\n')));
  assert.deepEqual(codes(next.findings), ['unstable-device-name']);
  assert.match(next.doc.text.slice(next.findings[0].start, next.findings[0].end), /sdd/);

  const file = analyzeDocument(domainXml([two, `    <!-- ${FILE} unstable-device-name -->`].join('\n')));
  assert.deepEqual(codes(file.findings), []);

  // No codes: every code; several codes in one directive.
  const all = analyzeDocument(domainXml([`    <!-- ${NEXT} -->`, two].join('\n')), [exampleHost()]);
  // What remains is on the sdd line (the same LUN as sdc: duplicate-device too).
  const sddLine = all.doc.text.split('\n').findIndex((l) => l.includes('/dev/sdd'));
  assert.ok(all.findings.every((f) => all.doc.lines.positionAt(f.start).line === sddLine));
  assert.deepEqual(codes(all.findings).sort(), ['duplicate-device', 'multipath-bypass', 'unstable-device-name']);
  const both = analyzeDocument(domainXml([`    <!-- ${NEXT} unstable-device-name, multipath-bypass -->`, two].join('\n')), [exampleHost()]);
  assert.deepEqual(codes(both.findings).sort(), ['duplicate-device', 'multipath-bypass', 'unstable-device-name']);
  const one = analyzeDocument(domainXml([`    <!-- ${NEXT} multipath-bypass -->`, two].join('\n')), [exampleHost()]);
  assert.deepEqual(codes(one.findings).sort(), ['duplicate-device', 'multipath-bypass', 'unstable-device-name', 'unstable-device-name']);
  // A directive in CDATA silences nothing (and is no unused-disable either).
  const cdata = analyzeDocument(domainXml([`    <description><![CDATA[<!-- ${FILE} -->]]></description>`, two].join('\n')));
  assert.deepEqual(codes(cdata.findings), ['unstable-device-name', 'unstable-device-name']);
});

test('xml-not-well-formed cannot be silenced; a nested -- breaks the document and is reported', () => {
  const broken = `<!-- ${FILE} -->\n<domain><devices></device></domain>`;
  assert.deepEqual(codes(analyzeDocument(broken).findings), ['xml-not-well-formed']);
  const nested = domainXml(`    <!-- ${NEXT} unstable-device-name -- nested -->\n${blockDisk('/dev/sdc')}`);
  assert.deepEqual(codes(analyzeDocument(nested).findings), ['xml-not-well-formed']);
  // Named in a directive: reported, with the reason.
  const named = analyzeDocument(domainXml(`    <!-- ${FILE} xml-not-well-formed -->\n${blockDisk('/dev/vx/dmp/x')}`));
  assert.deepEqual(codes(named.findings), ['unused-disable']);
  assert.match(named.findings[0].message, /xml-not-well-formed cannot be silenced/);
});

test('unused-disable: the whole directive, one code of several, unknown codes; its fix removes them, never preferred', () => {
  const disk = blockDisk('/dev/sdc');
  // Nothing on the next line: the whole directive; the fix removes its line.
  const text = domainXml([`    <!-- ${NEXT} unstable-device-name -->`, '    <!-- x -->', disk].join('\n'));
  const a = analyzeDocument(text);
  assert.deepEqual(codes(a.findings), ['unused-disable', 'unstable-device-name']);
  const u = a.findings[0];
  assert.equal(u.severity, 'hint');
  assert.match(u.message, /no unstable-device-name finding on line 7/);
  assert.equal(u.fixes.length, 1);
  assert.equal(u.fixes[0].preferred, false);
  assert.equal(applyEdits(text, u.fixes[0].edits), domainXml(['    <!-- x -->', disk].join('\n')));
  // Sharing a line with other markup: only the comment goes.
  const inline = domainXml(
    `    <!-- ${FILE} guest-mutable-identifier --><disk type='block' device='disk'><source dev='/dev/sdc'/><target dev='vdb'/></disk>`,
  );
  const b = analyzeDocument(inline).findings.find((f) => f.code === 'unused-disable')!;
  assert.equal(applyEdits(inline, b.fixes[0].edits), inline.replace(`<!-- ${FILE} guest-mutable-identifier -->`, ''));
  // One code of two unused, and an unknown one: each reported at the code, the fix removes only it.
  const mixed = domainXml([`    <!-- ${NEXT} unstable-device-name, no-such-code, guest-mutable-identifier -->`, disk].join('\n'));
  const m = analyzeDocument(mixed);
  assert.deepEqual(codes(m.findings), ['unused-disable', 'unused-disable']);
  assert.match(m.findings[0].message, /unknown code no-such-code/);
  assert.match(m.findings[1].message, /no guest-mutable-identifier finding/);
  assert.equal(applyEdits(mixed, m.findings[0].fixes[0].edits), mixed.replace(', no-such-code', ''));
  assert.equal(applyEdits(mixed, m.findings[1].fixes[0].edits), mixed.replace(', guest-mutable-identifier', ''));
  const firstCode = domainXml([`    <!-- ${NEXT} bogus unstable-device-name -->`, disk].join('\n'));
  const f = analyzeDocument(firstCode).findings;
  assert.deepEqual(codes(f), ['unused-disable']);
  assert.equal(applyEdits(firstCode, f[0].fixes[0].edits), firstCode.replace('bogus ', ''));
  // Codes that need an input the run lacks are not reported: no host, no schema.
  const offline = domainXml(
    [`    <!-- ${FILE} device-in-use-by-host, schema, missing-serial -->`, blockDisk('/dev/vx/dmp/3pardata0_12')].join('\n'),
  );
  assert.deepEqual(codes(analyzeDocument(offline).findings), []);
  const online = analyzeDocument(offline, [exampleHost()]).findings;
  assert.deepEqual(codes(online), ['unused-disable']);
  assert.equal(offline.slice(online[0].start, online[0].end), 'device-in-use-by-host');
  assert.match(online[0].message, /no device-in-use-by-host finding in this file/);
  // A broken document reports no unused directive (its rules did not run).
  assert.deepEqual(codes(analyzeDocument(text.replace('</devices>', '</device>')).findings), ['xml-not-well-formed']);
});

test('the silenced finding contributes no fix to fix-all; the unused-disable fix is not in fix-all either', async () => {
  const { preferredEdits } = await import('../server/src/rules/applyFixes');
  const text = domainXml(
    [`    <!-- ${NEXT} unstable-device-name multipath-bypass -->`, blockDisk('/dev/sdc'), blockDisk('/dev/sdd', 'vdc')].join('\n'),
  );
  const a = analyzeDocument(text, [exampleHost()]);
  const fixed = applyEdits(text, preferredEdits(a.findings));
  assert.match(fixed, /dev='\/dev\/sdc'/);
  assert.doesNotMatch(fixed, /dev='\/dev\/sdd'/);
});

function service(): LanguageService {
  return new LanguageService({ hostsFor: () => [exampleHost()] });
}

function actionsAt(svc: LanguageService, uri: string, text: string, needle: string, only?: string[]): CodeAction[] {
  const lines = new LineIndex(text);
  const at = lines.positionAt(text.indexOf(needle) + 2);
  return svc.codeActions({ uri, text }, { start: at, end: at }, only);
}

test('LSP: "Ignore CODE on this line" on every finding, never preferred; applying it silences the finding', () => {
  const svc = service();
  const uri = 'file:///t/ignore.xml';
  const text = domainXml([blockDisk('/dev/sdc'), blockDisk('/dev/vx/dmp/nope', 'vdc')].join('\n'));
  const actions = actionsAt(svc, uri, text, '/dev/sdc');
  const ignores = actions.filter((a) => a.title.startsWith('Ignore '));
  assert.deepEqual(ignores.map((a) => a.title).sort(), [
    'Ignore multipath-bypass on this line',
    'Ignore unstable-device-name on this line',
  ]);
  assert.ok(ignores.every((a) => a.kind === 'quickfix' && a.isPreferred === false && a.diagnostics?.length === 1));
  // Real fixes first, the ignores after them.
  assert.ok(actions.findIndex((a) => a.title.startsWith('Ignore ')) > actions.findIndex((a) => a.isPreferred));
  const ign = ignores.find((a) => a.title === 'Ignore unstable-device-name on this line')!;
  const after = applyLspEdits(text, ign.edit!.changes![uri]);
  assert.equal(after, text.replace(blockDisk('/dev/sdc'), `    <!-- ${NEXT} unstable-device-name -->\n${blockDisk('/dev/sdc')}`));
  assert.deepEqual(codes(svc.analyze({ uri, text: after }).findings), ['multipath-bypass', 'device-not-found']);
  // Again on the same line: the code is added to the directive already there.
  const again = actionsAt(svc, uri, after, '/dev/sdc').find((a) => a.title === 'Ignore multipath-bypass on this line')!;
  const after2 = applyLspEdits(after, again.edit!.changes![uri]);
  assert.match(after2, new RegExp(`<!-- ${NEXT} unstable-device-name, multipath-bypass -->\\n    <disk`));
  assert.deepEqual(codes(svc.analyze({ uri, text: after2 }).findings), ['device-not-found']);
  // unused-disable offers its removal and no "ignore".
  const unused = domainXml([`    <!-- ${NEXT} guest-mutable-identifier -->`, blockDisk('/dev/vx/dmp/3pardata0_12')].join('\n'));
  const ua = actionsAt(svc, uri, unused, 'guest-mutable');
  assert.deepEqual(
    ua.filter((a) => a.kind === 'quickfix').map((a) => [a.title, a.isPreferred]),
    [['Remove this disable directive', false]],
  );
  assert.equal(applyLspEdits(unused, ua[0].edit!.changes![uri]), domainXml(blockDisk('/dev/vx/dmp/3pardata0_12')));
  // The unused-disable diagnostic is faded (Unnecessary).
  const diag = svc.diagnostics({ uri, text: unused }).find((d) => d.code === 'unused-disable')!;
  assert.deepEqual(diag.tags, [1]);
});

test('LSP: the inserted directive keeps the indentation and line breaks (tabs, CRLF); none where a comment would change a value', () => {
  const svc = service();
  const uri = 'file:///t/crlf.xml';
  const crlf = domainXml(`\t\t${blockDisk('/dev/sdc').trim()}`, '\r\n');
  const ign = actionsAt(svc, uri, crlf, '/dev/sdc').find((a) => a.title === 'Ignore unstable-device-name on this line')!;
  assert.equal(ign.edit!.changes![uri][0].newText, `\t\t<!-- ${NEXT} unstable-device-name -->\r\n`);
  // The source on a continuation line of a start tag: no comment can go above it.
  const split = domainXml(`    <disk type='block' device='disk'><source\n      dev='/dev/sdc'/><target dev='vdb'/></disk>`);
  assert.ok(!actionsAt(svc, uri, split, '/dev/sdc').some((a) => a.title.startsWith('Ignore ')));
  // While the document is broken, fixes from the last good version, but no "ignore".
  svc.analyze({ uri, text: domainXml(blockDisk('/dev/sdc')) });
  const broken = domainXml(blockDisk('/dev/sdc')).replace('</devices>', '</device>');
  const b = actionsAt(svc, uri, broken, '/dev/sdc');
  assert.ok(b.some((a) => a.isPreferred));
  assert.ok(!b.some((a) => a.title.startsWith('Ignore ')));
});

test('LSP: the quick-fix menu offers fix-all only with two or more fixes to make, not preferred, same edit as source.fixAll', () => {
  const svc = service();
  const uri = 'file:///t/fixall.xml';
  const one = domainXml(blockDisk('/dev/sdc'));
  assert.ok(!actionsAt(svc, uri, one, '/dev/sdc', ['quickfix']).some((a) => a.title === FIX_ALL_QUICK_FIX_TITLE));
  const two = domainXml([blockDisk('/dev/sdc'), blockDisk('/dev/disk/by-label/appdata', 'vdc')].join('\n'));
  const qf = actionsAt(svc, uri, two, '/dev/sdc', ['quickfix']);
  const fa = qf.find((a) => a.title === FIX_ALL_QUICK_FIX_TITLE)!;
  assert.ok(fa, qf.map((a) => a.title).join('\n'));
  assert.equal(fa.kind, 'quickfix');
  assert.equal(fa.isPreferred, false);
  assert.equal(qf.filter((a) => a.isPreferred).length, 1);
  const source = actionsAt(svc, uri, two, '/dev/sdc', [FIX_ALL_KIND])[0];
  assert.deepEqual(fa.edit, source.edit);
  // Away from any fixable finding, no lightbulb.
  assert.deepEqual(actionsAt(svc, uri, two, '<name>', ['quickfix']), []);
  // A silenced finding's fix is not in either.
  const silenced = domainXml(
    [
      `    <!-- ${NEXT} unstable-device-name multipath-bypass -->`,
      blockDisk('/dev/sdc'),
      blockDisk('/dev/disk/by-label/appdata', 'vdc'),
    ].join('\n'),
  );
  assert.ok(!actionsAt(svc, uri, silenced, 'by-label', ['quickfix']).some((a) => a.title === FIX_ALL_QUICK_FIX_TITLE));
});

test("CLI: text and JSON honour directives; --fix does not apply a silenced finding's fix", () => {
  const d = tmp();
  const file = join(d, 'dom.xml');
  const text = domainXml(
    [`    <!-- ${NEXT} unstable-device-name, multipath-bypass -->`, blockDisk('/dev/sdc'), blockDisk('/dev/sdd', 'vdc')].join('\n'),
  );
  writeFileSync(file, text);
  const t = runCli(['--inventory', EXAMPLE_INVENTORY, file]);
  assert.equal(t.status, 1, t.stderr);
  assert.doesNotMatch(t.stdout, /dom\.xml:7:/);
  assert.match(t.stdout, /dom\.xml:8:\d+: warning unstable-device-name/);
  const j = JSON.parse(runCli(['--inventory', EXAMPLE_INVENTORY, '--format', 'json', file]).stdout);
  assert.ok(j.findings.every((f: { range: { start: { line: number } } }) => f.range.start.line === 7));
  const s = JSON.parse(runCli(['--inventory', EXAMPLE_INVENTORY, '--format', 'sarif', file]).stdout);
  assert.ok(
    s.runs[0].results.every(
      (r: { locations: { physicalLocation: { region: { startLine: number } } }[] }) =>
        r.locations[0].physicalLocation.region.startLine === 8,
    ),
  );
  const fx = runCli(['--inventory', EXAMPLE_INVENTORY, '--fix', file]);
  assert.ok(fx.status === 0 || fx.status === 1, fx.stderr);
  const out = readFileSync(file, 'utf8');
  assert.match(out, /dev='\/dev\/sdc'/);
  assert.doesNotMatch(out, /\/dev\/sdd/);
  assert.ok(out.includes(`<!-- ${NEXT} unstable-device-name, multipath-bypass -->`));
  // An unused directive: a hint in the output, exit status unchanged, --fix leaves it.
  const clean = join(d, 'clean.xml');
  const cleanText = domainXml([`    <!-- ${FILE} guest-mutable-identifier -->`, blockDisk('/dev/vx/dmp/3pardata0_12')].join('\n'));
  writeFileSync(clean, cleanText);
  const c = runCli(['--inventory', EXAMPLE_INVENTORY, clean]);
  assert.equal(c.status, 0, c.stdout + c.stderr);
  assert.match(c.stdout, /clean\.xml:6:5: hint unused-disable: /);
  runCli(['--inventory', EXAMPLE_INVENTORY, '--fix', clean]);
  assert.equal(readFileSync(clean, 'utf8'), cleanText);
});
