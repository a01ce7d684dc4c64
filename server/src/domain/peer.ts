import type { PeerDomain } from '../rules/types';
import type { DomainModel } from './model';

/**
 * What other documents need to know of a domain: its name and the host paths it opens (with their
 * targets). `from` says whether it is an open document or a workspace file, where the caller knows.
 */
export function peerOf(origin: string, model: DomainModel, from?: PeerDomain['from']): PeerDomain {
  return {
    origin,
    ...(from ? { from } : {}),
    name: model.name,
    disks: model.disks
      .filter((d) => d.hostPath)
      .map((d) => {
        const target = d.target?.dev?.value;
        return { path: d.hostPath!.value, shareable: d.shareable, ...(target ? { target } : {}) };
      }),
  };
}

export function samePeer(a: PeerDomain | undefined, b: PeerDomain | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}
