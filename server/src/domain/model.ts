import { attr, child, childrenNamed, XmlAttribute, XmlDocument, XmlElement } from '../xml/parse';
import { decodeXmlEntities } from '../xml/entities';

/** A value in the document with the exact span it occupies (an attribute value, or trimmed element text). */
export interface ValueRef {
  value: string;
  start: number;
  end: number;
  /** The delimiting quote for an attribute value; undefined for element text. */
  quote?: '"' | "'";
}

export type SourceAttrName = 'dev' | 'file' | 'dir' | 'pool' | 'volume' | 'protocol' | 'name';
const SOURCE_ATTRS: SourceAttrName[] = ['dev', 'file', 'dir', 'pool', 'volume', 'protocol', 'name'];

export interface HostPathRef extends ValueRef {
  /**
   * Where the path was written: `<source dev|file|dir>`, `<hostdev><source><block>` text or
   * `<blkiotune><device><path>` text; `volume` only in rule facts (diskFacts), never in the model.
   */
  origin: 'dev' | 'file' | 'dir' | 'block' | 'blkiotune' | 'volume';
}

/**
 * `<disk type='volume'><source pool='P' volume='V'/>`: not a path, a name the host's storage pool
 * resolves. The span (start, end, quote, value) is the volume attribute's.
 */
export interface VolumeRef extends ValueRef {
  origin: 'volume';
  pool: ValueRef;
  volume: ValueRef;
}

/** `<hostdev mode='subsystem' type='scsi'>`: the adapter it names and the LUN's address on it. */
export interface ScsiHostdevModel {
  start: number;
  end: number;
  /** `<source><adapter name='scsi_hostN'/>`. */
  adapter?: ValueRef;
  /** `<source><address bus target unit/>`. */
  address?: { bus?: string; target?: string; unit?: string };
}

export interface DiskModel {
  /** `blkiotune`: a `<blkiotune><device>` (listed in DomainModel.blkiotune, never in disks). */
  kind: 'disk' | 'hostdev' | 'blkiotune';
  /** Span of the whole `<disk>`/`<hostdev>` element. */
  start: number;
  end: number;
  type?: ValueRef;
  device?: ValueRef;
  source: Partial<Record<SourceAttrName, ValueRef>>;
  /** Span of the `<source>` element itself (what an inserted sibling goes after). */
  sourceStart?: number;
  sourceEnd?: number;
  /** The host path this disk opens, when it names one. */
  hostPath?: HostPathRef;
  /** A `type='volume'` disk's pool and volume (it has no hostPath). */
  volumeRef?: VolumeRef;
  target?: { dev?: ValueRef; bus?: ValueRef };
  shareable: boolean;
  readonly: boolean;
  serial?: string;
  wwn?: string;
  address?: Record<string, string>;
}

/** `device='cdrom'` and `device='floppy'`: removable media, whose sources no host rule judges. */
export function isRemovableMedia(disk: DiskModel): boolean {
  const d = disk.device?.value;
  return d === 'cdrom' || d === 'floppy';
}

export interface DomainModel {
  name?: string;
  uuid?: string;
  domainType?: string;
  disks: DiskModel[];
  /** `<blkiotune><device><path>` entries (kind 'blkiotune', hostPath origin 'blkiotune'). */
  blkiotune?: DiskModel[];
  /** `<hostdev mode='subsystem' type='scsi'>` elements. */
  scsiHostdevs?: ScsiHostdevModel[];
}

function ref(a: XmlAttribute | undefined): ValueRef | undefined {
  return a ? { value: a.value, start: a.valueStart, end: a.valueEnd, quote: a.quote } : undefined;
}

function textOf(el: XmlElement | undefined): string | undefined {
  return el ? decodeXmlEntities(el.text).trim() : undefined;
}

/** The trimmed text content of an element as a span of the original text. */
function textRef(doc: XmlDocument, el: XmlElement): ValueRef | undefined {
  const raw = doc.text.slice(el.contentStart, el.contentEnd);
  if (raw.includes('<')) return undefined; // mixed content: not a plain path
  const lead = raw.length - raw.trimStart().length;
  const trimmed = raw.trim();
  if (!trimmed) return undefined;
  return { value: decodeXmlEntities(trimmed), start: el.contentStart + lead, end: el.contentStart + lead + trimmed.length };
}

/** A path spread with its origin: written out, as object spread is slow in a cold process (once per disk). */
function pathRef(r: ValueRef, origin: HostPathRef['origin']): HostPathRef {
  return { value: r.value, start: r.start, end: r.end, quote: r.quote, origin };
}

