/**
 * A readable view of one host's inventory snapshot (`libvirt-domain-inventory/1` JSON): the LUNs it
 * sees, with size, identity, path devices, DMP node / dm-multipath map, stable aliases, VxVM disk
 * and the host's domains using them. Pure (no `vscode`): unit-tested on its own.
 */

/** The parts of a snapshot this view reads (tolerant: every field may be missing). */
export interface SnapshotLike {
  host?: string;
  hostname?: string;
  collectedAt?: string;
  devices?: DeviceLike[];
  links?: Record<string, string>;
  dmp?: { nodes?: DmpNodeLike[]; names?: string[] };
  vxvm?: { disks?: VxDiskLike[]; volumes?: string[] };
  cluster?: { mode?: string; active?: boolean };
  domains?: { name: string; disks?: { source: string; shareable?: boolean; target?: string }[] }[];
  tools?: Record<string, string>;
  warnings?: string[];
}

export interface DeviceLike {
  kname: string;
  name?: string;
  path: string;
  type?: string;
  size?: number | null;
  vendor?: string | null;
  model?: string | null;
  serial?: string | null;
  wwn?: string | null;
  tran?: string | null;
  mountpoints?: string[];
  parents?: string[];
}

export interface DmpNodeLike {
  name: string;
  state?: string;
  enclosure?: string;
  arrayName?: string;
  arrayType?: string;
  udid?: string;
  scsi3Vpd?: string | null;
  paths?: { name: string; state?: string; type?: string; transport?: string; ctlr?: string }[];
}

export interface VxDiskLike {
  device: string;
  disk?: string | null;
  group?: string | null;
  imported?: boolean;
  status?: string;
  osNativeName?: string | null;
}

export interface LunUse {
  domain: string;
  target?: string;
  source: string;
  shareable: boolean;
  /** How the source reaches the LUN when not directly (a partition, an LV, a map's partition). */
  via?: string;
}

export interface LunView {
  /** `WWN 0x…`, `EUI …`, `serial …` or the kernel name when nothing better is known. */
  identity: string;
  size: number | null;
  vendor: string | null;
  model: string | null;
  transport: string | null;
  /** Kernel names of the LUN's path devices (sdc, sdd). */
  paths: { name: string; state?: string; ctlr?: string; type?: string }[];
  dmp?: { node: string; arrayName?: string; arrayType?: string; enclosure?: string; state?: string };
  /** dm-multipath map: its name (mpatha) and kernel name (dm-2). */
  mpath?: { name: string; kname: string };
  vxvm?: { disk?: string | null; group?: string | null; imported?: boolean; status?: string };
  /** Stable names of the whole LUN, best first. */
  aliases: string[];
  /** Names that reach only one path of a multipathed LUN (no failover). */
  singlePathNames: string[];
  partitions: string[];
  mountpoints: string[];
  usedBy: LunUse[];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);
const strOrNull = (v: unknown): string | null => str(v) ?? null;
const objs = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.filter((x): x is Record<string, unknown> => !!x && typeof x === 'object' && !Array.isArray(x)) : []);
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.map(str).filter((x): x is string => x !== undefined) : []);

/**
 * The snapshot with every field coerced to the shape this view reads: entries of the wrong type are
 * dropped, so a hand-edited or hostile snapshot file cannot make the view throw.
 */
