import { cap } from '../encode';
import type { HostIndex } from '../inventory/resolver';
import { hostList } from './diskFacts';
import { finding } from './finding';
import { scsiHostNumber, scsiHostOn } from './scsiHosts';
import { preferredOf, stableCandidates } from './stableAliases';
import type { Finding, Rule } from './types';

/** What a host knows of `hostN`: its HBA's PCI address and FC WWNs, in words; undefined when it does not list it. */
function describeScsiHost(h: HostIndex, n: string): string | undefined {
  const sh = scsiHostOn(h, n);
  if (!sh) return undefined;
  const bits: string[] = [];
  if (sh.pciAddress) bits.push(`the HBA at PCI ${cap(sh.pciAddress, 64)}`);
  if (sh.wwnn || sh.wwpn) bits.push(`WWNN ${cap(sh.wwnn ?? '?', 64)}, WWPN ${cap(sh.wwpn ?? '?', 64)}`);
  return bits.length ? `on ${h.host}, host${n} is ${bits.join(', ')}` : undefined;
}

/**
 * unstable-scsi-host: `<hostdev mode='subsystem' type='scsi'>` naming its adapter by SCSI host number
 * (`<adapter name='scsi_host3'/>`): numbers follow probe order. The message names the HBA (PCI address,
 * WWNs) and, where the host lists the LUN at that address, its stable path for a `device='lun'` disk.
 */
export const unstableScsiHost: Rule = ({ model, hosts }) => {
  const out: Finding[] = [];
  for (const hd of model.scsiHostdevs ?? []) {
    const a = hd.adapter;
    if (!a) continue;
    const n = scsiHostNumber(a.value);
    if (n === undefined) continue;
    const known = hosts.flatMap((h) => describeScsiHost(h, n) ?? []);
    // Hosts whose snapshot lists SCSI hosts at all (an older snapshot says nothing either way).
    const listing = hosts.filter((h) => scsiHostOn(h, n) === null).map((h) => h.host);
    // The LUN at host:bus:target:unit, by lsblk's HCTL, and its best stable name on every host.
    let lun = '';
    const addr = hd.address;
    if (addr?.bus !== undefined && addr.target !== undefined && addr.unit !== undefined && hosts.length) {
      const hctl = `${n}:${Number(addr.bus)}:${Number(addr.target)}:${Number(addr.unit)}`;
      const dev = hosts[0].snapshot.devices.find((d) => d.hctl === hctl);
      if (dev) {
        const best = preferredOf(stableCandidates(`/dev/${dev.kname}`, hosts).candidates);
        lun =
          ` On ${hosts[0].host} that address is /dev/${cap(dev.kname, 64)}` +
          (best ? `; map it as <disk type='block' device='lun'> with <source dev='${best.path}'/>, which names the LUN itself.` : '.');
      }
    }
    out.push(
      finding('unstable-scsi-host', {
        message:
          `${a.value} names the HBA by its SCSI host number, which the kernel assigns in probe order: after a reboot, a driver reload or an added HBA it can name another adapter and hand the guest another LUN.` +
          (known.length
            ? ` (${known.join('; ')}.)`
            : listing.length
              ? ` ${hostList(listing)} list${listing.length > 1 ? '' : 's'} no SCSI host ${n}.`
              : '') +
          (lun || " Prefer a <disk type='block' device='lun'> on the LUN's DMP, multipath or /dev/disk/by-id name."),
        start: a.start,
        end: a.end,
      }),
    );
  }
  return out;
};
