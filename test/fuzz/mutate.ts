// Mutation operators over domain XML text. Each takes the text and a seeded Rng and
// returns new text; `mutate` chains a few. Some work on bytes (invalid UTF-8, UTF-16)
// and decode the result the way the CLI and the server read files (decodeBuffer).
import { decodeBuffer } from '../../server/src/files';
import { Rng } from './rng';

export interface MutationLimits {
  /** Longest run inserted by the "long" operators, in characters. */
  maxLong: number;
  /** Deepest nesting inserted. */
  maxDepth: number;
  /** Most copies made by "repeat". */
  maxRepeat: number;
}

/** Sizes for the short run in `npm test`. */
export const SHORT_LIMITS: MutationLimits = { maxLong: 32_000, maxDepth: 3_000, maxRepeat: 300 };
/** Sizes for long runs (`npm run fuzz`). */
export const LONG_LIMITS: MutationLimits = { maxLong: 300_000, maxDepth: 30_000, maxRepeat: 3_000 };

export interface MutationContext {
  limits: MutationLimits;
  /** Paths worth writing into <source dev=…> (from the example inventories, plus odd ones). */
  paths: readonly string[];
  /** Other documents to splice spans from. */
  donors: readonly string[];
}

export type Mutator = (text: string, rng: Rng, ctx: MutationContext) => string;

/** Odd path values: prototype keys, traversal, escapes, controls. */
export const ODD_PATHS = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  '/dev/__proto__',
  '/dev/disk/by-id/__proto__',
  '/dev/../dev/sdc',
  '/dev//sdc',
  '/dev/./sdc/',
  '/dev/sdc/..',
  '/../../..',
  '/',
  '',
  ' ',
  '/dev/',
  '/dev/vx/dmp/',
  '/dev/vx/dmp/s1',
  '/dev/vx/dmp/3pardata0_12s',
  '/dev/vx/dmp/3pardata0_12s99999999999999999999',
  '/dev/vx/dsk//',
  '/dev/mapper/--',
  '/dev/a-b/c--d',
  '/dev/sd\u0000c',
  '/dev/sd&amp;c',
  '/dev/sd&#0;c',
  '/dev/sd&#x110000;c',
  '/dev/sd&#xD800;c',
  '/dev/sd&lt;c',
  '/dev/sd&quot;c',
  '$(touch /tmp/ldx-pwned)',
  '`id`',
  '/dev/sdc; rm -rf /',
  '/dev/sdc\n/dev/sdd',
  '/dev/disk/by-label/\u202eevil',
  '/dev/nvme0n1p1',
  '/dev/dm-0',
  '/dev/mapper/mpatha',
  '/dev/disk/by-diskseq/7',
  '/dev/disk/by-uuid/x',
  '/dev/sr0',
  'C:\\dev\\sdc',
  'file:///dev/sdc',
];

