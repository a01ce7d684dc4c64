import type { PeerDomain } from '../rules/types';
import type { DomainModel } from './model';

/** What other documents need to know of a domain: its name and the host paths it opens. */
export function peerOf(origin: string, model: DomainModel): PeerDomain {
  return {
    origin,
    name: model.name,
    disks: model.disks.filter((d) => d.hostPath).map((d) => ({ path: d.hostPath!.value, shareable: d.shareable })),
  };
}

export function samePeer(a: PeerDomain | undefined, b: PeerDomain | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}
