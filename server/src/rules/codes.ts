/**
 * The one list of finding codes: severity, title and the README paragraph of each.
 * `npm run docs` writes the README's findings section from this table; a test keeps them in sync.
 */
import type { Severity } from './types';

export interface CodeInfo {
  severity: Severity;
  title: string;
  /** Markdown paragraph(s) for the README: what it means, why it matters, the fix. */
  doc: string;
}

export const CODES = {
  'xml-not-well-formed': {
    severity: 'error',
    title: 'XML is not well-formed',
    doc: 'The document cannot be parsed as XML (reported at the parser\'s line and column). libvirt rejects it at `virsh define`. While it stays broken, hovers and quick fixes keep working from the last well-formed version of the document wherever its values are unchanged.',
  },
  'xml-doctype': {
    severity: 'warning',
    title: 'DOCTYPE declaration',
    doc: 'Domain XML has no DTD. A `<!DOCTYPE>` (and any entity it declares) is ignored: it is never expanded and never fetched, so entity-based tricks such as "billion laughs" or external entities have no effect here. Remove it.',
  },
  'unstable-device-name': {
    severity: 'warning',
    title: 'Unstable kernel device name',
    doc: 'The disk source is a kernel name (`/dev/sdX`, `/dev/hdX`, `/dev/vdX`, `/dev/xvdX`, `/dev/nvmeNnM`, `/dev/dm-N`, their partitions), a multipath user-friendly name (`/dev/mapper/mpathN`) or a `by-diskseq` link. These follow discovery order and can name a different disk after a reboot, a rescan or on another host, so the guest may be handed the wrong disk. Cdrom and floppy devices are not flagged. **Fix:** with a host inventory, the quick fix rewrites the value to the best stable alias of the same device: the DMP meta-device (`/dev/vx/dmp/…`) where Veritas DMP manages the LUN, else `/dev/disk/by-id/dm-uuid-mpath-<wwid>` where dm-multipath does, else `wwn-…`, then `scsi-3…`/`nvme-eui.…`, then other by-id links; `by-path` last and never preferred.',
  },
  'guest-mutable-identifier': {
    severity: 'warning',
    title: 'Identifier a guest can change',
    doc: 'The source uses `/dev/disk/by-label`, `by-partlabel`, `by-uuid` or `by-partuuid`. Those names are read from the disk\'s own content, so the guest that writes the disk can change them (and cloned disks share them); the InfoScale guidance for KVM says never to map storage by label. **Fix:** as for `unstable-device-name`, a hardware identity or multipath/DMP name of the same device.',
  },
  'duplicate-target': {
    severity: 'error',
    title: 'Two disks with the same target',
    doc: 'Two `<disk>` elements use the same `<target dev>`. libvirt refuses the definition (or, for hot-plug, the second attach). **Fix:** give one of them the next free name for its bus.',
  },
  'source-type-mismatch': {
    severity: 'warning',
    title: 'Disk type does not match its source',
    doc: 'A `type=\'file\'` disk whose `<source file>` is under `/dev/` (what `virsh attach-disk` writes when the path did not exist on the machine it ran on): the device is then opened as a plain file, without block-device semantics for locking, `device=\'lun\'` or migration checks. Or a `type=\'block\'` disk that names its source with `file=`, which libvirt ignores for block disks. **Fix:** use `type=\'block\'` with `<source dev=\'…\'/>`. No automatic fix: it changes more than one value.',
  },
} as const satisfies Record<string, CodeInfo>;

export type FindingCode = keyof typeof CODES;

export const ALL_CODES = Object.keys(CODES) as FindingCode[];

export function codeInfo(code: FindingCode): CodeInfo {
  return CODES[code];
}

/** The README anchor of a code (GitHub-style heading slug of the code itself). */
export function codeAnchor(code: FindingCode): string {
  return code;
}
