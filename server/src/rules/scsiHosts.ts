/**
 * SCSI host adapters as the host inventory knows them (`/sys/class/scsi_host`, `fc_host`): the one
 * place that reads `hostN` names, WWNs and PCI addresses, for pools and for SCSI hostdevs.
 */
import { normalizeWwn, type HostIndex } from '../inventory/resolver';
import type { ScsiHost } from '../inventory/snapshot';

/** `host3` or `scsi_host3` → "3". */
export function scsiHostNumber(name: string): string | undefined {
  return /^(?:scsi_)?host(\d{1,9})$/.exec(name.trim())?.[1];
}

export const PCI_ADDRESS = /^([0-9a-f]{4}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/i;

/** A WWN from the inventory as libvirt writes it (16 hex digits, no 0x), or undefined when it is not one. */
export function wwnText(w: string | undefined): string | undefined {
  const s = normalizeWwn(w);
  return s && /^[0-9a-f]{16}$/.test(s) ? s : undefined;
}

/** `<address domain='0x0000' bus='0x3b' slot='0x00' function='0x0'/>` for "0000:3b:00.0" (undefined if not a PCI address). */
export function pciAddressXml(addr: string | undefined): string | undefined {
  const m = addr ? PCI_ADDRESS.exec(addr.trim()) : null;
  return m
    ? `<address domain='0x${m[1].toLowerCase()}' bus='0x${m[2].toLowerCase()}' slot='0x${m[3].toLowerCase()}' function='0x${m[4]}'/>`
    : undefined;
}

/** SCSI host `hostN` as the host's inventory describes it (undefined when the inventory does not list SCSI hosts). */
export function scsiHostOn(h: HostIndex, n: string): ScsiHost | null | undefined {
  const list = h.snapshot.scsiHosts;
  if (!list) return undefined;
  return list.find((s) => s.name === `host${n}` || s.name === `scsi_host${n}`) ?? null;
}
