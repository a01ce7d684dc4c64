/**
 * Who else uses a LUN: the one answer for `shared-without-shareable`, the hover, completion and the
 * inventory view. Users are the domains defined on the hosts (`virsh list --all`) and the peer documents
 * (open documents and workspace files), matched by what their disks reach on each host (identity: LUN
 * id plus partition, whatever path names it), never by path string. A document without `<name>` is a
 * user like any other (named by its origin); only a domain with this document's own name is left out
 * (it is this VM: the host's copy of this file, or the file seen from the workspace).
 */
import { HostIndex, identityKey, partitionNumber, type Resolution } from '../inventory/resolver';
import type { HostDomain } from '../inventory/snapshot';
import type { PeerDomain } from './types';

/** Where a user comes from: a domain defined on a host, an open document, a workspace file, or a document of unknown kind. */
export type LunUserSource = 'host-domain' | 'open-document' | 'workspace-file' | 'document';

export interface LunUser {
  source: LunUserSource;
  /** The domain's name; undefined for a document without `<name>`. */
  name?: string;
  /** A document's URI or path. */
  origin?: string;
  /** For a host domain, the host that defines it; for a document, the (first) host on which its disk reaches the LUN. */
  host: string;
  /** The disk's source path as written. */
  path: string;
  /** The disk's `<target dev>`, where known. */
  target?: string;
  shareable: boolean;
  /** For a document with a URI whose disk's place is known: the URI and the range of the disk's path there. */
  place?: { uri: string; range: NonNullable<PeerDomain['disks'][number]['range']> };
  /**
   * With `within`: how the disk reaches the LUN when it maps something on it rather than the identity asked
   * for (`partition 1`, `lvm vg-guest1`, `VxVM volume appdg/appvol01`); undefined for the identity itself.
   */
  via?: string;
}

export interface UsersOptions {
  /**
   * Also the users of what lies on the LUN (its partitions, LVs on it, volumes of its VxVM disk group),
   * each with `via`. For a LUN's overview (the inventory view); a rule about one disk compares identities.
   */
  within?: boolean;
}

interface Use {
  user: LunUser;
  /** For a peer document's disk: the peer's place in the list the index was built from. */
  peer?: number;
  /** Identity of the user within its source, so a document matched on several hosts is listed once. */
  id: string;
  /** Order of the disk in its source (domains, then disks), to list users of a LUN and of what lies on it in one order. */
  seq: number;
}

interface UseIndex {
  /** Identity key → uses of exactly that. */
  exact: Map<string, Use[]>;
  /** LUN id → uses of something lying on the LUN (with `via`). */
  beneath: Map<string, Use[]>;
}

function push(m: Map<string, Use[]>, k: string, u: Use): void {
  const list = m.get(k);
  if (list) list.push(u);
  else m.set(k, [u]);
}

/** How a disk reaches a LUN it lies on, in words. */
function viaOf(r: Resolution): string | undefined {
  if (r.partition !== undefined) return `partition ${r.partition}`;
  if (r.vxVolume) return `VxVM volume ${r.vxVolume}`;
  const d = r.device;
  if (!d) return undefined;
  return d.type === 'part' ? `partition ${partitionNumber(d) ?? d.name}` : `${d.type} ${d.name}`;
}

function addUse(h: HostIndex, idx: UseIndex, id: string, seq: number, user: Omit<LunUser, 'host' | 'via'>, peer?: number): void {
  const r = h.resolve(user.path);
  const key = identityKey(r);
  if (!key) return;
  push(idx.exact, key, { id, seq, peer, user: { ...user, host: h.host } });
  const beneath = h.lunsBeneath(r);
  if (!beneath.length) return;
  const via = viaOf(r);
  for (const lun of beneath) push(idx.beneath, lun.id, { id, seq, peer, user: { ...user, host: h.host, via } });
}

const hostDomainIndex = new WeakMap<HostIndex, UseIndex>();

/** The host's own domains by what their disks reach there (once per snapshot). */
function hostUses(h: HostIndex): UseIndex {
  let idx = hostDomainIndex.get(h);
  if (!idx) {
    idx = { exact: new Map(), beneath: new Map() };
    const domains: HostDomain[] = h.snapshot.domains ?? [];
    let seq = 0;
    domains.forEach((d, di) =>
      d.disks.forEach((disk, k) =>
        addUse(h, idx!, `host\0${h.host}\0${di}\0${k}`, seq++, {
          source: 'host-domain',
          name: d.name,
          path: disk.source,
          ...(disk.target ? { target: disk.target } : {}),
          shareable: disk.shareable,
        }),
      ),
    );
    hostDomainIndex.set(h, idx);
  }
  return idx;
}

