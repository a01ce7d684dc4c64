/**
 * Comparing domain definitions (pure, no I/O): a file with what a host has defined (`diskDrift`, for
 * `differs-from-host`), a file with libvirt's readback after a define (`droppedOrRewritten`), and a
 * canonical text of either for a review diff (`normalisedXml`, `definitionDiff`).
 *
 * libvirt normalises what it is given (`virsh dumpxml` adds `<uuid>`, `currentMemory`, controllers,
 * `<address>` elements, a `<cpu>` block, expands `machine='q35'`, gives memory in KiB): a byte
 * comparison is meaningless, so these compare only what the file sets, modulo those normalisations.
 */
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import { cap, terminalText } from '../encode';
import type { HostDomain, HostDomainDisk } from '../inventory/snapshot';
import { decodeXmlEntities } from '../xml/entities';
import { attr, child, parseXml, type XmlElement } from '../xml/parse';
import type { DiskModel, DomainModel, ValueRef } from './model';

// ---- disks: file vs host ----------------------------------------------------------------------

/** One difference between the file's disks and a host's definition of the same domain. */
export type DiskDrift =
  | {
      /** The disk at this target has another source on the host (or the file's disk names no path there). */
      kind: 'source';
      /** The target dev both sides use (absent for a `<hostdev>`). */
      target?: string;
      /** Where the file's value is written (its source path, a volume's name, else its target dev), and the value. */
      file: ValueRef;
      host: string;
    }
  | {
      /** The disk with this source sits at another target on the host. */
      kind: 'target';
      source: string;
      /** The file's `<target dev>` value and span. */
      file: ValueRef;
      host: string;
    }
  | {
      /** The file has this disk; the host's definition has none at its target (or with its source, for a hostdev). */
      kind: 'added';
      target?: string;
      source: string;
      /** Span of the file's `<disk>`/`<hostdev>` element. */
      start: number;
      end: number;
    }
  | {
      /** The host's definition has this disk; the file has none at its target. */
      kind: 'removed';
      target?: string;
      source: string;
    };

/** What `virFileSanitizePath` does to a path libvirt reads: `//` collapsed, no trailing `/`. */
function sanitizePath(p: string): string {
  const s = p.replace(/\/{2,}/g, '/');
  return s.length > 1 && s.endsWith('/') ? s.slice(0, -1) : s;
}

interface FileDisk {
  disk: DiskModel;
  target?: string;
  source?: string;
}

/**
 * The differences between the file's disks and the host's definition of the domain, matched by
 * `<target dev>` (a disk without one, a `<hostdev>`, by its source path). Only what the host's disk
 * list can hold is compared: the host lists disks that name a host path, so a file's disk without one
 * (a pool volume, a network disk, an empty cdrom) counts only where the host has a disk at its target.
 * Equal disks give nothing. Entries come in the file's order, the removed ones last.
 */
export function diskDrift(file: DomainModel, host: HostDomain): DiskDrift[] {
  const mine: FileDisk[] = file.disks
    .filter((d) => d.kind === 'disk' || d.kind === 'hostdev')
    .map((d) => ({ disk: d, target: d.target?.dev?.value, source: d.hostPath ? sanitizePath(d.hostPath.value) : undefined }));
  const theirs: HostDomainDisk[] = Array.isArray(host.disks) ? host.disks : [];
  const used = new Set<number>();
  const matched = new Map<FileDisk, number>();
  // 1. By target.
  for (const m of mine) {
    if (!m.target) continue;
    const i = theirs.findIndex((h, k) => !used.has(k) && h.target === m.target);
    if (i >= 0) {
      used.add(i);
      matched.set(m, i);
    }
  }
  // 2. What is left, by source: the same disk moved to another target.
  for (const m of mine) {
    if (matched.has(m) || m.source === undefined) continue;
    const i = theirs.findIndex((h, k) => !used.has(k) && sanitizePath(h.source) === m.source);
    if (i >= 0) {
      used.add(i);
      matched.set(m, i);
    }
  }
  const out: DiskDrift[] = [];
  for (const m of mine) {
    const i = matched.get(m);
    const d = m.disk;
    if (i === undefined) {
      if (m.source !== undefined)
        out.push({ kind: 'added', ...(m.target ? { target: m.target } : {}), source: d.hostPath!.value, start: d.start, end: d.end });
      continue;
    }
    const h = theirs[i];
    if (m.source === undefined || sanitizePath(h.source) !== m.source) {
      // The file's disk names no host path: its volume or network name stands for it ('' for an empty cdrom).
      const ref: ValueRef = d.hostPath ?? d.volumeRef ?? d.source.name ?? d.target?.dev ?? { value: '', start: d.start, end: d.start };
      const value = d.hostPath
        ? d.hostPath.value
        : d.volumeRef
          ? `${d.volumeRef.pool.value}/${d.volumeRef.volume.value}`
          : d.source.name
            ? `${d.source.protocol?.value ?? ''}${d.source.protocol ? ':' : ''}${d.source.name.value}`
            : '';
      out.push({ kind: 'source', ...(m.target ? { target: m.target } : {}), file: { ...ref, value }, host: h.source });
    } else if (h.target !== m.target && d.target?.dev && h.target !== undefined) {
      out.push({ kind: 'target', source: d.hostPath!.value, file: d.target.dev, host: h.target });
    }
  }
  theirs.forEach((h, k) => {
    if (!used.has(k)) out.push({ kind: 'removed', ...(h.target ? { target: h.target } : {}), source: h.source });
  });
  return out;
}