export function sanitizeSnapshot(raw: unknown): SnapshotLike {
  const s = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const dmp = (s.dmp && typeof s.dmp === 'object' ? s.dmp : {}) as Record<string, unknown>;
  const vxvm = (s.vxvm && typeof s.vxvm === 'object' ? s.vxvm : {}) as Record<string, unknown>;
  const cluster = s.cluster && typeof s.cluster === 'object' ? (s.cluster as Record<string, unknown>) : undefined;
  const links: Record<string, string> = {};
  if (s.links && typeof s.links === 'object' && !Array.isArray(s.links)) {
    for (const [k, v] of Object.entries(s.links as Record<string, unknown>)) if (typeof v === 'string') links[k] = v;
  }
  const tools: Record<string, string> = {};
  if (s.tools && typeof s.tools === 'object' && !Array.isArray(s.tools)) {
    for (const [k, v] of Object.entries(s.tools as Record<string, unknown>)) if (typeof v === 'string') tools[k] = v;
  }
  return {
    host: str(s.host),
    hostname: str(s.hostname),
    collectedAt: str(s.collectedAt),
    devices: objs(s.devices).filter((d) => str(d.kname) !== undefined && str(d.path) !== undefined).map((d) => ({
      kname: str(d.kname)!,
      name: str(d.name),
      path: str(d.path)!,
      type: str(d.type),
      size: typeof d.size === 'number' && Number.isFinite(d.size) ? d.size : null,
      vendor: strOrNull(d.vendor),
      model: strOrNull(d.model),
      serial: strOrNull(d.serial),
      wwn: strOrNull(d.wwn),
      tran: strOrNull(d.tran),
      mountpoints: strs(d.mountpoints),
      parents: strs(d.parents),
    })),
    links,
    dmp: {
      nodes: objs(dmp.nodes).filter((n) => str(n.name) !== undefined).map((n) => ({
        name: str(n.name)!,
        state: str(n.state),
        enclosure: str(n.enclosure),
        arrayName: str(n.arrayName),
        arrayType: str(n.arrayType),
        udid: str(n.udid),
        scsi3Vpd: strOrNull(n.scsi3Vpd),
        paths: objs(n.paths).filter((p) => str(p.name) !== undefined).map((p) => ({ name: str(p.name)!, state: str(p.state), type: str(p.type), transport: str(p.transport), ctlr: str(p.ctlr) })),
      })),
      names: strs(dmp.names),
    },
    vxvm: {
      disks: objs(vxvm.disks).filter((d) => str(d.device) !== undefined).map((d) => ({
        device: str(d.device)!, disk: strOrNull(d.disk), group: strOrNull(d.group), imported: d.imported === true, status: str(d.status), osNativeName: strOrNull(d.osNativeName),
      })),
      volumes: strs(vxvm.volumes),
    },
    cluster: cluster ? { mode: str(cluster.mode), active: cluster.active === true } : undefined,
    domains: objs(s.domains).filter((d) => str(d.name) !== undefined).map((d) => ({
      name: str(d.name)!,
      disks: objs(d.disks).filter((x) => str(x.source) !== undefined).map((x) => ({ source: str(x.source)!, shareable: x.shareable === true, target: str(x.target) })),
    })),
    tools,
    warnings: strs(s.warnings),
  };
}

function normId(w: string | null | undefined): string | null {
  if (!w) return null;
  let s = w.trim().toLowerCase();
  for (const p of ['0x', 'naa:', 'naa.']) if (s.startsWith(p)) s = s.slice(p.length);
  return s || null;
}

