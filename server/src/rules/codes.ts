/**
 * The one list of finding codes: severity, title and the README paragraph of each.
 * `npm run docs` writes the README's findings section from this table; a test keeps them in sync.
 */
import type { Severity } from './types';

export interface CodeInfo {
  severity: Severity;
  /**
   * Named cases reported at another severity than `severity` (the finding constructor's `variant`); each
   * one is stated in `doc` with its severity in parentheses, e.g. "(warning)".
   */
  variants?: Record<string, Severity>;
  title: string;
  /**
   * What the code needs to be reported at all: a host inventory (`host`), at least two hosts (`hosts`),
   * schema validation (`schema`). A disable directive naming it is not reported as `unused-disable` in a
   * run without that input (the finding could not have been there to silence).
   */
  needs?: 'host' | 'hosts' | 'schema';
  /** Markdown paragraph(s) for the README: what it means, why it matters, the fix. */
  doc: string;
}

export const CODES = {
  'xml-not-well-formed': {
    severity: 'error',
    title: 'XML is not well-formed',
    doc: "The document cannot be parsed as XML (reported at the parser's line and column). libvirt rejects it at `virsh define`. While it stays broken, hovers and quick fixes keep working from the last well-formed version of the document wherever its values are unchanged.",
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
    doc: "The source uses `/dev/disk/by-label`, `by-partlabel`, `by-uuid` or `by-partuuid`. Those names are read from the disk's own content, so the guest that writes the disk can change them (and cloned disks share them); the InfoScale guidance for KVM says never to map storage by label. **Fix:** as for `unstable-device-name`, a hardware identity or multipath/DMP name of the same device.",
  },
  'duplicate-target': {
    severity: 'error',
    title: 'Two disks with the same target',
    doc: 'Two `<disk>` elements use the same `<target dev>`. libvirt refuses the definition (or, for hot-plug, the second attach). The finding names the disk that uses the target first and points at it (related information). **Fix:** the quick fix gives the later disk the next free name for its bus (not applied by fix-all: which disk to rename is your choice).',
  },
  'source-type-mismatch': {
    severity: 'warning',
    title: 'Disk type does not match its source',
    doc: "A `type='file'` disk whose `<source file>` is under `/dev/` (what `virsh attach-disk` writes when the path did not exist on the machine it ran on): the device is then opened as a plain file, without block-device semantics for locking, `device='lun'` or migration checks. Or a `type='block'` disk that names its source with `file=`, which libvirt ignores for block disks. **Fix:** use `type='block'` with `<source dev='…'/>`. No automatic fix: it changes more than one value.",
  },
  'device-not-found': {
    severity: 'error',
    needs: 'host',
    title: 'Device not found on the host',
    doc: "The source path does not exist on any host the document is checked against (for example `/dev/vx/dmp/emc_clariion0_19` when the host has `emc_clariion0_91`): the domain will not start there. When it exists on some of the hosts but not all, the finding is `inconsistent-across-hosts` instead. Removable media and paths outside the inventory's reach (plain files) are not checked. **Fix:** correct the path; the hover lists what the host has.",
  },
  'multipath-bypass': {
    severity: 'warning',
    needs: 'host',
    title: 'Path bypasses multipathing',
    doc: "The path reaches one path of a LUN that has several: a DMP subpath (`/dev/sdc` when DMP node `3pardata0_12` has paths `sdc` and `sdd`), a member of a dm-multipath map, a `by-path` link, or a `by-id` link that points at one path device because the host has no multipath udev rules for that LUN. I/O then goes down that one path and loses failover. A `wwn-`/`scsi-3` link that multipath's udev rules point at the map is fine. The message says per host of the group how many paths the LUN has there and under which DMP node or map. **Fix:** the DMP meta-device (`/dev/vx/dmp/<name>`) or `/dev/disk/by-id/dm-uuid-mpath-<wwid>` of the LUN, where that name reaches the same LUN on every host of the group. Where the LUN's DMP node has different names on the hosts, no fix is offered and the message gives each host's name and how to converge (see `inconsistent-across-hosts`).",
  },
  'active-passive-dmp': {
    severity: 'error',
    needs: 'host',
    title: 'Active-Passive DMP device mapped into a guest on a cluster node',
    doc: 'The host is a node of an active cluster (`vxdctl -c mode` says `cluster active`) and the source maps a LUN whose DMP array type is in the Active-Passive family (`A/P`, `A/PF`, `A/PG`, their `-C` variants and vendor variants such as `A/PF-LSI` or `CLR-A/PF`) directly to a guest. The InfoScale virtualization guidance says such devices cannot be mapped directly to a guest in clustered environments. **Fix:** none automatic: map a VxVM volume created on that disk (`/dev/vx/dsk/<dg>/<vol>`), or use a LUN from an active-active or ALUA array.',
  },
  'device-in-use-by-host': {
    severity: 'error',
    needs: 'host',
    title: 'Device in use by the host',
    doc: 'The device, one of its partitions, or the LUN behind it is mounted on the host, is swap, is an LVM physical volume or an md RAID member, or belongs to a VxVM disk group imported on this host. The host and the guest would then both write it, which corrupts data. Mapping an LV or a VxVM volume that is itself unused is the intended way and is not flagged. **Fix:** none automatic: pick an unused LUN (the hover and completion show which ones are), or map the volume instead of the disk under it.',
  },
  'shared-without-shareable': {
    severity: 'warning',
    needs: 'host',
    title: 'LUN used by another domain without <shareable/>',
    doc: "The same LUN (compared by identity: WWN or DMP udid, whatever path names it) is used by another domain — another open or workspace document checked against the same host, or a domain defined on the host — and this disk lacks `<shareable/>`. Without it libvirt applies exclusive locking and caching assumptions, and two unaware guests writing one disk corrupt it. In a fleet audit (`libvirt-domain-lint audit`, *Audit Hosts* in the editor) it also applies across hosts: a LUN mapped by domains defined on different hosts, reported on each disk without `<shareable/>` and naming the other hosts' domains (one domain defined on several hosts, for failover, is not sharing). **Fix:** if the sharing is intended (a guest cluster), add `<shareable/>` (and `cache='none'`) to every domain using it; otherwise use another LUN.",
  },
  'duplicate-device': {
    severity: 'error',
    needs: 'host',
    title: 'Same LUN twice in one domain',
    doc: 'Two disks of the same domain reach the same blocks on some host: the same LUN (by identity, even when their paths differ, e.g. a DMP node `/dev/vx/dmp/3pardata0_12` and its subpath `/dev/sdc`), or one lies on the other: a whole disk and one of its partitions (`/dev/nvme0n1` and a by-label path that is `nvme0n1p1`), an LV and its physical volume. The guest would see the same blocks twice and may mount or import them twice. The finding points at the other disk (related information). **Fix:** remove one of them.',
  },
  'inconsistent-across-hosts': {
    severity: 'error',
    needs: 'hosts',
    title: 'Path differs between the hosts of the group',
    doc: "The document is checked against several hosts (the hosts a domain may run on or migrate between) and the path is missing on some of them or reaches different LUNs. Migration or failover will fail or, worse, attach another disk. The message says what the path reaches on each host. In a fleet audit (`libvirt-domain-lint audit`, *Audit Hosts* in the editor) it also applies across hosts: a domain (one UUID) defined on several hosts whose disk of a target reaches different LUNs there, or is missing on some, is reported on each host's definition. Where the LUN is under DMP on every host but its DMP node is named differently (`emc_clariion0_91` on one, `emc_clariion0_93` on another), it names each host's name and how to converge: enclosure-based naming with array volume IDs (`vxddladm set namingscheme=ebn persistence=yes use_avid=yes`), a user-defined DMP node name, or a VxVM volume; a `wwn-` link is no answer on a DMP host without multipath udev rules (it reaches one path). **Fix:** none is chosen for you. Which LUN the author meant is not guessed: no fix is preferred, so neither fix-all nor `--fix` changes the value (nor applies another finding's fix to it). The quick fixes, where a name valid on every host exists, name the host whose LUN they map (\"Map kvm-a's LUN (DMP node xiv0_8275): use /dev/vx/dmp/xiv0_8275\") and never bypass multipathing on any host. Other findings on such a value (`unstable-device-name`, `multipath-bypass`) offer the same host-named fixes.",
  },
  'missing-serial': {
    severity: 'information',
    needs: 'hosts',
    title: 'Give the disk a <serial>',
    doc: "With several hosts, the guest's view of the disk should be stable too: a `<serial>` makes the guest's own `/dev/disk/by-id/virtio-<serial>` name independent of the host path. A hint only; no fix changes more than the source path.",
  },
  'unstable-scsi-host': {
    severity: 'warning',
    title: 'SCSI host number',
    doc: "A `<hostdev type='scsi'>` or a storage pool names its HBA by SCSI host number (`<adapter name='scsi_host3'/>`, `<adapter name='host3'/>`). The kernel numbers SCSI hosts in probe order, so after a reboot, a driver reload or an added HBA the number names another adapter. **Fix:** for a pool, `<adapter type='scsi_host'><parentaddr><address domain=… bus=… slot=… function=…/></parentaddr></adapter>` with the HBA's PCI address, or for Fibre Channel `<adapter type='fc_host' wwnn=… wwpn=…/>`; the message names the HBA's PCI address and WWNs from the host inventory. A `<hostdev>` can name its adapter only by number: the message names the HBA and, where the inventory lists the LUN at the hostdev's address, its stable path, to map instead as `<disk type='block' device='lun'>`. No automatic fix.",
  },
  'lun-not-whole-device': {
    severity: 'error',
    /** On an LV or a VxVM volume: nothing to pass SCSI commands to, but no I/O error either. */
    variants: { volume: 'warning' },
    title: "device='lun' on a partition or volume",
    doc: "`device='lun'` passes SCSI commands (SG_IO: persistent reservations, inquiry) through to the device; the kernel refuses SG_IO on a partition, so the guest gets I/O errors where it expects SCSI-3 reservations (error). On an LV or a VxVM volume there is no SCSI target to pass through to (warning). **Fix:** map the whole LUN (its DMP meta-device or multipath map) for `device='lun'`, or use `device='disk'` for a partition or volume.",
  },
  'differs-from-host': {
    severity: 'information',
    needs: 'host',
    title: "Differs from the host's definition",
    doc: "The domain is defined on a host the document is checked against (matched by `<uuid>`, else by `<name>`; a host domain of the same name with another UUID is another domain), and a disk differs from the host's persistent definition (`virsh dumpxml --inactive`): reported on each disk source (or target) whose value differs, the message naming the host's value, and on the domain's `<name>` when the file adds disks the host's definition lacks or lacks disks it has (naming them). Disks are matched by `<target dev>`. What libvirt adds on its own (addresses, controllers, defaults) is not compared. Only with an inventory that lists the host's domains. **Fix:** compare the file with the host's definition (*Compare with Host Definition*), then either pull the host's definition into the file (`libvirt-domain-lint pull`) or define the file on the host (`libvirt-domain-lint define`).",
  },
  schema: {
    severity: 'error',
    needs: 'schema',
    title: "Not valid under libvirt's schema",
    doc: "The document does not validate against libvirt's own RelaxNG schema (`domain.rng`), the check `virt-xml-validate` and `virsh define` make. The schema is the host's own (fetched from its `/usr/share/libvirt/schemas`, checked to be RelaxNG grammars that include only each other, and cached by content hash, never shared with another host or used for a snapshot), else this machine's `/usr/share/libvirt/schemas`, else the directory set in `libvirtDomain.schema.path` / `--schema DIR`; the message names which, with the libvirt version and the first 12 hex digits of the files' sha256. libxml2 reports the outermost element that failed (\"Element domain failed to validate content\"); the finding points at the element or attribute whose removal makes the document valid. **Fix:** correct that element or attribute (see libvirt's formatdomain documentation).",
  },
  'unused-disable': {
    severity: 'hint',
    title: 'Disable directive that silences nothing',
    doc: 'A `<!-- libvirt-domain-lint-disable… -->` comment (see *Silencing one finding* at the top of this section), or one code it names, silences no finding: the finding is gone, or the code is misspelt (`unknown code`), or it names `xml-not-well-formed` or `unused-disable`, which cannot be silenced. A code that needs an input the run did not have (a host inventory, two hosts, schema validation) is not reported. **Fix:** the quick fix removes the directive (its whole line when it is alone there), or the one code; never applied by fix-all or `--fix`. This finding itself cannot be silenced by a directive; turn it `off` in `libvirtDomain.severity`.',
  },
  'full-copy-boot-image': {
    severity: 'information',
    needs: 'host',
    title: 'Full-sized copy of a shared gold image',
    doc: "The disk maps a VxVM volume that is a full-sized copy of another volume — a full-sized instant snapshot (`fullinst`), a mirror break-off (`mirbrk`) or a linked break-off (`volbrk`) snapshot, as `vxsnap -g DG -v list` shows it on the host — and other guests of the host map copies of that same volume too: a gold image, copied once per guest. A bare Linux boot image needs about 3 GB, a database guest about 6 GB; with many guests per server, full copies of one gold image take expensive, mirrored, backed-up storage many times over. The InfoScale virtualization guidance recommends space-optimized instant snapshots (`spaceopt`) of the gold image as boot disks instead: copy-on-write, only the blocks that change are kept, in a cache object, typically 5–20% of the parent volume, and one cache object can serve many snapshots. The message names the gold volume and its size, how many other guests on the host map full copies of it, the full copies' total size, and what space-optimized snapshots would typically take. **Fix:** none automatic: make a space-optimized snapshot of the gold volume (`vxsnap -g DG make source=GOLD/newvol=NAME/cache=COBJ`) and point the disk at it; keep software and data on data disks (see `snapshot-diverged`).",
  },
  'snapshot-diverged': {
    severity: 'information',
    needs: 'host',
    title: 'Space-optimized snapshot drifted from its gold image',
    doc: "The disk maps a space-optimized instant snapshot (`spaceopt`) whose changed data (`vxsnap list`'s CHANGE_DATA: how much differs from the parent volume) is more than 20% of the parent. Space-optimized snapshots save storage only while they stay close to their gold image: typically 5–20% of the parent, kept in a cache object that many snapshots share (and that fills up for all of them). The InfoScale virtualization guidance: install software on data disks rather than on the root file system, and keep changes to the gold image's operating system files small. The message gives the percentage and the amount. A snapshot at 20% or less has no finding. **Fix:** none automatic: move software and application data to a data disk; when every guest needs the change, make it once in the gold image and take new snapshots of it.",
  },
  'gold-image-writable': {
    severity: 'warning',
    needs: 'host',
    title: 'Gold image mapped writable',
    doc: "The disk maps a VxVM volume that has space-optimized (`spaceopt`) or full-sized instant (`fullinst`) snapshots, as `vxsnap -g DG -v list` shows them on the host — a gold image that other guests run from copies of — without `<readonly/>`. Every write to it is first copied into its snapshots (copy-on-write: into the cache object of each space-optimized snapshot), so a guest writing the gold image grows every snapshot's changed data (see `snapshot-diverged`) and changes what the next snapshots start from. A volume without such snapshots (a data volume) is not a gold image and is not flagged. **Fix:** the quick fix *Add `<readonly/>`* puts `<readonly/>` on a line of its own after the disk's `<source>`, indented as that line; it is never preferred, so *Fix all* and `--fix` leave it (updating the gold image on purpose is your call). Or map a snapshot of the volume instead.",
  },
  'read-as-template': {
    severity: 'hint',
    title: 'Read as a template',
    doc: "The file is a template that renders domain (or pool) XML — an Ansible role's `vm.xml.j2`, a Vagrant plugin's `domain.xml.erb`, a Go `text/template` — recognised by its tags: Jinja `{{ }}`, `{% %}`, `{# #}`, ERB `<% %>`, `<%= %>`, `<%# %>`, Go `{{ }}`. The tags are masked (offsets unchanged) and the XML around them is judged: a literal value (`<source dev='/dev/sdb'/>`) is reported and fixed as in any domain, a value that holds a tag (`dev='{{ volume.dev }}'`, `dev='/dev/{{ vg }}/data'`) is never judged or rewritten. Every branch of an `{% if %}`/`{% elif %}`/`{% else %}` (ERB `if`/`elsif`/`else`/`when`, Go `{{ if }}`/`{{ else }}`) is judged: the template is read once per combination needed to keep each branch in one of them (at most 16; the message says how many), a loop body once. Where the XML is still not well-formed with its tags masked (a tag that prints markup, a macro before the root), no `xml-not-well-formed` is reported (the rendered text is what libvirt reads): the message says so, and the `<disk>`, `<hostdev>`, `<blkiotune>`, `<name>` and `<uuid>` elements are read one by one. Schema validation is not applied to templates. This hint is on the first line; the CLI's JSON output also gives each finding of a template a `template` field (`jinja`, `erb`, `go`).",
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
