/**
 * Parsers for each collector section. Each takes the text a host printed and returns data or
 * throws ParseError with a short reason; buildSnapshot turns failures into warnings.
 */
import { normalizePath } from '../domain/pathClass';
import { oneLine } from './errors';
import { buildDomainModel } from '../domain/model';
import { parseXml } from '../xml/parse';
import {
  BlockDevice, DmpNode, DmpPath, DroppedLinks, HostDomain, InventorySnapshot, SNAPSHOT_FORMAT, ToolState, VxDisk,
} from './snapshot';

export class ParseError extends Error {}

function str(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const s = String(v).trim();
  return s === '' ? null : s;
}

function num(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^\d+$/.test(v.trim())) return Number(v.trim());
  return null;
}

/** lsblk --json (any util-linux since 2.27): nested tree, keys lower-case, values null/strings/numbers. */
/** The deepest nesting of [ and { outside strings, stopping early past `limit`: a linear pre-check before JSON.parse. */
function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > limit) return true;
    } else if (c === 93 || c === 125) depth--;
  }
  return false;
}

/** lsblk trees are a few levels deep (disk, partition, map, LV); anything far deeper is not lsblk output. */
const LSBLK_MAX_DEPTH = 64;
const LSBLK_MAX_BYTES = 128 * 1024 * 1024;

export function parseLsblk(text: string): BlockDevice[] {
  if (text.length > LSBLK_MAX_BYTES) throw new ParseError(`lsblk output is ${Math.round(text.length / 2 ** 20)} MiB, more than any host's device list`);
  if (jsonDepthExceeds(text, LSBLK_MAX_DEPTH)) throw new ParseError(`lsblk output nests deeper than ${LSBLK_MAX_DEPTH} levels: not lsblk's device tree`);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new ParseError(`lsblk output is not JSON (${(e as Error).message})`);
  }
  const top = (data as { blockdevices?: unknown })?.blockdevices;
  if (!Array.isArray(top)) throw new ParseError('lsblk output has no "blockdevices" array');
  const byKname = new Map<string, BlockDevice>();
  const stack: Array<[Record<string, unknown>, string | null]> = [];
  for (let i = top.length - 1; i >= 0; i--) stack.push([top[i] as Record<string, unknown>, null]);
  while (stack.length) {
    const [n, parent] = stack.pop()!;
    if (!n || typeof n !== 'object') continue;
    const name = str(n.name);
    const kname = str(n.kname) ?? name;
    if (!kname) continue;
    let dev = byKname.get(kname);
    if (!dev) {
      const mp = Array.isArray(n.mountpoints) ? n.mountpoints : [n.mountpoint];
      dev = {
        kname,
        name: name ?? kname,
        // util-linux before 2.33 has no PATH column: device-mapper nodes (dm-N, their partitions too) live under /dev/mapper.
        path: str(n.path) ?? (kname.startsWith('dm-') || /^(mpath|lvm|crypt|dm)$/.test(str(n.type) ?? '') ? `/dev/mapper/${name ?? kname}` : `/dev/${name ?? kname}`),
        type: str(n.type) ?? 'disk',
        size: num(n.size),
        vendor: str(n.vendor),
        model: str(n.model),
        serial: str(n.serial),
        wwn: str(n.wwn),
        tran: str(n.tran),
        hctl: str(n.hctl),
        fstype: str(n.fstype),
        label: str(n.label),
        uuid: str(n.uuid),
        partlabel: str(n.partlabel),
        partuuid: str(n.partuuid),
        mountpoints: mp.map(str).filter((m): m is string => m !== null),
        parents: [],
      };
      byKname.set(kname, dev);
    }
    const pk = parent ?? str(n.pkname);
    if (pk && !dev.parents.includes(pk)) dev.parents.push(pk);
    const kids = n.children;
    if (Array.isArray(kids)) for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i] as Record<string, unknown>, kname]);
  }
  return [...byKname.values()];
}

/**
 * `LINK<TAB>TARGET` lines; relative targets are resolved against the link's directory. A name or
 * resolved target with a `..` segment, NUL or a control character is dropped (counted in `dropped`).
 */
