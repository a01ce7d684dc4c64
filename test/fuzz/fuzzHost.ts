// The host-output fuzzer: collector output of the fixture hosts, mutated per section
// (version variants, garbage, binary, truncation, reordering) and as a whole, through
// splitCollectorOutput → snapshotFromCollectorOutput → HostIndex → analysis and hover of
// the example domains; and inventory snapshot JSON, mutated, through snapshotFromText →
// HostIndex → analysis. Allowed outcomes: a classified error with a one-line message, or a
// (partial) inventory whose failed tools have warnings. Anything else is a failure.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeDocument } from '../../server/src/analysis';
import { splitCollectorOutput } from '../../server/src/inventory/collectorOutput';
import { InventoryError } from '../../server/src/inventory/errors';
import { snapshotFromCollectorOutput } from '../../server/src/inventory/fetch';
import { snapshotFromRawOutput, snapshotFromText } from '../../server/src/inventory/load';
import { ParseError } from '../../server/src/inventory/parsers';
import { HostIndex } from '../../server/src/inventory/resolver';
import { InventorySnapshot, SnapshotError } from '../../server/src/inventory/snapshot';
import { LanguageService } from '../../server/src/languageService';
import { escapeXmlValue } from '../../server/src/xml/entities';
import { EXAMPLE_INVENTORY, EXAMPLE_INVENTORY_B, ROOT } from '../support/examples';
import { fixtureRenderSections, HOST_FIXTURES, renderCollectorOutput, RenderSection } from './collectorText';
import { LONG_LIMITS, MUTATORS, MutationContext, ODD_PATHS, SHORT_LIMITS } from './mutate';
import { Rng } from './rng';
import { inventoryPaths } from './seeds';
import type { Heartbeat } from './worker';

/** True for the errors the inventory code is allowed to throw, with a one-line message. */
export function isClassified(e: unknown): boolean {
  return (
    (e instanceof InventoryError || e instanceof SnapshotError || e instanceof ParseError) &&
    !e.message.includes('\n') &&
    e.message.length > 0
  );
}

// ---- section body variants -------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function hostileValue(r: Rng): Json {
  return r.pick<() => Json>([
    () => null,
    () => true,
    () => 0,
    () => -1,
    () => 1e308,
    () => Number.MAX_SAFE_INTEGER + 2,
    () => '',
    () => ' ',
    () => '123',
    () => '-5',
    () => '1e3',
    () => [],
    () => [null],
    () => ({}),
    () => ({ a: 1 }),
    () => 'x'.repeat(r.size(5000)),
    () => '/dev/sdc',
    () => '__proto__',
    () => '\u0000',
    () => '\ud800',
    () => [[[[]]]],
    () => 'sd\nc',
    () => r.pick(ODD_PATHS),
  ])();
}