/** Tokens inserted at random places. */
export const TOKENS = [
  '<',
  '>',
  '/>',
  '</',
  '"',
  "'",
  '=',
  '&',
  ';',
  '&amp;',
  '&lt;',
  '&gt;',
  '&quot;',
  '&apos;',
  '&#0;',
  '&#x0;',
  '&#65;',
  '&#x41;',
  '&#xD800;',
  '&#x10FFFF;',
  '&#x110000;',
  '&#99999999999999999999;',
  '&a;',
  '&lol9;',
  '&;',
  '&#;',
  '&#x;',
  '<![CDATA[',
  ']]>',
  '<![CDATA[x]]>',
  '<!--',
  '-->',
  '<!-- -- -->',
  '<!---->',
  '<?xml version="1.0"?>',
  '<?xml version="1.0" encoding="UTF-16"?>',
  '<?pi?>',
  '<?',
  '?>',
  '<!DOCTYPE',
  '<!DOCTYPE domain>',
  '<!ENTITY a "b">',
  '<!ELEMENT x ANY>',
  '<!ATTLIST disk type CDATA "block">',
  '\u0000',
  '\u0001',
  '\u001b',
  '\u000b',
  '\u000c',
  '\ufeff',
  '\ufffe',
  '\uffff',
  '\ud800',
  '\udc00',
  '\ud83d\ude00',
  '\u2028',
  '\u0085',
  '\r',
  '\r\n',
  '\n',
  '\t',
  ' ',
  'é',
  '中',
  '\u202e',
  '<domain>',
  '</domain>',
  '<devices>',
  '</devices>',
  '<disk>',
  '</disk>',
  "<disk type='block' device='disk'>",
  "<source dev='/dev/sdc'/>",
  "<target dev='vdb' bus='virtio'/>",
  '<shareable/>',
  '<readonly/>',
  '<serial>S</serial>',
  "<hostdev mode='capabilities' type='storage'><source><block>/dev/sdd</block></source></hostdev>",
  "<disk type='block'><source dev='/dev/sdc'/></disk>",
  "<disk type='file' device='disk'><source file='/dev/sdc'/></disk>",
  'xmlns:x="urn:x"',
  'x:a="1"',
  '<x:disk xmlns:x="http://libvirt.org/schemas/domain/qemu/1.0"/>',
  '__proto__',
  'constructor',
  '<__proto__/>',
  '<constructor>x</constructor>',
  "<xi:include href='file:///etc/passwd' xmlns:xi='http://www.w3.org/2001/XInclude'/>",
  "<?xml-stylesheet href='http://127.0.0.1:9/x.xsl'?>",
];

/** DOCTYPEs: internal entities, billion laughs, external and parameter entities. */
export function doctypes(port = 9): string[] {
  let lol = '<!ENTITY l0 "lol">';
  for (let i = 1; i <= 9; i++) lol += `<!ENTITY l${i} "${`&l${i - 1};`.repeat(10)}">`;
  return [
    '<!DOCTYPE domain>',
    '<!DOCTYPE domain [<!ENTITY a "/dev/sdc">]>',
    `<!DOCTYPE lolz [${lol}]>`,
    '<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
    `<!DOCTYPE d [<!ENTITY x SYSTEM "http://127.0.0.1:${port}/x">]>`,
    `<!DOCTYPE d [<!ENTITY % p SYSTEM "http://127.0.0.1:${port}/p">%p;]>`,
    '<!DOCTYPE d SYSTEM "file:///dev/zero">',
    '<!DOCTYPE d PUBLIC "-//x//y" "http://127.0.0.1:9/d.dtd">',
    "<!DOCTYPE d [<!-- don't -->]>",
    '<!DOCTYPE d [<!ENTITY a "]>">]>',
    '<!DOCTYPE d [',
    '<!DOCTYPE d [[[[[[',
    "<!DOCTYPE d '",
  ];
}

function pos(text: string, rng: Rng): number {
  // Half the time at a markup boundary, where parsers branch.
  if (text.length && rng.chance(0.5)) {
    for (let tries = 0; tries < 8; tries++) {
      const i = rng.int(text.length);
      const c = text[i];
      if (c === '<' || c === '>' || c === '"' || c === "'" || c === '=' || c === '/') return rng.chance(0.5) ? i : i + 1;
    }
  }
  return rng.int(text.length + 1);
}

function span(text: string, rng: Rng, max = 400): [number, number] {
  const a = rng.int(text.length + 1);
  return [a, Math.min(text.length, a + rng.size(max))];
}

const insertAt = (text: string, at: number, s: string) => text.slice(0, at) + s + text.slice(at);