function diskModel(el: XmlElement): DiskModel {
  // The children a disk model reads, each the first of its name, in one pass over the children.
  let src: XmlElement | undefined;
  let tgt: XmlElement | undefined;
  let addr: XmlElement | undefined;
  let serial: XmlElement | undefined;
  let wwn: XmlElement | undefined;
  let shareable = false;
  let readonly = false;
  for (const c of el.children) {
    switch (c.name) {
      case 'source':
        src ??= c;
        break;
      case 'target':
        tgt ??= c;
        break;
      case 'address':
        addr ??= c;
        break;
      case 'serial':
        serial ??= c;
        break;
      case 'wwn':
        wwn ??= c;
        break;
      case 'shareable':
        shareable = true;
        break;
      case 'readonly':
        readonly = true;
        break;
    }
  }
  const source: DiskModel['source'] = {};
  if (src)
    for (const n of SOURCE_ATTRS) {
      const r = ref(attr(src, n));
      if (r) source[n] = r;
    }
  const type = ref(attr(el, 'type'));
  let hostPath: HostPathRef | undefined;
  const t = type?.value;
  // Which attribute libvirt reads depends on the disk type; also record a path written under the "wrong" attribute.
  if (source.dev && (t === 'block' || t === undefined || !source.file)) hostPath = pathRef(source.dev, 'dev');
  else if (source.file) hostPath = pathRef(source.file, 'file');
  else if (source.dir) hostPath = pathRef(source.dir, 'dir');
  const disk: DiskModel = {
    kind: 'disk',
    start: el.start,
    end: el.end,
    type,
    device: ref(attr(el, 'device')),
    source,
    hostPath: t === 'volume' ? undefined : hostPath,
    target: tgt ? { dev: ref(attr(tgt, 'dev')), bus: ref(attr(tgt, 'bus')) } : undefined,
    shareable,
    readonly,
    serial: textOf(serial),
    wwn: textOf(wwn),
    address: addr ? Object.fromEntries(addr.attributes.map((a) => [a.name, a.value])) : undefined,
  };
  if (src) {
    disk.sourceStart = src.start;
    disk.sourceEnd = src.end;
  }
  if (t === 'volume' && source.pool && source.volume) {
    const v = source.volume;
    disk.volumeRef = { value: v.value, start: v.start, end: v.end, quote: v.quote, origin: 'volume', pool: source.pool, volume: v };
  }
  return disk;
}

function hostdevModel(doc: XmlDocument, el: XmlElement): DiskModel | undefined {
  if (attr(el, 'type')?.value !== 'storage') return undefined;
  const block = child(child(el, 'source') ?? el, 'block');
  const r = block ? textRef(doc, block) : undefined;
  return {
    kind: 'hostdev',
    start: el.start,
    end: el.end,
    type: ref(attr(el, 'type')),
    source: {},
    hostPath: r ? { ...r, origin: 'block' } : undefined,
    shareable: !!child(el, 'shareable'),
    readonly: !!child(el, 'readonly'),
  };
}

function scsiHostdevModel(el: XmlElement): ScsiHostdevModel | undefined {
  if (attr(el, 'type')?.value !== 'scsi' || (attr(el, 'mode')?.value ?? 'subsystem') !== 'subsystem') return undefined;
  const src = child(el, 'source');
  // iSCSI hostdevs (<source protocol='iscsi'>) name no local adapter.
  const adapter = src ? child(src, 'adapter') : undefined;
  const a = src ? child(src, 'address') : undefined;
  return {
    start: el.start,
    end: el.end,
    adapter: ref(adapter && attr(adapter, 'name')),
    address: a ? { bus: attr(a, 'bus')?.value, target: attr(a, 'target')?.value, unit: attr(a, 'unit')?.value } : undefined,
  };
}

/** `<blkiotune><device><path>`: per-device I/O tuning names a host block device. */
function blkiotuneModels(doc: XmlDocument, root: XmlElement): DiskModel[] {
  const out: DiskModel[] = [];
  for (const tune of childrenNamed(root, 'blkiotune')) {
    for (const dev of childrenNamed(tune, 'device')) {
      const p = child(dev, 'path');
      const r = p ? textRef(doc, p) : undefined;
      if (!r) continue;
      out.push({
        kind: 'blkiotune',
        start: dev.start,
        end: dev.end,
        source: {},
        hostPath: { ...r, origin: 'blkiotune' },
        shareable: false,
        readonly: false,
      });
    }
  }
  return out;
}

/** Builds the domain model; undefined when the document is not a `<domain>`. */
export function buildDomainModel(doc: XmlDocument): DomainModel | undefined {
  const root = doc.root;
  if (!root || root.name !== 'domain') return undefined;
  const model: DomainModel = {
    name: textOf(child(root, 'name')),
    uuid: textOf(child(root, 'uuid')),
    domainType: attr(root, 'type')?.value,
    disks: [],
    blkiotune: blkiotuneModels(doc, root),
    scsiHostdevs: [],
  };
  for (const devices of childrenNamed(root, 'devices')) {
    for (const el of devices.children) {
      if (el.name === 'disk') model.disks.push(diskModel(el));
      else if (el.name === 'hostdev') {
        const h = hostdevModel(doc, el);
        if (h) model.disks.push(h);
        const s = scsiHostdevModel(el);
        if (s) model.scsiHostdevs!.push(s);
      }
    }
  }
  return model;
}
