/**
 * Schema validation with libvirt's own RelaxNG schema through libxml2 (WebAssembly): the verdict on
 * every corpus file equals xmllint --relaxng's, and errors point at the offending element or attribute.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseXml } from '../server/src/xml/parse';
import {
  dirSchemaSource,
  hostSchemaLabel,
  LOCAL_SCHEMA_DIR,
  readSchemaDir,
  schemaFilesHash,
  SchemaValidator,
  schemaValidator,
} from '../server/src/schema/validator';
import { schemaFilesProblem } from '../server/src/schema/hostSchemas';
import { loadLibxml } from '../server/src/schema/libxml';
import { LanguageService } from '../server/src/languageService';
import { CORPUS, exampleHost } from './support/examples';
import { runCli } from './support/cli';

/** libvirt0 ships the schemas, libxml2-utils xmllint; scripts/setup-test-tools.sh installs both. */
function prerequisites(): string | undefined {
  const missing = [];
  if (!existsSync(join(LOCAL_SCHEMA_DIR, 'domain.rng'))) missing.push(`${LOCAL_SCHEMA_DIR}/domain.rng (Debian libvirt0)`);
  if (spawnSync('sh', ['-c', 'command -v xmllint']).status !== 0) missing.push('xmllint (Debian libxml2-utils)');
  if (!missing.length) return undefined;
  if (process.env.CI) throw new Error(`missing: ${missing.join(', ')}`);
  return `missing: ${missing.join(', ')}`;
}

const at = (text: string, f: { start: number; end: number }) => text.slice(f.start, f.end);