/** Attribute values: [start, end) inside the quotes. */
function attributeValues(text: string, limit = 2000): [number, number][] {
  const out: [number, number][] = [];
  const re = /=\s*(["'])([^"'<]*)\1/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) && out.length < limit) {
    const end = m.index + m[0].length - 1;
    out.push([end - m[2].length, end]);
  }
  return out;
}

/** Long-run sizes: a third of the time in the top three quarters of the range. */
function bigSize(r: Rng, max: number): number {
  return r.chance(0.33) ? r.range(Math.floor(max / 4), max) : r.size(max);
}

function longRun(rng: Rng, n: number): string {
  const unit = rng.pick([
    'a',
    'x',
    '/',
    'sd',
    '/dev/',
    ' ',
    '&amp;',
    '&#x41;',
    '\t',
    'é',
    '中',
    '-',
    '=',
    ':',
    '\\',
    '0',
    '<!--',
    '<?',
    '<a>',
    "a='b' ",
  ]);
  return unit.repeat(Math.max(1, Math.ceil(n / unit.length))).slice(0, n);
}

function encodeUtf16(text: string, bigEndian: boolean): Buffer {
  const le = Buffer.from(text, 'utf16le');
  if (!bigEndian) return Buffer.concat([Buffer.from([0xff, 0xfe]), le]);
  for (let i = 0; i + 1 < le.length; i += 2) {
    const t = le[i];
    le[i] = le[i + 1];
    le[i + 1] = t;
  }
  return Buffer.concat([Buffer.from([0xfe, 0xff]), le]);
}

/** Invalid or unusual UTF-8 byte sequences. */
const BAD_UTF8: number[][] = [
  [0xc3, 0x28],
  [0xff],
  [0xfe],
  [0x80],
  [0xbf],
  [0xc0, 0xaf],
  [0xe0, 0x80, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xed, 0xbf, 0xbf],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xe2, 0x82],
  [0xf0, 0x9f, 0x98],
  [0xef, 0xbb, 0xbf],
  [0xef, 0xbf, 0xbe],
  [0x00],
  [0xc2, 0x85],
];