// ---- a define's readback ----------------------------------------------------------------------

/** Something the file set that libvirt's readback lacks (`readback` undefined) or holds differently. */
export interface DefineChange {
  /** Where, from the root: `devices/disk[vdb]/driver/@cache`; an element's text or the element itself: its path. */
  path: string;
  what: 'attribute' | 'text' | 'element';
  /** The file's value (decoded); for an element, the element on one line (`<serial>X</serial>`, `<iotune>…</iotune>`). */
  file: string;
  /** The readback's value; undefined when libvirt dropped it. */
  readback?: string;
  /** One line: "libvirt dropped devices/disk[vdb]/driver/@cache='unsafe'". Values capped, controls escaped. */
  message: string;
  /** The span of the file's value (or of the dropped element) in the file's text. */
  start: number;
  end: number;
}

/** A value in a message: capped (the message is made one line by `terminalText` as a whole). */
const v = (s: string) => cap(s, 256);

const collapse = (s: string) => s.trim().replace(/\s+/g, ' ');

function textOf(el: XmlElement): string {
  return collapse(decodeXmlEntities(el.text));
}

/** libvirt's scaled units (virScaleInteger): bytes, K/KiB…E/EiB (1024ⁿ), KB…EB (1000ⁿ); case-insensitive. */
function unitFactor(unit: string | undefined): bigint | undefined {
  if (unit === undefined || unit === '') return 1024n; // memory sizes default to KiB
  const u = unit.trim().toLowerCase();
  if (u === 'b' || u === 'bytes') return 1n;
  const m = /^([kmgtpe])(ib|b)?$/.exec(u);
  if (!m) return undefined;
  const n = BigInt('kmgtpe'.indexOf(m[1]) + 1);
  return (m[2] === 'b' ? 1000n : 1024n) ** n;
}

function integer(s: string | undefined): bigint | undefined {
  if (s === undefined) return undefined;
  const t = s.trim();
  if (/^\d{1,30}$/.test(t)) return BigInt(t);
  if (/^0x[0-9a-f]{1,30}$/i.test(t)) return BigInt(t);
  return undefined;
}

type QuantityPlace = 'text' | 'size' | 'memory';

/** A scaled quantity: an element with `unit=` holds it as its text, or as `size=`/`memory=` (`<page size unit>`, `<cell memory unit>`). */
function quantityOf(el: XmlElement): { where: QuantityPlace; value: string } | undefined {
  const t = decodeXmlEntities(el.text).trim();
  if (t && integer(t) !== undefined) return { where: 'text', value: t };
  for (const a of ['size', 'memory'] as const) {
    const x = attr(el, a)?.value;
    if (x !== undefined && integer(x) !== undefined) return { where: a, value: x };
  }
  return undefined;
}

function bytes(value: string, unit: string | undefined): bigint | undefined {
  const n = integer(value);
  const f = unitFactor(unit);
  return n === undefined || f === undefined ? undefined : n * f;
}

/** A cpuset-like list ("0-3,^2,8") as a canonical string of its members, or undefined when it is not one. */
function cpuList(s: string): string | undefined {
  return cpuMembers(s)?.join(',');
}

