/**
 * Rules for storage pool definitions (root `<pool>`). A pool's `<source><device path>` is judged
 * exactly like a disk source: the domain rules run on the pool's host devices seen as block disks
 * (poolAsDisks), so codes, messages and fixes are the same.
 */
import type { DomainModel } from '../domain/model';
import { poolAsDisks } from '../domain/poolModel';
import { deviceNotFound } from './deviceNotFound';
import { guestMutableIdentifier } from './guestMutableIdentifier';
import { inconsistentAcrossHosts } from './inconsistentAcrossHosts';
import { multipathBypass } from './multipathBypass';
import { poolScsiHost } from './poolScsiHost';
import { poolTargetPath } from './poolTargetPath';
import type { PoolRule } from './poolTypes';
import type { Rule } from './types';
import { unstableDeviceName } from './unstableDeviceName';

export type { PoolRule, PoolRuleContext } from './poolTypes';

/**
 * The disk-source rules that apply to a pool's device. Not the ones about a guest's use of a disk:
 * a logical pool's device is an LVM PV of the host by design (device-in-use-by-host), and sharing,
 * targets, serials and LUN passthrough are domain matters.
 */
const SOURCE_RULES: Rule[] = [unstableDeviceName, guestMutableIdentifier, deviceNotFound, inconsistentAcrossHosts, multipathBypass];

/** `<source><device path>`: unstable-device-name, guest-mutable-identifier, device-not-found, inconsistent-across-hosts, multipath-bypass. */
export const poolSourceDevices: PoolRule = ({ doc, pool, hosts }) => {
  const disks = poolAsDisks(pool);
  if (!disks.length) return [];
  const model: DomainModel = { name: pool.name, disks };
  const ctx = { doc, model, hosts, peers: [] };
  return SOURCE_RULES.flatMap((rule) => rule(ctx));
};

/** Every rule that runs on a pool model, in reporting order. */
export const POOL_RULES: PoolRule[] = [poolSourceDevices, poolScsiHost, poolTargetPath];
