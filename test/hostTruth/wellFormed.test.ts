/**
 * Well-formedness as libxml2 judges it: our xml-not-well-formed verdict equals `xmllint --noout`'s
 * (its exit status: namespace errors and warnings do not make it fail) over the whole libvirt corpus,
 * a set of corpus files with one defect injected, and a set of crafted cases. Where xmllint fails,
 * the error is reported on the line xmllint names. xmllint comes from Debian's libxml2-utils;
 * under CI a missing xmllint is a failure, elsewhere the comparison is skipped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseXml, type XmlDocument } from '../../server/src/xml/parse';
import { checkWellFormed } from '../../server/src/xml/wellFormed';
import { analyzeDocument, runRules } from '../../server/src/analysis';
import { buildDomainModel } from '../../server/src/domain/model';
import { CORPUS, exampleHost } from '../support/examples';
import { parseXmlTwoPass } from '../support/twoPassParse';
import { which } from '../rig/prereq';

const DOMAINS = join(CORPUS, 'domains');
const XMLLINT = which('xmllint');

interface Verdict {
  ok: boolean;
  /** First line xmllint names in an error, when it failed. */
  line?: number;
  out: string;
}

function xmllint(file: string | string[]): Promise<Verdict> {
  return new Promise((resolve) => {
    const p = spawn(XMLLINT!, ['--noout', '--nonet', ...(Array.isArray(file) ? file : [file])], { stdio: ['ignore', 'ignore', 'pipe'] });
    let out = '';
    p.stderr.on('data', (d) => (out += d));
    p.on('close', (code) => {
      const m = /^[^\n]*?:(\d+): parser error/m.exec(out);
      resolve({ ok: code === 0, line: m ? Number(m[1]) : undefined, out });
    });
  });
}

async function pool<T, R>(items: T[], width: number, f: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const k = next++;
        out[k] = await f(items[k]);
      }
    }),
  );
  return out;
}

function skipWithoutXmllint(t: { skip: (m: string) => void }): boolean {
  if (XMLLINT) return false;
  if (process.env.CI) assert.fail('xmllint is missing (Debian libxml2-utils; scripts/setup-test-tools.sh installs it)');
  t.skip('xmllint not installed (Debian libxml2-utils)');
  return true;
}

const D = (body: string) => `<domain type='kvm'>\n  <name>vm</name>\n  <devices>\n    ${body}\n  </devices>\n</domain>\n`;
const big = (n: number, c = 'b') => c.repeat(n);