describe('schema', () => {
  let v: SchemaValidator | undefined;
  let skip: string | undefined;
  before(async () => {
    skip = prerequisites();
    if (!skip) v = await schemaValidator({ dir: LOCAL_SCHEMA_DIR, label: 'local libvirt' });
  });

  test('verdict equals xmllint --relaxng on every corpus file (same schema, one xmllint process)', (t) => {
    if (skip) return t.skip(skip);
    const dir = join(CORPUS, 'domains');
    if (!existsSync(dir)) {
      if (process.env.CI) throw new Error('corpus missing');
      return t.skip('corpus not present');
    }
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.xml'))
      .sort();
    const r = spawnSync('xmllint', ['--noout', '--relaxng', join(LOCAL_SCHEMA_DIR, 'domain.rng'), ...files.map((f) => join(dir, f))], {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    });
    const xmllintValid = new Set<string>();
    for (const line of r.stderr.split('\n')) {
      const m = /^(.*) validates$/.exec(line);
      if (m) xmllintValid.add(m[1].slice(dir.length + 1));
    }
    assert.ok(xmllintValid.size > 1000, `xmllint said: ${r.stderr.slice(0, 300)}`);
    const disagree: string[] = [];
    for (const f of files) {
      const ours = v!.check(readFileSync(join(dir, f), 'utf8')).length === 0;
      if (ours !== xmllintValid.has(f)) disagree.push(`${f}: ours ${ours}, xmllint ${xmllintValid.has(f)}`);
    }
    assert.deepEqual(disagree, []);
    console.log(
      `# ${files.length} corpus files: ${xmllintValid.size} valid, ${files.length - xmllintValid.size} invalid, same verdict as xmllint on all`,
    );
  });

  const base = (devices: string, extra = '') =>
    `<domain type='kvm'>\n  <name>t</name>\n  <memory unit='KiB'>1048576</memory>\n  <os>\n    <type arch='x86_64'>hvm</type>\n  </os>${extra}\n  <devices>\n${devices}\n  </devices>\n</domain>\n`;

  const cases: Array<[string, string, string]> = [
    [
      'a bad attribute value',
      base("    <disk type='bogus' device='disk'><source dev='/dev/vx/dmp/a'/><target dev='vda' bus='virtio'/></disk>"),
      "type='bogus'",
    ],
    [
      'an unknown attribute',
      base("    <disk type='block' device='disk' colour='red'><source dev='/dev/vx/dmp/a'/><target dev='vda' bus='virtio'/></disk>"),
      "colour='red'",
    ],
    [
      'an unknown element inside a disk',
      base("    <disk type='block' device='disk'><source dev='/dev/vx/dmp/a'/><target dev='vda' bus='virtio'/><bogus/></disk>"),
      'bogus',
    ],
    [
      'a bad bus',
      base("    <disk type='block' device='disk'><source dev='/dev/vx/dmp/a'/><target dev='vda' bus='floppybus'/></disk>"),
      "bus='floppybus'",
    ],
    [
      'a bad cache mode',
      base(
        "    <disk type='block' device='disk'><driver name='qemu' cache='sometimes'/><source dev='/dev/vx/dmp/a'/><target dev='vda' bus='virtio'/></disk>",
      ),
      "cache='sometimes'",
    ],
    [
      'an unknown top-level element',
      base("    <disk type='block' device='disk'><source dev='/dev/vx/dmp/a'/><target dev='vda'/></disk>", '\n  <frobnicate/>'),
      'frobnicate',
    ],
  ];
  for (const [what, text, expected] of cases) {
    test(`error range: ${what}`, (t) => {
      if (skip) return t.skip(skip);
      const f = v!.validate(parseXml(text));
      assert.equal(f.length, 1, JSON.stringify(f));
      assert.equal(at(text, f[0]), expected);
      assert.equal(f[0].code, 'schema');
      assert.match(f[0].message, /is not valid under libvirt's schema; .*\(local libvirt\)$/);
    });
  }

  test("every disk snippet expands to a disk libvirt's schema accepts", (t) => {
    if (skip) return t.skip(skip);
    const doc = base('    <');
    const offset = doc.indexOf('    <\n') + 5;
    const svc = new LanguageService({ hostsFor: () => [exampleHost()] });
    const lines = svc.analyze({ uri: 'file:///s.xml', text: doc }).doc.lines;
    const snippets = svc.completion({ uri: 'file:///s.xml', text: doc }, lines.positionAt(offset)).items.filter((i) => i.kind === 15);
    assert.deepEqual(snippets.map((s) => s.label).sort(), [
      'disk-block-dmp',
      'disk-file-qcow2',
      'disk-lun-passthrough',
      'disk-shareable',
      'disk-vxvm-snapshot',
    ]);
    for (const sn of snippets) {
      const body = (sn.textEdit as { newText: string }).newText.replace(/\$\{\d+:([^}]*)\}/g, '$1').replace(/\$\d+/g, '');
      const text = doc.slice(0, offset) + body + doc.slice(offset);
      assert.deepEqual(v!.check(text), [], `${sn.label}:\n${text}`);
    }
  });

  test('one grammar per directory, one validator per label: each finding names its own schema', async (t) => {
    if (skip) return t.skip(skip);
    const a = await schemaValidator({ dir: LOCAL_SCHEMA_DIR, label: hostSchemaLabel('kvm-a', '9.0.0', 'a'.repeat(64)) });
    const b = await schemaValidator({ dir: LOCAL_SCHEMA_DIR, label: hostSchemaLabel('kvm-b\x1b]0;x\x07', '9.0.0', 'b'.repeat(64)) });
    assert.notEqual(a, b);
    assert.equal(
      a,
      await schemaValidator({ dir: LOCAL_SCHEMA_DIR, label: hostSchemaLabel('kvm-a', '9.0.0', 'a'.repeat(64)) }),
      'the same object for the same source',
    );
    const doc = parseXml(
      base("    <disk type='block' device='disk'><source dev='/dev/vx/dmp/a'/><target dev='vda'/></disk>", '\n  <frobnicate/>'),
    );
    assert.match(a.validate(doc)[0].message, /; .*\(libvirt 9\.0\.0 schema from kvm-a, sha256 aaaaaaaaaaaa\)$/);
    const mb = b.validate(doc)[0].message;
    assert.match(
      mb,
      /\(libvirt 9\.0\.0 schema from kvm-b\\x1b\]0;x\\x07, sha256 bbbbbbbbbbbb\)$/,
      'a host name in a message is data: controls escaped',
    );
    // eslint-disable-next-line no-control-regex -- control characters are what this checks for
    assert.ok(!/[\x00-\x1f]/.test(mb) && !mb.includes('\n'));
    const local = dirSchemaSource(LOCAL_SCHEMA_DIR, 'local');
    assert.equal(local.label, `local schema ${LOCAL_SCHEMA_DIR}, sha256 ${schemaFilesHash(readSchemaDir(LOCAL_SCHEMA_DIR)).slice(0, 12)}`);
  });

  test('the content hash: order-independent, sensitive to names and contents, framed', () => {
    const h = schemaFilesHash([
      { name: 'a.rng', body: 'x' },
      { name: 'b.rng', body: 'y' },
    ]);
    assert.equal(
      h,
      schemaFilesHash([
        { name: 'b.rng', body: 'y' },
        { name: 'a.rng', body: 'x' },
      ]),
    );
    assert.notEqual(
      h,
      schemaFilesHash([
        { name: 'a.rng', body: 'x' },
        { name: 'b.rng', body: 'z' },
      ]),
    );
    assert.notEqual(
      h,
      schemaFilesHash([
        { name: 'a.rng', body: 'x' },
        { name: 'c.rng', body: 'y' },
      ]),
    );
    assert.notEqual(
      schemaFilesHash([{ name: 'a.rng', body: 'xb.rng' }]),
      schemaFilesHash([
        { name: 'a.rng', body: 'x' },
        { name: 'b.rng', body: '' },
      ]),
    );
    assert.match(h, /^[0-9a-f]{64}$/);
  });

  test('fetched files: only RelaxNG grammars that stay in their directory are accepted', async (t) => {
    if (skip) return t.skip(skip);
    const lib = await loadLibxml();
    const G = (inner: string, attrs = '') =>
      `<grammar xmlns="http://relaxng.org/ns/structure/1.0"${attrs}>${inner}<start><element name="domain"><empty/></element></start></grammar>`;
    const real = readSchemaDir(LOCAL_SCHEMA_DIR);
    assert.equal(schemaFilesProblem(real, lib), undefined, "libvirt's own schemas pass");
    const cases: Array<[string, { name: string; body: string }[], RegExp]> = [
      ['HTML', [{ name: 'domain.rng', body: '<html/>' }], /^domain\.rng is not a RelaxNG grammar \(root element <html> in no namespace\)$/],
      [
        'a grammar in another namespace',
        [{ name: 'domain.rng', body: '<grammar xmlns="urn:x"/>' }],
        /not a RelaxNG grammar \(root element <grammar> in namespace urn:x\)/,
      ],
      ['not well-formed', [{ name: 'domain.rng', body: '<grammar' }], /^domain\.rng is not well-formed XML \(/],
      ['a DOCTYPE', [{ name: 'domain.rng', body: `<!DOCTYPE grammar [<!ENTITY x SYSTEM "/etc/passwd">]>${G('')}` }], /DOCTYPE/],
      [
        'xml:base',
        [
          { name: 'domain.rng', body: G('<include href="a.rng" xml:base="/etc/"/>') },
          { name: 'a.rng', body: G('') },
        ],
        /xml:base/,
      ],
      [
        'an include by path',
        [{ name: 'domain.rng', body: G('<include href="/dev/zero"/>') }],
        /refers to \/dev\/zero, which is not one of the fetched schema files/,
      ],
      [
        'an externalRef to a file not fetched',
        [{ name: 'domain.rng', body: G('<define name="x"><externalRef href="other.rng"/></define>') }],
        /refers to other\.rng/,
      ],
      ['a file name with a path', [{ name: '../domain.rng', body: G('') }], /not a plain \*\.rng name/],
      ['an oversized file', [{ name: 'domain.rng', body: G(`<!--${'x'.repeat(5 * 1024 * 1024)}-->`) }], /larger than 4 MiB/],
    ];
    for (const [what, files, expected] of cases) {
      const p = schemaFilesProblem(files, lib);
      assert.match(p ?? '(accepted)', expected, what);
      assert.ok(!p!.includes('\n'), `${what}: one line`);
    }
  });

  test('a valid document has no schema finding', (t) => {
    if (skip) return t.skip(skip);
    assert.deepEqual(
      v!.validate(
        parseXml(base("    <disk type='block' device='disk'><source dev='/dev/vx/dmp/a'/><target dev='vda' bus='virtio'/></disk>")),
      ),
      [],
    );
  });
});