/** lsblk JSON as another util-linux would print it, or damaged. */
function lsblkVariant(body: string, r: Rng): string {
  let data: { blockdevices: Record<string, Json>[] };
  try {
    data = JSON.parse(body);
  } catch {
    return body;
  }
  const walk = (nodes: Json, fn: (n: Record<string, Json>) => void) => {
    if (!Array.isArray(nodes)) return;
    for (const n of nodes) {
      if (n && typeof n === 'object' && !Array.isArray(n)) {
        fn(n);
        walk(n.children, fn);
      }
    }
  };
  const kind = r.int(9);
  walk(data.blockdevices as Json, (n) => {
    switch (kind) {
      case 0: // util-linux < 2.33: strings instead of numbers, no PATH
        for (const k of Object.keys(n)) if (typeof n[k] === 'number' || typeof n[k] === 'boolean') n[k] = String(n[k]);
        delete n.path;
        break;
      case 1: // < 2.37: MOUNTPOINT (a string) instead of MOUNTPOINTS (an array)
        n.mountpoint = Array.isArray(n.mountpoints) ? (n.mountpoints[0] ?? null) : null;
        delete n.mountpoints;
        break;
      case 2:
        delete n.path;
        if (r.chance(0.5)) delete n.kname;
        break;
      case 3: // random keys get hostile values
        for (const k of Object.keys(n)) if (r.chance(0.2)) n[k] = hostileValue(r);
        break;
      case 4: // random keys deleted
        for (const k of Object.keys(n)) if (r.chance(0.3)) delete n[k];
        break;
      case 5: // extra keys, upper-case keys (another --json style)
        n[r.pick(['rota', 'ro', 'rm', 'hotplug', 'NAME', 'disc-gran', '__proto__'])] = hostileValue(r);
        break;
      case 6: // children of the wrong type
        if (r.chance(0.3)) n.children = hostileValue(r);
        break;
      case 7: // a cycle of parents through pkname
        n.pkname = n.kname ?? null;
        break;
      default:
        n.size = r.pick<Json>(['1.5T', -1, 1e30, '018446744073709551615', null]);
    }
  });
  if (kind === 8 && r.chance(0.5)) (data as unknown as Record<string, Json>).blockdevices = hostileValue(r);
  let out = JSON.stringify(data, null, r.chance(0.5) ? 3 : undefined);
  if (r.chance(0.1)) out = `[${out}]`;
  if (r.chance(0.05)) out = `${'['.repeat(r.size(20_000))}${']'.repeat(r.size(20_000))}`;
  return out;
}

/** `vxdmpadm list dmpnode all` with optional keys missing, extra keys, odd path lines. */
function vxdmpadmVariant(body: string, r: Rng): string {
  const lines = body.split('\n');
  const out: string[] = [];
  for (const l of lines) {
    const key = l.split('=')[0].trim();
    if (key && key !== 'dmpdev' && r.chance(0.25)) continue; // optional key missing
    if (r.chance(0.05))
      out.push(
        r.pick([
          'new-key         = value',
          'path            =',
          'path            = sdz',
          'num_paths       = lots',
          'dmpdev          =',
          '= =',
          'dmpdev',
          'scsi3_vpd = -',
          'udid = ' + 'u'.repeat(r.size(3000)),
        ]),
      );
    out.push(r.chance(0.03) ? l.replace(/=/, ':') : l);
  }
  if (r.chance(0.1)) out.unshift('VxVM vxdmpadm ERROR V-5-1-0 something');
  return out.join(r.chance(0.1) ? '\r\n' : '\n');
}

/** `vxdisk -e -o alldgs list` without the ATTR or OS_NATIVE_NAME column, or with extra ones. */
function vxdiskVariant(body: string, r: Rng): string {
  const lines = body.split('\n');
  const kind = r.int(5);
  return lines
    .map((l, i) => {
      const f = l.trim().split(/\s+/);
      if (!l.trim()) return l;
      switch (kind) {
        case 0:
          return f.slice(0, -1).join('    '); // no ATTR
        case 1:
          return f.slice(0, i === 0 ? 5 : f.length - 2).join('  '); // neither OS_NATIVE_NAME nor ATTR
        case 2:
          return `${l}   ${i === 0 ? 'EXTRA' : 'x'}`;
        case 3:
          return r.chance(0.3) ? f.slice(0, r.int(f.length)).join(' ') : l;
        default:
          return i === 0 && r.chance(0.5) ? l.toLowerCase() : l.replace(/\s+/g, '\t');
      }
    })
    .join('\n');
}

function linksVariant(body: string, r: Rng): string {
  const extra = [
    '/dev/disk/by-id/loop-a\t../../disk/by-id/loop-b',
    '/dev/disk/by-id/loop-b\t../../disk/by-id/loop-a',
    '/dev/disk/by-id/self\tself',
    '/dev/disk/by-id/up\t../../../../../../../../etc/passwd',
    'relative/link\t../sdc',
    '/dev/disk/by-id/empty\t',
    '\t/dev/sdc',
    '/dev/disk/by-id/__proto__\t../../sdc',
    '/dev/disk/by-id/constructor\t../../sdc',
    '/dev/disk/by-id/tab\tin\tname',
    '/dev/disk/by-id/cr\t../../sdc\r',
    `/dev/disk/by-id/${'l'.repeat(r.size(5000))}\t../../sdc`,
    '/dev/disk/by-id/wwn-0x60002ac000000000000000120001a2b3\t../../sdd',
    '/dev/mapper/x\t/dev/dm-99',
  ];
  const lines = body.split('\n').filter(() => !r.chance(0.1));
  for (let n = r.range(1, 5); n > 0; n--) lines.splice(r.int(lines.length + 1), 0, r.pick(extra));
  return lines.join('\n');
}