export function parseLinks(text: string, dropped = new DroppedLinks()): Record<string, string> {
  const links: Record<string, string> = Object.create(null); // link names come from the host ("__proto__" too)
  for (const line of text.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab <= 0) continue;
    const link = line.slice(0, tab);
    const target = line.slice(tab + 1).replace(/\r$/, '');
    if (!link.startsWith('/') || !target) continue;
    let abs: string;
    if (target.startsWith('/')) abs = target;
    else {
      // Resolve the usual "../../sdb" without the general normaliser (60,000 links on a big host).
      let dir = link.slice(0, link.lastIndexOf('/'));
      let t = target;
      while (t.startsWith('../')) {
        t = t.slice(3);
        dir = dir.slice(0, Math.max(0, dir.lastIndexOf('/')));
      }
      abs = `${dir}/${t}`;
    }
    if (dropped.check(link, abs)) continue;
    links[normalizePath(link)] = normalizePath(abs);
  }
  return links;
}

export function parseNameList(text: string): string[] {
  return text.split('\n').map((l) => l.trim()).filter((l) => l && !l.includes('\0'));
}

/** `vxdmpadm list dmpnode all`: key = value blocks, one `path = …` line per path. */
export function parseVxdmpadm(text: string): DmpNode[] {
  const nodes: DmpNode[] = [];
  let cur: DmpNode | undefined;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (key === 'dmpdev') {
      cur = { name: value, state: '', enclosure: '', arrayName: '', arrayType: '', udid: '', scsi3Vpd: null, numPaths: 0, paths: [] };
      nodes.push(cur);
      continue;
    }
    if (!cur) continue;
    switch (key) {
      case 'state': cur.state = value; break;
      case 'enclosure': cur.enclosure = value; break;
      case 'array-name': cur.arrayName = value; break;
      case 'array-type': cur.arrayType = value; break;
      case 'udid': cur.udid = value; break;
      case 'scsi3_vpd': cur.scsi3Vpd = value === '-' || value === '' ? null : value; break;
      case 'num_paths': cur.numPaths = Number(value) || 0; break;
      case 'path': {
        const f = value.split(/\s+/);
        if (!f[0]) break;
        const p: DmpPath = { name: f[0], state: f[1] ?? '' };
        if (f[2] && f[2] !== '-') p.type = f[2];
        if (f[3] && f[3] !== '-') p.transport = f[3];
        if (f[4] && f[4] !== '-') p.ctlr = f[4];
        cur.paths.push(p);
        break;
      }
    }
  }
  if (nodes.length === 0 && text.trim()) throw new ParseError('vxdmpadm output has no dmpdev entries');
  for (const n of nodes) if (!n.numPaths) n.numPaths = n.paths.length;
  return nodes;
}

/** `vxdisk -e -o alldgs list`: a header, then one line per disk; STATUS may hold spaces. */
export function parseVxdisk(text: string): VxDisk[] {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.trim());
  const hi = lines.findIndex((l) => /^\s*DEVICE\s+TYPE\s+DISK\s+GROUP\s+STATUS/.test(l));
  if (hi < 0) {
    if (lines.length === 0) return [];
    throw new ParseError('vxdisk output has no DEVICE/TYPE/DISK/GROUP/STATUS header');
  }
  const header = lines[hi].trim().split(/\s+/);
  const trailing = header.slice(header.indexOf('STATUS') + 1).length; // OS_NATIVE_NAME, ATTR, …
  const disks: VxDisk[] = [];
  for (const l of lines.slice(hi + 1)) {
    const f = l.trim().split(/\s+/);
    if (f.length < 5) continue;
    const statusEnd = Math.max(5, f.length - trailing);
    const g = f[3];
    const inParens = /^\(.*\)$/.test(g);
    const group = g === '-' ? null : inParens ? g.slice(1, -1) : g;
    disks.push({
      device: f[0],
      type: f[1],
      disk: f[2] === '-' ? null : f[2],
      group,
      imported: group !== null && !inParens,
      status: f.slice(4, statusEnd).join(' '),
      osNativeName: trailing > 0 && f[statusEnd] && f[statusEnd] !== '-' ? f[statusEnd] : null,
    });
  }
  return disks;
}

