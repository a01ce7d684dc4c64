/**
 * Parsers for each collector section. Each takes the text a host printed and returns data or
 * throws ParseError with a short reason; buildSnapshot turns failures into warnings.
 */
import { normalizePath } from '../domain/pathClass';
import { oneLine } from './errors';
import { parseDomainXml } from '../domain/parsedDomain';
import { decodeXmlEntities } from '../xml/entities';
import { attr, child, childrenNamed, parseXml } from '../xml/parse';
import {
  BlockDevice,
  DOMAIN_UUID,
  DmpNode,
  DmpPath,
  DroppedLinks,
  HOST_DOMAIN_XML_MAX,
  HostDomain,
  InventorySnapshot,
  isForbiddenLinkPath,
  ScsiHost,
  SNAPSHOT_FORMAT,
  StoragePool,
  StorageVolume,
  ToolState,
  UdevRuleFile,
  VxDisk,
  VxSnapshotInfo,
  VxVolumeInfo,
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
/**
 * The deepest nesting of [ and { outside strings, stopping early past `limit`: a linear pre-check
 * before JSON.parse, which is not to be given 100 MB of nested brackets (it builds every level first).
 */
function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
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
  if (text.length > LSBLK_MAX_BYTES)
    throw new ParseError(`lsblk output is ${Math.round(text.length / 2 ** 20)} MiB, more than any host's device list`);
  if (jsonDepthExceeds(text, LSBLK_MAX_DEPTH))
    throw new ParseError(`lsblk output nests deeper than ${LSBLK_MAX_DEPTH} levels: not lsblk's device tree`);
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
        path:
          str(n.path) ??
          (kname.startsWith('dm-') || /^(mpath|lvm|crypt|dm)$/.test(str(n.type) ?? '')
            ? `/dev/mapper/${name ?? kname}`
            : `/dev/${name ?? kname}`),
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
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.includes('\0'));
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
      case 'state':
        cur.state = value;
        break;
      case 'enclosure':
        cur.enclosure = value;
        break;
      case 'array-name':
        cur.arrayName = value;
        break;
      case 'array-type':
        cur.arrayType = value;
        break;
      case 'udid':
        cur.udid = value;
        break;
      case 'scsi3_vpd':
        cur.scsi3Vpd = value === '-' || value === '' ? null : value;
        break;
      case 'num_paths':
        cur.numPaths = Number(value) || 0;
        break;
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
  const lines = text
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.trim());
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

/*
 * vxsnap and vxprint: what we verified (Veritas administrator's guides and a Veritas support article).
 *
 * - `vxsnap [-g diskgroup] [-l] [-v] [-x] list [vol]` is an alias of `vxsnap -n print`; the guides' example
 *   of `vxsnap -g dg -vx list` has the header `NAME DG OBJTYPE SNAPTYPE PARENT PARENTDG SNAPDATE
 *   CHANGE_DATA SYNCED_DATA`, `-` where a value does not apply, OBJTYPE `vol`/`plex`/`vset`/`compvol`,
 *   SNAPTYPE `fullinst`, `spaceopt`, `mirbrk`, `volbrk`, `snapmir`, `mirvol`, `detmir`, `detvol`, SNAPDATE
 *   as `2006/2/1 12:29` (two words), and CHANGE_DATA/SYNCED_DATA as an amount with a unit and its share of
 *   the volume: `20M (0.2%)`, `10G (100%)` (two words). CHANGE_DATA is "the approximate difference between
 *   the current contents of the snapshot and its parent volume". The snapshot may be in another disk group
 *   than its parent (DG vs PARENTDG).
 *   https://sort.veritas.com/public/documents/vie/7.0/linux/productguides/html/sfcfs_admin/ch27s08s19.htm
 *   http://www.manualshelf.com/manual/hp/hp-ux-11i-volume-management-lvm-vxvm-software/veritas-volume-manager-501-administrators-guide-hp-ux-11i-v3-first-edition-november-2009/page-387.html
 * - `vxsnap print` (without -n) has `NAME SNAPOBJECT TYPE PARENT SNAPSHOT %DIRTY %VALID`, `--` for none,
 *   %DIRTY a percentage without `%` (same sort.veritas.com page). The layout of `list` without `-v` was not
 *   found in the guides: the columns are read by their header names, in any order, any subset, any width.
 * - `vxprint` lengths are in 512-byte sectors: `vxprint -qthg` shows `v fredvol … 10485760` for a volume
 *   made with `vxassist make … 41875568` sectors (`co cacheobj cachevol`: the cache object and its volume);
 *   `-F [type:]format-spec` prints one line per record in the given format, `-v` selects volumes.
 *   https://supportinfoscale.cloud.com/external/article/100052444/veritas-volume-manager-vxvm-instant-snap.html
 *   https://www.unix.com/man-page/hpux/1M/vxprint
 * Units are taken as binary (VxVM's k/m/g are 1024-based); an amount without a unit is not guessed.
 */