/** The members of a cpuset-like list, ascending; undefined when it is not one. */
function cpuMembers(s: string): number[] | undefined {
  const set = new Set<number>();
  for (const p of s.split(',').map((x) => x.trim())) {
    const m = /^(\^)?(\d{1,6})(?:-(\d{1,6}))?$/.exec(p);
    if (!m) return undefined;
    const a = Number(m[2]);
    const b = m[3] !== undefined ? Number(m[3]) : a;
    if (b < a || b - a > 65536) return undefined;
    for (let i = a; i <= b; i++) {
      if (m[1]) set.delete(i);
      else set.add(i);
    }
  }
  return [...set].sort((x, y) => x - y);
}

const CPU_LISTS = new Set(['cpuset', 'cpus', 'nodeset']);
/** `<vcpusched vcpus>`, `<iothreadsched iothreads>`: libvirt splits a list into one element per member. */
const SPLIT_LISTS: Record<string, string> = { vcpusched: 'vcpus', iothreadsched: 'iothreads' };

/** libvirt's machine aliases: `pc` → `pc-i440fx-X.Y`, `q35` → `pc-q35-X.Y`, `virt` → `virt-X.Y`, `pseries` → `pseries-X.Y`. */
function isMachineExpansion(file: string, readback: string): boolean {
  if (file === 'pc' && /^pc-i440fx-\d/.test(readback)) return true;
  if (file === 'q35' && /^pc-q35-\d/.test(readback)) return true;
  return readback.startsWith(`${file}-`) && /^\d+(\.\d+)*$/.test(readback.slice(file.length + 1));
}

/** Whether two values of element `el`'s attribute `name` (its text: name undefined) mean the same to libvirt. */
function sameValue(el: string, name: string | undefined, file: string, readback: string, parent: string | undefined): boolean {
  if (file === readback) return true;
  if ((el === 'uuid' && name === undefined) || name === 'uuid') {
    const u = (s: string) => s.replace(/[-\s]/g, '').toLowerCase();
    return u(file) === u(readback);
  }
  if (el === 'mac' && name === 'address') return file.trim().toLowerCase() === readback.trim().toLowerCase();
  if (el === 'type' && parent === 'os' && name === 'machine') return isMachineExpansion(file.trim(), readback.trim());
  if (name !== undefined && CPU_LISTS.has(name)) {
    const a = cpuList(file);
    return a !== undefined && a === cpuList(readback);
  }
  if (name !== undefined && SPLIT_LISTS[el] === name) {
    // The readback's element holds one part of the file's list.
    const a = cpuMembers(file);
    const b = cpuMembers(readback);
    return !!a && !!b && b.length > 0 && b.every((x) => a.includes(x));
  }
  // A number written another way: slot='3' and slot='0x03'.
  const a = integer(file);
  return a !== undefined && a === integer(readback);
}

function named(el: XmlElement, a: string): string | undefined {
  const x = attr(el, a)?.value;
  return x === undefined ? undefined : `${a}=${x.trim()}`;
}

/** The key that identifies one of several same-named siblings, where there is one. */
function keyOf(el: XmlElement): string | undefined {
  const tgt = child(el, 'target');
  switch (el.name) {
    case 'disk':
    case 'hostdev':
    case 'filesystem': {
      const dev = tgt && (attr(tgt, 'dev') ?? attr(tgt, 'dir'));
      if (dev) return dev.value;
      if (el.name !== 'hostdev') return undefined;
      const src = child(el, 'source');
      const block = src && child(src, 'block');
      if (block) return collapse(decodeXmlEntities(block.text));
      const a = src && child(src, 'address');
      if (!a) return undefined;
      // PCI (domain bus slot function) or SCSI (bus target unit) address, numbers compared as numbers.
      const n = (k: string) => integer(attr(a, k)?.value)?.toString(16) ?? '';
      return ['domain', 'bus', 'slot', 'function', 'target', 'unit'].map(n).join(':');
    }
    case 'interface': {
      const mac = child(el, 'mac');
      const a = mac && attr(mac, 'address');
      return a ? a.value.trim().toLowerCase() : undefined;
    }
    case 'controller': {
      const type = attr(el, 'type')?.value;
      const index = integer(attr(el, 'index')?.value);
      return type !== undefined && index !== undefined ? `${type}:${index}` : undefined;
    }
    case 'channel':
      return (tgt && attr(tgt, 'name'))?.value;
    case 'video': {
      // libvirt lists the primary video first.
      const model = child(el, 'model');
      return model && attr(model, 'primary')?.value === 'yes' ? 'primary' : undefined;
    }
    // Numbered: the key names the attribute, so it is not read as a position (`cell[id=0]`).
    case 'cell': // <cpu><numa><cell id>, sorted by id in the readback
      return named(el, 'id');
    case 'vcpupin':
      return named(el, 'vcpu');
    case 'iothreadpin':
      return named(el, 'iothread');
    case 'vcpusched':
    case 'iothreadsched': {
      // Split one element per member in the readback: the first member finds the first part.
      const a = SPLIT_LISTS[el.name];
      const m = cpuMembers(attr(el, a)?.value ?? '');
      return m?.length ? `${a}:${m[0]}` : undefined;
    }
    case 'device': {
      // <blkiotune><device><path>
      const p = child(el, 'path');
      return p ? collapse(decodeXmlEntities(p.text)) : undefined;
    }
    default:
      return undefined;
  }
}

