/**
 * Templates operators keep (issue 16, item 3): Jinja, ERB and Go templates of domain XML are read with
 * their tags masked (server/src/xml/template.ts), every branch judged, placeholders never judged, ranges
 * in the original text; the CLI picks them up by name and by content and says it read a template; the
 * editor serves them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { DiagnosticSeverity } from 'vscode-languageserver';
import { analyzeDocument, type Analysis } from '../server/src/analysis';
import { planDefine } from '../server/src/features/define';
import { LanguageService } from '../server/src/languageService';
import { LineIndex } from '../server/src/xml/lineIndex';
import { documentKind, firstElementName } from '../server/src/xml/rootElement';
import { MAX_DEPTH, readTemplate, touchesTemplate } from '../server/src/xml/template';
import { isTemplateFileName, isXmlFileName, walkXmlFiles } from '../server/src/walk';
import { DOCUMENT_SELECTOR, libvirtKind, servedXml } from '../client/src/documents';
import { domainXml, EXAMPLE_INVENTORY, exampleHost, ROOT } from './support/examples';
import { runCli } from './support/cli';

const FIXTURES = join(ROOT, 'test/fixtures/templates');
const ROLE = join(FIXTURES, 'ansible-role/templates/vm.xml.j2');
const ERB = join(FIXTURES, 'vagrant/domain.xml.erb');
const GO = join(FIXTURES, 'go/domain.xml.tmpl');
const read = (f: string) => readFileSync(f, 'utf8');
const tmp = () => mkdtempSync(join(tmpdir(), 'ldx-template-'));

/** The findings other than the note, as [code, the original text at the range]. */
function judged(a: Analysis, text: string): [string, string][] {
  return a.findings.filter((f) => f.code !== 'read-as-template').map((f) => [f.code, text.slice(f.start, f.end)]);
}

/** The offset of the only occurrence of `needle` in `text`. */
function only(text: string, needle: string): number {
  const i = text.indexOf(needle);
  assert.ok(i >= 0 && text.indexOf(needle, i + 1) < 0, `${needle} once`);
  return i;
}