/** `20M`, `1.2G`, `512k` → bytes; undefined for anything else (a bare number: sectors or bytes, unknown). */
export function parseVxAmount(word: string | undefined): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([kmgtp])b?$/i.exec(word ?? '');
  if (!m) return undefined;
  const bytes = Math.round(Number(m[1]) * 1024 ** ('kmgtp'.indexOf(m[2].toLowerCase()) + 1));
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** `(0.2%)`, `0.2%`, `1.30` → 0.2, 1.3 (a percentage from 0 to 100); undefined otherwise. */
function parsePercent(word: string | undefined): number | undefined {
  const m = /^\(?(\d+(?:\.\d+)?)%?\)?$/.exec(word ?? '');
  if (!m) return undefined;
  const n = Number(m[1]);
  return n <= 100 ? n : undefined;
}

const NONE = (w: string | undefined) => w === undefined || w === '-' || w === '--';

/** One row of a vxsnap list: each header column's words (one, or two for a date or an amount with its share). */
function vxsnapRow(header: string[], words: string[]): Map<string, string[]> | undefined {
  const row = new Map<string, string[]>();
  let i = 0;
  for (const col of header) {
    if (i >= words.length) break;
    const w = words[i];
    let n = 1;
    if (!NONE(w)) {
      const next = words[i + 1];
      if (col === 'SNAPDATE' && next !== undefined && /^\d{1,2}:\d{2}(:\d{2})?$/.test(next)) n = 2;
      else if (col.endsWith('_DATA') && next !== undefined && /^\(\d+(\.\d+)?%\)$/.test(next) && !/^\(/.test(w)) n = 2;
    }
    row.set(col, words.slice(i, i + n));
    i += n;
  }
  // Words left over: the row does not fit the header (a value with a space in it); not guessed at.
  return i === words.length ? row : undefined;
}

/**
 * `vxsnap -g DG -v list` (any layout with a `NAME … PARENT …` header): the volumes it lists as snapshots of
 * another, and the other volumes it names. `dg` is the disk group asked for (rows name their own, DG column).
 */
export function parseVxsnapList(text: string, dg: string): VxVolumeInfo[] {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const hi = lines.findIndex((l) => /^\s*NAME\s/.test(l) && /\sPARENT(\s|$)/.test(l));
  if (hi < 0) {
    if (!text.trim()) return [];
    throw new ParseError(`vxsnap list for disk group ${dg.slice(0, 80)} printed no "NAME … PARENT" header`);
  }
  const header = lines[hi].trim().split(/\s+/);
  const out: VxVolumeInfo[] = [];
  for (const l of lines.slice(hi + 1)) {
    // A row without a NAME (vxsnap print's snap-object lines start with blanks) names no volume.
    if (!l.trim() || /^\s/.test(l)) continue;
    const row = vxsnapRow(header, l.trim().split(/\s+/));
    if (!row) continue;
    const one = (col: string) => {
      const w = row.get(col);
      return w && !NONE(w[0]) ? w : undefined;
    };
    const objType = one('OBJTYPE')?.[0] ?? one('TYPE')?.[0];
    if (objType !== undefined && objType !== 'vol' && objType !== 'volume') continue;
    const name = cleanVxName(one('NAME')?.[0]);
    const volDg = cleanVxName(one('DG')?.[0]) ?? dg;
    if (!name) continue;
    const info: VxVolumeInfo = { dg: volDg, name };
    const type = one('SNAPTYPE')?.[0];
    const parent = cleanVxName(one('PARENT')?.[0]);
    if (type && /^[A-Za-z0-9_-]{1,40}$/.test(type) && parent) {
      const snap: VxSnapshotInfo = { type, parent };
      const parentDg = cleanVxName(one('PARENTDG')?.[0]);
      if (parentDg) snap.parentDg = parentDg;
      const change = one('CHANGE_DATA');
      if (change) {
        const bytes = parseVxAmount(change[0]);
        const pct = parsePercent(change[1]) ?? (change.length === 1 && /%\)?$/.test(change[0]) ? parsePercent(change[0]) : undefined);
        if (bytes !== undefined) snap.changedBytes = bytes;
        if (pct !== undefined) snap.changedPercent = pct;
      }
      const dirty = parsePercent(one('%DIRTY')?.[0]);
      if (snap.changedPercent === undefined && dirty !== undefined) snap.changedPercent = dirty;
      const date = one('SNAPDATE')?.join(' ');
      if (date && date.length <= 64 && !CONTROL.test(date)) snap.date = date;
      info.snapshot = snap;
    }
    out.push(info);
  }
  return out;
}