/** Attributes that tell same-named siblings without a key apart (controllers without index, inputs, graphics, boot). */
const DISCRIMINATORS = ['type', 'model', 'bus', 'device', 'dev', 'name'];

/**
 * The readback's counterpart of a file's element among the readback's same-named children not yet
 * taken: by key where the element has one; else the one at the same `<address>`, else the one agreeing
 * on every discriminating attribute the file sets, else on `type`, else (the file sets no type) the
 * first; the only one when both sides have exactly one.
 */
function counterpart(el: XmlElement, candidates: XmlElement[], taken: Set<XmlElement>, fileSiblings: number): XmlElement | undefined {
  const free = candidates.filter((c) => !taken.has(c));
  const key = keyOf(el);
  if (key !== undefined) return free.find((c) => keyOf(c) === key);
  // A device with an <address>: the one at that address (libvirt may reorder them, e.g. the primary video first).
  const address = child(el, 'address');
  if (address?.attributes.length) {
    const at = free.find((c) => {
      const ca = child(c, 'address');
      return !!ca && address.attributes.every((a) => sameValue('address', a.name, a.value, attr(ca, a.name)?.value ?? '', undefined));
    });
    if (at) return at;
  }
  const set = DISCRIMINATORS.filter((a) => attr(el, a) !== undefined);
  const agrees = (c: XmlElement, names: string[]) => names.every((a) => attr(c, a)?.value === attr(el, a)!.value);
  const typed = !!attr(el, 'type');
  return (
    free.find((c) => agrees(c, set)) ??
    (typed ? free.find((c) => agrees(c, ['type'])) : free[0]) ??
    (fileSiblings === 1 && candidates.length === 1 ? free[0] : undefined)
  );
}

/** An element on one line, as `normalisedXml` writes it; its content elided when it has child elements. */
function oneLine(el: XmlElement): string {
  const attrs = el.attributes.map((a) => ` ${a.name}='${canonicalAttr(a.value)}'`).join('');
  if (el.children.length) return `<${el.name}${attrs}>…</${el.name}>`;
  const t = decodeXmlEntities(el.text).trim();
  return t ? `<${el.name}${attrs}>${canonicalText(t)}</${el.name}>` : `<${el.name}${attrs}/>`;
}

class ReadbackComparison {
  readonly out: DefineChange[] = [];
  constructor(private readonly fileText: string) {}

  private push(c: Omit<DefineChange, 'message'>, message: string): void {
    this.out.push({ ...c, message: terminalText(message) });
  }

  dropped(c: Omit<DefineChange, 'message' | 'readback'>): void {
    const m =
      c.what === 'element'
        ? `libvirt dropped ${v(c.path)} (${v(c.file)})`
        : c.what === 'text'
          ? `libvirt dropped the text of ${v(c.path)}: '${v(c.file)}'`
          : `libvirt dropped ${v(c.path)}='${v(c.file)}'`;
    this.push(c, m);
  }

  rewrote(c: Omit<DefineChange, 'message'> & { readback: string }): void {
    this.push(c, `libvirt rewrote ${v(c.path)}: '${v(c.file)}' → '${v(c.readback)}'`);
  }

  /** The span of an element's trimmed text (its start tag when it has none). */
  textSpan(el: XmlElement): { start: number; end: number } {
    const raw = this.fileText.slice(el.contentStart, el.contentEnd);
    const lead = raw.length - raw.trimStart().length;
    const t = raw.trim();
    return t ? { start: el.contentStart + lead, end: el.contentStart + lead + t.length } : { start: el.start, end: el.startTagEnd };
  }