const SOURCE_OF: Record<NonNullable<PeerDomain['from']> | 'unknown', LunUserSource> = {
  open: 'open-document',
  workspace: 'workspace-file',
  unknown: 'document',
};

const peerIndex = new WeakMap<readonly PeerDomain[], WeakMap<HostIndex, UseIndex>>();

/** Lists made by `peersWithout`: the list they were taken from and the place of the peer left out. */
const derivedLists = new WeakMap<readonly PeerDomain[], { all: readonly PeerDomain[]; left: number }>();

/**
 * `all` without its peer at `left` (a document's own): what a document's rules are given. The users of
 * a LUN among these come from `all`'s index with that peer skipped, so over many documents the index is
 * built once, not once per document (2,000 workspace files would make that quadratic).
 */
export function peersWithout(all: readonly PeerDomain[], left: number): PeerDomain[] {
  const list = all.filter((_, i) => i !== left);
  derivedLists.set(list, { all, left });
  return list;
}

/** The peers using `identity` on `h` (one entry per disk), from the same index as `usersOfLun`. */
export function peersUsing(identity: string, h: HostIndex, peers: readonly PeerDomain[]): PeerDomain[] {
  const { idx, skip, all } = peerUseIndex(peers, h);
  return (idx.exact.get(identity) ?? []).flatMap((u) => (u.peer === undefined || u.peer === skip ? [] : [all[u.peer]]));
}

/** The index `usersOfLun` reads for `peers` on `h`: the list's own, or that of the list it was taken from, with the peer to skip. */
function peerUseIndex(peers: readonly PeerDomain[], h: HostIndex): { idx: UseIndex; skip?: number; all: readonly PeerDomain[] } {
  const d = derivedLists.get(peers);
  return d ? { idx: peerUses(d.all, h), skip: d.left, all: d.all } : { idx: peerUses(peers, h), all: peers };
}

/** The peer documents by what their disks reach on `h` (once per peer list and host; a peer list is not changed once given). */
function peerUses(peers: readonly PeerDomain[], h: HostIndex): UseIndex {
  let byHost = peerIndex.get(peers);
  if (!byHost) peerIndex.set(peers, (byHost = new WeakMap()));
  let idx = byHost.get(h);
  if (!idx) {
    idx = { exact: new Map(), beneath: new Map() };
    let seq = 0;
    peers.forEach((p, pi) =>
      p.disks.forEach((disk, k) =>
        addUse(
          h,
          idx!,
          `doc\0${pi}\0${k}`,
          seq++,
          {
            source: SOURCE_OF[p.from ?? 'unknown'],
            ...(p.name !== undefined ? { name: p.name } : {}),
            origin: p.origin,
            path: disk.path,
            ...(disk.target ? { target: disk.target } : {}),
            shareable: disk.shareable,
            ...(p.uri && disk.range ? { place: { uri: p.uri, range: disk.range } } : {}),
          },
          pi,
        ),
      ),
    );
    byHost.set(h, idx);
  }
  return idx;
}

/**
 * The users of the LUN (or partition, or volume) with identity `identity` (as `identityKey` gives it): one
 * key for every host, or one per host of `hosts` (undefined where the disk reaches nothing). On each host,
 * its own domains, then the peer documents, in their order; one entry per disk that reaches it (a document
 * matched on several hosts once). `self`, the asking domain's name, is not a user of its own disks.
 */
export function usersOfLun(
  identity: string | readonly (string | undefined)[],
  hosts: readonly HostIndex[],
  peers: readonly PeerDomain[],
  self: string | undefined,
  opts: UsersOptions = {},
): LunUser[] {
  const out: LunUser[] = [];
  const seen = new Set<string>();
  hosts.forEach((h, i) => {
    const key = typeof identity === 'string' ? identity : identity[i];
    if (!key) return;
    const docs = peerUseIndex(peers, h);
    for (const idx of [hostUses(h), docs.idx]) {
      const exact = idx.exact.get(key) ?? [];
      const uses = opts.within ? [...exact, ...(idx.beneath.get(key) ?? [])].sort((a, b) => a.seq - b.seq) : exact;
      for (const { id, user, peer } of uses) {
        if (peer !== undefined && peer === docs.skip) continue;
        if (self && user.name === self) continue;
        if (seen.has(id)) continue;
        seen.add(id);
        out.push(user);
      }
    }
  });
  return out;
}