/** `vxprint -g DG -v -F '%name %len'`: one `NAME SECTORS` line per volume; anything else (a header) is skipped. */
export function parseVxprintLengths(text: string, dg: string): VxVolumeInfo[] {
  const out: VxVolumeInfo[] = [];
  let other = 0;
  for (const l of text.split('\n')) {
    const t = l.trim();
    if (!t) continue;
    const m = /^(\S+)\s+(\d{1,20})$/.exec(t);
    const name = m ? cleanVxName(m[1]) : undefined;
    const bytes = m ? Number(m[2]) * 512 : NaN;
    if (!name || !Number.isSafeInteger(bytes)) {
      other++;
      continue;
    }
    out.push({ dg, name, sizeBytes: bytes });
  }
  if (!out.length && other) throw new ParseError(`vxprint for disk group ${dg.slice(0, 80)} printed no "NAME LENGTH" lines`);
  return out;
}

/** A VxVM object name from a tool: no `/`, no control character, at most 256 characters. */
function cleanVxName(v: string | undefined): string | undefined {
  const t = cleanText(v);
  return t && !t.includes('/') ? t : undefined;
}

/** Merges vxprint's and vxsnap's records of the volumes: one per `dg/name`, in first-seen order. */
export function mergeVxVolumeInfo(lists: VxVolumeInfo[][]): VxVolumeInfo[] {
  const byKey = new Map<string, VxVolumeInfo>();
  for (const list of lists)
    for (const v of list) {
      const key = `${v.dg}/${v.name}`;
      const cur = byKey.get(key);
      if (!cur) byKey.set(key, { ...v });
      else {
        if (cur.sizeBytes === undefined && v.sizeBytes !== undefined) cur.sizeBytes = v.sizeBytes;
        if (!cur.snapshot && v.snapshot) cur.snapshot = v.snapshot;
      }
    }
  return [...byKey.values()];
}

/** `vxdctl -c mode`. */
export function parseVxdctlMode(text: string): { mode: string; active: boolean } {
  const line = text
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.startsWith('mode:'));
  if (!line) throw new ParseError('vxdctl -c mode printed no "mode:" line');
  return { mode: line.slice(5).trim(), active: /cluster active/.test(line) };
}

/** A `<uuid>` in the form libvirt prints (lower case), or undefined for anything else. */
export function domainUuid(text: string | undefined): string | undefined {
  const u = text?.trim().toLowerCase();
  return u && DOMAIN_UUID.test(u) ? u : undefined;
}

/**
 * A domain's persistent definition as printed by `virsh dumpxml --inactive`: the host paths it
 * opens, its UUID, and (when `running` is known, from `virsh list --name`) its state. `xml` keeps the
 * text exactly as virsh printed it (the section body: the collector's own newline is not part of
 * it), unless it is longer than HOST_DOMAIN_XML_MAX (then it is left out, never cut).
 */
