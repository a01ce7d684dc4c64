/**
 * The model of a libvirt storage pool definition (root `<pool>`: /etc/libvirt/storage/*.xml,
 * `virsh pool-dumpxml`): the values that name host devices, with their exact spans.
 */
import { attr, child, childrenNamed, XmlAttribute, XmlDocument, XmlElement } from '../xml/parse';
import { decodeXmlEntities } from '../xml/entities';
import type { DiskModel, HostPathRef, ValueRef } from './model';

export interface PoolAdapterModel {
  /** Span of the whole `<adapter>` element. */
  start: number;
  end: number;
  type?: ValueRef;
  name?: ValueRef;
  parent?: ValueRef;
  wwnn?: ValueRef;
  wwpn?: ValueRef;
  /** `<parentaddr [unique_id]><address domain bus slot function/></parentaddr>`, the address as "dddd:bb:ss.f". */
  parentaddr?: { uniqueId?: string; address?: string };
}

export interface PoolModel {
  /** `<pool type>`: dir, fs, netfs, logical, disk, iscsi, iscsi-direct, scsi, mpath, rbd, zfs, … */
  type?: ValueRef;
  name?: string;
  /** `<source><device path>` values (a host device, or the target IQN for iscsi pools). */
  sourceDevices: ValueRef[];
  /** `<source><host name>` (iscsi, netfs, …). */
  sourceHosts: string[];
  adapter?: PoolAdapterModel;
  /** `<target><path>` text. */
  targetPath?: ValueRef;
}

/** Pool types whose `<source><device path>` is not a host path (the iSCSI target's IQN). */
const DEVICE_PATH_IS_IQN = new Set(['iscsi', 'iscsi-direct']);

function ref(a: XmlAttribute | undefined): ValueRef | undefined {
  return a ? { value: a.value, start: a.valueStart, end: a.valueEnd, quote: a.quote } : undefined;
}

/** The trimmed text of an element as a span of the original text (undefined for mixed or empty content). */
function textSpan(doc: XmlDocument, el: XmlElement): ValueRef | undefined {
  const raw = doc.text.slice(el.contentStart, el.contentEnd);
  if (raw.includes('<')) return undefined;
  const trimmed = raw.trim();
  if (!trimmed) return undefined;
  const lead = raw.length - raw.trimStart().length;
  return { value: decodeXmlEntities(trimmed), start: el.contentStart + lead, end: el.contentStart + lead + trimmed.length };
}

/** A PCI `<address domain bus slot function>` as "dddd:bb:ss.f" (lower-case hex), or undefined if incomplete. */
function pciAddress(el: XmlElement | undefined): string | undefined {
  if (!el) return undefined;
  const num = (n: string): number | undefined => {
    const v = attr(el, n)?.value.trim();
    if (!v || !/^(?:0x[0-9a-fA-F]+|\d+)$/.test(v)) return undefined;
    return Number(v);
  };
  const [d, b, s, f] = [num('domain') ?? 0, num('bus'), num('slot'), num('function') ?? 0];
  if (b === undefined || s === undefined) return undefined;
  const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
  return `${hex(d, 4)}:${hex(b, 2)}:${hex(s, 2)}.${hex(f, 1)}`;
}

function adapterModel(el: XmlElement): PoolAdapterModel {
  const pa = child(el, 'parentaddr');
  return {
    start: el.start,
    end: el.end,
    type: ref(attr(el, 'type')),
    name: ref(attr(el, 'name')),
    parent: ref(attr(el, 'parent')),
    wwnn: ref(attr(el, 'wwnn')),
    wwpn: ref(attr(el, 'wwpn')),
    parentaddr: pa ? { uniqueId: attr(pa, 'unique_id')?.value, address: pciAddress(child(pa, 'address')) } : undefined,
  };
}

/** Builds the pool model; undefined when the document is not a `<pool>`. */
export function buildPoolModel(doc: XmlDocument): PoolModel | undefined {
  const root = doc.root;
  if (!root || root.name !== 'pool') return undefined;
  const nameEl = child(root, 'name');
  const model: PoolModel = {
    type: ref(attr(root, 'type')),
    name: nameEl ? decodeXmlEntities(nameEl.text).trim() : undefined,
    sourceDevices: [],
    sourceHosts: [],
  };
  const src = child(root, 'source');
  if (src) {
    for (const d of childrenNamed(src, 'device')) {
      const r = ref(attr(d, 'path'));
      if (r) model.sourceDevices.push(r);
    }
    for (const h of childrenNamed(src, 'host')) {
      const n = attr(h, 'name')?.value;
      if (n) model.sourceHosts.push(n);
    }
    const ad = child(src, 'adapter');
    if (ad) model.adapter = adapterModel(ad);
  }
  const tgt = child(root, 'target');
  const tp = tgt ? child(tgt, 'path') : undefined;
  if (tp) model.targetPath = textSpan(doc, tp);
  return model;
}

/** The `<source><device path>` values that name host devices (not an iSCSI pool's IQN). */
export function poolHostPaths(pool: PoolModel): HostPathRef[] {
  if (DEVICE_PATH_IS_IQN.has(pool.type?.value ?? '')) return [];
  return pool.sourceDevices.map((r) => ({ ...r, origin: 'dev' as const }));
}

/**
 * The pool's host devices seen as block disks of a domain, so the disk-source rules, the hover and
 * the fixes judge them exactly as they judge `<disk type='block'><source dev=…>`.
 */
export function poolAsDisks(pool: PoolModel): DiskModel[] {
  return poolHostPaths(pool).map((hostPath) => ({
    kind: 'disk',
    start: hostPath.start,
    end: hostPath.end,
    source: { dev: hostPath },
    hostPath,
    shareable: false,
    readonly: false,
  }));
}