/** The corpus's domains directory, or why it cannot be used (a failure under CI). */
function corpusDomains(): { dir: string } | { skip: string } {
  const dir = join(CORPUS, 'domains');
  if (existsSync(dir)) return { dir };
  if (process.env.CI) throw new Error(`corpus missing: ${dir}`);
  return { skip: 'corpus not present' };
}

describe('schema findings: right and repeatable', () => {
  let v: SchemaValidator | undefined;
  let skip: string | undefined;
  let dir = '';
  before(async () => {
    skip = prerequisites();
    const c = corpusDomains();
    if ('skip' in c) skip ??= c.skip;
    else dir = c.dir;
    if (!skip) v = (await schemaValidator({ dir: LOCAL_SCHEMA_DIR, label: 'local libvirt' })).perDocument();
  });

  /** Corpus files valid under the local schema with what the injections below need, first three by name. */
  const bases = (): { name: string; text: string }[] => {
    const out: { name: string; text: string }[] = [];
    for (const name of readdirSync(dir).sort()) {
      if (!name.endsWith('.xml')) continue;
      const text = readFileSync(join(dir, name), 'utf8');
      if (!/<name>[^<]*<\/name>\s*<uuid>/.test(text) || !/<disk type='file'[^>]*>[\s\S]*?<target dev='\w+' bus='\w+'/.test(text)) continue;
      if (!/<vcpu placement='static'>/.test(text) || !/<memory unit='KiB'>\d+</.test(text) || !/<features>/.test(text)) continue;
      if (v!.check(text).length) continue;
      out.push({ name, text });
      if (out.length === 3) break;
    }
    return out;
  };

  // [defect, injection, the text the finding's range covers, what its message must say]
  const defects: Array<[string, (t: string) => string, string, RegExp]> = [
    [
      'a wrong attribute value libvirt has a vocabulary for',
      (t) => t.replace("<disk type='file'", "<disk type='fiel'"),
      "type='fiel'",
      /the value 'fiel' is not accepted here; with 'file' the document is valid/,
    ],
    [
      'a wrong value of a required attribute of a required child',
      (t) => t.replace(/(<disk type='file'[\s\S]*?<target dev='\w+' bus=')\w+'/, "$1floppybus'"),
      "bus='floppybus'",
      /the value 'floppybus' is not accepted here; with '\w+' the document is valid/,
    ],
    [
      'a wrong value of an optional attribute',
      (t) => t.replace("<vcpu placement='static'>", "<vcpu placement='sometimes'>"),
      "placement='sometimes'",
      /the document is valid without this attribute/,
    ],
    [
      'an unknown element',
      (t) => t.replace('<devices>', '<devices>\n    <frobnicate/>'),
      'frobnicate',
      /the document is valid without this element/,
    ],
    [
      '<uuid> not next to <name> (libxml2 refuses an order the grammar allows)',
      (t) => {
        const uuid = /\s*<uuid>[^<]*<\/uuid>/.exec(t)![0];
        return t.replace(uuid, '').replace(/(<memory unit='KiB'>\d+<\/memory>)/, `$1${uuid}`);
      },
      'uuid',
      /libxml2 refuses <uuid> at this place but accepts the document with <uuid> moved right after <name> in <domain>: a libxml2 interleave limitation/,
    ],
    [
      'wrong text content (libxml2 names the element and says why)',
      (t) => t.replace(/<memory unit='KiB'>\d+</, "<memory unit='KiB'>lots<"),
      'memory',
      /libxml2 reports: Type unsignedLong doesn't allow value 'lots'/,
    ],
    [
      "a bad <uuid>: libxml2's message lands on <uuid>, not on <domain>",
      (t) => t.replace(/<uuid>[^<]*</, '<uuid>not-a-uuid<'),
      'uuid',
      /Extra element uuid in interleave/,
    ],
    [
      'wrong child content: an element allowed here whose content is not',
      (t) => t.replace('<features>', '<features>\n    <frob1/>\n    <frob2/>'),
      'features',
      /<features> is allowed here, but not with these children: more than one of them is at fault/,
    ],
  ];

  test('injected defects in corpus files: the finding is on the culprit and says what the trials established', (t) => {
    if (skip) return t.skip(skip);
    const files = bases();
    assert.equal(files.length, 3, 'three corpus files to inject into');
    for (const { name, text } of files) {
      for (const [what, inject, range, says] of defects) {
        const bad = inject(text);
        assert.notEqual(bad, text, `${name}: ${what}: injected`);
        const f = v!.validate(parseXml(bad));
        assert.equal(f.length, 1, `${name}: ${what}: ${JSON.stringify(f)}`);
        assert.equal(at(bad, f[0]), range, `${name}: ${what}: ${f[0].message}`);
        assert.match(f[0].message, says, `${name}: ${what}`);
        assert.doesNotMatch(f[0].message, /not allowed here/, `${name}: ${what}: a claim no trial establishes`);
      }
    }
  });

  test('schema findings over the corpus (CLI, JSON) are the same with CPU hogs on every core beside it', (t) => {
    if (skip) return t.skip(skip);
    const run = () => {
      const r = runCli(['--format', 'json', '--schema', 'local', dir]);
      assert.ok(r.status === 0 || r.status === 1, r.stderr);
      const all = (JSON.parse(r.stdout) as { findings: { code: string; file: string; range: unknown; message: string }[] }).findings;
      return all.filter((f) => f.code === 'schema').map((f) => JSON.stringify([f.file, f.range, f.message]));
    };
    const idle = run();
    const hogs: ChildProcess[] = [];
    let loaded: string[];
    try {
      for (let i = 0; i < 2; i++) hogs.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
      assert.ok(
        hogs.every((h) => h.pid !== undefined && h.exitCode === null),
        'the hogs run',
      );
      loaded = run();
      assert.ok(
        hogs.every((h) => h.exitCode === null),
        'the hogs ran through the second run',
      );
    } finally {
      for (const h of hogs) h.kill('SIGKILL');
    }
    assert.ok(idle.length > 100, `schema findings: ${idle.length}`);
    assert.deepEqual(loaded, idle);
    assert.ok(!idle.some((f) => f.includes('not allowed here')));
  });
});
