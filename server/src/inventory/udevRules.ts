/**
 * Site udev rules (`/etc/udev/rules.d/*.rules`): which rule creates a symlink under /dev, and what
 * that rule is keyed on. Pure: text in, rules out. Only what the symlink attribution needs is read
 * (match keys, SYMLINK assignments); the rest of udev's language is skipped.
 */
import type { UdevRuleFile } from './snapshot';

/** What a rule selects its device by: a kernel name alone, an identity of the LUN, or something else. */
export type UdevKeying = 'kernel' | 'identity' | 'other';

export interface UdevMatch {
  /** KERNEL, ENV{ID_WWN}, ATTRS{wwid}, … as written. */
  key: string;
  op: '==' | '!=';
  value: string;
}

export interface UdevRule {
  file: string;
  /** 1-based line where the rule starts. */
  line: number;
  matches: UdevMatch[];
  /** SYMLINK templates, one per name (`SYMLINK+="a b"` gives two). */
  symlinks: string[];
  keyedOn: UdevKeying;
  /** The match keys that decided `keyedOn`, e.g. `KERNEL=="sdf"`. */
  keyedBy: string[];
}

/** A link under /dev attributed to the rule that creates it. */
export interface UdevLinkRule {
  file: string;
  line: number;
  keyedOn: UdevKeying;
  keyedBy: string[];
}

/** Keys that name the kernel's enumeration (device name): as unstable as /dev/sdX. */
const KERNEL_KEYS = new Set(['KERNEL', 'KERNELS', 'DEVNAME', 'NAME']);
/** Keys (ENV{…}/ATTR{…}/ATTRS{…}) that carry the LUN's own identity. */
const IDENTITY_ENV = new Set([
  'DM_UUID',
  'ID_WWN',
  'ID_WWN_WITH_EXTENSION',
  'ID_SERIAL',
  'ID_SERIAL_SHORT',
  'ID_SCSI_SERIAL',
  'DM_WWN',
  'ID_NVME_EUI',
  'ID_SCSI_NAA',
  'ID_VENDOR_SERIAL',
  'DM_SERIAL',
]);
const IDENTITY_ATTR = new Set(['wwid', 'serial', 'eui', 'nguid', 'uuid', 'vpd_pg83', 'vpd_pg80', 'wwn']);
/** Filters that narrow nothing down to one device (subsystem, action, device type): ignored when judging the keying. */
const NEUTRAL = new Set([
  'SUBSYSTEM',
  'SUBSYSTEMS',
  'ACTION',
  'ENV{DEVTYPE}',
  'ENV{ID_TYPE}',
  'ENV{ID_BUS}',
  'DEVPATH',
  'DRIVER',
  'DRIVERS',
  'TAG',
  'TAGS',
  'TEST',
  'ENV{MAJOR}',
  'ENV{MINOR}',
  'ENV{UDISKS_IGNORE}',
  'ENV{DM_UDEV_DISABLE_OTHER_RULES_FLAG}',
  'ENV{DM_SUSPENDED}',
]);

const MAX_RULES_TEXT = 4 << 20;

/** Logical lines of a rules file: comments and blank lines dropped, `\` continuations joined; each with its first line number. */
function logicalLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  const lines = text.slice(0, MAX_RULES_TEXT).split(/\r?\n/);
  let acc: string | undefined;
  let start = 0;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (acc === undefined) {
      if (/^\s*(#|$)/.test(l)) continue;
      start = i + 1;
      acc = '';
    }
    if (l.endsWith('\\')) {
      acc += l.slice(0, -1);
      continue;
    }
    acc += l;
    out.push({ line: start, text: acc });
    acc = undefined;
  }
  if (acc !== undefined && acc.trim()) out.push({ line: start, text: acc });
  return out;
}

// KEY, KEY{attr}; operator; a double-quoted value (udev allows \" inside, and e"…" string escapes).
const PAIR = /\s*,?\s*([A-Za-z_]+(?:\{[^}]*\})?)\s*(==|!=|\+=|-=|:=|=)\s*[er]?"((?:[^"\\]|\\.)*)"\s*,?/y;