export function formatSize(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '?';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v >= 100 || Number.isInteger(v) ? 0 : 1)} ${units[i]}`;
}

/** Rank of a stable alias (lower is better), or undefined for names that are not stable. */
function aliasRank(p: string): number | undefined {
  if (p.startsWith('/dev/vx/dmp/')) return 0;
  if (p.startsWith('/dev/disk/by-id/')) {
    const n = p.slice('/dev/disk/by-id/'.length);
    if (n.startsWith('dm-uuid-mpath-')) return 1;
    if (n.startsWith('wwn-')) return 2;
    if (n.startsWith('scsi-3') || n.startsWith('nvme-eui.')) return 3;
    if (/^dm-name-mpath[a-z]+$/.test(n)) return undefined; // a user-friendly name: unstable
    if (n.startsWith('dm-name-')) return 5;
    if (n.startsWith('dm-uuid-') || n.startsWith('lvm-')) return undefined;
    return 4;
  }
  if (p.startsWith('/dev/mapper/')) return /^\/dev\/mapper\/mpath[a-z]+$/.test(p) ? undefined : 6;
  if (p.startsWith('/dev/disk/by-path/')) return 9;
  return undefined;
}

/** The LUNs of a snapshot: path devices grouped by identity, with what sits on them. */
export function lunsOf(raw: SnapshotLike | unknown): LunView[] {
  const s = sanitizeSnapshot(raw);
  const devices = s.devices ?? [];
  const byKname = new Map(devices.map((d) => [d.kname, d]));
  const links = s.links ?? {};
  const dmpNodes = s.dmp?.nodes ?? [];

  // 1. Whole disks grouped by identity.
  const groups = new Map<string, DeviceLike[]>();
  for (const d of devices) {
    if (d.type !== 'disk') continue;
    const id = normId(d.wwn) ? `wwn:${normId(d.wwn)}` : d.serial ? `serial:${d.vendor ?? ''}/${d.model ?? ''}/${d.serial}` : `dev:${d.kname}`;
    const g = groups.get(id);
    if (g) g.push(d);
    else groups.set(id, [d]);
  }
  const lunOfKname = new Map<string, LunView>();
  const luns: LunView[] = [];
  for (const [id, members] of groups) {
    const first = members[0];
    const wwn = first.wwn ?? null;
    const identity = wwn
      ? (wwn.startsWith('eui.') ? `EUI ${wwn.slice(4)}` : `WWN ${wwn.startsWith('0x') ? wwn : '0x' + wwn}`)
      : id.startsWith('serial:') ? `serial ${first.serial}` : first.kname;
    const lun: LunView = {
      identity,
      size: first.size ?? null,
      vendor: first.vendor ?? null,
      model: first.model ?? null,
      transport: first.tran ?? null,
      paths: members.map((m) => ({ name: m.kname })),
      aliases: [],
      singlePathNames: [],
      partitions: [],
      mountpoints: [],
      usedBy: [],
    };
    for (const m of members) lunOfKname.set(m.kname, lun);
    luns.push(lun);
  }

  // 2. DMP nodes: by their paths, else by their SCSI-3 identity.
  for (const n of dmpNodes) {
    const lun = (n.paths ?? []).map((p) => lunOfKname.get(p.name)).find(Boolean)
      ?? luns.find((l) => l.identity.startsWith('WWN ') && normId(l.identity.slice(4)) === normId(n.scsi3Vpd));
    if (!lun) continue;
    lun.dmp = { node: n.name, arrayName: n.arrayName, arrayType: n.arrayType, enclosure: n.enclosure, state: n.state };
    for (const p of n.paths ?? []) {
      const mine = lun.paths.find((x) => x.name === p.name);
      if (mine) Object.assign(mine, { state: p.state, ctlr: p.ctlr, type: p.type });
    }
  }

  // 3. dm-multipath maps and partitions / LVs: each device whose parents lead to a LUN.
  const lunOf = (kname: string, seen = new Set<string>()): LunView | undefined => {
    const direct = lunOfKname.get(kname);
    if (direct) return direct;
    if (seen.has(kname)) return undefined;
    seen.add(kname);
    const d = byKname.get(kname);
    for (const p of d?.parents ?? []) {
      const l = lunOf(p, seen);
      if (l) return l;
    }
    return undefined;
  };
  for (const d of devices) {
    if (d.type !== 'mpath') continue;
    const lun = (d.parents ?? []).map((p) => lunOfKname.get(p)).find(Boolean);
    if (lun) {
      lun.mpath = { name: d.name ?? d.kname, kname: d.kname };
      lunOfKname.set(d.kname, lun);
    }
  }
  for (const d of devices) {
    if (d.type === 'disk' || d.type === 'mpath') continue;
    const lun = lunOf(d.kname);
    if (!lun) continue;
    if (d.type === 'part') lun.partitions.push(d.path);
    for (const m of d.mountpoints ?? []) if (m) lun.mountpoints.push(`${m} (${d.name ?? d.kname})`);
  }
  for (const d of devices) if ((d.type === 'disk' || d.type === 'mpath') && lunOfKname.has(d.kname)) {
    for (const m of d.mountpoints ?? []) if (m) lunOfKname.get(d.kname)!.mountpoints.push(m);
  }

  // 4. Aliases: links to the whole LUN (a map, or a path device), the DMP node.
  const devPath = new Map<string, DeviceLike>();
  for (const d of devices) {
    devPath.set(`/dev/${d.kname}`, d); // links point at /dev/dm-2 where lsblk's PATH is /dev/mapper/mpatha
    devPath.set(d.path, d);
  }
  for (const [link, target] of Object.entries(links)) {
    const d = devPath.get(target);
    const lun = d ? lunOfKname.get(d.kname) : undefined;
    if (!d || !lun || aliasRank(link) === undefined) continue;
    // A link to one path device of a LUN with several paths (or a map) loses failover.
    if (d.type === 'disk' && (lun.paths.length > 1 || lun.mpath)) lun.singlePathNames.push(link);
    else lun.aliases.push(link);
  }
  for (const lun of luns) {
    if (lun.dmp) lun.aliases.push(`/dev/vx/dmp/${lun.dmp.node}`);
    lun.aliases.sort((a, b) => (aliasRank(a) ?? 99) - (aliasRank(b) ?? 99) || a.localeCompare(b));
    lun.singlePathNames.sort((a, b) => (aliasRank(a) ?? 99) - (aliasRank(b) ?? 99) || a.localeCompare(b));
    lun.partitions.sort();
  }

  // 5. VxVM disks (by DMP node name, or by OS-native name).
  for (const vd of s.vxvm?.disks ?? []) {
    const lun = luns.find((l) => l.dmp?.node === vd.device) ?? (vd.osNativeName ? lunOfKname.get(vd.osNativeName) : undefined);
    if (lun) lun.vxvm = { disk: vd.disk, group: vd.group, imported: vd.imported, status: vd.status };
  }

  // 6. The host's domains using each LUN.
  for (const dom of s.domains ?? []) {
    for (const disk of dom.disks ?? []) {
      const r = resolveSource(disk.source, s, devPath, lunOf);
      if (!r) continue;
      r.lun.usedBy.push({ domain: dom.name, target: disk.target, source: disk.source, shareable: !!disk.shareable, via: r.via });
    }
  }
  return luns.sort((a, b) => (a.dmp ? 0 : a.mpath ? 1 : 2) - (b.dmp ? 0 : b.mpath ? 1 : 2) || a.identity.localeCompare(b.identity));
}

function resolveSource(
  source: string,
  s: SnapshotLike,
  devPath: Map<string, DeviceLike>,
  lunOf: (kname: string) => LunView | undefined,
): { lun: LunView; via?: string } | undefined {
  let p = source;
  for (let i = 0; i < 8 && s.links?.[p]; i++) p = s.links[p];
  const dmp = /^\/dev\/vx\/r?dmp\/(.+?)(s\d+)?$/.exec(p);
  if (dmp) {
    const node = (s.dmp?.nodes ?? []).find((n) => n.name === dmp[1]);
    const first = node?.paths?.[0]?.name;
    const lun = first ? lunOf(first) : undefined;
    return lun ? { lun, via: dmp[2] ? `partition ${dmp[2].slice(1)}` : undefined } : undefined;
  }
  const d = devPath.get(p);
  if (!d) return undefined;
  const lun = lunOf(d.kname);
  if (!lun) return undefined;
  const whole = d.type === 'disk' || d.type === 'mpath';
  return { lun, via: whole ? undefined : `${d.type ?? 'device'} ${d.name ?? d.kname}` };
}

function code(s: string): string {
  return '`' + s.replace(/`/g, "'") + '`';
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export interface ViewOptions {
  /** Where the inventory came from (ssh, local, snapshot), shown in the heading. */
  source?: string;
}