  /** A scaled quantity (memory, currentMemory, hugepages, NUMA cells, …) compared in bytes, its unit with it; where it was. */
  private quantity(f: XmlElement, r: XmlElement, path: string): QuantityPlace | undefined {
    const fq = quantityOf(f);
    if (!fq || !(attr(f, 'unit') || attr(r, 'unit'))) return undefined;
    const rq = quantityOf(r);
    const fb = bytes(fq.value, attr(f, 'unit')?.value);
    const rb = rq && rq.where === fq.where ? bytes(rq.value, attr(r, 'unit')?.value) : undefined;
    if (fb !== undefined && fb === rb) return fq.where;
    // No unit in the file, the same number back with one: libvirt wrote out the element's own default unit.
    if (!attr(f, 'unit') && rq?.where === fq.where && integer(rq.value) === integer(fq.value)) return fq.where;
    const file = `${fq.value} ${attr(f, 'unit')?.value ?? 'KiB'}`;
    const back = rq && rq.where === fq.where ? `${rq.value} ${attr(r, 'unit')?.value ?? 'KiB'}` : undefined;
    const isText = fq.where === 'text';
    const a = isText ? undefined : attr(f, fq.where)!;
    const c = {
      path: isText ? path : `${path}/@${fq.where}`,
      what: isText ? ('text' as const) : ('attribute' as const),
      file,
      ...(a ? { start: a.valueStart, end: a.valueEnd } : this.textSpan(f)),
    };
    if (back === undefined) this.dropped(c);
    else this.rewrote({ ...c, readback: back });
    return fq.where;
  }

  /** Compares the two trees in document order; iterative, so a deep document cannot overflow the stack. */
  compare(file: XmlElement, readback: XmlElement): void {
    type Work = { f: XmlElement; r?: XmlElement; path: string; parent?: string };
    const stack: Work[] = [{ f: file, r: readback, path: '' }];
    while (stack.length) {
      const { f, r, path, parent } = stack.pop()!;
      if (!r) this.dropped({ path, what: 'element', file: oneLine(f), start: f.start, end: f.end });
      else stack.push(...this.compareOne(f, r, path, parent).reverse());
    }
  }

  /** One element's attributes and text; its children paired with their counterparts (none: dropped). */
  private compareOne(f: XmlElement, r: XmlElement, path: string, parent: string | undefined) {
    const at = (s: string) => (path ? `${path}/${s}` : s);
    const q = this.quantity(f, r, path || f.name);
    for (const a of f.attributes) {
      if (a.name === 'xmlns' || a.name.startsWith('xmlns:')) continue; // declarations, not settings
      if (!path && a.name === 'id') continue; // <domain id>: a running domain's number, never part of a definition
      if (q && (a.name === 'unit' || a.name === q)) continue;
      const c = { path: at(`@${a.name}`), what: 'attribute' as const, file: a.value, start: a.valueStart, end: a.valueEnd };
      const rv = attr(r, a.name)?.value;
      if (rv === undefined) this.dropped(c);
      else if (!sameValue(f.name, a.name, a.value, rv, parent)) this.rewrote({ ...c, readback: rv });
    }
    const ft = textOf(f);
    if (ft && q !== 'text') {
      const rt = textOf(r);
      const c = { path: path || f.name, what: 'text' as const, file: ft, ...this.textSpan(f) };
      if (!rt) this.dropped(c);
      else if (!sameValue(f.name, undefined, ft, rt, parent)) this.rewrote({ ...c, readback: rt });
    }
    // Children: by name, then by key or discriminating attributes among same-named siblings.
    const byName = new Map<string, XmlElement[]>();
    for (const c of r.children) {
      const list = byName.get(c.name);
      if (list) list.push(c);
      else byName.set(c.name, [c]);
    }
    const count = new Map<string, number>();
    for (const c of f.children) count.set(c.name, (count.get(c.name) ?? 0) + 1);
    // Children with a key first, so one without cannot take the counterpart a later keyed sibling needs.
    const taken = new Set<XmlElement>();
    const pair = new Map<XmlElement, XmlElement | undefined>();
    for (const keyed of [true, false])
      for (const c of f.children) {
        if ((keyOf(c) !== undefined) !== keyed) continue;
        const rc = counterpart(c, byName.get(c.name) ?? [], taken, count.get(c.name) ?? 1);
        if (rc) taken.add(rc);
        pair.set(c, rc);
      }
    const seen = new Map<string, number>();
    return f.children.map((c) => {
      const n = (seen.get(c.name) ?? 0) + 1;
      seen.set(c.name, n);
      const key = keyOf(c);
      const seg = key !== undefined ? `${c.name}[${key}]` : (count.get(c.name) ?? 1) > 1 ? `${c.name}[${n}]` : c.name;
      return { f: c, r: pair.get(c), path: at(seg), parent: f.name };
    });
  }
}