function garbage(r: Rng, n: number): string {
  const kind = r.int(4);
  if (kind === 0) return Buffer.from(Array.from({ length: n }, () => r.int(256))).toString('utf8'); // binary, decoded as the transport does
  if (kind === 1) return 'x'.repeat(n);
  if (kind === 2) return Array.from({ length: Math.ceil(n / 20) }, () => '#LDI-END lsblk rc=0\n').join('');
  return '{"blockdevices": ['.repeat(Math.ceil(n / 18));
}

function bodyVariant(s: RenderSection, r: Rng, ctx: MutationContext): RenderSection {
  const b = s.body;
  let body: string;
  const kind = r.int(10);
  if (kind < 5) {
    if (s.name === 'lsblk') body = lsblkVariant(b, r);
    else if (s.name === 'vxdmpadm') body = vxdmpadmVariant(b, r);
    else if (s.name === 'vxdisk') body = vxdiskVariant(b, r);
    else if (s.name === 'links') body = linksVariant(b, r);
    else if (s.name.startsWith('virsh-dumpxml'))
      body = MUTATORS[r.pick(['truncate', 'doctype', 'pathInject', 'tokens', 'deleteSpan'])](b, r, ctx);
    else body = MUTATORS[r.pick(['truncate', 'token', 'charFlip', 'duplicateSpan'])](b, r, ctx);
  } else if (kind < 7)
    body = MUTATORS[
      r.pick(['truncate', 'deleteSpan', 'duplicateSpan', 'tokens', 'invalidUtf8', 'control', 'lineEndings', 'charFlip', 'bom'])
    ](b, r, ctx);
  else if (kind < 9) body = garbage(r, r.size(ctx.limits.maxLong));
  else body = '';
  const rc = r.chance(0.1) ? r.pick([1, 2, 127, 137, 255, null, 999999999999]) : s.rc;
  const stderr = r.chance(0.1) ? [...s.stderr, r.pick(['error: failed', 'x'.repeat(500), 'sh: 1: tool: not found', ''])] : s.stderr;
  return { ...s, body, rc, stderr };
}

/** Whole-output mutations on the rendered text (markers, truncation, line ends). */
function outputMutation(t: string, r: Rng, ctx: MutationContext): string {
  const kind = r.int(8);
  switch (kind) {
    case 0:
      return t.slice(0, r.int(t.length + 1));
    case 1:
      return t.replace(/\n/g, '\r\n');
    case 2: {
      const markers = [
        '#LDI-END lsblk rc=0\n',
        '#LDI-BEGIN lsblk\n',
        '#LDI-DONE\n',
        '#LDI-COLLECTOR 2\n',
        '#LDI-COLLECTOR x\n',
        '#LDI-ERR lsblk boom\n',
        '#LDI-ABSENT lsblk lsblk\n',
        '#LDI-END links rc=99999999999999999\n',
        '#LDI-BEGIN \n',
        '#LDI-ERR \n',
        '#LDI-ABSENT x\n',
      ];
      const at = t.indexOf('\n', r.int(t.length)) + 1;
      return t.slice(0, at) + r.pick(markers) + t.slice(at);
    }
    case 3:
      return r.pick(['Welcome to kvm-a\nLast login: yesterday\n', '\ufeff', '', 'motd\r\n']) + t;
    case 4:
      return MUTATORS.invalidUtf8(t, r, ctx);
    case 5:
      return MUTATORS.deleteSpan(t, r, ctx);
    case 6:
      return MUTATORS.duplicateSpan(t, r, ctx);
    default:
      return MUTATORS.control(t, r, ctx);
  }
}