export const MUTATORS: Record<string, Mutator> = {
  truncate: (t, r) => t.slice(0, r.int(t.length + 1)),
  deleteSpan: (t, r) => {
    const [a, b] = span(t, r);
    return t.slice(0, a) + t.slice(b);
  },
  duplicateSpan: (t, r) => {
    const [a, b] = span(t, r);
    return insertAt(t, r.chance(0.5) ? b : pos(t, r), t.slice(a, b));
  },
  moveSpan: (t, r) => {
    const [a, b] = span(t, r);
    const piece = t.slice(a, b);
    const rest = t.slice(0, a) + t.slice(b);
    return insertAt(rest, r.int(rest.length + 1), piece);
  },
  flipQuote: (t, r) => {
    for (let tries = 0; tries < 16; tries++) {
      const i = r.int(t.length);
      const c = t[i];
      if (c !== '"' && c !== "'") continue;
      const to = r.pick(['"', "'", '', '""', "''", '`', '«']);
      return t.slice(0, i) + to + t.slice(i + 1);
    }
    return insertAt(t, pos(t, r), r.pick(['"', "'"]));
  },
  token: (t, r) => insertAt(t, pos(t, r), r.pick(TOKENS)),
  tokens: (t, r) => {
    let s = t;
    for (let n = r.range(2, 6); n > 0; n--) s = insertAt(s, pos(s, r), r.pick(TOKENS));
    return s;
  },
  doctype: (t, r) => {
    const d = r.pick(doctypes());
    // In the prolog (where XML allows it), or anywhere else.
    if (r.chance(0.6)) {
      const decl = /^\ufeff?<\?xml[^>]*\?>\s*/.exec(t);
      return insertAt(t, decl ? decl[0].length : 0, d + '\n');
    }
    return insertAt(t, pos(t, r), d);
  },
  entityRef: (t, r) => {
    const ref = r.pick([
      '&a;',
      '&l9;',
      '&x;',
      '&p;',
      '&amp;',
      '&#x2F;',
      '&#47;',
      '&#0;',
      '&#xFFFE;',
      '&#xDFFF;',
      '&unknown;',
      '&',
      '&#',
      '&#x',
      '&am',
    ]);
    const vals = attributeValues(t, 200);
    if (vals.length && r.chance(0.7)) {
      const [a, b] = r.pick(vals);
      return insertAt(t, r.range(a, b), ref);
    }
    return insertAt(t, pos(t, r), ref);
  },
  cdata: (t, r) => {
    if (r.chance(0.5)) {
      const [a, b] = span(t, r, 200);
      return t.slice(0, a) + '<![CDATA[' + t.slice(a, b) + ']]>' + t.slice(b);
    }
    return insertAt(t, pos(t, r), r.pick(['<![CDATA[', '<![CDATA[]]>', '<![CDATA[<disk>]]>', ']]>', '<![CDATA[/dev/sdc]]>']));
  },
  comment: (t, r) => {
    if (r.chance(0.5)) {
      const [a, b] = span(t, r, 300);
      return t.slice(0, a) + '<!--' + t.slice(a, b) + '-->' + t.slice(b);
    }
    return insertAt(t, pos(t, r), r.pick(['<!--', '-->', '<!-- x -- y -->', '<!---->', '<!-- <disk> -->', '<!-- \' " -->']));
  },
  control: (t, r) => {
    let s = t;
    for (let n = r.range(1, 4); n > 0; n--)
      s = insertAt(
        s,
        pos(s, r),
        r.pick(['\u0000', '\u0001', '\u0008', '\u001f', '\u007f', '\ufffe', '\uffff', '\ud800', '\udfff', '\u0085', '\u2028']),
      );
    return s;
  },
  invalidUtf8: (t, r) => {
    const buf = Buffer.from(t, 'utf8');
    const parts: Buffer[] = [];
    let last = 0;
    const cuts = Array.from({ length: r.range(1, 4) }, () => r.int(buf.length + 1)).sort((a, b) => a - b);
    for (const c of cuts) {
      parts.push(buf.subarray(last, c), Buffer.from(r.pick(BAD_UTF8)));
      last = c;
    }
    parts.push(buf.subarray(last));
    return decodeBuffer(Buffer.concat(parts)).text;
  },
  reencode: (t, r) => {
    // A UTF-16 file (with BOM), sometimes with an odd byte count or a swapped BOM, as a reader decodes it.
    let buf = encodeUtf16(t, r.chance(0.5));
    if (r.chance(0.3)) buf = buf.subarray(0, buf.length - 1);
    if (r.chance(0.2)) buf = Buffer.concat([buf.subarray(0, 2), Buffer.from([0x00]), buf.subarray(2)]);
    if (r.chance(0.2)) buf = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), buf]);
    return decodeBuffer(buf).text;
  },
  longValue: (t, r, ctx) => {
    const n = bigSize(r, ctx.limits.maxLong);
    const vals = attributeValues(t, 500);
    if (vals.length && r.chance(0.6)) {
      const [a, b] = r.pick(vals);
      return t.slice(0, a) + longRun(r, n).replace(/["'<]/g, 'q') + t.slice(b);
    }
    return insertAt(t, pos(t, r), longRun(r, n));
  },
  longName: (t, r, ctx) => {
    // A very long tag or attribute name (or a boolean attribute) inside a start tag.
    const n = bigSize(r, ctx.limits.maxLong);
    const name = 'a'.repeat(n);
    const tags: number[] = [];
    const re = /<([A-Za-z][\w:-]*)/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(t)) && tags.length < 500) tags.push(m.index + m[0].length);
    if (!tags.length) return insertAt(t, pos(t, r), `<${name}/>`);
    const at = r.pick(tags);
    return insertAt(
      t,
      at,
      r.weighted<string>([
        [4, ` ${name}`],
        [2, ` x-${name}`],
        [1, ` ${name}='x'`],
        [1, name],
        [2, ` a='${name}'`],
        [1, ` ${name}=`],
      ]),
    );
  },
  deepNesting: (t, r, ctx) => {
    const n = r.size(ctx.limits.maxDepth);
    const tag = r.pick(['a', 'disk', 'devices', 'domain', 'source', 'x:y']);
    const at = Math.max(0, t.indexOf('<devices>') >= 0 && r.chance(0.5) ? t.indexOf('<devices>') + 9 : pos(t, r));
    const open = `<${tag}>`.repeat(n);
    const close = r.chance(0.7) ? `</${tag}>`.repeat(r.chance(0.8) ? n : r.int(n + 1)) : '';
    return insertAt(t, at, open + close);
  },
  repeat: (t, r, ctx) => {
    const disk = /<disk[\s\S]*?<\/disk>/.exec(t);
    const [a, b] = disk && r.chance(0.6) ? [disk.index, disk.index + disk[0].length] : span(t, r, 200);
    const copies = r.size(ctx.limits.maxRepeat);
    return t.slice(0, b) + t.slice(a, b).repeat(copies) + t.slice(b);
  },
  pathInject: (t, r, ctx) => {
    const vals: [number, number][] = [];
    const re = /<source\b[^>]*?\b(?:dev|file|dir)\s*=\s*(["'])([^"'<]*)\1/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(t)) && vals.length < 200) {
      const end = m.index + m[0].length - 1;
      vals.push([end - m[2].length, end]);
    }
    const path = r.chance(0.8) ? r.pick(ctx.paths) : r.pick(ODD_PATHS);
    if (vals.length) {
      // Several at once, from the end so offsets stay valid.
      const chosen = vals.filter(() => r.chance(0.5));
      if (!chosen.length) chosen.push(r.pick(vals));
      let s = t;
      for (const [a, b] of chosen.sort((x, y) => y[0] - x[0])) s = s.slice(0, a) + (r.chance(0.8) ? r.pick(ctx.paths) : path) + s.slice(b);
      return s;
    }
    const at = t.indexOf('</devices>');
    const disk = `<disk type='block' device='disk'><source dev='${path.replace(/'/g, '&apos;')}'/><target dev='vd${String.fromCharCode(97 + r.int(26))}' bus='virtio'/></disk>`;
    return at >= 0 ? insertAt(t, at, disk) : insertAt(t, pos(t, r), disk);
  },
  attrNoise: (t, r) => {
    const tags: number[] = [];
    const re = /<([A-Za-z][\w:-]*)/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(t)) && tags.length < 500) tags.push(m.index + m[0].length);
    const at = tags.length ? r.pick(tags) : pos(t, r);
    return insertAt(
      t,
      at,
      r.pick([
        " dev='/dev/sdc'",
        " type='block' type='file'",
        ' x',
        ' =',
        " ='v'",
        ' a=b',
        " a='1'a='2'",
        ' xmlns="urn:x"',
        ' __proto__="1"',
        ' dev="/dev/sd\'c"',
        " file='/dev/sdc'",
        ' a=""',
      ]),
    );
  },
  lineEndings: (t, r) => {
    const mode = r.int(4);
    if (mode === 0) return t.replace(/\r?\n/g, '\r\n');
    if (mode === 1) return t.replace(/\r?\n/g, '\r');
    if (mode === 2) return t.replace(/^( +)/gm, (s) => '\t'.repeat(Math.ceil(s.length / 2)));
    return t.replace(/\r?\n/g, () => r.pick(['\n', '\r\n', '\r', '\n\r', '\u2028']));
  },
  bom: (t, r) => r.pick(['\ufeff', '\ufeff\ufeff', '\ufffe', ' \ufeff']) + t,
  charFlip: (t, r) => {
    let s = t;
    for (let n = r.range(1, 8); n > 0 && s.length; n--) {
      const i = r.int(s.length);
      s = s.slice(0, i) + String.fromCharCode(r.chance(0.7) ? r.int(128) : r.int(0x10000)) + s.slice(i + 1);
    }
    return s;
  },
  tagRename: (t, r) => {
    const names = ['domain', 'devices', 'disk', 'source', 'target', 'hostdev', 'block', 'name', 'shareable'];
    const n = r.pick(names);
    const to = r.pick([n.toUpperCase(), `${n}x`, `x:${n}`, n.slice(1), '', ' ', `${n} `, 'domain', 'disk']);
    const re = new RegExp(`(</?)${n}\\b`, 'g');
    let k = 0;
    const which = r.int(4);
    return t.replace(re, (s, p: string) => (k++ % 4 === which || r.chance(0.2) ? p + to : s));
  },
  requote: (t, r) => {
    // Swaps one attribute's delimiters consistently: '…' ↔ "…" (well-formed stays well-formed).
    const vals = attributeValues(t, 2000).filter(([a, b]) => !/["']/.test(t.slice(a, b)));
    if (!vals.length) return t;
    let s = t;
    for (const [a, b] of vals.filter(() => r.chance(0.3)).sort((x, y) => y[0] - x[0])) {
      const q = s[a - 1] === '"' ? "'" : '"';
      s = s.slice(0, a - 1) + q + s.slice(a, b) + q + s.slice(b + 1);
    }
    return s;
  },
  gentleComment: (t, r) => {
    // A comment between elements (after a '>' followed by whitespace).
    const spots: number[] = [];
    const re = />(?=\s)/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(t)) && spots.length < 2000) spots.push(m.index + 1);
    if (!spots.length) return t;
    return insertAt(t, r.pick(spots), r.pick(['<!-- c -->', '<!-- <disk> \'quoted\' "x" -->', '\t<!--\r\n-->', '<?pi data?>']));
  },
  splice: (t, r, ctx) => {
    if (!ctx.donors.length) return t;
    const d = r.pick(ctx.donors);
    const [a, b] = span(d, r, 2000);
    return insertAt(t, pos(t, r), d.slice(a, b));
  },
};

