/**
 * Completion: stable device paths from the host inventory inside `<source dev>` and `<block>`,
 * element/attribute names and enumerated values inside `<disk>`, and snippets for common disk shapes.
 */
import { CompletionItem, CompletionItemKind, CompletionList, InsertTextFormat, MarkupKind, TextEdit } from 'vscode-languageserver';
import type { DomainModel } from '../domain/model';
import { DISK_ELEMENTS, nextTargetName } from '../domain/diskVocabulary';
import { cap, hasXmlForbiddenChar, MAX_SHOWN, mdCode, mdInline, snippetText, terminalText, xmlValue } from '../encode';
import { formatBytes, HostIndex, identityKey, Lun, lunIdentity, PATH_MAX, reachedSize, Resolution } from '../inventory/resolver';
import { ACTIVE_PASSIVE_MARK, activePassiveOnCluster } from '../rules/activePassiveDmp';
import { identitiesBelow } from '../rules/duplicateDevice';
import { userLabels, usersOfLun } from '../rules/lunUsers';
import { preferredOf, stableCandidates } from '../rules/stableAliases';
import type { PeerDomain } from '../rules/types';
import { decodeXmlEntities } from '../xml/entities';
import type { LineIndex } from '../xml/lineIndex';
import { completionContext } from './completionContext';

export interface CompletionInput {
  text: string;
  offset: number;
  lines: LineIndex;
  hosts: HostIndex[];
  /** The last good model of the document (targets in use, the domain's own name). */
  model?: DomainModel;
  peers: PeerDomain[];
}

interface PathOption {
  path: string;
  lun?: Lun;
  /** What the path reaches on the first host. */
  res: Resolution;
  size: number | null;
  users: string[];
  hostUse: string[];
  activePassive: boolean;
  /** A name offered besides a better one for the same thing (an LV's dm-uuid-LVM link): ranked below it. */
  secondary?: boolean;
}

/** Path items offered at most (ranked first, then cut; the list is then marked incomplete). */
export const MAX_PATH_ITEMS = 500;
/** Characters of path items at most, whatever their number: a bound on the response size. */
const MAX_PATH_CHARS = 512 * 1024;
/** Users, usages listed per item; caps for a field and for a plain-text line. */
const LISTED = 8;
const FIELD = 256;
const LINE = 512;

/** `a.localeCompare(b)` with the default locale, without building a collator per call. */
const collator = new Intl.Collator();

function listed(items: readonly string[], show: (s: string) => string): string {
  const shown = items.slice(0, LISTED).map(show).join(', ');
  return items.length > LISTED ? `${shown} and ${items.length - LISTED} more` : shown;
}

/** Plain text for a label, detail or filter: capped, controls as visible escapes. */
const plain = (s: string, max = LINE) => terminalText(cap(s, max));

/** Folders whose entries are told apart by the rest of the path (`dg/vol` under /dev/vx/dsk, a file name elsewhere). */
const NAME_DIRS = [
  '/dev/vx/dmp/',
  '/dev/vx/rdmp/',
  '/dev/vx/dsk/',
  '/dev/vx/rdsk/',
  '/dev/disk/by-id/',
  '/dev/disk/by-path/',
  '/dev/mapper/',
];

/**
 * A path as its distinguishing name and where it lies: `/dev/vx/dmp/3pardata0_12` → `3pardata0_12` in
 * `/dev/vx/dmp/`; `/dev/vx/dsk/appdg/appvol01` → `appdg/appvol01`; an LV `/dev/guests/data` → `guests/data`.
 */
export function shortName(path: string): { name: string; dir: string } {
  const d = NAME_DIRS.find((x) => path.startsWith(x) && path.length > x.length);
  if (d) return { name: path.slice(d.length), dir: d };
  const lv = /^(\/dev\/)([^/]+\/[^/]+)$/.exec(path);
  if (lv) return { name: lv[2], dir: lv[1] };
  const slash = path.lastIndexOf('/', path.length - 2);
  return slash > 0 ? { name: path.slice(slash + 1), dir: path.slice(0, slash + 1) } : { name: path, dir: '' };
}