/**
 * What libvirt dropped or rewrote of what the file set, from the readback (`virsh dumpxml --inactive`
 * after the define): each attribute value and text of the file compared with its counterpart (children
 * by name; repeated siblings by `<target dev>`, `<mac address>`, controller type and index, channel
 * target name, NUMA cell id, vcpu/iothread, else by `<address>`, type/model/bus attributes and order).
 * Not changes: what libvirt added, memory sizes in another unit (compared in bytes; a size without unit
 * given back with the element's default unit), machine aliases (`q35` → `pc-q35-7.2`), UUID and MAC
 * case, numbers in hex, cpusets written as ranges, scheduler lists split per member, `<domain id>`,
 * whitespace in text. Empty when either text is not well-formed.
 */
export function droppedOrRewritten(fileXml: string, readbackXml: string): DefineChange[] {
  const f = parseXml(fileXml).root;
  const r = parseXml(readbackXml).root;
  if (!f || !r) return [];
  const cmp = new ReadbackComparison(fileXml);
  if (f.name !== r.name) cmp.dropped({ path: f.name, what: 'element', file: oneLine(f), start: f.start, end: f.end });
  else cmp.compare(f, r);
  return cmp.out;
}

// ---- canonical text and review diff -----------------------------------------------------------

/**
 * Written as character references in the canonical text (the same value to XML): controls, C1, and the
 * characters that reorder or break lines on a terminal, so a diff of it is safe to show line by line.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;
const charRef = (c: string) => `&#x${c.charCodeAt(0).toString(16)};`;

function canonicalAttr(v: string): string {
  return v
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/'/g, '&apos;')
    .replace(/"/g, '&quot;')
    .replace(/[\t\n\r]/g, charRef)
    .replace(CONTROL, charRef);
}

function canonicalText(v: string): string {
  return v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r\n?/g, '\n').replace(CONTROL, charRef);
}

/**
 * A canonical text of an XML document for review diffs: one element per line, indented two spaces per
 * level, attributes in source order with values re-quoted (`'`) and re-escaped, no comments or
 * processing instructions, text trimmed (an element with text only on one line). Controls and bidi
 * characters become character references, so no line can hold a terminal escape. A text that is not
 * well-formed is given back as it is, line by line with controls escaped (`terminalText`).
 */
export function normalisedXml(text: string): string {
  const root = parseXml(text).root;
  if (!root)
    return text
      .replace(/\r\n?/g, '\n')
      .split('\n')
      .map((l) => terminalText(l))
      .join('\n');
  const lines: string[] = [];
  // Iterative: a deep document must not overflow the stack.
  const stack: Array<{ el: XmlElement; depth: number; close?: boolean }> = [{ el: root, depth: 0 }];
  while (stack.length) {
    const { el, depth, close } = stack.pop()!;
    const pad = '  '.repeat(depth);
    if (close) {
      lines.push(`${pad}</${el.name}>`);
      continue;
    }
    const attrs = el.attributes.map((a) => ` ${a.name}='${canonicalAttr(a.value)}'`).join('');
    const t = decodeXmlEntities(el.text).trim();
    if (!el.children.length) {
      lines.push(t ? `${pad}<${el.name}${attrs}>${canonicalText(t)}</${el.name}>` : `${pad}<${el.name}${attrs}/>`);
      continue;
    }
    lines.push(`${pad}<${el.name}${attrs}>`);
    if (t) lines.push(`${pad}  ${canonicalText(t)}`);
    stack.push({ el, depth, close: true });
    for (let i = el.children.length - 1; i >= 0; i--) stack.push({ el: el.children[i], depth: depth + 1 });
  }
  return lines.join('\n') + '\n';
}

/**
 * A unified diff from the host's definition to the file, both normalised (`normalisedXml`): `---`/`+++`
 * lines naming the two sides by `labels` (quoted C-style as git does where they hold a control, a quote or
 * non-ASCII: one line each), then the hunks; the empty
 * string when they are equal. Document text in it is terminal-safe line by line (see `normalisedXml`).
 */
export function definitionDiff(hostXml: string, fileXml: string, labels: { host: string; file: string }): string {
  const a = normalisedXml(hostXml);
  const b = normalisedXml(fileXml);
  if (a === b) return '';
  return createTwoFilesPatch(labels.host, labels.file, a, b, undefined, undefined, { context: 3, headerOptions: FILE_HEADERS_ONLY });
}