export function parseHostDomain(name: string, xml: string, running?: boolean): HostDomain {
  // Parsed through the shared parse, and kept: checking the definition later finds it parsed.
  const { doc, model } = parseDomainXml(xml, true);
  if (doc.error) throw new ParseError(`domain ${name}: XML not well-formed (${doc.error.message})`);
  if (!model) throw new ParseError(`domain ${name}: root element is not <domain>`);
  const uuid = domainUuid(model.uuid);
  return {
    name: model.name ?? name,
    ...(uuid ? { uuid } : {}),
    ...(running === undefined ? {} : { state: running ? ('running' as const) : ('shut off' as const) }),
    disks: model.disks
      .filter((d) => d.hostPath)
      .map((d) => ({ source: d.hostPath!.value, shareable: d.shareable, ...(d.target?.dev ? { target: d.target.dev.value } : {}) })),
    ...(xml.length <= HOST_DOMAIN_XML_MAX ? { xml } : {}),
  };
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** A path from the host that may be kept: absolute, no `..` segment, no control character. */
function cleanPath(p: string | undefined): string | undefined {
  if (!p) return undefined;
  const t = p.trim();
  if (!t.startsWith('/') || isForbiddenLinkPath(t) || t.length > 4096) return undefined;
  return normalizePath(t);
}
function cleanText(v: string | undefined, max = 256): string | undefined {
  if (v === undefined) return undefined;
  const t = v.trim();
  return t && !CONTROL.test(t) && t.length <= max ? t : undefined;
}

/** The most bytes of one udev rules file the collector reads (`head -c`). */
export const UDEV_RULES_MAX_BYTES = 262144;

/** A site udev rules file as the collector read it; the name must be a plain /etc/udev/rules.d/*.rules path. */
export function parseUdevRuleFile(file: string, text: string): UdevRuleFile {
  if (!/^\/etc\/udev\/rules\.d\/[A-Za-z0-9._+@-]+\.rules$/.test(file))
    throw new ParseError(`udev rules file name refused: ${JSON.stringify(file.slice(0, 120))}`);
  if (text.includes('\0')) throw new ParseError(`${file}: not a text file (NUL bytes)`);
  return { file, text: text.slice(0, UDEV_RULES_MAX_BYTES) };
}

/** `hostN<TAB>sysfs link[<TAB>node_name<TAB>port_name]` lines (collector's scsi-hosts section). */
export function parseScsiHosts(text: string): ScsiHost[] {
  const hosts: ScsiHost[] = [];
  for (const line of text.split('\n')) {
    const f = line.replace(/\r$/, '').split('\t');
    if (!/^host\d{1,6}$/.test(f[0] ?? '')) continue;
    const h: ScsiHost = { name: f[0] };
    // The link runs through the HBA's PCI function: the last "dddd:bb:ss.f" before hostN.
    const pci = [...(f[1] ?? '').matchAll(/(?:^|\/)([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7])(?=\/)/g)].pop();
    if (pci) h.pciAddress = pci[1];
    const wwn = (v: string | undefined) =>
      v && /^(0x)?[0-9a-f]{16}$/i.test(v.trim()) ? v.trim().replace(/^0x/i, '').toLowerCase() : undefined;
    const wwnn = wwn(f[2]);
    const wwpn = wwn(f[3]);
    if (wwnn) h.wwnn = wwnn;
    if (wwpn) h.wwpn = wwpn;
    hosts.push(h);
  }
  return hosts;
}

/** `virsh pool-dumpxml NAME`: type, target path, source devices, adapter (with parentaddr). */
export function parsePoolXml(name: string, xml: string, active: boolean): StoragePool {
  const doc = parseXml(xml);
  if (doc.error) throw new ParseError(`pool ${name}: XML not well-formed (${doc.error.message})`);
  const root = doc.root;
  if (!root || root.name !== 'pool') throw new ParseError(`pool ${name}: root element is not <pool>`);
  const v = (a: ReturnType<typeof attr>) => (a ? a.value : undefined);
  const pool: StoragePool = {
    name: cleanText(child(root, 'name')?.text ? decodeXmlEntities(child(root, 'name')!.text) : undefined) ?? name,
    type: cleanText(v(attr(root, 'type')), 40) ?? '',
    active,
    sourceDevices: [],
    volumes: [],
  };
  const target = child(root, 'target');
  const tp = target && child(target, 'path');
  const targetPath = cleanPath(tp ? decodeXmlEntities(tp.text) : undefined);
  if (targetPath) pool.targetPath = targetPath;
  const source = child(root, 'source');
  if (source) {
    for (const d of childrenNamed(source, 'device')) {
      const p = cleanPath(v(attr(d, 'path')));
      if (p) pool.sourceDevices.push(p);
    }
    const ad = child(source, 'adapter');
    if (ad) {
      const adapter: NonNullable<StoragePool['adapter']> = {};
      for (const k of ['type', 'name', 'parent', 'wwnn', 'wwpn'] as const) {
        const x = cleanText(v(attr(ad, k)), 128);
        if (x) adapter[k] = x;
      }
      const addr = child(ad, 'parentaddr') && child(child(ad, 'parentaddr')!, 'address');
      if (addr) {
        const hex = (k: string, width: number) => {
          const x = v(attr(addr, k));
          if (!x || !/^(0x)?[0-9a-f]{1,8}$/i.test(x)) return undefined;
          return Number.parseInt(x.replace(/^0x/i, ''), 16).toString(16).padStart(width, '0');
        };
        const [dom, bus, slot, fn] = [hex('domain', 4), hex('bus', 2), hex('slot', 2), v(attr(addr, 'function'))];
        if (dom && bus && slot && fn && /^(0x)?[0-7]$/i.test(fn)) adapter.parentaddr = `${dom}:${bus}:${slot}.${fn.replace(/^0x/i, '')}`;
      }
      pool.adapter = adapter;
    }
  }
  return pool;
}

/**
 * `virsh vol-list --details POOL`: a header ` Name  Path  Type  Capacity  Allocation`, a rule of
 * dashes, one row per volume. Columns are cut at the header's column starts (names and paths may
 * hold spaces); rows that do not fit are split on whitespace.
 */
export function parseVolList(text: string): StorageVolume[] {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const hi = lines.findIndex((l) => /^\s*Name\s+Path\s+Type\b/.test(l));
  if (hi < 0) {
    if (!text.trim()) return [];
    throw new ParseError('vol-list printed no "Name Path Type" header');
  }
  const h = lines[hi];
  const pathAt = h.indexOf('Path');
  const typeAt = h.search(/\sType\b/) + 1;
  const capAt = h.search(/\sCapacity\b/) + 1 || h.length;
  const vols: StorageVolume[] = [];
  for (const l of lines.slice(hi + 1)) {
    if (!l.trim() || /^[\s-]+$/.test(l)) continue;
    let name = l.slice(0, pathAt).trim();
    let path = l.slice(pathAt, typeAt).trim();
    let type = l.slice(typeAt, capAt).trim();
    // A row cut at the header's columns: each cut falls on a space (the table's padding).
    const aligned = [pathAt, typeAt, capAt].every((i) => i >= l.length || l[i - 1] === ' ');
    if (!aligned || !path.startsWith('/') || /\s/.test(type)) {
      const f = l.trim().split(/\s+/);
      [name, path, type] = [f[0], f[1] ?? '', f[2] ?? ''];
    }
    const p = cleanPath(path);
    const n = cleanText(name);
    if (!p || !n) continue;
    vols.push({ name: n, path: p, ...(cleanText(type, 40) ? { type: cleanText(type, 40)! } : {}) });
  }
  return vols;
}

/** stderr of a tool that lacks privileges (or of sudo -n refusing), rc 126 (cannot execute). */
const NEEDS_ROOT =
  /permission denied|must be (run as )?root|operation not permitted|not permitted|requires? (root|superuser)|only root|insufficient privilege|not privileged|EACCES/i;
const SUDO_REFUSED = /^sudo: |is not allowed to (run|execute)|a password is required|a terminal is required/i;
/** The privileged tools the collector can run through sudo -n. */
export const SUDO_TOOLS = ['vxdmpadm', 'vxdisk', 'vxdctl'];
/** The privileged tools the collector runs once per imported disk group (section `<tool> <dg>`), through sudo -n too. */
export const SUDO_DG_TOOLS = ['vxsnap', 'vxprint'];
const viaSudo = (section: string) => SUDO_TOOLS.includes(section) || SUDO_DG_TOOLS.includes(section.split(' ')[0]);

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
      const err = s.stderr.join(' ').trim();
      if (s.rc === 126 || NEEDS_ROOT.test(err) || (viaSudo(name) && SUDO_REFUSED.test(err))) {
        tools[name] = 'needs-root';
        const how = viaSudo(name)
          ? SUDO_REFUSED.test(err)
            ? 'sudo -n was refused: add the sudoers entry from the README'
            : 'run as root, or set libvirtDomain.ssh.sudo / --sudo with the sudoers entry from the README'
          : 'log in as root or as a member of the libvirt group';
        const tool = name.split(' ')[0];
        warnings.push(
          oneLine(`needs root on ${input.host.slice(0, 80)}: ${tool.slice(0, 80)} (${how})${err ? `: ${err.slice(0, 160)}` : ''}`).slice(
            0,
            300,
          ),
        );
        return undefined;
      }
      tools[name] = 'failed';
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
  // Symlinks elsewhere under /dev (udev rules' SYMLINK+=): added where /dev/disk and /dev/mapper have no entry.
  const devLinks = use('dev-links', (b) => parseLinks(b, droppedLinks));
  if (devLinks) for (const [k, v] of Object.entries(devLinks)) if (!(k in snap.links)) snap.links[k] = v;
  const droppedWarning = droppedLinks.warning();
  if (droppedWarning) warnings.push(droppedWarning);
  const dmpNames = use('vx-dmp-names', parseNameList);
  const nodes = use('vxdmpadm', parseVxdmpadm);
  if (nodes || dmpNames) snap.dmp = { nodes: nodes ?? [], names: dmpNames ?? nodes?.map((n) => n.name) ?? [] };
  const vxdisks = use('vxdisk', parseVxdisk);
  const vols = use('vx-dsk-names', parseNameList);
  if (vxdisks || vols) snap.vxvm = { disks: vxdisks ?? [], volumes: vols ?? [] };
  // vxprint and vxsnap, one section each per imported disk group ("vxprint DG", "vxsnap DG").
  const volumeInfo: VxVolumeInfo[][] = [];
  for (const tool of ['vxprint', 'vxsnap'] as const)
    for (const name of input.sections.keys()) {
      if (!name.startsWith(`${tool} `)) continue;
      const dg = name.slice(tool.length + 1);
      const v = use(name, (b) => (tool === 'vxprint' ? parseVxprintLengths(b, dg) : parseVxsnapList(b, dg)));
      if (v) volumeInfo.push(v);
    }
  if (volumeInfo.length) (snap.vxvm ??= { disks: [], volumes: [] }).volumeInfo = mergeVxVolumeInfo(volumeInfo);
  const cluster = use('vxdctl', parseVxdctlMode);
  if (cluster) snap.cluster = cluster;
  const version = use('libvirt-version', (b) => {
    const v = /\d+\.\d+\.\d+/.exec(b)?.[0];
    if (!v) throw new ParseError(`virsh --version printed no version: ${JSON.stringify(b.trim().slice(0, 60))}`);
    return v;
  });
  if (version) snap.libvirtVersion = version;
  const ruleFiles = use('udev-rules', parseNameList);
  if (ruleFiles) {
    snap.udevRules = [];
    for (const f of ruleFiles) {
      const r = use(`udev-rule ${f}`, (b) => parseUdevRuleFile(f, b));
      if (r) snap.udevRules.push(r);
    }
  }
  const scsi = use('scsi-hosts', parseScsiHosts);
  if (scsi) snap.scsiHosts = scsi;
  const uri = use('libvirt-uri', (b) => {
    const u = b.trim();
    if (!u || CONTROL.test(u) || u.length > 256) throw new ParseError('libvirt-uri section holds no URI');
    return u;
  });
  if (uri) snap.libvirtUri = uri;
  const names = use('virsh-list', parseNameList);
  if (names) {
    // The running domains (`virsh list --name`): without that section (older output) no state is known.
    const active = use('virsh-list-active', parseNameList);
    const running = active && new Set(active);
    snap.domains = [];
    for (const n of names) {
      const d = use(`virsh-dumpxml ${n}`, (b) => parseHostDomain(n, b, running?.has(n)));
      if (!d) continue;
      if (d.xml === undefined)
        warnings.push(
          oneLine(`domain ${n.slice(0, 80)}: its definition is over ${HOST_DOMAIN_XML_MAX} characters and was not kept`).slice(0, 300),
        );
      snap.domains.push(d);
    }
  }
  const activePools = use('pool-list', parseNameList);
  const inactivePools = use('pool-list-inactive', parseNameList);
  if (activePools || inactivePools) {
    snap.pools = [];
    const seen = new Set<string>();
    for (const [list, active] of [
      [activePools ?? [], true],
      [inactivePools ?? [], false],
    ] as const) {
      for (const n of list) {
        if (seen.has(n)) continue;
        seen.add(n);
        const pool = use(`pool-dumpxml ${n}`, (b) => parsePoolXml(n, b, active));
        if (!pool) continue;
        if (active) pool.volumes = use(`pool-vols ${n}`, parseVolList) ?? [];
        snap.pools.push(pool);
      }
    }
  }
  return snap;
}
