import type { PeerDomain } from '../rules/types';
import type { LineIndex } from '../xml/lineIndex';
import type { DomainModel } from './model';

/** A URI (`file:`, `untitled:`, …): a scheme of two or more characters (a one-letter one is a Windows drive). */
const URI = /^[A-Za-z][A-Za-z0-9+.-]+:/;

/**
 * What other documents need to know of a domain: its name and the host paths it opens (with their
 * targets). `from` says whether it is an open document or a workspace file, where the caller knows.
 * `origin` a URI: it is also the peer's `uri`. `lines`, the document's line index: each disk's range
 * (related information of a finding about a shared LUN points at it).
 */
export function peerOf(origin: string, model: DomainModel, from?: PeerDomain['from'], lines?: LineIndex): PeerDomain {
  return {
    origin,
    ...(from ? { from } : {}),
    ...(URI.test(origin) ? { uri: origin } : {}),
    name: model.name,
    disks: model.disks
      .filter((d) => d.hostPath)
      .map((d) => {
        const ref = d.hostPath!;
        const target = d.target?.dev?.value;
        return {
          path: ref.value,
          shareable: d.shareable,
          ...(target ? { target } : {}),
          ...(lines ? { range: { start: lines.positionAt(ref.start), end: lines.positionAt(ref.end) } } : {}),
        };
      }),
  };
}

export function samePeer(a: PeerDomain | undefined, b: PeerDomain | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}