const WEIGHTS: [number, string][] = [
  [6, 'truncate'],
  [8, 'deleteSpan'],
  [6, 'duplicateSpan'],
  [4, 'moveSpan'],
  [7, 'flipQuote'],
  [8, 'token'],
  [4, 'tokens'],
  [5, 'doctype'],
  [5, 'entityRef'],
  [4, 'cdata'],
  [5, 'comment'],
  [4, 'control'],
  [5, 'invalidUtf8'],
  [3, 'reencode'],
  [4, 'longValue'],
  [5, 'longName'],
  [3, 'deepNesting'],
  [3, 'repeat'],
  [12, 'pathInject'],
  [4, 'attrNoise'],
  [4, 'lineEndings'],
  [2, 'bom'],
  [5, 'charFlip'],
  [4, 'tagRename'],
  [3, 'splice'],
  [2, 'requote'],
  [2, 'gentleComment'],
];

/** Applies 1..maxOps operators; returns the text and the operators' names. */
export function mutate(text: string, rng: Rng, ctx: MutationContext, maxOps = 3): { text: string; ops: string[] } {
  const ops: string[] = [];
  let t = text;
  for (let n = rng.range(1, maxOps); n > 0; n--) {
    const name = rng.weighted(WEIGHTS);
    ops.push(name);
    t = MUTATORS[name](t, rng, ctx);
  }
  return { text: t, ops };
}

/** Operators that keep a document well-formed more often than not (for the fix-safety properties). */
export function mutateGently(text: string, rng: Rng, ctx: MutationContext): { text: string; ops: string[] } {
  const gentle: [number, string][] = [
    [10, 'pathInject'],
    [3, 'lineEndings'],
    [2, 'bom'],
    [3, 'requote'],
    [3, 'gentleComment'],
    [2, 'repeat'],
    [1, 'attrNoise'],
    [1, 'entityRef'],
    [1, 'doctype'],
  ];
  const ops: string[] = [];
  let t = text;
  for (let n = rng.range(1, 4); n > 0; n--) {
    const name = rng.weighted(gentle);
    ops.push(name);
    t = MUTATORS[name](t, rng, ctx);
  }
  return { text: t, ops };
}