/** The whole view as Markdown. */
export function inventoryMarkdown(raw: SnapshotLike | unknown, opts: ViewOptions = {}): string {
  const s = sanitizeSnapshot(raw);
  const luns = lunsOf(s);
  const out: string[] = [];
  const host = s.host ?? '?';
  out.push(`# Inventory of ${host}`, '');
  const facts = [
    s.hostname && s.hostname !== host ? `hostname ${code(s.hostname)}` : undefined,
    s.collectedAt ? `collected ${s.collectedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z').replace(/Z$/, ' UTC')}` : undefined,
    opts.source ? `source: ${opts.source}` : undefined,
    s.cluster?.mode ? `cluster: ${s.cluster.mode}` : undefined,
  ].filter(Boolean);
  if (facts.length) out.push(facts.join(' · '), '');
  out.push(`## LUNs (${luns.length})`, '');
  out.push('| LUN | Size | Identity | Paths | Multipath | Best alias | Used by |', '|---|---|---|---|---|---|---|');
  for (const l of luns) {
    const name = [l.vendor, l.model].filter(Boolean).join(' ') || l.paths[0]?.name || '?';
    const mp = l.dmp ? `DMP ${l.dmp.node} (${l.dmp.arrayType ?? '?'})` : l.mpath ? `dm-multipath ${l.mpath.name}` : '—';
    const used = l.usedBy.map((u) => `${u.domain}${u.target ? ` (${u.target})` : ''}`).join(', ') || '—';
    out.push(`| ${cell(name)} | ${formatSize(l.size)} | ${cell(code(l.identity))} | ${cell(l.paths.map((p) => p.name).join(', '))} | ${cell(mp)} | ${l.aliases[0] ? cell(code(l.aliases[0])) : '—'} | ${cell(used)} |`);
  }
  for (const l of luns) {
    const name = [l.vendor, l.model].filter(Boolean).join(' ') || l.paths[0]?.name || '?';
    out.push('', `### ${name} · ${formatSize(l.size)} · ${l.identity}`, '');
    out.push(`- **Identity:** ${code(l.identity)}${l.transport ? ` · transport ${l.transport}` : ''}`);
    out.push(`- **Paths (${l.paths.length}):** ${l.paths.map((p) => `${code(p.name)}${[p.state, p.type, p.ctlr].filter(Boolean).length ? ` (${[p.state, p.type, p.ctlr].filter(Boolean).join(', ')})` : ''}`).join(', ')}`);
    if (l.dmp) {
      out.push(`- **DMP node:** ${code(l.dmp.node)} · array ${l.dmp.arrayName ?? '?'} · array type **${l.dmp.arrayType ?? '?'}** · enclosure ${l.dmp.enclosure ?? '?'}${l.dmp.state ? ` · ${l.dmp.state}` : ''}`);
    }
    if (l.mpath) out.push(`- **dm-multipath map:** ${code(l.mpath.name)} (${l.mpath.kname})`);
    if (l.vxvm) {
      const g = l.vxvm.group ? `disk group ${code(l.vxvm.group)}${l.vxvm.imported ? ' (imported here)' : ' (not imported here)'}` : 'no disk group';
      out.push(`- **VxVM:** ${l.vxvm.disk ? `disk ${code(l.vxvm.disk)}, ` : ''}${g}${l.vxvm.status ? ` · ${l.vxvm.status}` : ''}`);
    }
    out.push(`- **Stable aliases:** ${l.aliases.length ? l.aliases.map(code).join(', ') : '—'}`);
    if (l.singlePathNames.length) out.push(`- **One path only (no failover):** ${l.singlePathNames.map(code).join(', ')}`);
    if (l.partitions.length) out.push(`- **Partitions:** ${l.partitions.map(code).join(', ')}`);
    if (l.mountpoints.length) out.push(`- **Mounted on the host:** ${l.mountpoints.map(code).join(', ')}`);
    out.push(`- **Used by:** ${l.usedBy.length ? l.usedBy.map((u) => `${u.domain}${u.target ? ` as ${u.target}` : ''} via ${code(u.source)}${u.via ? ` (${u.via})` : ''}${u.shareable ? ' · shareable' : ''}`).join('; ') : 'no domain on this host'}`);
  }
  const tools = Object.entries(s.tools ?? {});
  if (tools.length || s.warnings?.length) {
    out.push('', '## Collection', '');
    if (tools.length) out.push(`Tools: ${tools.map(([t, st]) => `${t} ${st}`).join(', ')}`);
    for (const w of s.warnings ?? []) out.push(`- ⚠ ${w}`);
  }
  out.push('');
  return out.join('\n');
}