test('masking keeps every offset and line break, and replaces each tag whole', () => {
  for (const f of [ROLE, ERB, GO]) {
    const text = read(f);
    const r = readTemplate(text)!;
    assert.equal(r.masked.length, text.length, f);
    assert.deepEqual(new LineIndex(r.masked).positionAt(text.length), new LineIndex(text).positionAt(text.length), f);
    for (let i = 0; i < text.length; i++) {
      const inTag = touchesTemplate(r.tags, i, i + 1);
      if (text[i] === '\n' || !inTag) assert.equal(r.masked[i], text[i], `${f}:${i}`);
      else assert.match(r.masked[i], /[ x]/, `${f}:${i}`);
    }
    for (const v of r.variants) assert.equal(v.length, text.length);
    // No template syntax is left.
    assert.doesNotMatch(r.masked, /\{\{|\{%|\{#|<%|%\}|%>/, f);
  }
  // A value that prints is masked with a value; statements, comments and tags between attributes with spaces.
  const t = readTemplate("<domain>{# c #}<name>{{ n }}</name><disk {{ attrs }} type='{% if a %}block{% endif %}'/></domain>")!;
  assert.equal(t.masked, "<domain>       <name>xxxxxxx</name><disk             type='          block           '/></domain>");
  assert.equal(readTemplate('<domain><name>plain</name></domain>'), undefined);
  // Tags only in XML comments and free text: a domain that quotes a template, not one.
  const quoting = domainXml(
    "    <disk type='block'><source dev='/dev/sdc'/><target dev='vdb'/></disk>",
    '\n',
    '  <title>{{ t }}</title><description>rendered by {% if a %}x{% endif %}</description><metadata><a:b xmlns:a="urn:a">{{ x }}</a:b></metadata><!-- {{ y }} -->',
  );
  assert.equal(readTemplate(quoting), undefined);
  assert.deepEqual(
    analyzeDocument(quoting).findings.map((f) => f.code),
    ['unstable-device-name'],
  );
  assert.ok(readTemplate(quoting.replace('<name>t</name>', '<name>{{ t }}</name>')));
  // A header comment before the XML declaration: the declaration is blanked, the XML stays well-formed.
  const header = `{# managed by Ansible #}\n<?xml version="1.0" encoding="UTF-8"?>\n${domainXml("    <disk type='block'><source dev='/dev/sdc'/><target dev='{{ t }}'/></disk>")}`;
  const h = analyzeDocument(header);
  assert.doesNotMatch(h.findings[0].message, /not well-formed/);
  assert.deepEqual(judged(h, header), [['unstable-device-name', '/dev/sdc']]);
  assert.equal(readTemplate('<domain><name>{{ unclosed</name></domain>'), undefined);
});

test('an Ansible role template: the literal kernel name in one branch is flagged there and nowhere else', () => {
  const text = read(ROLE);
  const a = analyzeDocument(text);
  assert.equal(a.kind, 'domain');
  assert.deepEqual(a.template, { syntax: 'jinja' });
  assert.equal(a.findings[0].code, 'read-as-template');
  assert.equal(a.findings[0].severity, 'hint');
  assert.match(a.findings[0].message, /^Read as a Jinja template: .*Each branch of its 4 conditional blocks is judged/);
  // The branch is the third of four: the text with every branch kept reads only the first <source>.
  assert.deepEqual(judged(a, text), [['unstable-device-name', '/dev/sdc']]);
  const f = a.findings[1];
  assert.equal(f.start, only(text, '/dev/sdc'));
  assert.deepEqual(a.doc.lines.positionAt(f.start), { line: 27, character: 19 });
  // No well-formedness error for the two alternative opening tags of <interface>.
  assert.ok(!a.findings.some((x) => x.code === 'xml-not-well-formed'));
  // Every disk source of every branch is in the model; the placeholders have no path.
  const sources = a.model!.disks.map((d) => d.hostPath && text.slice(d.hostPath.start, d.hostPath.end));
  assert.deepEqual(sources, [undefined, '/dev/sdc']);
  // With the host: the same place only, with the host-aware findings and fixes.
  const withHost = analyzeDocument(text, [exampleHost()]);
  assert.ok(withHost.findings.length > 2);
  for (const x of withHost.findings.slice(1)) assert.equal(text.slice(x.start, x.end), '/dev/sdc', x.code);
});

test('every branch is judged, nested ones too; an if without else is always read', () => {
  const text = domainXml(
    [
      '{% if a %}',
      '  {% if b %}',
      "    <disk type='block' device='disk'><source dev='/dev/sdb'/><target dev='vdb' bus='virtio'/></disk>",
      '  {% elif c %}',
      "    <disk type='block' device='disk'><source dev='/dev/sdc'/><target dev='vdb' bus='virtio'/></disk>",
      '  {% else %}',
      "    <disk type='block' device='disk'><source dev='/dev/sdd'/><target dev='vdb' bus='virtio'/></disk>",
      '  {% endif %}',
      '{% else %}',
      "    <disk type='block' device='disk'><source dev='/dev/sde'/><target dev='vdb' bus='virtio'/></disk>",
      '{% endif %}',
      '{% if f %}',
      "    <disk type='block' device='disk'><source dev='/dev/sdf'/><target dev='vdc' bus='virtio'/></disk>",
      '{% endif %}',
    ].join('\n'),
  );
  const a = analyzeDocument(text);
  assert.deepEqual(judged(a, text), [
    ['unstable-device-name', '/dev/sdb'],
    ['unstable-device-name', '/dev/sdc'],
    ['unstable-device-name', '/dev/sdd'],
    ['unstable-device-name', '/dev/sde'],
    ['unstable-device-name', '/dev/sdf'],
  ]);
  // Alternatives that share a target are not two disks with one target.
  assert.ok(!a.findings.some((f) => f.code === 'duplicate-target'));
  assert.match(a.findings[0].message, /Each branch of its 2 conditional blocks is judged \(4 combinations read\)/);
});

test('an ERB template that starts with <% if %> is linted, not skipped', () => {
  const text = read(ERB);
  assert.ok(text.startsWith('<% if @uefi -%>'));
  assert.equal(documentKind(firstElementName(text)), 'domain');
  const a = analyzeDocument(text);
  assert.equal(a.kind, 'domain');
  assert.deepEqual(a.template, { syntax: 'erb' });
  assert.match(a.findings[0].message, /^Read as an ERB template/);
  assert.deepEqual(judged(a, text), [['guest-mutable-identifier', '/dev/disk/by-label/cluster-data']]);
  const r = runCli([relative(ROOT, ERB)]);
  assert.equal(r.status, 1, r.stderr);
  assert.deepEqual(
    r.stdout.split('\n').flatMap((l) => /^[^:]+:\d+:\d+: \w+ [\w-]+/.exec(l) ?? []),
    [
      'test/fixtures/templates/vagrant/domain.xml.erb:1:1: hint read-as-template',
      'test/fixtures/templates/vagrant/domain.xml.erb:26:20: warning guest-mutable-identifier',
    ],
  );
});

test('a Go template: ranges, if/else alternatives with one target, placeholders in loops', () => {
  const text = read(GO);
  const a = analyzeDocument(text);
  assert.deepEqual(a.template, { syntax: 'go' });
  assert.deepEqual(judged(a, text), [['unstable-device-name', '/dev/mapper/mpatha']]);
  assert.equal(a.findings[1].start, only(text, '/dev/mapper/mpatha'));
  // Read as one text with both branches kept, the two alternatives clash on vdy: the branches are what avoids it.
  const allKept = analyzeDocument(readTemplate(text)!.masked);
  assert.ok(allKept.findings.some((f) => f.code === 'duplicate-target'));
  assert.ok(!a.findings.some((f) => f.code === 'duplicate-target'));
});

test('a value that is or holds a placeholder is never judged, in attributes or element text', () => {
  const devices = (v: (name: string, literal: string) => string) =>
    [
      `<disk type='block' device='disk'><source dev='${v('x', '/dev/sdb')}'/><target dev='${v('t1', 'vdb')}' bus='virtio'/></disk>`,
      `<disk type='block' device='disk'><source dev='/dev/sd${v('letter', 'c')}'/><target dev='${v('t2', 'vdb')}' bus='virtio'/></disk>`,
      `<disk type='block' device='disk'><source dev='/dev/disk/by-label/${v('label', 'data')}'/><target dev='vdd' bus='virtio'/></disk>`,
      `<disk type='file' device='disk'><source file='/dev/${v('vg', 'sde')}'/><target dev='vde' bus='virtio'/></disk>`,
      `<disk type='block' device='disk'><source dev='/dev/mapper/mpath${v('n', 'a')}'/><target dev='vdf' bus='virtio'/></disk>`,
      `<hostdev mode='subsystem' type='storage'><source><block>/dev/sd${v('h', 'g')}</block></source></hostdev>`,
    ].join('\n');
  const head = (v: (name: string, literal: string) => string) =>
    `<blkiotune><device><path>${v('tune', '/dev/sdh')}</path><weight>500</weight></device></blkiotune>`;
  const jinja = (name: string) => `{{ ${name} }}`;
  const erb = (name: string) => `<%= @${name} %>`;
  const go = (name: string) => `{{ .${name} }}`;
  const literal = (_: string, value: string) => value;
  // The same documents with literal values: every one of those values is judged (so the test can fail).
  const plain = analyzeDocument(domainXml(devices(literal), '\n', head(literal)));
  assert.deepEqual([...new Set(plain.findings.map((f) => f.code))].sort(), [
    'duplicate-target',
    'guest-mutable-identifier',
    'source-type-mismatch',
    'unstable-device-name',
  ]);
  assert.ok(plain.findings.length >= 7);
  for (const v of [jinja, erb, go]) {
    const text = domainXml(devices(v), '\n', head(v));
    const a = analyzeDocument(text);
    assert.equal(a.kind, 'domain');
    assert.deepEqual(
      a.findings.map((f) => f.code),
      ['read-as-template'],
      `${v('x')}: ${a.findings.map((f) => `${f.code} ${text.slice(f.start, f.end)}`).join(', ')}`,
    );
    // With a host: nothing either, and no hover target on a placeholder.
    const h = analyzeDocument(text, [exampleHost()]);
    assert.deepEqual(
      h.findings.map((f) => f.code),
      ['read-as-template'],
    );
    assert.ok(h.model!.disks.every((d) => !d.hostPath));
  }
  // A name or UUID that is a placeholder is no name.
  assert.equal(analyzeDocument('<domain><name>{{ n }}</name><uuid>{{ u }}</uuid><devices/></domain>').model!.name, undefined);
  assert.equal(analyzeDocument('<domain><name>vm-{{ n }}</name></domain>').model!.name, undefined);
  assert.equal(analyzeDocument('<domain><name>vm1</name>{# x #}</domain>').model!.name, 'vm1');
});

test('a template that is not well-formed with its tags masked is read element by element', () => {
  // A macro defined before the root: two top-level elements once masked, in every branch.
  const text = [
    '{% macro disk(dev, target) %}',
    "    <disk type='block' device='disk'>",
    "      <source dev='{{ dev }}'/>",
    "      <target dev='{{ target }}' bus='virtio'/>",
    '    </disk>',
    '{% endmacro %}',
    "<domain type='kvm'>",
    '  <name>{{ vm.name }}</name>',
    '  <devices>',
    '    {{ disk(volume.dev, "vdb") }}',
    "    <disk type='block' device='disk'>",
    "      <source dev='/dev/sdk'/>",
    "      <target dev='vdk' bus='virtio'/>",
    '    </disk>',
    "    <hostdev mode='subsystem' type='storage'><source><block>/dev/disk/by-uuid/1234</block></source></hostdev>",
    '  </devices>',
    '</domain>',
    '',
  ].join('\n');
  const a = analyzeDocument(text);
  assert.equal(a.kind, 'domain');
  assert.deepEqual(judged(a, text), [
    ['unstable-device-name', '/dev/sdk'],
    ['guest-mutable-identifier', '/dev/disk/by-uuid/1234'],
  ]);
  assert.match(a.findings[0].message, /not well-formed \(line \d+: .*\), so its <disk>, <hostdev>/);
  assert.ok(!a.findings.some((f) => f.code === 'xml-not-well-formed'));
  // The same text without its template syntax is broken XML whose first element is a <disk>: not linted.
  const broken = text.replace(/\{%[^%]*%\}|\{\{[^}]*\}\}/g, '');
  assert.deepEqual(analyzeDocument(broken).findings, []);
});

test('ranges point into the original text, past multi-byte characters and CRLF', () => {
  const text = domainXml(
    [
      "    <disk type='block' device='disk'><source dev='{{ d }}'/><target dev='vdb' bus='virtio'/></disk>",
      "    {# Größe – 😀 #}<disk type='block' device='disk'>{% if x %}<source dev='/dev/sdc'/>{% else %}<source dev='/dev/sdd'/>{% endif %}<target dev='vdc' bus='virtio'/></disk>",
    ].join('\r\n'),
    '\r\n',
  );
  const a = analyzeDocument(text);
  assert.deepEqual(judged(a, text), [
    ['unstable-device-name', '/dev/sdc'],
    ['unstable-device-name', '/dev/sdd'],
  ]);
  const lines = new LineIndex(text);
  const line = text.split('\r\n').findIndex((l) => l.includes('/dev/sdc'));
  for (const f of a.findings.slice(1)) assert.deepEqual(a.doc.lines.positionAt(f.start), lines.positionAt(f.start));
  assert.deepEqual(a.doc.lines.positionAt(a.findings[1].start), { line, character: text.split('\r\n')[line].indexOf('/dev/sdc') });
  assert.deepEqual(a.doc.lines.positionAt(a.findings[2].start), { line, character: text.split('\r\n')[line].indexOf('/dev/sdd') });
});

test('--fix on a template changes only the literal value', () => {
  const d = tmp();
  const file = join(d, 'vm.xml.j2');
  const extra = "    <disk type='block' device='disk'><source dev='/dev/sd{{ letter }}'/><target dev='vdq' bus='virtio'/></disk>\n";
  const original = read(ROLE).replace('    <console', extra + '    <console');
  writeFileSync(file, original);
  const r = runCli(['--inventory', EXAMPLE_INVENTORY, '--fix', file]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /fixed .*vm\.xml\.j2:28:20: \/dev\/sdc -> \/dev\/vx\/dmp\/3pardata0_12/);
  assert.equal(readFileSync(file, 'utf8'), original.replace("dev='/dev/sdc'", "dev='/dev/vx/dmp/3pardata0_12'"));
  // Again: nothing left to fix; the placeholder-built path is untouched.
  const again = runCli(['--inventory', EXAMPLE_INVENTORY, '--fix', '--format', 'json', file]);
  assert.deepEqual(JSON.parse(again.stdout).fixed, []);
  assert.ok(readFileSync(file, 'utf8').includes("dev='/dev/sd{{ letter }}'"));
});

test('the CLI walk picks templates by name and reads them by content; other files are not linted', async () => {
  const d = tmp();
  const domainTpl = read(ROLE);
  const put = (f: string, text: string) => {
    mkdirSync(dirname(join(d, f)), { recursive: true });
    writeFileSync(join(d, f), text);
  };
  for (const f of ['roles/vm/templates/vm.xml.j2', 'a.j2', 'b.jinja', 'c.erb', 'd.tmpl', 'e.xml.in', 'f.XML.J2']) put(f, domainTpl);
  put('plain.xml', domainTpl); // an .xml file with template syntax: read as a template by its content
  for (const f of ['notes.txt', 'vm.yaml', 'vm.xml.bak', 'j2', 'vm.xml.j2.orig']) put(f, domainTpl);
  put('roles/vm/templates/cloud-init.yaml.j2', read(join(FIXTURES, 'ansible-role/templates/cloud-init.yaml.j2')));
  copyFileSync(ERB, join(d, 'vagrant.xml.erb'));
  assert.ok(['x.j2', 'x.JINJA', 'x.jinja2', 'x.erb', 'x.tmpl', 'x.gotmpl', 'x.xml.in'].every(isTemplateFileName));
  assert.ok(!['x.xml', 'x.in', 'x.txt', 'x.j2.bak', 'j2'].some(isTemplateFileName));
  assert.ok(isXmlFileName('x.xml') && isXmlFileName('x.xml.j2') && !isXmlFileName('x.yaml'));

  const walked: string[] = [];
  await walkXmlFiles([d], (p) => void walked.push(relative(d, p)));
  assert.deepEqual(walked, [
    'a.j2',
    'b.jinja',
    'c.erb',
    'd.tmpl',
    'e.xml.in',
    'f.XML.J2',
    'plain.xml',
    'roles/vm/templates/cloud-init.yaml.j2',
    'roles/vm/templates/vm.xml.j2',
    'vagrant.xml.erb',
  ]);
  const r = runCli(['--format', 'json', '.'], d);
  assert.equal(r.status, 1, r.stderr);
  const out = JSON.parse(r.stdout) as { findings: { file: string; code: string; template?: string }[] };
  const byFile = new Map<string, string[]>();
  for (const f of out.findings) byFile.set(f.file, [...(byFile.get(f.file) ?? []), `${f.code}:${f.template}`]);
  const role = ['read-as-template:jinja', 'unstable-device-name:jinja'];
  assert.deepEqual(Object.fromEntries(byFile), {
    'a.j2': role,
    'b.jinja': role,
    'c.erb': role,
    'd.tmpl': role,
    'e.xml.in': role,
    'f.XML.J2': role,
    'plain.xml': role,
    'roles/vm/templates/vm.xml.j2': role,
    'vagrant.xml.erb': ['read-as-template:erb', 'guest-mutable-identifier:erb'],
  });
});

test('the output says the file was read as a template: a text line, a JSON field; plain XML has neither', () => {
  const text = runCli([relative(ROOT, ROLE), relative(ROOT, GO)]);
  assert.equal(text.status, 1);
  const lines = text.stdout.split('\n');
  assert.match(
    lines[0],
    /^test\/fixtures\/templates\/ansible-role\/templates\/vm\.xml\.j2:1:1: hint read-as-template: Read as a Jinja template: /,
  );
  assert.ok(
    lines.some((l) => /^test\/fixtures\/templates\/go\/domain\.xml\.tmpl:1:1: hint read-as-template: Read as a Go template: /.test(l)),
  );
  assert.equal(lines.filter((l) => l.includes('read-as-template')).length, 2);
  const json = JSON.parse(runCli(['--format', 'json', relative(ROOT, GO)]).stdout);
  assert.deepEqual(
    json.findings.map((f: { code: string; template: string; range: unknown }) => [f.code, f.template]),
    [
      ['read-as-template', 'go'],
      ['unstable-device-name', 'go'],
    ],
  );
  assert.deepEqual(json.findings[0].range, { start: { line: 0, character: 0 }, end: { line: 0, character: 19 } });
  const dir = tmp();
  writeFileSync(join(dir, 'plain.xml'), domainXml("    <disk type='block'><source dev='/dev/sdc'/><target dev='vdb'/></disk>"));
  const plain = JSON.parse(runCli(['--format', 'json', join(dir, 'plain.xml')]).stdout);
  assert.deepEqual(
    plain.findings.map((f: { code: string }) => f.code),
    ['unstable-device-name'],
  );
  assert.ok(!('template' in plain.findings[0]));
});

test('the editor: templates are served, start the server and get the note as a hint on the first line', () => {
  const erb = read(ERB);
  const jinja = read(ROLE);
  assert.equal(libvirtKind('erb', 'file', erb), 'domain');
  assert.equal(libvirtKind('jinja-xml', 'file', jinja), 'domain');
  assert.equal(libvirtKind('xml', 'untitled', jinja), 'domain');
  assert.equal(libvirtKind('plaintext', 'file', jinja), undefined);
  assert.ok(servedXml('jinja-xml', 'file') && servedXml('erb', 'file') && !servedXml('yaml', 'file'));
  for (const language of ['xml', 'jinja-xml', 'erb'])
    assert.ok(DOCUMENT_SELECTOR.some((s) => s.language === language && s.scheme === 'file'));
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  assert.ok(pkg.activationEvents.includes('onLanguage:jinja-xml') && pkg.activationEvents.includes('onLanguage:erb'));
  const lang = pkg.contributes.languages.find((l: { id: string }) => l.id === 'jinja-xml');
  assert.ok(lang.extensions.includes('.xml.j2'));

  const svc = new LanguageService({ hostsFor: () => [exampleHost()] });
  const diags = svc.diagnostics({ uri: 'file:///roles/vm/templates/vm.xml.j2', text: jinja });
  assert.equal(diags[0].code, 'read-as-template');
  assert.equal(diags[0].severity, DiagnosticSeverity.Hint);
  assert.deepEqual(diags[0].range.start, { line: 0, character: 0 });
  const rest = diags.slice(1);
  assert.ok(rest.length >= 2);
  for (const d of rest) assert.deepEqual(d.range.start, { line: 27, character: 19 }, String(d.code));
  // Hover on the literal value resolves it; on a placeholder there is nothing.
  assert.ok(svc.hover({ uri: 'file:///vm.xml.j2', text: jinja }, { line: 27, character: 22 }));
  const phLine = jinja.split('\n').findIndex((l) => l.includes("dev='{{ volume.dev }}'"));
  const ph = jinja.split('\n')[phLine].indexOf('{{ volume.dev }}');
  assert.equal(svc.hover({ uri: 'file:///vm.xml.j2', text: jinja }, { line: phLine, character: ph + 3 }), null);
  // Fix-all changes the literal value only.
  const edits = svc.fixAllEdits({ uri: 'file:///vm.xml.j2', text: jinja });
  assert.deepEqual(
    edits.map((e) => [e.range.start, e.newText]),
    [[{ line: 27, character: 19 }, '/dev/vx/dmp/3pardata0_12']],
  );
});

test('hostile templates stay linear and shallow: deep nesting, unclosed tags, thousands of branches', () => {
  const deep = `<domain><devices>${'{% if x %}'.repeat(5000)}<disk type='block'><source dev='/dev/sdq'/></disk>${'{% else %}{% endif %}'.repeat(5000)}</devices></domain>`;
  const r = readTemplate(deep)!;
  assert.ok(r.variants.length >= 1 && r.truncated);
  assert.ok(analyzeDocument(deep).findings.some((f) => f.code === 'unstable-device-name'));
  assert.ok(MAX_DEPTH < 5000);
  // Unclosed openers are text (and do not make the scan quadratic: it finishes).
  const unclosed = '<domain>' + '{{ {% {# <%'.repeat(50_000) + '</domain>';
  assert.equal(readTemplate(unclosed), undefined);
  assert.equal(firstElementName('{{'.repeat(100_000) + '<domain/>'), 'domain');
  // Many sibling branches: at most MAX_VARIANTS readings.
  const many = domainXml(
    Array.from(
      { length: 300 },
      (_, i) => `{% if a${i} %}<disk type='block'><source dev='/dev/sd${String.fromCharCode(97 + (i % 26))}'/></disk>{% else %}{% endif %}`,
    ).join('\n'),
  );
  const m = readTemplate(many)!;
  assert.equal(m.variants.length, 2);
  assert.equal(m.branching, 300);
});

test('a template is never defined on a host: the plan refuses it (its tags would be defined literally)', () => {
  const snapshot = { ...exampleHost().snapshot, domains: [] };
  for (const [file, syntax] of [
    [GO, 'Go'],
    [ROLE, 'Jinja'],
  ] as const) {
    const plan = planDefine(analyzeDocument(read(file), []), snapshot, file);
    assert.equal(plan.conflict, `the file is a ${syntax} template: render it first (its tags would be defined literally)`, file);
  }
  // The same domain, rendered: no conflict.
  assert.equal(planDefine(analyzeDocument(domainXml(''), []), snapshot, 'plain.xml').conflict, undefined);
});
