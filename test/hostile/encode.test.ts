/**
 * The encoders of server/src/encode.ts against hostile strings, checked by what each destination does
 * with the result: a terminal (no raw control byte), a markdown renderer (markdown-it, which VS Code's
 * preview uses, and marked, which its hovers use: no element the text did not ask for), a snippet
 * expander (the LSP snippet grammar), an XML parser (libxml2's xmllint, what libvirt uses).
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import MarkdownIt from 'markdown-it';
import { marked } from 'marked';
import {
  cap,
  hasXmlForbiddenChar,
  jsonText,
  mdCode,
  mdInline,
  mdText,
  notificationLabel,
  snippetText,
  terminalLines,
  terminalText,
  xmlValue,
} from '../../server/src/encode';
import { which } from '../rig/prereq';

/** Strings a compromised host, a crafted snapshot or a hostile document can carry. */
export const HOSTILE: string[] = [
  '\x1b[2J\x1b[H',
  '\x1b]0;pwned\x07',
  '\x1b]8;;https://evil.example/\x1b\\click me\x1b]8;;\x1b\\',
  '\x1b]52;c;cm0gLXJmIH4K\x07',
  '\u009b2J\u009d0;title\u009c',
  'sdb\n/work/x.xml:1:1: information all-clear: no findings',
  'sdb\rOK',
  'abc\u202etxt.exe',
  'line\u2028sep',
  '\x7f\x00\x08',
  '\n# Heading\n',
  '![x](https://evil.example/beacon.png)',
  '<img src="https://evil.example/b.png">',
  '<div style="position:fixed;inset:0;background:white">all LUNs unused</div>',
  '[Open log](command:workbench.action.terminal.sendSequence?%7B%22text%22%3A%22id%5Cn%22%7D)',
  '`` code ` x `',
  '*emph* _u_ **b** ~~s~~',
  '| a | b |\n|---|---|',
  '&lt;script&gt; &#60;b&#62;',
  '> quote\n- item\n1. one',
  'https://evil.example/autolink <https://evil.example/x>',
  '$CLIPBOARD ${TM_FILEPATH} ${1:x} $0 } \\ ${2|a,b|}',
  "'/><disk type='block'><source dev='/dev/sda'/><target dev='vdz'/></disk><x a='",
  '"/><x a="',
  ']]> & < > \' "',
  'tab\there',
  'x'.repeat(100_000),
  '\ud800 lone surrogate',
];

// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

test('terminalText: no raw control, bidi or line-separator character survives; printable text is kept', () => {
  for (const s of HOSTILE) {
    const t = terminalText(s);
    assert.equal(RAW_CONTROL.test(t), false, JSON.stringify(s));
    assert.equal(t.includes('\n'), false);
  }
  assert.equal(terminalText('/dev/disk/by-id/wwn-0x5000c500a1b2c3d4'), '/dev/disk/by-id/wwn-0x5000c500a1b2c3d4');
  assert.equal(terminalText('\x1b[2J'), '\\x1b[2J');
  assert.equal(terminalText('a\u202eb'), 'a\\u202eb');
  assert.equal(terminalText(terminalText('\x1b')), terminalText('\x1b'), 'idempotent: encoding twice does not double the escapes');
});

test('terminalLines: each line as terminalText shows it, the line breaks kept, one final newline', () => {
  const texts = [...HOSTILE, HOSTILE.join('\n'), '', '\n', 'a\n\nb\r\n', jsonText({ x: HOSTILE }, 2)];
  for (const s of texts) {
    const lines = terminalLines(s);
    assert.equal(lines, s.split('\n').map(terminalText).join('\n') + '\n', JSON.stringify(s).slice(0, 80));
    assert.equal(RAW_CONTROL.test(lines.slice(0, -1).replace(/\n/g, '')), false);
  }
});

test('jsonText: DEL, C1 and bidi characters escaped; the value reads back unchanged', () => {
  for (const s of HOSTILE) {
    const j = jsonText({ s });
    assert.equal(RAW_CONTROL.test(j), false, JSON.stringify(s));
    assert.deepEqual(JSON.parse(j), { s });
  }
});

const md = new MarkdownIt({ html: true, linkify: true });
/** Elements a piece of host text may produce inside a paragraph: none but text, code, and line breaks. */
function elementsOf(html: string): string[] {
  return [...html.matchAll(/<([a-zA-Z][\w-]*)/g)].map((m) => m[1].toLowerCase());
}

for (const [name, render] of [
  ['markdown-it (the preview, HTML on)', (s: string) => md.render(s)],
  ['marked (hovers)', (s: string) => marked.parse(s, { async: false }) as string],
] as const) {
  test(`mdText, mdInline (mid-line) and mdCode under ${name}: one paragraph, no heading, image, link, HTML, emphasis or table`, () => {
    for (const s of HOSTILE) {
      for (const [encoder, allowed] of [
        [mdText, ['p']],
        [mdInline, ['p']],
        [mdCode, ['p', 'code']],
      ] as const) {
        const html = render(`Value: ${encoder(s)} end`);
        const els = elementsOf(html);
        // linkify-it may turn a bare https:// text into a link that needs a click; never an image or HTML.
        const unexpected = els.filter(
          (e) => !(allowed as readonly string[]).includes(e) && !(e === 'a' && encoder !== mdCode && name.startsWith('markdown-it')),
        );
        assert.deepEqual(unexpected, [], `${encoder.name}(${JSON.stringify(s.slice(0, 60))}) → ${html.slice(0, 300)}`);
        assert.equal(
          els.filter((e) => e === 'p').length,
          1,
          `${encoder.name}(${JSON.stringify(s.slice(0, 60))}) is one paragraph: ${html.slice(0, 300)}`,
        );
        assert.equal(/<(img|h\d|div|script|table)\b/.test(html), false);
      }
    }
  });
}