/** Parses one rules file into rules that create at least one symlink or match something. */
export function parseUdevRules(file: string, text: string, max = MAX_UDEV_RULES): UdevRule[] {
  const rules: UdevRule[] = [];
  for (const { line, text: t } of logicalLines(text)) {
    if (rules.length >= max) break;
    const matches: UdevMatch[] = [];
    const symlinks: string[] = [];
    PAIR.lastIndex = 0;
    let m: RegExpExecArray | null;
    while (PAIR.lastIndex < t.length && (m = PAIR.exec(t))) {
      const [, key, op, raw] = m;
      const value = raw.replace(/\\(.)/g, '$1');
      if (op === '==' || op === '!=') matches.push({ key, op, value });
      else if (key === 'SYMLINK' && (op === '+=' || op === '=' || op === ':=')) {
        if (op !== '+=') symlinks.length = 0;
        symlinks.push(...value.split(/\s+/).filter(Boolean));
      }
    }
    if (!matches.length && !symlinks.length) continue;
    const { keyedOn, keyedBy } = keying(matches);
    rules.push({ file, line, matches, symlinks, keyedOn, keyedBy });
  }
  return rules;
}

function isIdentityKey(key: string): boolean {
  const env = /^ENV\{(.+)\}$/.exec(key);
  if (env) return IDENTITY_ENV.has(env[1]);
  const at = /^ATTRS?\{(?:device\/)?(.+)\}$/.exec(key);
  if (at) return IDENTITY_ATTR.has(at[1]);
  return false;
}

/** How a rule picks its device: identity if any positive match is an identity; kernel if its positive matches are kernel names (and neutral filters) alone. */
export function keying(matches: UdevMatch[]): { keyedOn: UdevKeying; keyedBy: string[] } {
  const positive = matches.filter((x) => x.op === '==');
  const shown = (x: UdevMatch) => `${x.key}=="${x.value}"`;
  const identity = positive.filter((x) => isIdentityKey(x.key));
  // PROGRAM="scsi_id …" with RESULT=="<wwid>": the classic identity rule.
  const result = positive.filter((x) => x.key === 'RESULT');
  const programIsId = matches.some((x) => x.key === 'PROGRAM' && /scsi_id|wwid|serial/i.test(x.value));
  if (identity.length || (result.length && programIsId))
    return { keyedOn: 'identity', keyedBy: [...identity, ...(programIsId ? result : [])].map(shown) };
  const deciding = positive.filter((x) => !NEUTRAL.has(x.key));
  const kernel = deciding.filter((x) => KERNEL_KEYS.has(x.key));
  if (kernel.length && kernel.length === deciding.length) return { keyedOn: 'kernel', keyedBy: kernel.map(shown) };
  return { keyedOn: 'other', keyedBy: deciding.map(shown) };
}

const MAX_WILDCARDS = 4;
/** PATH_MAX: longer templates and globs match no name. */
const MAX_NAME = 4096;

/** A udev glob (`*`, `?`, `[a-z]`, `|` alternatives) as an anchored regular expression. */
export function globRegExp(glob: string): RegExp {
  if (glob.length > MAX_NAME) return /$^/;
  const alt = glob.split('|').map((g) => {
    let re = '';
    for (let i = 0; i < g.length; i++) {
      const c = g[i];
      if (c === '*') re += '.*';
      else if (c === '?') re += '.';
      else if (c === '[') {
        const end = g.indexOf(']', i + 1);
        if (end < 0) re += '\\[';
        else {
          let body = g.slice(i + 1, end);
          if (body.startsWith('!')) body = '^' + body.slice(1);
          re += `[${body.replace(/\\/g, '\\\\')}]`;
          i = end;
        }
      } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
    }
    return re;
  });
  return new RegExp(`^(?:${alt.join('|')})$`);
}

/**
 * A SYMLINK template as a regular expression over the link name relative to /dev. `%k`/`$kernel`
 * become the kernel name when known; `%n`/`$number` digits; every other substitution (`$env{…}`,
 * `%E{…}`, `%c`, `$attr{…}`, …) any text.
 */
export function symlinkRegExp(template: string, kname?: string): RegExp {
  if (template.length > MAX_NAME) return /$^/; // no link name is that long
  let re = '';
  let wild = 0;
  const lit = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (template.startsWith('/dev/')) template = template.slice('/dev/'.length);
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c === '%' || c === '$') {
      const rest = template.slice(i + 1);
      if (rest[0] === c) {
        re += lit(c);
        i++;
        continue;
      }
      const m = c === '%' ? /^([A-Za-z])(\{[^}]*\})?/.exec(rest) : /^([a-z_]+)(\{[^}]*\})?/.exec(rest);
      if (!m) {
        re += lit(c);
        continue;
      }
      const name = m[1];
      i += m[0].length;
      if (name === 'k' || name === 'kernel') {
        if (kname) {
          re += lit(kname);
          continue;
        }
        wild++;
        re += '([^/]+)';
      } else if (name === 'n' || name === 'number') re += '\\d*';
      else {
        // Adjacent substitutions are one run of text: one wildcard, so matching stays linear.
        if (!re.endsWith('.+?')) {
          wild++;
          re += '.+?';
        }
      }
      continue;
    }
    re += lit(c);
  }
  // A template with many unknown substitutions cannot be attributed reliably (and would backtrack): none.
  if (wild > MAX_WILDCARDS) return /$^/;
  return new RegExp(`^${re}$`);
}