/**
 * A user's domain: the disks of one domain (one name; a document without `<name>` by its origin) that
 * reach the LUN, from every source it was seen in (defined on hosts, open, in the workspace). The same
 * domain is named once, whether it maps the LUN with two disks or is seen on a host and in a file.
 */
export interface UserGroup {
  /** The domain's name, or a document's origin when it has none. */
  who: string;
  /** Sources, each once, in first-seen order. */
  sources: LunUserSource[];
  /** The hosts that define it (host domains). */
  hosts: string[];
  /** Its disks' targets as `targetList` shows them (`vdb`, `vdc ×2`). */
  targets: string[];
  /** Every disk of it that reaches the LUN is shareable. */
  shareable: boolean;
  users: LunUser[];
}

const groupKey = (u: LunUser) => (u.name !== undefined ? `n\0${u.name}` : `o\0${u.origin ?? ''}`);

/** The users by domain, in first-seen order (see UserGroup). */
export function groupUsers(users: readonly LunUser[]): UserGroup[] {
  const groups = new Map<string, UserGroup & { counts: Map<string, Map<string, number>> }>();
  for (const u of users) {
    const k = groupKey(u);
    let g = groups.get(k);
    if (!g) {
      g = { who: u.name ?? u.origin ?? '', sources: [], hosts: [], targets: [], shareable: true, users: [], counts: new Map() };
      groups.set(k, g);
    }
    g.users.push(u);
    if (!g.sources.includes(u.source)) g.sources.push(u.source);
    if (u.source === 'host-domain' && !g.hosts.includes(u.host)) g.hosts.push(u.host);
    g.shareable &&= u.shareable;
    if (u.target) {
      // Per definition (a host's copy, a document): the same target from another host is the same disk.
      const where = `${u.source}\0${u.source === 'host-domain' ? u.host : (u.origin ?? '')}`;
      let c = g.counts.get(u.target);
      if (!c) g.counts.set(u.target, (c = new Map()));
      c.set(where, (c.get(where) ?? 0) + 1);
    }
  }
  return [...groups.values()].map(({ counts, ...g }) => ({
    ...g,
    targets: [...counts].map(([t, c]) => {
      const n = Math.max(...c.values());
      return n > 1 ? `${t} ×${n}` : t;
    }),
  }));
}

/** Hosts in a label: `kvm-a`, `kvm-a and kvm-b`, `3 hosts` (no comma: labels are listed with commas). */
function hostWords(hosts: readonly string[]): string {
  return hosts.length <= 2 ? hosts.join(' and ') : `${hosts.length} hosts`;
}

/** How messages and lists name a user's domain: `web01 (defined on kvm-a)`, a document's name, else its origin (plain text). */
export function groupLabel(g: UserGroup): string {
  return g.hosts.length ? `${g.who} (defined on ${hostWords(g.hosts)})` : g.who;
}

/** How messages and lists name one user: `web01 (defined on kvm-a)`, a document's name, else its origin (plain text). */
export function userLabel(u: LunUser): string {
  return u.source === 'host-domain' ? `${u.name} (defined on ${u.host})` : (u.name ?? u.origin ?? '');
}

/**
 * The users' labels, one per domain (its disks on every host and in every source together), sorted: the
 * same users give the same text, whatever order they were seen in.
 */
export function userLabels(users: readonly LunUser[]): string[] {
  return [...new Set(groupUsers(users).map(groupLabel))].sort();
}

/** Where a user comes from, in words (the inventory view's and the hover's notes on a user). */
export const USER_SOURCE_WORDS: Record<LunUserSource, string> = {
  'host-domain': 'defined on this host',
  'open-document': 'open document',
  'workspace-file': 'workspace file',
  document: 'document',
};

/**
 * A user's domain as a list shows it, plain (each part encoded where it goes): its name and notes, its
 * targets then where it comes from: `web01` (vdb, vdc), `db9` (vdz, workspace file). A host domain's
 * source is said only beside a document's (a list of one host's users implies it); `shareable` when
 * every disk of it is.
 */
export function groupNotes(g: UserGroup, opts: { shareable?: boolean } = {}): { who: string; notes: string[] } {
  const sources = g.sources.some((x) => x !== 'host-domain') ? g.sources : [];
  return {
    who: g.who,
    notes: [...g.targets, ...sources.map((x) => USER_SOURCE_WORDS[x]), ...(opts.shareable && g.shareable ? ['shareable'] : [])],
  };
}