export interface HostFuzzInput {
  kind: 'collector' | 'snapshot';
  text: string;
  ops: string[];
}

let snapshotTexts: string[] | undefined;
function snapshots(): string[] {
  return (snapshotTexts ??= [EXAMPLE_INVENTORY, EXAMPLE_INVENTORY_B].map((p) => readFileSync(p, 'utf8')));
}

let fixtureSectionLists: { name: string; sections: RenderSection[] }[] | undefined;
function fixtures(): { name: string; sections: RenderSection[] }[] {
  return (fixtureSectionLists ??= HOST_FIXTURES.map((f) => ({ name: f.name, sections: fixtureRenderSections(f.dir, f.name) })));
}

/** Structural mutation of snapshot JSON: values of the wrong type, keys removed, prototype keys. */
function snapshotMutation(text: string, r: Rng, ctx: MutationContext): { text: string; ops: string[] } {
  const ops: string[] = [];
  if (r.chance(0.2)) {
    ops.push('text');
    return {
      text: MUTATORS[r.pick(['truncate', 'deleteSpan', 'charFlip', 'tokens', 'invalidUtf8', 'bom', 'duplicateSpan'])](text, r, ctx),
      ops,
    };
  }
  const data = JSON.parse(text) as Record<string, Json>;
  const paths: { parent: Record<string, Json> | Json[]; key: string | number }[] = [];
  const collect = (v: Json, depth: number) => {
    if (depth > 6 || paths.length > 5000) return;
    if (Array.isArray(v))
      v.forEach((x, i) => {
        paths.push({ parent: v, key: i });
        collect(x, depth + 1);
      });
    else if (v && typeof v === 'object')
      for (const k of Object.keys(v)) {
        paths.push({ parent: v, key: k });
        collect(v[k], depth + 1);
      }
  };
  collect(data, 0);
  for (let n = r.range(1, 6); n > 0; n--) {
    const p = r.pick(paths);
    const op = r.int(4);
    if (op === 0) {
      ops.push(`hostile ${String(p.key)}`);
      (p.parent as Record<string, Json>)[p.key as string] = hostileValue(r);
    } else if (op === 1 && !Array.isArray(p.parent)) {
      ops.push(`delete ${String(p.key)}`);
      delete (p.parent as Record<string, Json>)[p.key as string];
    } else if (op === 2) {
      ops.push('top-level');
      data[
        r.pick(['format', 'host', 'devices', 'links', 'dmp', 'vxvm', 'cluster', 'domains', 'tools', 'warnings', 'collectedAt', 'hostname'])
      ] = hostileValue(r);
    } else {
      ops.push('link');
      const links = (data.links && typeof data.links === 'object' && !Array.isArray(data.links) ? data.links : (data.links = {})) as Record<
        string,
        Json
      >;
      links[r.pick(['__proto__', 'constructor', '/dev/sdc', r.pick(ctx.paths)])] = hostileValue(r);
    }
  }
  let out = JSON.stringify(data);
  // JSON.stringify drops a "__proto__" own key set through an assignment; write one in by hand too.
  if (r.chance(0.2)) out = out.replace(/^\{/, '{"__proto__":{"devices":5,"links":{"/dev/sdc":"/dev/sdd"}},');
  return { text: out, ops };
}

export function hostFuzzInput(seed: number, iteration: number, limits: 'short' | 'long'): HostFuzzInput {
  const r = Rng.forIteration(seed, iteration, 0x5157);
  const ctx: MutationContext = { limits: limits === 'long' ? LONG_LIMITS : SHORT_LIMITS, paths: inventoryPaths(), donors: [] };
  if (r.chance(0.25)) {
    const m = snapshotMutation(r.pick(snapshots()), r, ctx);
    return { kind: 'snapshot', text: m.text, ops: m.ops };
  }
  const f = r.pick(fixtures());
  let sections = f.sections.map((s) => ({ ...s, stderr: [...s.stderr] }));
  const ops: string[] = [f.name];
  for (let n = r.range(1, 3); n > 0; n--) {
    const op = r.int(6);
    if (op <= 2) {
      const i = r.int(sections.length);
      sections[i] = bodyVariant(sections[i], r, ctx);
      ops.push(`body ${sections[i].name}`);
    } else if (op === 3) {
      ops.push('reorder');
      for (let i = sections.length - 1; i > 0; i--) {
        const j = r.int(i + 1);
        [sections[i], sections[j]] = [sections[j], sections[i]];
      }
    } else if (op === 4) {
      ops.push('drop/duplicate');
      const i = r.int(sections.length);
      if (r.chance(0.5)) sections.splice(i, 1);
      else sections.splice(r.int(sections.length), 0, { ...sections[i] });
    } else {
      ops.push('absent');
      const i = r.int(sections.length);
      sections[i] = { ...sections[i], body: '', rc: null, absent: r.pick([sections[i].name, '', 'x y']) };
    }
  }
  sections = sections.filter(Boolean);
  let text = renderCollectorOutput(sections, { done: !r.chance(0.1) });
  if (r.chance(0.4)) {
    text = outputMutation(text, r, ctx);
    ops.push('output');
  }
  return { kind: 'collector', text, ops };
}

// ---- the loop ------------------------------------------------------------------------------

export interface HostFuzzJob {
  kind: 'host';
  seed: number;
  start?: number;
  iterations: number;
  boundMs: number;
  limits: 'short' | 'long';
}

export interface HostFuzzFailure {
  iteration: number;
  kind: 'exception' | 'slow' | 'invariant';
  op: string;
  message: string;
  ms?: number;
}

export interface HostFuzzResult {
  iterations: number;
  collectorInputs: number;
  snapshotInputs: number;
  snapshots: number;
  classifiedErrors: number;
  warnings: number;
  failedTools: number;
  bytes: number;
  maxMs: number;
  maxOp: string;
  failures: HostFuzzFailure[];
  errorKinds: Record<string, number>;
}

let docs: string[] | undefined;
function exampleDocs(): string[] {
  return (docs ??= ['app01.xml', 'db02.xml', 'web02.xml'].map((f) => readFileSync(join(ROOT, 'examples/domains', f), 'utf8')));
}

export function runHostFuzz(job: HostFuzzJob, hb: Heartbeat): HostFuzzResult {
  const res: HostFuzzResult = {
    iterations: 0,
    collectorInputs: 0,
    snapshotInputs: 0,
    snapshots: 0,
    classifiedErrors: 0,
    warnings: 0,
    failedTools: 0,
    bytes: 0,
    maxMs: 0,
    maxOp: '',
    failures: [],
    errorKinds: {},
  };
  const start = job.start ?? 0;
  for (let i = start; i < start + job.iterations; i++) {
    hb.beat(i, 0);
    const input = hostFuzzInput(job.seed, i, job.limits);
    res.iterations++;
    res.bytes += input.text.length;
    let phase = 1;
    const fail = (kind: HostFuzzFailure['kind'], op: string, message: string, ms?: number) => {
      if (res.failures.length < 50) res.failures.push({ iteration: i, kind, op, message, ms });
    };
    /** Runs fn timed; a classified error is an allowed outcome (returned as 'classified'). */
    const call = <T>(op: string, fn: () => T, classifiedOk: boolean): T | 'classified' | undefined => {
      hb.beat(i, phase++);
      const t0 = performance.now();
      let value: T | 'classified' | undefined;
      try {
        value = fn();
      } catch (e) {
        if (classifiedOk && isClassified(e)) {
          res.classifiedErrors++;
          const kind = e instanceof InventoryError ? `InventoryError:${e.kind}` : (e as Error).constructor.name;
          res.errorKinds[kind] = (res.errorKinds[kind] ?? 0) + 1;
          value = 'classified';
        } else fail('exception', op, ((e as Error)?.stack ?? String(e)).split('\n').slice(0, 8).join('\n'));
      }
      const ms = performance.now() - t0;
      if (ms > res.maxMs) {
        res.maxMs = ms;
        res.maxOp = op;
      }
      if (ms > job.boundMs) fail('slow', op, `${op} took ${ms.toFixed(0)} ms (bound ${job.boundMs} ms)`, ms);
      return value;
    };
    let snap: InventorySnapshot | 'classified' | undefined;
    if (input.kind === 'snapshot') {
      res.snapshotInputs++;
      snap = call('snapshotFromText', () => snapshotFromText(input.text, 'fuzz.json'), true);
    } else {
      res.collectorInputs++;
      const out = call('splitCollectorOutput', () => splitCollectorOutput(input.text), false);
      if (out && out !== 'classified') {
        snap = call('snapshotFromCollectorOutput', () => snapshotFromCollectorOutput('fuzz-host', out, '2026-01-01T00:00:00.000Z'), true);
      }
      call('snapshotFromRawOutput', () => snapshotFromRawOutput(input.text, 'fuzz.out'), true);
    }
    if (!snap || snap === 'classified') continue;
    res.snapshots++;
    const warnings = Array.isArray(snap.warnings) ? snap.warnings : [];
    res.warnings += warnings.length;
    const failedTools = Object.values(snap.tools ?? {}).filter((s) => s === 'failed').length;
    res.failedTools += failedTools;
    if (input.kind === 'collector') {
      if (warnings.length < failedTools) fail('invariant', 'buildSnapshot', `${failedTools} failed tools but ${warnings.length} warnings`);
      const bad = warnings.find((w) => typeof w !== 'string' || w.includes('\n') || w.length > 4000);
      if (bad !== undefined)
        fail('invariant', 'buildSnapshot', `a warning is not one bounded line: ${JSON.stringify(String(bad).slice(0, 200))}`);
    }
    const idx = call('new HostIndex', () => new HostIndex(snap as InventorySnapshot), false);
    if (!idx || idx === 'classified') continue;
    const svc = new LanguageService({ hostsFor: () => [idx] });
    // The example domains, and one whose disks name this inventory's own links and odd keys.
    const linkKeys = snap.links && typeof snap.links === 'object' ? Object.keys(snap.links).slice(0, 12) : [];
    const own = [...linkKeys, '__proto__', 'constructor', '/dev/disk/by-id/__proto__', '/dev/sdc', '/dev/vx/dmp/3pardata0_12s1'].map(
      (p, k) =>
        `<disk type='block'><source dev='${escapeXmlValue(String(p), "'") ?? ''}'/><target dev='vd${String.fromCharCode(97 + (k % 26))}${k}'/></disk>`,
    );
    // Two of the four documents per input (chosen by the iteration), the one naming this inventory's links most often.
    const pickRng = Rng.forIteration(job.seed, i, 0xd0c5);
    const docsHere = [...exampleDocs(), `<domain><name>own</name><devices>${own.join('')}</devices></domain>`];
    const chosen = new Set([3, pickRng.int(3)]);
    docsHere.forEach((text, d) => {
      if (!chosen.has(d)) return;
      const a = call(`analyzeDocument(example ${d})`, () => analyzeDocument(text, [idx]), false);
      if (!a || a === 'classified' || !a.model) return;
      const doc = { uri: `file:///ex${d}.xml`, text };
      for (const disk of a.model.disks) {
        if (!disk.hostPath) continue;
        const p = a.doc.lines.positionAt(disk.hostPath.start);
        const at = JSON.stringify(disk.hostPath.value.slice(0, 80));
        call(`hover(doc ${d}, ${at})`, () => svc.hover(doc, p), false);
        call(`codeActions(doc ${d}, ${at})`, () => svc.codeActions(doc, { start: p, end: p }), false);
      }
    });
  }
  return res;
}