/** Crafted cases: [name, text]. The expected verdict is xmllint's. */
const CRAFTED: Array<[string, string]> = [
  ['raw < in an attribute value', D(`<disk type='file'><source file='/home/user/a<b.iso'/></disk>`)],
  ['raw > in an attribute value (fine)', D(`<disk type='file'><source file='/home/user/a>b.iso'/></disk>`)],
  ['&lt; in an attribute value (fine)', D(`<disk type='file'><source file='/home/user/a&lt;b.iso'/></disk>`)],
  ['& not starting a reference (attribute)', D(`<disk type='file'><source file='/a&b.iso'/></disk>`)],
  ['& not starting a reference (text)', `<domain>\n<name>a & b</name>\n</domain>`],
  ['& followed by a name without ;', `<domain>\n<name>a &amp b</name>\n</domain>`],
  ['undefined entity in text', `<domain>\n<name>&foo;</name>\n</domain>`],
  ['undefined entity in an attribute', D(`<source file='&foo;'/>`)],
  ['predefined entities and character references (fine)', `<domain><name>&lt;&gt;&amp;&apos;&quot;&#65;&#x42;&#x1F600;</name></domain>`],
  ['&#0;', `<domain>\n<name>&#0;</name></domain>`],
  ['&#xD800;', `<domain>\n<name>&#xD800;</name></domain>`],
  ['&#xFFFE;', `<domain>\n<name>&#xFFFE;</name></domain>`],
  ['&#x110000;', `<domain>\n<name>&#x110000;</name></domain>`],
  ['&#1; in an attribute', `<domain>\n<name a='&#1;'/></domain>`],
  ['&#9;&#10;&#13; (fine)', `<domain><name a='&#9;&#10;&#13;'>&#9;&#10;&#13;</name></domain>`],
  ['&#; (no digits)', `<domain>\n<name>&#;</name></domain>`],
  ['&#x; (no hex digits)', `<domain>\n<name>&#x;</name></domain>`],
  ['&#12a; (bad digit)', `<domain>\n<name>&#12a;</name></domain>`],
  ['a huge character reference', `<domain>\n<name>&#99999999999999999999;</name></domain>`],
  ['duplicate attributes', D(`<disk type='file' type='block'/>`)],
  ['duplicate attributes far apart', D(`<disk type='file' device='disk' snapshot='no' type='block'/>`)],
  ['same local name, different prefixes, same namespace (namespace error only)', `<a xmlns:x="u" xmlns:y="u" x:c="1" y:c="2"/>`],
  ['duplicate namespace declaration', `<a xmlns:x="u" xmlns:x="v"/>`],
  ['attribute without a value', D(`<disk readonly/>`)],
  ['attribute without a value, then another', D(`<disk readonly type='file'/>`)],
  ['unquoted attribute value', D(`<disk type=file/>`)],
  ['attribute value not closed', D(`<disk type='file/>`)],
  ['no space between attributes', D(`<disk type='file'device='disk'/>`)],
  ['spaces around = (fine)', D(`<disk type = 'file'\n  device\t=\t"disk"/>`)],
  ['-- inside a comment', `<domain>\n<!-- a -- b -->\n</domain>`],
  ['comment ending with --->', `<domain>\n<!-- a --->\n</domain>`],
  ['comment not terminated', `<domain>\n<!-- a \n</domain>`],
  ['empty comment and <!----> (fine)', `<domain><!----><!-- - --></domain>`],
  ['<?xml not at the start (after a newline)', `\n<?xml version="1.0"?>\n<domain/>`],
  ['whitespace before the XML declaration', ` <?xml version="1.0"?><domain/>`],
  ['<?xml in the middle', `<domain>\n<?xml version="1.0"?>\n</domain>`],
  ['XML declaration version 2.0', `<?xml version="2.0"?>\n<domain/>`],
  ['XML declaration version 1.1 (a warning)', `<?xml version="1.1"?>\n<domain/>`],
  ['XML declaration version 1.x', `<?xml version="1.x"?>\n<domain/>`],
  ['XML declaration without version', `<?xml encoding="UTF-8"?>\n<domain/>`],
  ['XML declaration with a bad encoding name', `<?xml version="1.0" encoding="-utf8"?>\n<domain/>`],
  ['XML declaration encoding UTF-8 (fine)', `<?xml version="1.0" encoding="UTF-8"?>\n<domain/>`],
  ['XML declaration encoding before version', `<?xml encoding="UTF-8" version="1.0"?>\n<domain/>`],
  ['XML declaration standalone yes (fine)', `<?xml version="1.0" standalone="yes"?>\n<domain/>`],
  ['XML declaration standalone no (fine)', `<?xml version='1.0' encoding='utf-8' standalone='no' ?>\n<domain/>`],
  ['XML declaration standalone maybe', `<?xml version="1.0" standalone="maybe"?>\n<domain/>`],
  ['XML declaration with an unknown pseudo-attribute', `<?xml version="1.0" foo="bar"?>\n<domain/>`],
  ['XML declaration not terminated', `<?xml version="1.0"\n<domain/>`],
  ['PI target XML (uppercase)', `<domain/>\n<?XML x?>`],
  ['PI target xml-stylesheet (fine)', `<?xml-stylesheet href="a"?>\n<domain/>`],
  ['PI target with a colon (namespace error only)', `<domain><?x:y z?></domain>`],
  ['PI without space after the target', `<domain><?foo"x"?></domain>`],
  ['PI not terminated', `<domain>\n<?foo bar\n</domain>`],
  ['PI target starting with a digit', `<domain><?1foo?></domain>`],
  ['element name starting with a digit', `<domain>\n<1disk/>\n</domain>`],
  ['element name starting with -', `<domain>\n<-disk/>\n</domain>`],
  ['element name with an invalid character', `<domain>\n<di$k/>\n</domain>`],
  ['attribute name starting with a digit', D(`<disk 1type='file'/>`)],
  ['attribute name with an invalid character', D(`<disk ty@pe='file'/>`)],
  ['non-ASCII names (fine)', `<domäin café='1'><名前>x</名前></domäin>`],
  ['name with U+00D7 (not a name character)', `<a×b/>`],
  ['undeclared namespace prefix (namespace error only)', `<a:b/>`],
  ['undeclared attribute prefix (namespace error only)', `<domain x:y='1'/>`],
  ['empty namespace for a prefix (namespace error only)', `<a xmlns:x=""/>`],
  ['text after the root', `<domain/>\ntrailing`],
  ['a second element after the root', `<domain/>\n<domain/>`],
  ['a reference after the root', `<domain/>\n&amp;`],
  ['comments, PIs and whitespace after the root (fine)', `<domain/>\n<!-- c -->\n<?p x?>\n\n`],
  ['text before the root', `x<domain/>`],
  ['CDATA before the root', `<![CDATA[x]]><domain/>`],
  ['empty document', ``],
  ['only whitespace', `\n  \n`],
  ['only a comment', `<!-- c -->`],
  ['only an XML declaration', `<?xml version="1.0"?>`],
  ['mismatched tags', `<domain>\n<name>vm</nam>\n</domain>`],
  ['mis-nested tags', `<domain>\n<a><b></a></b>\n</domain>`],
  ['unclosed tag', `<domain>\n<name>vm</name>\n`],
  ['unclosed nested tag', `<domain>\n<devices>\n</domain>`],
  ['end tag without a start tag', `<domain>\n</name>\n</domain>`],
  ['end tag with space before > (fine)', `<domain><name>x</name  \n></domain>`],
  ['end tag with an attribute', `<domain><name>x</name a='1'></domain>`],
  ['start tag not terminated', `<domain>\n<name\n`],
  ['< followed by a space in text', `<domain>\n<name>a < b</name>\n</domain>`],
  [']]> in text', `<domain>\n<name>a ]]> b</name>\n</domain>`],
  ['] and ]] in text (fine)', `<domain><name>a ] b ]] c ]]</name></domain>`],
  ['> in text (fine)', `<domain><name>a > b</name></domain>`],
  ['CDATA in text (fine)', `<domain><name><![CDATA[a < b & ]] c]]></name></domain>`],
  ['CDATA not terminated', `<domain>\n<name><![CDATA[a</name></domain>`],
  ['CDATA in an attribute', D(`<source file='<![CDATA[x]]>'/>`)],
  ['<! that is nothing', `<domain>\n<!FOO>\n</domain>`],
  ['U+0001 in text', `<domain>\n<name>a\u0001b</name></domain>`],
  ['U+001F in an attribute', `<domain>\n<name a='a\u001fb'/></domain>`],
  ['U+000C in a comment', `<domain>\n<!-- a\u000cb --></domain>`],
  ['U+0000 in text', `<domain>\n<name>a\u0000b</name></domain>`],
  ['U+0008 in a tag', `<domain>\n<name\u0008/></domain>`],
  ['U+007F and U+0085 in text (fine)', `<domain><name>a\u007f\u0085b</name></domain>`],
  ['U+FFFE in text', `<domain>\n<name>a\ufffeb</name></domain>`],
  ['U+FFFF in an attribute', `<domain>\n<name a='\uffff'/></domain>`],
  ['U+FFFD and astral characters (fine)', `<domain><name a='\ufffd😀'>\ufffd😀</name></domain>`],
  ['tab, LF, CR in text and attributes (fine)', `<domain>\r\n<name a='\t\r\n'>\t\r\n</name></domain>`],
  ['BOM then the root (fine)', `\ufeff<domain/>`],
  ['BOM then the XML declaration (fine)', `\ufeff<?xml version="1.0"?>\n<domain/>`],
  ['BOM inside text (fine)', `<domain><name>\ufeff</name></domain>`],
  ['DOCTYPE with an internal entity used (fine)', `<!DOCTYPE domain [<!ENTITY e "vm">]>\n<domain><name>&e;</name><x a='&e;'/></domain>`],
  ['DOCTYPE entity with < used in an attribute', `<!DOCTYPE domain [<!ENTITY e "<b/>">]>\n<domain>\n<x a='&e;'/></domain>`],
  ['DOCTYPE entity with an element used in text (fine)', `<!DOCTYPE domain [<!ENTITY e "<b/>">]>\n<domain>&e;</domain>`],
  ['DOCTYPE entity with an unbalanced element used in text', `<!DOCTYPE domain [<!ENTITY e "<b>">]>\n<domain>\n&e;</domain>`],
  ['DOCTYPE entity with an unbalanced element, unused (fine)', `<!DOCTYPE domain [<!ENTITY e "<b>">]>\n<domain/>`],
  ['DOCTYPE entity loop used', `<!DOCTYPE a [<!ENTITY e "&f;"><!ENTITY f "&e;">]>\n<a>\n&e;</a>`],
  ['DOCTYPE entity loop unused (fine)', `<!DOCTYPE a [<!ENTITY e "&f;"><!ENTITY f "&e;">]>\n<a/>`],
  ['DOCTYPE entity referring to an undefined entity, used', `<!DOCTYPE a [<!ENTITY e "&zz;">]>\n<a>\n&e;</a>`],
  ['DOCTYPE external entity used in an attribute', `<!DOCTYPE a [<!ENTITY x SYSTEM "file:///nonexistent">]>\n<a>\n<b c='&x;'/></a>`],
  ['DOCTYPE unparsed entity referenced', `<!DOCTYPE a [<!NOTATION n SYSTEM "x"><!ENTITY e SYSTEM "x" NDATA n>]>\n<a>\n&e;</a>`],
  [
    'DOCTYPE SYSTEM (not loaded) with an undefined entity (not fatal)',
    `<!DOCTYPE domain SYSTEM "nonexistent.dtd">\n<domain><name>&ext;</name></domain>`,
  ],
  [
    'DOCTYPE SYSTEM, standalone=yes, undefined entity',
    `<?xml version="1.0" standalone="yes"?>\n<!DOCTYPE a SYSTEM "nonexistent.dtd">\n<a>\n&e;</a>`,
  ],
  ['DOCTYPE undefined parameter entity', `<!DOCTYPE a [%p;]>\n<a/>`],
  ['DOCTYPE SYSTEM and an undefined parameter entity (a warning)', `<!DOCTYPE a SYSTEM "x.dtd" [%p;]>\n<a/>`],
  [
    'DOCTYPE SYSTEM, standalone=yes and an undefined parameter entity',
    `<?xml version="1.0" standalone="yes"?>\n<!DOCTYPE a SYSTEM "x.dtd" [%p;]>\n<a/>`,
  ],
  ['DOCTYPE external parameter entity (not loaded), undefined entity', `<!DOCTYPE a [<!ENTITY % p SYSTEM "x.dtd"> %p;]>\n<a>\n&e;</a>`],
  [
    'DOCTYPE internal parameter entity declaring the entity (fine)',
    `<!DOCTYPE a [<!ENTITY % p "<!ENTITY e &#34;x&#34;>"> %p;]>\n<a>&e;</a>`,
  ],
  ['DOCTYPE with an unknown declaration', `<!DOCTYPE a [<!FOO>]>\n<a/>`],
  ['DOCTYPE not terminated', `<!DOCTYPE a [\n<a/>`],
  ['two DOCTYPEs', `<!DOCTYPE a>\n<!DOCTYPE a>\n<a/>`],
  ['DOCTYPE inside the root', `<a>\n<!DOCTYPE a>\n</a>`],
  ['DOCTYPE after the root', `<a/>\n<!DOCTYPE a>`],
  [
    'DOCTYPE with comments, PIs, ELEMENT and ATTLIST (fine)',
    `<!DOCTYPE a [\n<!-- it's -->\n<?p x?>\n<!ELEMENT a ANY>\n<!ATTLIST a b CDATA "x>y">\n]>\n<a/>`,
  ],
  ['DOCTYPE before the XML declaration', `<!DOCTYPE a>\n<?xml version="1.0"?>\n<a/>`],
  ['a name part of 50,000 characters (fine)', `<a${big(49_999)}/>`],
  ['a name part of 50,001 characters', `<a${big(50_000)}/>`],
  ['an attribute value of 10,000,001 characters', `<a b='${big(10_000_001)}'/>`],
  ['a text node of 10,000,001 characters', `<a>${big(10_000_001)}</a>`],
];

