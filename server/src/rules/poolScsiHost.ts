/**
 * unstable-scsi-host for pools: `<adapter name='host3'/>` / `name='scsi_host3'` (and an fc_host's
 * `parent='scsi_host3'`) name the HBA by the number the kernel gave it at probe time.
 */
import type { ValueRef } from '../domain/model';
import { cap } from '../encode';
import type { HostIndex } from '../inventory/resolver';
import type { ScsiHost } from '../inventory/snapshot';
import { PCI_ADDRESS, pciAddressXml, scsiHostNumber, scsiHostOn, wwnText } from './scsiHosts';
import { finding } from './finding';
import type { PoolRule } from './poolTypes';
import type { Finding } from './types';

interface HostFacts {
  host: string;
  sh: ScsiHost | null | undefined;
  pci?: string;
  wwnn?: string;
  wwpn?: string;
}

function facts(hosts: HostIndex[], n: string): HostFacts[] {
  return hosts.map((h) => {
    const sh = scsiHostOn(h, n);
    const pci = sh?.pciAddress && PCI_ADDRESS.test(sh.pciAddress.trim()) ? sh.pciAddress.trim().toLowerCase() : undefined;
    return { host: h.host, sh, pci, wwnn: wwnText(sh?.wwnn), wwpn: wwnText(sh?.wwpn) };
  });
}

/** "On kvm-a, host3 is the HBA at PCI 0000:3b:00.0 (WWNN …, WWPN …)." per host that knows it. */
function describe(list: HostFacts[], n: string): string {
  const parts: string[] = [];
  for (const f of list) {
    const host = cap(f.host, 64);
    if (f.sh === undefined) continue;
    if (f.sh === null) {
      parts.push(`on ${host} there is no host${n}`);
      continue;
    }
    const wwns = f.wwnn && f.wwpn ? `Fibre Channel, WWNN ${f.wwnn}, WWPN ${f.wwpn}` : '';
    if (f.pci) parts.push(`on ${host}, host${n} is the HBA at PCI ${f.pci}${wwns ? ` (${wwns})` : ''}`);
    else if (wwns) parts.push(`on ${host}, host${n} is a ${wwns} HBA`);
  }
  if (!parts.length) return '';
  // Every part starts with "on <host>": the first one starts the sentence.
  return ` O${parts.join('; ').slice(1)}.`;
}

/** What to write instead of `name='hostN'`. */
function nameAdvice(list: HostFacts[]): string {
  const withPci = list.filter((f) => f.pci);
  const fc = list.filter((f) => f.wwnn && f.wwpn);
  const perHost = list.length > 1;
  let s: string;
  const distinct = new Set(withPci.map((f) => f.pci));
  if (withPci.length && distinct.size === 1 && withPci.length === list.length) {
    s = ` Use <adapter type='scsi_host'><parentaddr>${pciAddressXml(withPci[0].pci)}</parentaddr></adapter>`;
  } else if (withPci.length) {
    s = ` Use <adapter type='scsi_host'><parentaddr><address …/></parentaddr></adapter> with the HBA's PCI address (${withPci.map((f) => `${cap(f.host, 64)}: ${pciAddressXml(f.pci)}`).join('; ')})`;
  } else
    s =
      " Use <adapter type='scsi_host'><parentaddr><address domain=… bus=… slot=… function=…/></parentaddr></adapter> with the HBA's PCI address";
  if (fc.length) {
    const one = (f: HostFacts) => `<adapter type='fc_host' wwnn='${f.wwnn}' wwpn='${f.wwpn}'/>`;
    s += perHost
      ? `, or for Fibre Channel ${fc.map((f) => `${cap(f.host, 64)}: ${one(f)}`).join('; ')}`
      : `, or for Fibre Channel ${one(fc[0])}`;
  } else if (!withPci.length) s += " (or, for Fibre Channel, <adapter type='fc_host' wwnn=… wwpn=…/> with the HBA's WWNs)";
  return s + '.';
}

/** What to write instead of an fc_host's `parent='scsi_hostN'`. */
function parentAdvice(list: HostFacts[]): string {
  const fc = list.filter((f) => f.wwnn && f.wwpn);
  if (!fc.length) return ' Name the parent HBA by its WWNs instead: parent_wwnn=… parent_wwpn=… (or parent_fabric_wwn=…).';
  const one = (f: HostFacts) => `parent_wwnn='${f.wwnn}' parent_wwpn='${f.wwpn}'`;
  return list.length > 1
    ? ` Name the parent HBA by its WWNs instead (${fc.map((f) => `${cap(f.host, 64)}: ${one(f)}`).join('; ')}).`
    : ` Name the parent HBA by its WWNs instead: ${one(fc[0])}.`;
}

function scsiHostFinding(ref: ValueRef, message: string): Finding {
  return finding('unstable-scsi-host', { message, start: ref.start, end: ref.end });
}

const WHY =
  'the kernel numbers SCSI hosts in probe order, so after a reboot, a driver reload or an added HBA the number names another adapter.';

export const poolScsiHost: PoolRule = ({ pool, hosts }) => {
  const ad = pool.adapter;
  if (!ad) return [];
  const out: Finding[] = [];
  const n = ad.name ? scsiHostNumber(ad.name.value) : undefined;
  if (ad.name && n !== undefined) {
    const list = facts(hosts, n);
    out.push(
      scsiHostFinding(
        ad.name,
        `<adapter name='${cap(ad.name.value, 64)}'> names the HBA by its SCSI host number: ${WHY}` + describe(list, n) + nameAdvice(list),
      ),
    );
  }
  const p = ad.parent ? scsiHostNumber(ad.parent.value) : undefined;
  if (ad.parent && p !== undefined) {
    const list = facts(hosts, p);
    out.push(
      scsiHostFinding(
        ad.parent,
        `<adapter parent='${cap(ad.parent.value, 64)}'> names the parent HBA by its SCSI host number: ${WHY}` +
          describe(list, p) +
          parentAdvice(list),
      ),
    );
  }
  return out;
};
