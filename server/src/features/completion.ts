/**
 * Completion: stable device paths from the host inventory inside `<source dev>` and `<block>`,
 * element/attribute names and enumerated values inside `<disk>`, and snippets for common disk shapes.
 */
import { CompletionItem, CompletionItemKind, CompletionList, InsertTextFormat, MarkupKind, TextEdit } from 'vscode-languageserver';
import type { DomainModel } from '../domain/model';
import { DISK_ELEMENTS, nextTargetName } from '../domain/diskVocabulary';
import { formatBytes, HostIndex, identityKey, Lun } from '../inventory/resolver';
import { isActivePassive } from '../rules/activePassiveDmp';
import { stableCandidates } from '../rules/stableAliases';
import type { PeerDomain } from '../rules/types';
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
  size: number | null;
  label: string;
  users: string[];
  hostUse: string[];
  activePassive: boolean;
}

/** Every mappable thing of the first host, by its best alias valid on all hosts, with what is known of it. */
function pathOptions(input: CompletionInput): PathOption[] {
  const [first] = input.hosts;
  if (!first) return [];
  const self = input.model?.name;
  const out: PathOption[] = [];
  const seen = new Set<string>();
  const peerKeys = new Map<string, string[]>();
  for (const p of input.peers) {
    if (self && p.name === self) continue;
    for (const d of p.disks) {
      const k = identityKey(first.resolve(d.path));
      if (k) peerKeys.set(k, [...(peerKeys.get(k) ?? []), p.name ?? p.origin]);
    }
  }
  const consider = (probe: string, lun: Lun | undefined) => {
    const set = stableCandidates(probe, input.hosts);
    const best = set.candidates.find((c) => c.kind !== 'by-path' && !c.bypassesMultipath) ?? (input.hosts.length === 1 && /^\/dev\/vx\/dsk\/|^\/dev\/mapper\//.test(probe) ? { path: probe } : undefined);
    if (!best || seen.has(best.path)) return;
    seen.add(best.path);
    const res = first.resolve(best.path);
    const key = identityKey(res);
    const users = [...first.domainsUsing(res).filter((u) => u.domain !== self).map((u) => u.domain), ...(key ? peerKeys.get(key) ?? [] : [])];
    const hostUse = input.hosts.flatMap((h) => h.hostUsage(h.resolve(best.path)));
    const activePassive = input.hosts.some((h) => {
      const r = h.resolve(best.path);
      return h.clusterActive && !!r.lun?.dmp && isActivePassive(r.lun.dmp.arrayType);
    });
    const vm = [lun?.vendor, lun?.model].filter(Boolean).join(' ');
    const size = lun?.size ?? res.device?.size ?? null;
    const ident = lun?.dmp ? `DMP ${lun.dmp.name} (${lun.dmp.arrayType})` : lun?.id ?? res.vxVolume ?? res.device?.name ?? '';
    out.push({ path: best.path, lun, size, label: [formatBytes(size), vm, ident].filter(Boolean).join(' · '), users: [...new Set(users)], hostUse, activePassive });
  };
  for (const lun of first.allLuns()) {
    const probe = lun.dmp ? `/dev/vx/dmp/${lun.dmp.name}` : lun.mpathMap ? first.device(lun.mpathMap)?.path : first.device(lun.pathDevices[0])?.path;
    if (probe) consider(probe, lun);
  }
  for (const vol of first.snapshot.vxvm?.volumes ?? []) consider(`/dev/vx/dsk/${vol}`, undefined);
  for (const d of first.snapshot.devices) if (d.type === 'lvm') consider(d.path, undefined);
  return out;
}

function pathItems(input: CompletionInput, start: number, end: number, partial: string): CompletionItem[] {
  const range = { start: input.lines.positionAt(start), end: input.lines.positionAt(end) };
  const options = pathOptions(input).filter((o) => !partial || o.path.startsWith(partial) || o.path.includes(partial));
  // Unused first; then used by domains; devices in use by the host and A/P DMP devices on cluster nodes last.
  const group = (o: PathOption) => (o.hostUse.length || o.activePassive ? 2 : o.users.length ? 1 : 0);
  options.sort((a, b) => group(a) - group(b) || (b.size ?? 0) - (a.size ?? 0) || a.path.localeCompare(b.path));
  return options.map((o, i) => {
    const marks = [
      ...(o.users.length ? [`used by ${o.users.join(', ')}`] : []),
      ...(o.hostUse.length ? ['⚠ in use by the host'] : []),
      ...(o.activePassive ? ['⚠ Active-Passive DMP on a cluster node'] : []),
    ];
    const doc = [`\`${o.path}\``, '', o.label, ...(o.hostUse.length ? ['', ...o.hostUse.map((u) => `- ${u}`)] : []), ...(o.users.length ? ['', `Used by: ${o.users.join(', ')}`] : [])].join('\n');
    return {
      label: o.path,
      labelDetails: { description: [o.label, ...marks].join(' · ') },
      kind: CompletionItemKind.File,
      detail: marks.length ? marks.join('; ') : 'unused',
      documentation: { kind: MarkupKind.Markdown, value: doc },
      sortText: `${group(o)}${String(i).padStart(5, '0')}`,
      filterText: o.path,
      textEdit: TextEdit.replace(range, o.path),
      tags: group(o) === 2 ? [1] : undefined, // deprecated: struck through in the list
    };
  });
}

function valueItems(element: string, attribute: string, input: CompletionInput, start: number, end: number): CompletionItem[] {
  const range = { start: input.lines.positionAt(start), end: input.lines.positionAt(end) };
  if (element === 'target' && attribute === 'dev') {
    const bus = /bus\s*=\s*["']([^"']*)/.exec(input.text.slice(input.text.lastIndexOf('<', start), input.text.indexOf('>', start)))?.[1] ?? 'virtio';
    const used = (input.model?.disks ?? []).map((d) => d.target?.dev?.value).filter((x): x is string => !!x);
    const name = nextTargetName(bus, used);
    return [{ label: name, kind: CompletionItemKind.Value, detail: `next free name for bus ${bus}`, textEdit: TextEdit.replace(range, name), preselect: true }];
  }
  const values = DISK_ELEMENTS[element]?.attributes[attribute]?.values ?? [];
  return values.map((x, i) => ({ label: x.value, kind: CompletionItemKind.EnumMember, detail: x.doc, sortText: String(i).padStart(3, '0'), textEdit: TextEdit.replace(range, x.value) }));
}

/** Snippets for whole disks, offered where a child of <devices> may start. */
function diskSnippets(input: CompletionInput, start: number): CompletionItem[] {
  const range = { start: input.lines.positionAt(start), end: input.lines.positionAt(input.offset) };
  const used = (input.model?.disks ?? []).map((d) => d.target?.dev?.value).filter((x): x is string => !!x);
  const vd = nextTargetName('virtio', used);
  const sd = nextTargetName('scsi', used);
  const options = pathOptions(input).filter((o) => !o.hostUse.length && !o.activePassive);
  const free = options.find((o) => !o.users.length && o.path.startsWith('/dev/vx/dmp/')) ?? options.find((o) => !o.users.length);
  const dmp = free?.path ?? '/dev/vx/dmp/enclosure_lun';
  const lunPath = options.find((o) => !o.users.length && o.lun)?.path ?? '/dev/disk/by-id/wwn-0x…';
  const body = (lines: string[]) => lines.join('\n');
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
    snip('disk-block-dmp', 'block disk on a DMP meta-device', 'A raw block disk on a Veritas DMP meta-device (keeps every path), virtio, no host cache.', [
      "disk type='block' device='disk'>",
      "  <driver name='qemu' type='raw' cache='none' io='native'/>",
      `  <source dev='\${1:${dmp}}'/>`,
      `  <target dev='\${2:${vd}}' bus='virtio'/>`,
      '</disk>$0',
    ]),
    snip('disk-lun-passthrough', 'LUN passed through on virtio-scsi (SCSI-3 PR)', "`device='lun'` passes SCSI commands to the whole LUN, as SCSI-3 persistent reservations (I/O fencing in guest clusters) need; libvirt's PR helper is managed. Needs a `<controller type='scsi' model='virtio-scsi'/>`.", [
      "disk type='block' device='lun' sgio='unfiltered'>",
      "  <driver name='qemu' type='raw' cache='none' io='native'/>",
      `  <source dev='\${1:${lunPath}}'>`,
      "    <reservations managed='yes'/>",
      '  </source>',
      `  <target dev='\${2:${sd}}' bus='scsi'/>`,
      '</disk>$0',
    ]),
    snip('disk-shareable', 'shareable disk for a guest cluster', 'The same LUN in several domains: `<shareable/>` in each of them, and no host cache.', [
      "disk type='block' device='disk'>",
      "  <driver name='qemu' type='raw' cache='none' io='native'/>",
      `  <source dev='\${1:${dmp}}'/>`,
      `  <target dev='\${2:${vd}}' bus='virtio'/>`,
      '  <shareable/>',
      '</disk>$0',
    ]),
    snip('disk-file-qcow2', 'file-backed qcow2 disk', 'A qcow2 image file on the host.', [
      "disk type='file' device='disk'>",
      "  <driver name='qemu' type='qcow2'/>",
      "  <source file='/var/lib/libvirt/images/${1:name}.qcow2'/>",
      `  <target dev='\${2:${vd}}' bus='virtio'/>`,
      '</disk>$0',
    ]),
  ];
}

export function completion(input: CompletionInput): CompletionList {
  const ctx = completionContext(input.text, input.offset);
  const items: CompletionItem[] = [];
  switch (ctx.kind) {
    case 'attribute-value':
      if (ctx.element === 'source' && ctx.attribute === 'dev' && ctx.parents.includes('disk')) items.push(...pathItems(input, ctx.valueStart, ctx.valueEnd, ctx.partial));
      else items.push(...valueItems(ctx.element, ctx.attribute, input, ctx.valueStart, ctx.valueEnd));
      break;
    case 'text':
      if (ctx.element === 'block' && ctx.parents.includes('hostdev')) items.push(...pathItems(input, ctx.start, ctx.end, ctx.partial));
      break;
    case 'attribute-name': {
      const el = DISK_ELEMENTS[ctx.element];
      if (el && (ctx.element === 'disk' || ctx.parents.includes('disk'))) {
        for (const [name, a] of Object.entries(el.attributes)) {
          if (ctx.present.includes(name)) continue;
          items.push({ label: name, kind: CompletionItemKind.Property, detail: a.doc, insertTextFormat: InsertTextFormat.Snippet, insertText: `${name}='$1'` });
        }
      }
      break;
    }
    case 'element-name': {
      const parent = ctx.parents[ctx.parents.length - 1];
      if (parent === 'devices') items.push(...diskSnippets(input, ctx.start));
      const kids = parent ? DISK_ELEMENTS[parent]?.children : undefined;
      for (const k of kids ?? []) items.push({ label: k, kind: CompletionItemKind.Class, detail: DISK_ELEMENTS[k]?.doc ?? '' });
      break;
    }
  }
  return { isIncomplete: false, items };
}