/** Defects injected into corpus files: [name, transform]; undefined when the file has no place for it. */
const INJECT: Array<[string, (t: string) => string | undefined]> = [
  ['< in the first single-quoted attribute value', (t) => (t.includes("='") ? t.replace(/='/, "='<") : undefined)],
  ['& in the first attribute value', (t) => (t.includes("='") ? t.replace(/='/, "='&") : undefined)],
  ['a duplicate attribute on the root', (t) => t.replace(/<domain /, "<domain x='1' x='2' ")],
  ['-- in a new comment after the root start tag', (t) => t.replace(/(<domain[^>]*>)/, '$1<!-- a -- b -->')],
  ['the last end tag removed', (t) => t.replace(/<\/domain>\s*$/, '')],
  ['a second root', (t) => `${t}<domain/>`],
  ['U+0001 in the name', (t) => (t.includes('<name>') ? t.replace('<name>', '<name>\u0001') : undefined)],
];

const files = existsSync(DOMAINS)
  ? readdirSync(DOMAINS)
      .filter((f) => f.endsWith('.xml'))
      .sort()
  : [];

test('crafted cases: our verdict is xmllint --noout’s, on the line it names', async (t) => {
  if (skipWithoutXmllint(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'ldx-wf-'));
  try {
    CRAFTED.forEach(([, text], k) => writeFileSync(join(dir, `c${k}.xml`), text));
    const theirs = await pool(
      CRAFTED.map((_c, k) => k),
      8,
      (k) => xmllint(join(dir, `c${k}.xml`)),
    );
    const wrong: string[] = [];
    CRAFTED.forEach(([name, text], k) => {
      const t0 = performance.now();
      const doc = parseXml(text);
      const ms = performance.now() - t0;
      const v = theirs[k];
      if (ms > 1000) wrong.push(`${name}: ${ms.toFixed(0)} ms`);
      if (!!doc.error === v.ok)
        wrong.push(
          `${name}: xmllint ${v.ok ? 'accepts' : 'rejects'}, we ${doc.error ? `reject (${doc.error.message})` : 'accept'}${v.ok ? '' : `\n    ${v.out.split('\n')[0]}`}`,
        );
      else if (doc.error && v.line !== undefined && doc.error.line !== v.line)
        wrong.push(`${name}: line ${doc.error.line} (${doc.error.message}), xmllint says line ${v.line}: ${v.out.split('\n')[0]}`);
    });
    assert.deepEqual(wrong, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the corpus, and corpus files with one defect injected: our verdict is xmllint --noout’s', async (t) => {
  if (!files.length) {
    if (process.env.CI) assert.fail(`corpus not found at ${DOMAINS}`);
    return t.skip('corpus not present beside the repository (not CI)');
  }
  if (skipWithoutXmllint(t)) return;
  const corpus = files.map((f) => join(DOMAINS, f));
  // One xmllint per 100 files (it fails when any file does); file by file only inside a failing batch.
  const batches = Array.from({ length: Math.ceil(corpus.length / 100) }, (_, b) => corpus.slice(b * 100, b * 100 + 100));
  const theirs = (
    await pool(batches, 4, async (batch) =>
      (await xmllint(batch)).ok ? batch.map(() => ({ ok: true, out: '' })) : pool(batch, 4, xmllint),
    )
  ).flat();
  const wrong: string[] = [];
  corpus.forEach((p, k) => {
    const doc = parseXml(readFileSync(p, 'utf8'));
    if (!!doc.error === theirs[k].ok)
      wrong.push(
        `${files[k]}: xmllint ${theirs[k].ok ? 'accepts' : 'rejects'}, we ${doc.error ? `reject (${doc.error.message})` : 'accept'}`,
      );
  });
  assert.equal(theirs.filter((v) => v.ok).length, files.length, 'the corpus is well-formed for xmllint');
  // Every 20th file gets each defect (about 500 documents).
  const dir = mkdtempSync(join(tmpdir(), 'ldx-wf-inject-'));
  try {
    const cases: Array<{ name: string; text: string; file: string }> = [];
    files.forEach((f, k) => {
      if (k % 20) return;
      const text = readFileSync(join(DOMAINS, f), 'utf8');
      INJECT.forEach(([name, inject], j) => {
        const out = inject(text);
        if (out === undefined || out === text) return;
        const file = join(dir, `${k}-${j}.xml`);
        writeFileSync(file, out);
        cases.push({ name: `${f}: ${name}`, text: out, file });
      });
    });
    const v2 = await pool(cases, 8, (c) => xmllint(c.file));
    cases.forEach((c, k) => {
      const doc = parseXml(c.text);
      if (!!doc.error === v2[k].ok)
        wrong.push(`${c.name}: xmllint ${v2[k].ok ? 'accepts' : 'rejects'}, we ${doc.error ? `reject (${doc.error.message})` : 'accept'}`);
      else if (doc.error && v2[k].line !== undefined && doc.error.line !== v2[k].line)
        wrong.push(`${c.name}: line ${doc.error.line}, xmllint says ${v2[k].line}`);
    });
    assert.ok(cases.length > 450, `${cases.length} injected cases`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.deepEqual(wrong, []);
});

test('a raw < in an attribute value is xml-not-well-formed at its position, in one line', () => {
  const text = D(`<disk type='file' device='cdrom'><source file='/home/user/a<b.iso'/></disk>`);
  const a = analyzeDocument(text);
  const f = a.findings.find((x) => x.code === 'xml-not-well-formed');
  assert.ok(f, a.findings.map((x) => x.code).join(', '));
  assert.equal(f.start, text.indexOf('<b.iso'));
  assert.doesNotMatch(f.message, /\n/);
  assert.match(f.message, /'<'.*file/);
});

test('text that no file can hold: lone surrogates are not well-formed; U+FFFD is', () => {
  for (const s of ['\ud800', '\udc00', 'a\ud800b', '\udfff\ud800']) {
    assert.ok(parseXml(`<domain><name>${s}</name></domain>`).error, JSON.stringify(s));
    assert.ok(parseXml(`<domain><name a='${s}'/></domain>`).error, JSON.stringify(s));
  }
  assert.equal(parseXml(`<domain><name a='\ufffd'>\ufffd\ud83d\ude00</name></domain>`).error, undefined);
});

test('well-formed odd documents still give the right tree', () => {
  const text = `\ufeff<?xml version="1.0"?>\n<!-- <x/> -->\n<?p <y/>?>\n<domain a='x>y' b="/>"><!-- <z/> --><name><![CDATA[</name>]]></name><?q </domain>?><devices><disk/></devices></domain>\n<!-- after -->`;
  const doc = parseXml(text);
  assert.equal(doc.error, undefined);
  assert.equal(doc.root!.name, 'domain');
  assert.deepEqual(
    doc.root!.children.map((c) => c.name),
    ['name', 'devices'],
  );
  assert.deepEqual(
    doc.root!.attributes.map((a) => [a.name, a.value]),
    [
      ['a', 'x>y'],
      ['b', '/>'],
    ],
  );
  assert.deepEqual(
    doc.root!.children[1].children.map((c) => c.name),
    ['disk'],
  );
});

test('hostile input: the well-formedness check stays linear (each under 1 s on 2 MB)', () => {
  const n = 2_000_000;
  const cases: Array<[string, string]> = [
    ['many attributes', `<a ${Array.from({ length: 100_000 }, (_, k) => `a${k}='1'`).join(' ')}/>`],
    ['deep nesting', `${'<a>'.repeat(200_000)}${'</a>'.repeat(200_000)}`],
    ['unterminated comments', '<a><!--'.repeat(n / 7)],
    ['& without ;', `<a>${'&a'.repeat(n / 2)}</a>`],
    [
      'entity chain (billion laughs shape)',
      `<!DOCTYPE a [<!ENTITY e0 "x">${Array.from({ length: 30 }, (_, k) => `<!ENTITY e${k + 1} "${`&e${k};`.repeat(10)}">`).join('')}]><a b='&e30;'>&e30;</a>`,
    ],
    ['many entity references', `<!DOCTYPE a [<!ENTITY e "<b/>">]><a>${'&e;'.repeat(n / 3)}</a>`],
    ['many character references', `<a>${'&#x41;'.repeat(n / 6)}</a>`],
    ['a huge name', `<${'a'.repeat(n)}`],
    ['a huge XML declaration version', `<?xml version="1.${'0'.repeat(n)}"?><a/>`],
  ];
  for (const [name, text] of cases) {
    const t0 = performance.now();
    checkWellFormed(text);
    const ms = performance.now() - t0;
    assert.ok(ms < 1000, `${name}: ${ms.toFixed(0)} ms`);
    // The parse is the same pass, building the tree as it goes.
    const t1 = performance.now();
    parseXml(text);
    const ms1 = performance.now() - t1;
    assert.ok(ms1 < 1000, `${name} (parse): ${ms1.toFixed(0)} ms`);
  }
});

/** Everything the rules can read of a parse: the error, the DOCTYPE, and every element with all its fields (iteratively). */
function snapshot(doc: XmlDocument): unknown {
  const flat: unknown[] = [];
  const stack = doc.root ? [doc.root] : [];
  while (stack.length) {
    const el = stack.pop()!;
    const { name, start, end, startTagEnd, contentStart, contentEnd, text } = el;
    flat.push({
      name,
      start,
      end,
      startTagEnd,
      contentStart,
      contentEnd,
      text,
      attributes: el.attributes.map((a) => ({ ...a })),
      n: el.children.length,
    });
    for (let k = el.children.length - 1; k >= 0; k--) stack.push(el.children[k]);
  }
  return { error: doc.error, doctype: doc.doctype, elements: flat };
}

/** Where the one pass and the former two passes differ (empty when they agree), findings included for domains. */
function differences(name: string, text: string): string[] {
  const one = parseXml(text);
  const two = parseXmlTwoPass(text);
  const a = snapshot(one);
  const b = snapshot(two);
  try {
    assert.deepStrictEqual(a, b);
  } catch (e) {
    return [`${name}: ${(e as Error).message.split('\n').slice(0, 12).join('\n')}`];
  }
  const model = buildDomainModel(two);
  if (!model) return [];
  const slow = runRules({ doc: two, isDomain: true, kind: 'domain', model }, [exampleHost()]).findings;
  const fast = analyzeDocument(text, [exampleHost()]).findings;
  try {
    assert.deepStrictEqual(JSON.parse(JSON.stringify(fast)), JSON.parse(JSON.stringify(slow)));
  } catch (e) {
    return [`${name} (findings): ${(e as Error).message.split('\n').slice(0, 12).join('\n')}`];
  }
  return [];
}

/** Documents whose trees exercise what the tree holds: text runs, comments, CDATA, PIs, line ends, depth. */
const TREE_CASES: Array<[string, string]> = [
  ['text split by a comment', `<domain><name> a <!-- c --> b </name></domain>`],
  ['CRLF split by a comment', `<domain><name>a\r<!-- c -->\nb</name></domain>`],
  ['text split by a PI and CDATA', `<domain><name>a<?p x?>b<![CDATA[ c ]]>d<![CDATA[  ]]>e</name></domain>`],
  ['whitespace-only runs between children', `<domain>\n  <name>x</name>\n  <b/> <c/>y\n</domain>`],
  ['no-break space only (JavaScript whitespace)', `<domain><name>\u00a0</name><x>\u00a0\u2028<!---->\u3000</x></domain>`],
  ['CR and CRLF line ends in text and CDATA', `<domain>\r<name>a\rb\r\nc</name>\r\n<x><![CDATA[1\r\n2\r3]]></x></domain>`],
  ['entities as written in text', `<domain><name>&lt;a&amp;b&#65;</name></domain>`],
  ['DOCTYPE with an entity used in text', `<!DOCTYPE domain [<!ENTITY e "vm">]>\n<domain><name>&e;</name></domain>`],
  ['nesting 100 deep', `<domain>${'<a>'.repeat(99)}${'</a>'.repeat(99)}</domain>`],
  ['nesting 101 deep', `<domain>${'<a>'.repeat(100)}${'</a>'.repeat(100)}</domain>`],
  ['nesting 102 deep', `<domain>${'<a>'.repeat(101)}${'</a>'.repeat(101)}</domain>`],
  ['empty element 102 deep', `<domain>${'<a>'.repeat(100)}<b/>${'</a>'.repeat(100)}</domain>`],
  ['nesting 102 deep, then not well-formed', `<domain>${'<a>'.repeat(101)}${'</a>'.repeat(101)}<x></domain>`],
  ['self-closing root with attributes', `<domain type='kvm' id="1"/>`],
  ['end tag with space', `<domain><name>x</name  \n></domain>`],
  // Text after a start tag that looks like an attribute: never read as one of the tag's.
  [
    "text like name='value' after a start tag",
    `<domain type='kvm' ><name >a ='b' c="d"</name><devices><disk type='block'\n>x ='y'<source dev='/dev/sda' /><target dev='vda'/>z='w'</disk></devices></domain>`,
  ],
];

test('the one-pass parse gives the former two-pass tree, error and findings: crafted documents', () => {
  const wrong: string[] = [];
  for (const [name, text] of [...CRAFTED, ...TREE_CASES]) wrong.push(...differences(name, text));
  assert.deepEqual(wrong, []);
});

test('the one-pass parse gives the former two-pass tree, error and findings: the corpus, its CRLF form and injected defects', (t) => {
  if (!files.length) {
    if (process.env.CI) assert.fail(`corpus not found at ${DOMAINS}`);
    return t.skip('corpus not present beside the repository (not CI)');
  }
  const wrong: string[] = [];
  let broken = 0;
  files.forEach((f, k) => {
    const text = readFileSync(join(DOMAINS, f), 'utf8');
    wrong.push(...differences(f, text));
    if (k % 10 === 0) wrong.push(...differences(`${f} (CRLF)`, text.replace(/\n/g, '\r\n')));
    if (k % 20) return;
    INJECT.forEach(([name, inject]) => {
      const out = inject(text);
      if (out === undefined || out === text) return;
      if (parseXml(out).error) broken++;
      wrong.push(...differences(`${f}: ${name}`, out));
    });
  });
  assert.deepEqual(wrong, []);
  assert.ok(broken > 400, `${broken} not-well-formed documents compared`);
});