/** `vxdctl -c mode`. */
export function parseVxdctlMode(text: string): { mode: string; active: boolean } {
  const line = text.split('\n').map((l) => l.trim()).find((l) => l.startsWith('mode:'));
  if (!line) throw new ParseError('vxdctl -c mode printed no "mode:" line');
  return { mode: line.slice(5).trim(), active: /cluster active/.test(line) };
}

/** A domain definition as printed by `virsh dumpxml`: the host paths it opens. */
export function parseHostDomain(name: string, xml: string): HostDomain {
  const doc = parseXml(xml);
  if (doc.error) throw new ParseError(`domain ${name}: XML not well-formed (${doc.error.message})`);
  const model = buildDomainModel(doc);
  if (!model) throw new ParseError(`domain ${name}: root element is not <domain>`);
  return {
    name: model.name ?? name,
    disks: model.disks
      .filter((d) => d.hostPath)
      .map((d) => ({ source: d.hostPath!.value, shareable: d.shareable, ...(d.target?.dev ? { target: d.target.dev.value } : {}) })),
  };
}

/** One section of collector output, as split by collectorOutput.ts. */
export interface SectionInput {
  body: string;
  rc: number | null;
  stderr: string[];
  absent?: string;
}

export interface SnapshotInput {
  host: string;
  collectedAt: string;
  sections: Map<string, SectionInput>;
}

/**
 * Builds a snapshot from collector sections. A missing tool is recorded as absent; a failing or
 * unparseable section becomes a warning and leaves that part of the inventory empty.
 */
export function buildSnapshot(input: SnapshotInput): InventorySnapshot {
  const tools: Record<string, ToolState> = {};
  const warnings: string[] = [];
  const snap: InventorySnapshot = {
    format: SNAPSHOT_FORMAT,
    host: input.host,
    collectedAt: input.collectedAt,
    devices: [],
    links: {},
    tools,
    warnings,
  };
  function use<T>(name: string, parse: (body: string) => T): T | undefined {
    const s = input.sections.get(name);
    if (!s) return undefined;
    if (s.absent) {
      tools[name] = 'absent';
      return undefined;
    }
    if (s.rc !== 0 && s.rc !== null) {
      tools[name] = 'failed';
      const err = s.stderr.join(' ').trim();
      warnings.push(oneLine(`${name.slice(0, 80)} exited with ${s.rc}${err ? `: ${err.slice(0, 200)}` : ''}`).slice(0, 300));
      return undefined;
    }
    try {
      const v = parse(s.body);
      tools[name] = 'ok';
      return v;
    } catch (e) {
      tools[name] = 'failed';
      warnings.push(oneLine(e instanceof ParseError ? e.message : `${name}: ${(e as Error).message}`).slice(0, 300));
      return undefined;
    }
  }
  const hostname = use('uname', (b) => b.trim());
  if (hostname) snap.hostname = hostname;
  snap.devices = use('lsblk', parseLsblk) ?? [];
  const droppedLinks = new DroppedLinks();
  snap.links = use('links', (b) => parseLinks(b, droppedLinks)) ?? {};
  const droppedWarning = droppedLinks.warning();
  if (droppedWarning) warnings.push(droppedWarning);
  const dmpNames = use('vx-dmp-names', parseNameList);
  const nodes = use('vxdmpadm', parseVxdmpadm);
  if (nodes || dmpNames) snap.dmp = { nodes: nodes ?? [], names: dmpNames ?? nodes?.map((n) => n.name) ?? [] };
  const vxdisks = use('vxdisk', parseVxdisk);
  const vols = use('vx-dsk-names', parseNameList);
  if (vxdisks || vols) snap.vxvm = { disks: vxdisks ?? [], volumes: vols ?? [] };
  const cluster = use('vxdctl', parseVxdctlMode);
  if (cluster) snap.cluster = cluster;
  const version = use('libvirt-version', (b) => {
    const v = /\d+\.\d+\.\d+/.exec(b)?.[0];
    if (!v) throw new ParseError(`virsh --version printed no version: ${JSON.stringify(b.trim().slice(0, 60))}`);
    return v;
  });
  if (version) snap.libvirtVersion = version;
  const names = use('virsh-list', parseNameList);
  if (names) {
    snap.domains = [];
    for (const n of names) {
      const d = use(`virsh-dumpxml ${n}`, (b) => parseHostDomain(n, b));
      if (d) snap.domains.push(d);
    }
  }
  return snap;
}