/** Every mappable thing of the first host, by its best alias valid on all hosts, with what is known of it. */
function pathOptions(input: CompletionInput): PathOption[] {
  const [first] = input.hosts;
  if (!first) return [];
  const self = input.model?.name;
  const out: PathOption[] = [];
  const seen = new Set<string>();
  // The document's own disks (by identity on the first host, and what they sit on), except the value being
  // edited: a LUN this domain already maps is "used by this domain", never offered as unused.
  const ownExact = new Set<string>();
  const ownBelow = new Set<string>();
  for (const d of input.model?.disks ?? []) {
    const ref = d.hostPath;
    if (!ref || (input.offset >= ref.start && input.offset <= ref.end)) continue;
    const r = first.resolve(ref.value);
    const k = identityKey(r);
    if (!k) continue;
    ownExact.add(k);
    for (const b of identitiesBelow(first, r)) ownBelow.add(b);
  }
  const ownUse = (key: string | undefined, res: Resolution): boolean => {
    if (!key || (!ownExact.size && !ownBelow.size)) return false;
    if (ownExact.has(key) || ownBelow.has(key)) return true;
    return identitiesBelow(first, res).some((b) => ownExact.has(b));
  };
  const consider = (probe: string, lun: Lun | undefined, name?: string) => {
    if (probe.length >= PATH_MAX) return;
    const set = stableCandidates(probe, input.hosts);
    // The probe is a first-host name (it may not exist, or be another LUN, elsewhere): what is offered is
    // the first host's LUN, by a name valid on every host.
    const mine = set.ambiguous ? ((identityKey(set.resolutions[0]) ? set.alternatives[0]?.candidates : undefined) ?? []) : set.candidates;
    const preferred = preferredOf(mine);
    // A given name (an LV's /dev/<vg>/<lv>) first, where it reaches the same thing on every host; the preferred alias after it.
    const sameEverywhere = (p: string) =>
      input.hosts.every((h, i) => {
        const k = identityKey(h.resolve(p));
        return k !== undefined && k === identityKey(set.resolutions[i]);
      });
    const named = name !== undefined && name.length < PATH_MAX && sameEverywhere(name) ? name : undefined;
    const best =
      named ?? preferred?.path ?? (input.hosts.length === 1 && /^\/dev\/vx\/dsk\/|^\/dev\/mapper\//.test(probe) ? probe : undefined);
    if (!best) return;
    offer(best, lun, false);
    if (named && preferred) offer(preferred.path, lun, true);
  };
  const offer = (path: string, lun: Lun | undefined, secondary: boolean) => {
    if (seen.has(path)) return;
    seen.add(path);
    const best = { path };
    const all = input.hosts.map((h) => h.resolve(best.path));
    const res = all[0];
    const key = identityKey(res);
    // Other users on every host of the group: those shared-without-shareable would name (rules/lunUsers.ts).
    const others = userLabels(usersOfLun(all.map(identityKey), input.hosts, input.peers, self));
    const users = ownUse(key, res) ? [THIS_DOMAIN, ...others] : others.length ? others : NONE;
    let hostUse = first.hostUsage(res);
    for (let i = 1; i < input.hosts.length; i++) {
      const more = input.hosts[i].hostUsage(all[i]);
      if (more.length) hostUse = hostUse.concat(more);
    }
    const activePassive = input.hosts.some((h, i) => !!activePassiveOnCluster(h, all[i]));
    out.push({ path: best.path, lun, res, size: reachedSize(res), users, hostUse, activePassive, ...(secondary ? { secondary } : {}) });
  };
  for (const lun of first.allLuns()) {
    const probe = first.lunPath(lun);
    if (probe) consider(probe, lun);
  }
  for (const vol of first.snapshot.vxvm?.volumes ?? []) consider(`/dev/vx/dsk/${vol}`, undefined);
  for (const d of first.snapshot.devices) if (d.type === 'lvm') consider(d.path, undefined, lvPath(d.name));
  return out;
}

/**
 * `/dev/<vg>/<lv>`, the stable LVM name udev makes, from a device-mapper name `<vg>-<lv>` (a dash inside
 * either name doubled); undefined when the name is not one.
 */
export function lvPath(dmName: string): string | undefined {
  for (let i = 1; i < dmName.length - 1; i++) {
    if (dmName[i] !== '-') continue;
    if (dmName[i + 1] === '-') {
      i++;
      continue;
    }
    const vg = dmName.slice(0, i).replace(/--/g, '-');
    const lv = dmName.slice(i + 1).replace(/--/g, '-');
    if (!vg || !lv || vg.includes('/') || lv.includes('/') || vg === '.' || vg === '..' || lv === '.' || lv === '..') return undefined;
    return `/dev/${vg}/${lv}`;
  }
  return undefined;
}

const NONE: string[] = [];
/** How the document's own use of a LUN is listed among its users ("used by this domain"). */
const THIS_DOMAIN = 'this domain';

/** What an option is: size, vendor and model, DMP node or identity; as plain text (capped) and as markdown (encoded). */
function describe(o: PathOption): { label: string; labelMd: string } {
  const { lun, res } = o;
  const vm = [lun?.vendor, lun?.model].filter(Boolean).join(' ');
  const dmp = lun?.dmp;
  const id = dmp ? '' : lun ? lunIdentity(lun) : (res.vxVolume ?? res.device?.name ?? '');
  // An unknown size (a VxVM volume: the snapshot has none) is left out, not said.
  const size = o.size === null ? '' : formatBytes(o.size);
  return {
    label: [size, cap(vm, FIELD), dmp ? `DMP ${cap(dmp.name, FIELD)} (${cap(dmp.arrayType, FIELD)})` : cap(id, FIELD)]
      .filter(Boolean)
      .join(' · '),
    labelMd: [
      size,
      vm && mdInline(vm, FIELD),
      dmp ? `DMP ${mdCode(dmp.name, FIELD)} (${mdInline(dmp.arrayType, FIELD)})` : id && mdCode(id, FIELD),
    ]
      .filter(Boolean)
      .join(' · '),
  };
}

/** Unused first; then used by domains (this one included); devices in use by the host and A/P DMP devices on cluster nodes last. */
const group = (o: PathOption) => (o.hostUse.length || o.activePassive ? 2 : o.users.length ? 1 : 0);

/**
 * Device path items for a value span: ranked over every option, then the best MAX_PATH_ITEMS. The value
 * is written XML-escaped for `quote` (element text when undefined); a path XML cannot hold is not offered.
 */
function pathItems(
  input: CompletionInput,
  start: number,
  end: number,
  partial: string,
  quote: '"' | "'" | undefined,
): { items: CompletionItem[]; cut: boolean } {
  const range = { start: input.lines.positionAt(start), end: input.lines.positionAt(end) };
  const typed = decodeXmlEntities(partial);
  const { best, cut } = bestOf(
    pathOptions(input).filter((o) => (!typed || o.path.includes(typed)) && !hasXmlForbiddenChar(o.path)),
    MAX_PATH_ITEMS,
    (a, b) =>
      group(a) - group(b) ||
      Number(!!a.secondary) - Number(!!b.secondary) ||
      (b.size ?? 0) - (a.size ?? 0) ||
      collator.compare(a.path, b.path),
  );
  const items: CompletionItem[] = [];
  let chars = 0;
  for (const o of best) {
    const newText = xmlValue(o.path, quote);
    if (newText === undefined) continue;
    if (chars > MAX_PATH_CHARS) return { items, cut: true };
    const g = group(o);
    const users = o.users.length ? listed(o.users, (u) => cap(u, FIELD)) : '';
    const marks = [
      ...(o.users.length ? [`used by ${users}`] : []),
      ...(o.hostUse.length ? ['⚠ in use by the host'] : []),
      ...(o.activePassive ? [ACTIVE_PASSIVE_MARK] : []),
    ];
    const { label, labelMd } = describe(o);
    const doc = [mdCode(o.path), '', labelMd];
    if (o.hostUse.length) {
      doc.push('');
      for (const u of o.hostUse.slice(0, LISTED)) doc.push(`- in use by the host: ${mdInline(u, LINE)}`);
      if (o.hostUse.length > LISTED) doc.push(`- and ${o.hostUse.length - LISTED} more`);
    }
    if (o.users.length) doc.push('', `Used by: ${listed(o.users, (u) => mdInline(u, FIELD))}`);
    const { name, dir } = shortName(o.path);
    const item: CompletionItem = {
      // The distinguishing name as the label (3pardata0_12, appdg/appvol01), where it is: a truncated list
      // still tells the items apart; the whole path is what is written and what the typed text filters.
      label: plain(name, MAX_SHOWN),
      labelDetails: { detail: ` ${plain(dir, FIELD)}`, description: plain([label, ...marks].join(' · ')) },
      kind: CompletionItemKind.File,
      detail: marks.length ? plain(marks.join('; ')) : 'unused',
      documentation: { kind: MarkupKind.Markdown, value: doc.join('\n') },
      sortText: `${g}${String(items.length).padStart(5, '0')}`,
      filterText: plain(newText, MAX_SHOWN),
      textEdit: TextEdit.replace(range, newText),
      tags: g === 2 ? [1] : undefined, // deprecated: struck through in the list
    };
    chars +=
      newText.length +
      item.label.length +
      item.labelDetails!.description!.length +
      item.labelDetails!.detail!.length +
      item.detail!.length +
      (item.documentation as { value: string }).value.length +
      item.filterText!.length;
    items.push(item);
  }
  return { items, cut };
}

/**
 * The first `max` items in `compare` order (a stable sort's, when fewer than 2 × max are given), in time
 * linear in their number: items not better than the worst of a full selection are refused with one
 * comparison, and the kept ones are cut back to `max` whenever they reach twice that.
 */
function bestOf<T>(items: T[], max: number, compare: (a: T, b: T) => number): { best: T[]; cut: boolean } {
  const kept: T[] = [];
  let threshold: T | undefined;
  for (const x of items) {
    if (threshold !== undefined && compare(x, threshold) >= 0) continue;
    kept.push(x);
    if (kept.length >= 2 * max) {
      kept.sort(compare);
      kept.length = max;
      threshold = kept[max - 1];
    }
  }
  kept.sort(compare);
  if (kept.length > max) kept.length = max;
  return { best: kept, cut: items.length > max };
}

function valueItems(element: string, attribute: string, input: CompletionInput, start: number, end: number): CompletionItem[] {
  const range = { start: input.lines.positionAt(start), end: input.lines.positionAt(end) };
  if (element === 'target' && attribute === 'dev') {
    const bus =
      /bus\s*=\s*["']([^"']*)/.exec(input.text.slice(input.text.lastIndexOf('<', start), input.text.indexOf('>', start)))?.[1] ?? 'virtio';
    const used = (input.model?.disks ?? []).map((d) => d.target?.dev?.value).filter((x): x is string => !!x);
    const name = nextTargetName(bus, used);
    return [
      {
        label: name,
        kind: CompletionItemKind.Value,
        detail: `next free name for bus ${plain(bus, 64)}`,
        textEdit: TextEdit.replace(range, name),
        preselect: true,
      },
    ];
  }
  const values = DISK_ELEMENTS[element]?.attributes[attribute]?.values ?? [];
  return values.map((x, i) => ({
    label: x.value,
    kind: CompletionItemKind.EnumMember,
    detail: x.doc,
    sortText: String(i).padStart(3, '0'),
    textEdit: TextEdit.replace(range, x.value),
  }));
}

/**
 * Snippets for whole disks, offered where a child of <devices> may start: after `<` (the snippet writes the
 * rest of the tag), or on a word in the element's content (`lead` `<`: the snippet writes the whole element).
 */
function diskSnippets(input: CompletionInput, start: number, lead = ''): CompletionItem[] {
  const range = { start: input.lines.positionAt(start), end: input.lines.positionAt(input.offset) };
  const used = (input.model?.disks ?? []).map((d) => d.target?.dev?.value).filter((x): x is string => !!x);
  const vd = snippetText(nextTargetName('virtio', used));
  const sd = snippetText(nextTargetName('scsi', used));
  // A default path goes into an attribute value in '…' inside a snippet: XML-escaped, then snippet-escaped
  // (so `$VAR`, `${1:x}`, `}` and `\` from a host stay literal); a path XML cannot hold is not used.
  const options = pathOptions(input).filter(
    (o) => !o.hostUse.length && !o.activePassive && !o.users.length && xmlValue(o.path, "'") !== undefined,
  );
  const inSnippet = (path: string) => snippetText(xmlValue(path, "'")!);
  const free = options.find((o) => o.path.startsWith('/dev/vx/dmp/')) ?? options[0];
  const dmp = free ? inSnippet(free.path) : '/dev/vx/dmp/enclosure_lun';
  const lunOption = options.find((o) => o.lun);
  const lunPath = lunOption ? inSnippet(lunOption.path) : '/dev/disk/by-id/wwn-0x…';
  const body = (lines: string[]) => lead + lines.join('\n');
  const snip = (label: string, detail: string, doc: string, lines: string[]): CompletionItem => ({
    label,
    kind: CompletionItemKind.Snippet,
    detail,
    documentation: { kind: MarkupKind.Markdown, value: doc },
    insertTextFormat: InsertTextFormat.Snippet,
    textEdit: TextEdit.replace(range, body(lines)),
    filterText: `disk ${label}`,
  });
  return [
    snip(
      'disk-block-dmp',
      'block disk on a DMP meta-device',
      'A raw block disk on a Veritas DMP meta-device (keeps every path), virtio, no host cache.',
      [
        "disk type='block' device='disk'>",
        "  <driver name='qemu' type='raw' cache='none' io='native'/>",
        `  <source dev='\${1:${dmp}}'/>`,
        `  <target dev='\${2:${vd}}' bus='virtio'/>`,
        '</disk>$0',
      ],
    ),
    snip(
      'disk-lun-passthrough',
      'LUN passed through on virtio-scsi (SCSI-3 PR)',
      "`device='lun'` passes SCSI commands to the whole LUN, as SCSI-3 persistent reservations (I/O fencing in guest clusters) need; libvirt's PR helper is managed. Needs a `<controller type='scsi' model='virtio-scsi'/>`.",
      [
        "disk type='block' device='lun' sgio='unfiltered'>",
        "  <driver name='qemu' type='raw' cache='none' io='native'/>",
        `  <source dev='\${1:${lunPath}}'>`,
        "    <reservations managed='yes'/>",
        '  </source>',
        `  <target dev='\${2:${sd}}' bus='scsi'/>`,
        '</disk>$0',
      ],
    ),
    snip(
      'disk-shareable',
      'shareable disk for a guest cluster',
      'The same LUN in several domains: `<shareable/>` in each of them, and no host cache.',
      [
        "disk type='block' device='disk'>",
        "  <driver name='qemu' type='raw' cache='none' io='native'/>",
        `  <source dev='\${1:${dmp}}'/>`,
        `  <target dev='\${2:${vd}}' bus='virtio'/>`,
        '  <shareable/>',
        '</disk>$0',
      ],
    ),
    snip(
      'disk-vxvm-snapshot',
      'boot disk on a space-optimized VxVM snapshot',
      'A boot disk on a VxVM volume that is a space-optimized snapshot of a gold image: copy-on-write, only changed blocks kept in a ' +
        'cache object (typically 5–20% of the gold image), one cache object serving many snapshots. The comment holds the `vxsnap make` ' +
        'command that creates the snapshot on the host (the gold image prepared once with `vxsnap prepare`); the snippet runs nothing. ' +
        "The first disk boots unless the domain says otherwise (`<boot order='1'/>` on the disk, where `<os>` has no `<boot>`).",
      [
        "disk type='block' device='disk'>",
        '  <!-- created on the host beforehand (the gold image prepared once with vxsnap prepare):',
        '       vxsnap -g ${1:DG} make source=${3:GOLD}/newvol=${2:NAME}/cache=${4:COBJ} -->',
        "  <driver name='qemu' type='raw' cache='none' io='native'/>",
        "  <source dev='/dev/vx/dsk/${1:DG}/${2:NAME}'/>",
        `  <target dev='\${5:${vd}}' bus='virtio'/>`,
        '</disk>$0',
      ],
    ),
    snip('disk-file-qcow2', 'file-backed qcow2 disk', 'A qcow2 image file on the host.', [
      "disk type='file' device='disk'>",
      "  <driver name='qemu' type='qcow2'/>",
      "  <source file='/var/lib/libvirt/images/${1:name}.qcow2'/>",
      `  <target dev='\${2:${vd}}' bus='virtio'/>`,
      '</disk>$0',
    ]),
  ];
}

/** The word in element content that offers the disk snippets. */
const DISK_WORD = 'disk';

/** The quote that opens the attribute value starting at `valueStart`. */
function quoteAt(text: string, valueStart: number): '"' | "'" {
  return text[valueStart - 1] === '"' ? '"' : "'";
}

export function completion(input: CompletionInput): CompletionList {
  const ctx = completionContext(input.text, input.offset);
  // Never `items.push(...many)`: spreading a large array as arguments overflows the stack.
  let items: CompletionItem[] = [];
  let isIncomplete = false;
  const paths = (r: { items: CompletionItem[]; cut: boolean }) => {
    items = r.items;
    isIncomplete = r.cut;
  };
  switch (ctx.kind) {
    case 'attribute-value':
      if (ctx.element === 'source' && ctx.attribute === 'dev' && ctx.parents.includes('disk'))
        paths(pathItems(input, ctx.valueStart, ctx.valueEnd, ctx.partial, quoteAt(input.text, ctx.valueStart)));
      else items = valueItems(ctx.element, ctx.attribute, input, ctx.valueStart, ctx.valueEnd);
      break;
    case 'text': {
      if (ctx.element === 'block' && ctx.parents.includes('hostdev')) paths(pathItems(input, ctx.start, ctx.end, ctx.partial, undefined));
      // `disk` typed where a child of <devices> may start: the disk snippets, replacing the word.
      const word = /[A-Za-z][\w-]*$/.exec(ctx.partial)?.[0];
      if (ctx.element === 'devices' && word && (DISK_WORD.startsWith(word.toLowerCase()) || word.toLowerCase().startsWith(DISK_WORD)))
        items = diskSnippets(input, input.offset - word.length, '<');
      break;
    }
    case 'attribute-name': {
      const el = DISK_ELEMENTS[ctx.element];
      if (el && (ctx.element === 'disk' || ctx.parents.includes('disk'))) {
        for (const [name, a] of Object.entries(el.attributes)) {
          if (ctx.present.includes(name)) continue;
          items.push({
            label: name,
            kind: CompletionItemKind.Property,
            detail: a.doc,
            insertTextFormat: InsertTextFormat.Snippet,
            insertText: `${name}='$1'`,
          });
        }
      }
      break;
    }
    case 'element-name': {
      const parent = ctx.parents[ctx.parents.length - 1];
      if (parent === 'devices') items = diskSnippets(input, ctx.start);
      const kids = parent ? DISK_ELEMENTS[parent]?.children : undefined;
      for (const k of kids ?? []) items.push({ label: k, kind: CompletionItemKind.Class, detail: DISK_ELEMENTS[k]?.doc ?? '' });
      break;
    }
  }
  return { isIncomplete, items };
}
