/**
 * The seeded rig fleet of the audit tests (CLI, editor, Ansible): seven generated hosts (DMP and
 * dm-multipath) beside the example host kvm-a, with the cases of issue 16: a kernel name in a host
 * domain, a LUN mapped on two hosts without <shareable/> (and another with it on both), a label path,
 * one UUID on two hosts on the same LUN (nothing) and on different LUNs, clean domains.
 */
import { dmpNode, lunPaths, stableName, type FleetHostSpec } from './fleet';

/** A WWN of the fleet's array (none is one of the example host's). */
export const wwn = (n: number) => `60002ac00000000000000${n.toString(16).padStart(7, '0')}bbbb`;
export const SHARED = wwn(1); // shared-a (dmp-1) and shared-b (mp-1), neither shareable
export const CLUSTER = wwn(2); // cluster-a (dmp-1) and cluster-b (mp-1), both shareable
export const KERNEL = wwn(3); // app-kernel on dmp-1, by a kernel name
export const LABEL = wwn(4); // labelled on mp-1, by its filesystem label
export const FAILOVER = wwn(5); // one UUID on dmp-2 and dmp-3, the same LUN (another DMP name on each)
export const MOVED_1 = wwn(6); // one UUID on mp-2 and mp-3, another LUN on each
export const MOVED_2 = wwn(7);
export const uuid = (n: number) => `0000aaaa-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

export const FLEET: FleetHostSpec[] = [
  {
    name: 'dmp-1',
    kind: 'dmp',
    luns: [{ wwn: SHARED }, { wwn: CLUSTER }, { wwn: KERNEL }, { wwn: wwn(11) }],
    domains: [
      { name: 'app-kernel', uuid: uuid(1), disks: [{ source: `/dev/${lunPaths(2)[0]}`, target: 'vda' }] },
      { name: 'shared-a', uuid: uuid(2), disks: [{ source: `/dev/vx/dmp/${dmpNode(0)}`, target: 'vdb' }] },
      { name: 'cluster-a', uuid: uuid(3), disks: [{ source: `/dev/vx/dmp/${dmpNode(1)}`, target: 'vdc', shareable: true }] },
      { name: 'quiet-1', uuid: uuid(4), disks: [{ source: `/dev/vx/dmp/${dmpNode(3)}`, target: 'vda' }] },
    ],
  },
  {
    name: 'mp-1',
    kind: 'mpath',
    luns: [{ wwn: SHARED }, { wwn: CLUSTER }, { wwn: LABEL, label: 'guestdata' }],
    domains: [
      { name: 'shared-b', uuid: uuid(5), disks: [{ source: stableName('mpath', 0, SHARED), target: 'vdb' }] },
      { name: 'cluster-b', uuid: uuid(6), disks: [{ source: stableName('mpath', 1, CLUSTER), target: 'vdc', shareable: true }] },
      { name: 'labelled', uuid: uuid(7), disks: [{ source: '/dev/disk/by-label/guestdata', target: 'vda' }] },
    ],
  },
  {
    name: 'dmp-2',
    kind: 'dmp',
    luns: [{ wwn: FAILOVER }, { wwn: wwn(21) }],
    domains: [
      { name: 'failover', uuid: uuid(8), disks: [{ source: `/dev/vx/dmp/${dmpNode(0)}`, target: 'vda' }] },
      { name: 'quiet-2', uuid: uuid(9), disks: [{ source: `/dev/vx/dmp/${dmpNode(1)}`, target: 'vda' }] },
    ],
  },
  {
    name: 'dmp-3',
    kind: 'dmp',
    luns: [{ wwn: wwn(31) }, { wwn: FAILOVER }],
    domains: [
      { name: 'failover', uuid: uuid(8), disks: [{ source: `/dev/vx/dmp/${dmpNode(1)}`, target: 'vda' }] },
      { name: 'quiet-3', uuid: uuid(10), disks: [{ source: `/dev/vx/dmp/${dmpNode(0)}`, target: 'vda' }] },
    ],
  },
  {
    name: 'mp-2',
    kind: 'mpath',
    luns: [{ wwn: MOVED_1 }, { wwn: MOVED_2 }, { wwn: wwn(41) }],
    domains: [
      { name: 'moved', uuid: uuid(11), disks: [{ source: stableName('mpath', 0, MOVED_1), target: 'vda' }] },
      { name: 'quiet-4', uuid: uuid(12), disks: [{ source: stableName('mpath', 2, wwn(41)), target: 'vda' }] },
    ],
  },
  {
    name: 'mp-3',
    kind: 'mpath',
    luns: [{ wwn: MOVED_1 }, { wwn: MOVED_2 }, { wwn: wwn(51) }],
    domains: [
      { name: 'moved', uuid: uuid(11), disks: [{ source: stableName('mpath', 1, MOVED_2), target: 'vda' }] },
      { name: 'quiet-5', uuid: uuid(13), disks: [{ source: stableName('mpath', 2, wwn(51)), target: 'vda' }] },
    ],
  },
  {
    name: 'mp-4',
    kind: 'mpath',
    luns: [{ wwn: wwn(61) }],
    domains: [{ name: 'quiet-6', uuid: uuid(14), disks: [{ source: stableName('mpath', 0, wwn(61)), target: 'vda' }] }],
  },
];
export const LIVE = ['kvm-a', ...FLEET.map((h) => h.name)];
export const DOWN = 'kvm-down';
/** What each seeded domain must get (host/domain → codes at warning or above); every other domain gets none. */
export const EXPECTED: Record<string, string[]> = {
  'dmp-1/app-kernel': ['multipath-bypass', 'unstable-device-name'],
  'dmp-1/shared-a': ['shared-without-shareable'],
  'mp-1/shared-b': ['shared-without-shareable'],
  'mp-1/labelled': ['guest-mutable-identifier'],
  'mp-2/moved': ['inconsistent-across-hosts'],
  'mp-3/moved': ['inconsistent-across-hosts'],
};