test('mdCode: the text between the fences reads back as the (capped, visibly escaped) value', () => {
  for (const s of ['plain', '`tick`', 'a``b', ' lead', 'x'.repeat(5000)]) {
    const html = md.renderInline(mdCode(s));
    const inner = /^<code>([\s\S]*)<\/code>$/.exec(html)?.[1];
    assert.ok(inner !== undefined, html);
    const decoded = inner
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, '&');
    assert.equal(decoded, cap(s));
  }
});

test('cap: bounded, with an ellipsis, never splitting a surrogate pair', () => {
  assert.equal(cap('x'.repeat(10), 5), 'xxxx…');
  assert.equal(cap('abc', 5), 'abc');
  const s = 'a' + '😀'.repeat(10);
  const c = cap(s, 4);
  assert.equal(c.length <= 4, true);
  assert.equal(/[\ud800-\udbff](?![\udc00-\udfff])/.test(c), false);
  assert.ok(mdText('x'.repeat(1_000_000)).length < 4200);
  assert.ok(mdCode('`'.repeat(1_000_000)).length < 8200);
});

/**
 * Expands an LSP snippet the way the grammar says (tab stops, placeholders, choices and variables are
 * consumed; `\$`, `\}`, `\\` are literal), with every variable bound to a marker, to see what a user
 * would get inserted.
 */
function expandSnippet(snippet: string): string {
  let out = '';
  let i = 0;
  const varValue = (name: string) => `«${name}»`;
  while (i < snippet.length) {
    const c = snippet[i];
    if (c === '\\' && i + 1 < snippet.length && '$}\\'.includes(snippet[i + 1])) {
      out += snippet[i + 1];
      i += 2;
    } else if (c === '$') {
      const m = /^\$(\d+|[A-Za-z_]\w*)/.exec(snippet.slice(i));
      const b = /^\$\{(\d+|[A-Za-z_]\w*)([:|]?)/.exec(snippet.slice(i));
      if (m) {
        out += /^\d/.test(m[1]) ? '' : varValue(m[1]);
        i += m[0].length;
      } else if (b) {
        // ${N}, ${N:default}, ${N|a,b|}, ${VAR}, ${VAR:default}: up to the matching unescaped '}'.
        let depth = 1;
        let j = i + b[0].length;
        let inner = '';
        while (j < snippet.length && depth > 0) {
          if (snippet[j] === '\\') {
            inner += snippet.slice(j, j + 2);
            j += 2;
            continue;
          }
          if (snippet[j] === '$' && snippet[j + 1] === '{') depth++;
          if (snippet[j] === '}') depth--;
          if (depth > 0) inner += snippet[j];
          j++;
        }
        out += /^\d/.test(b[1]) ? (b[2] === '|' ? inner.replace(/\|$/, '').split(',')[0] : expandSnippet(inner)) : varValue(b[1]);
        i = j;
      } else {
        out += c;
        i++;
      }
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

test('snippetText: a hostile name expands to itself, no variable or tab stop consumed', () => {
  for (const s of HOSTILE) assert.equal(expandSnippet(snippetText(s)), s, JSON.stringify(s.slice(0, 60)));
  // The check can fail: unescaped, the variables are consumed.
  assert.notEqual(expandSnippet('$CLIPBOARD ${TM_FILEPATH}'), '$CLIPBOARD ${TM_FILEPATH}');
  // Inside a snippet placeholder too.
  assert.equal(expandSnippet(`<source dev='\${1:${snippetText('$CLIPBOARD}')}'/>`), "<source dev='$CLIPBOARD}'/>");
});

test('xmlValue: every representable hostile value is one attribute value that libxml2 reads back exactly; others are refused', () => {
  // scripts/setup-test-tools.sh installs libxml2-utils; its absence is a failure, not a skip.
  assert.ok(which('xmllint'), 'xmllint (Debian libxml2-utils) is not installed: run bash scripts/setup-test-tools.sh');
  const dir = mkdtempSync(join(tmpdir(), 'ldx-enc-'));
  let checked = 0;
  for (const s of HOSTILE) {
    for (const q of ["'", '"'] as const) {
      const v = xmlValue(s, q);
      if (hasXmlForbiddenChar(s)) {
        assert.equal(v, undefined, JSON.stringify(s.slice(0, 60)));
        continue;
      }
      assert.ok(v !== undefined);
      const file = join(dir, `v${checked++}.xml`);
      writeFileSync(file, `<domain><devices><disk><source dev=${q}${v}${q}/></disk></devices></domain>\n`);
      const r = spawnSync('xmllint', ['--xpath', 'string(/domain/devices/disk/source/@dev)', file], {
        encoding: 'utf8',
        maxBuffer: 64 << 20,
      });
      assert.equal(r.status, 0, r.stderr);
      // xmllint ends a string result with one newline of its own.
      assert.equal(r.stdout.replace(/\n$/, ''), s, JSON.stringify(s.slice(0, 60)));
      const count = spawnSync('xmllint', ['--xpath', 'count(//disk)', file], { encoding: 'utf8' });
      assert.equal(count.stdout.trim(), '1');
    }
  }
  assert.ok(checked > 20);
});

test('notificationLabel: no markdown link can form, bounded', () => {
  for (const s of HOSTILE) {
    const l = notificationLabel(s);
    assert.equal(/[[\]()\s]/.test(l), false, l);
    assert.ok(l.length <= 80);
  }
  assert.equal(notificationLabel('root@kvm-a.example:2222'), 'root@kvm-a.example:2222');
});
