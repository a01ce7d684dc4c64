/**
 * Document symbols (Outline, breadcrumbs, Go to Symbol): a domain with its name, its devices (each
 * disk as `target ← source`, hostdevs, interfaces); a pool with its source devices and target path.
 * Ranges come from the models' exact spans and the positioned XML tree. Names are document text:
 * shown as plain labels, so they pass through terminalText (no control or bidi character) and are capped.
 */
import { DocumentSymbol, Range, SymbolKind } from 'vscode-languageserver';
import type { Analysis } from '../analysis';
import type { DiskModel } from '../domain/model';
import { cap, terminalText } from '../encode';
import type { LineIndex } from '../xml/lineIndex';
import { attr, child, childrenNamed, type XmlElement } from '../xml/parse';

/** Longest document string in a symbol name or detail. */
const LABEL = 120;

function label(s: string): string {
  return terminalText(cap(s, LABEL));
}

function range(lines: LineIndex, start: number, end: number): Range {
  return { start: lines.positionAt(start), end: lines.positionAt(end) };
}

/** A symbol whose selection range lies inside its range (VS Code rejects one that does not), never with an empty name. */
function symbol(
  lines: LineIndex,
  name: string,
  kind: SymbolKind,
  span: { start: number; end: number },
  selection: { start: number; end: number } | undefined,
  detail?: string,
  children?: DocumentSymbol[],
): DocumentSymbol {
  const sel = selection && selection.start >= span.start && selection.end <= span.end ? selection : { start: span.start, end: span.start };
  return {
    name: name.trim() ? name : '?',
    kind,
    range: range(lines, span.start, span.end),
    selectionRange: range(lines, sel.start, sel.end),
    ...(detail ? { detail } : {}),
    ...(children ? { children } : {}),
  };
}

/** The name span of an element (`<name>` text), for the selection range. */
function textSpan(el: XmlElement | undefined): { start: number; end: number } | undefined {
  return el ? { start: el.contentStart, end: el.contentEnd } : undefined;
}

function diskSymbol(lines: LineIndex, d: DiskModel): DocumentSymbol {
  const target = d.target?.dev?.value;
  const source = d.hostPath?.value ?? (d.volumeRef ? `${d.volumeRef.pool.value}/${d.volumeRef.volume.value}` : undefined);
  const kindWord = d.kind === 'hostdev' ? 'hostdev' : 'disk';
  const name = `${label(target ?? kindWord)} ← ${source !== undefined ? label(source) : '(no source)'}`;
  const detail =
    d.kind === 'hostdev'
      ? 'hostdev storage'
      : [d.type?.value, d.device?.value]
          .filter((x): x is string => !!x)
          .map(label)
          .join(' ');
  const sel = d.hostPath ?? d.volumeRef ?? d.target?.dev;
  return symbol(lines, name, d.kind === 'hostdev' ? SymbolKind.Object : SymbolKind.Field, d, sel, detail || kindWord);
}

function interfaceSymbol(lines: LineIndex, el: XmlElement): DocumentSymbol {
  const src = child(el, 'source');
  const srcAttr = src ? (['bridge', 'network', 'dev', 'name'].map((n) => attr(src, n)).find(Boolean) ?? undefined) : undefined;
  const tgt = child(el, 'target');
  const tdev = tgt ? attr(tgt, 'dev') : undefined;
  const mac = child(el, 'mac');
  const macAddr = mac ? attr(mac, 'address') : undefined;
  const left = tdev?.value ?? macAddr?.value ?? 'interface';
  const name = `${label(left)} ← ${srcAttr ? label(srcAttr.value) : '?'}`;
  const type = attr(el, 'type')?.value;
  const sel = srcAttr ? { start: srcAttr.valueStart, end: srcAttr.valueEnd } : undefined;
  return symbol(lines, name, SymbolKind.Interface, el, sel, type ? `interface ${label(type)}` : 'interface');
}

/** Which model entry belongs to which `<devices>` child: disks and storage hostdevs by their element start. */
function devicesSymbols(lines: LineIndex, devices: XmlElement, byStart: Map<number, DiskModel>): DocumentSymbol[] {
  const out: DocumentSymbol[] = [];
  for (const el of devices.children) {
    const d = byStart.get(el.start);
    if (d) out.push(diskSymbol(lines, d));
    else if (el.name === 'interface') out.push(interfaceSymbol(lines, el));
    else if (el.name === 'hostdev') {
      const type = attr(el, 'type')?.value;
      out.push(symbol(lines, 'hostdev', SymbolKind.Object, el, undefined, type ? `hostdev ${label(type)}` : undefined));
    }
  }
  return out;
}

/** The symbol tree of a domain or pool document; empty for other XML and for documents that do not parse. */
export function documentSymbols(a: Analysis): DocumentSymbol[] {
  const root = a.doc.root;
  const lines = a.doc.lines;
  if (!root) return [];
  if (a.model) {
    const m = a.model;
    const byStart = new Map(m.disks.map((d) => [d.start, d]));
    const children: DocumentSymbol[] = [];
    for (const devices of childrenNamed(root, 'devices'))
      children.push(symbol(lines, 'devices', SymbolKind.Namespace, devices, undefined, undefined, devicesSymbols(lines, devices, byStart)));
    const nameEl = child(root, 'name');
    return [
      symbol(
        lines,
        m.name !== undefined ? label(m.name) : '(unnamed domain)',
        SymbolKind.Module,
        root,
        textSpan(nameEl),
        m.domainType ? `domain ${label(m.domainType)}` : 'domain',
        children,
      ),
    ];
  }
  if (a.pool) {
    const p = a.pool;
    const children: DocumentSymbol[] = p.sourceDevices.map((d) => symbol(lines, label(d.value), SymbolKind.Field, d, d, 'source device'));
    if (p.targetPath) children.push(symbol(lines, label(p.targetPath.value), SymbolKind.Field, p.targetPath, p.targetPath, 'target path'));
    const nameEl = child(root, 'name');
    return [
      symbol(
        lines,
        p.name !== undefined ? label(p.name) : '(unnamed pool)',
        SymbolKind.Package,
        root,
        textSpan(nameEl),
        p.type ? `pool ${label(p.type.value)}` : 'pool',
        children,
      ),
    ];
  }
  return [];
}