/** A rule with its patterns compiled once. */
interface Compiled {
  rule: UdevRule;
  /** SYMLINK templates without %k/$kernel: one expression each. */
  fixed: RegExp[];
  /** Templates with %k/$kernel: each %k a capture group, which must equal the kernel name when known. */
  perKernel: RegExp[];
  /** Kernel-name matches (KERNEL, NAME, DEVNAME) as expressions. */
  kernelMatches: { key: string; positive: boolean; re: RegExp }[];
}

const USES_KERNEL = /%k|\$kernel/;
/** Rules kept per host: enough for any real site, bounded for a hostile one. */
export const MAX_UDEV_RULES = 1000;

function compile(rule: UdevRule): Compiled {
  return {
    rule,
    fixed: rule.symlinks.filter((t) => !USES_KERNEL.test(t)).map((t) => symlinkRegExp(t)),
    perKernel: rule.symlinks.filter((t) => USES_KERNEL.test(t)).map((t) => symlinkRegExp(t)),
    kernelMatches: rule.matches
      .filter((x) => x.key === 'KERNEL' || x.key === 'NAME' || x.key === 'DEVNAME')
      .map((x) => ({ key: x.key, positive: x.op === '==', re: globRegExp(x.value) })),
  };
}

/** Whether a rule's kernel-name matches (KERNEL, DEVNAME, NAME) admit the device `kname`. */
function admitsKernel(c: Compiled, kname: string | undefined): boolean {
  if (!kname) return true;
  for (const x of c.kernelMatches) {
    const hit = x.key === 'DEVNAME' ? x.re.test(`/dev/${kname}`) || x.re.test(kname) : x.re.test(kname);
    if (hit !== x.positive) return false;
  }
  return true;
}

/** A match of a %k template fits when every %k captured the device's kernel name (any name when unknown). */
function kernelFits(m: RegExpExecArray | null, kname: string | undefined): boolean {
  if (!m) return false;
  if (kname === undefined) return true;
  for (let i = 1; i < m.length; i++) if (m[i] !== undefined && m[i] !== kname) return false;
  return true;
}

/** Links udev itself owns, never attributed to site rules. */
export function isSiteLinkCandidate(link: string): boolean {
  return link.startsWith('/dev/') && !/^\/dev\/(?:disk|mapper|vx|block|char)\//.test(link);
}

/**
 * The rules of a host, and for each link under /dev (outside /dev/disk, /dev/mapper, /dev/vx) the rule
 * that creates it: the rule whose SYMLINK template matches the link name and whose kernel matches admit
 * the link's device; among several, the last one (udev applies rule files in order, later ones win).
 */
export class UdevRuleSet {
  readonly rules: UdevRule[];
  private readonly withLinks: Compiled[];

  constructor(files: UdevRuleFile[] | undefined) {
    const sorted = [...(files ?? [])]
      .filter((f) => f && typeof f.text === 'string' && typeof f.file === 'string')
      .sort((a, b) => base(a.file).localeCompare(base(b.file)));
    const rules: UdevRule[] = [];
    for (const f of sorted) if (rules.length < MAX_UDEV_RULES) rules.push(...parseUdevRules(f.file, f.text, MAX_UDEV_RULES - rules.length));
    this.rules = rules;
    this.withLinks = this.rules.filter((r) => r.symlinks.length).map(compile);
  }

  get empty(): boolean {
    return this.withLinks.length === 0;
  }

  /** The rule creating `link` (an absolute path) for the device `kname` (when known), or undefined. */
  ruleFor(link: string, kname?: string): UdevLinkRule | undefined {
    if (!isSiteLinkCandidate(link) || !this.withLinks.length) return undefined;
    const rel = link.slice('/dev/'.length);
    let found: UdevRule | undefined;
    for (const c of this.withLinks) {
      if (!admitsKernel(c, kname)) continue;
      if (c.fixed.some((re) => re.test(rel)) || c.perKernel.some((re) => kernelFits(re.exec(rel), kname))) found = c.rule;
    }
    return found && { file: found.file, line: found.line, keyedOn: found.keyedOn, keyedBy: found.keyedBy };
  }
}

function base(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}
