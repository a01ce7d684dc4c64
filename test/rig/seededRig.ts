/**
 * The seeded fleet (seededFleet.ts) on the ssh rig, for the audit tests of the CLI, the server and
 * Ansible. Apart from seededFleet.ts, which the editor tests' bundle reads without the rig's modules.
 */
import { join } from 'node:path';
import { ROOT } from '../support/examples';
import { writeFleetHost } from './fleet';
import { closedPort } from './net';
import { DOWN, FLEET } from './seededFleet';
import { startRigOrSkip, type Rig, type RigHostSpec } from './sshRig';
/** The seeded fleet's rig hosts: the example host kvm-a and FLEET's hosts, their fixtures written under `dir`. */
export function seededRigHosts(dir: string): RigHostSpec[] {
  return [
    { name: 'kvm-a', fixtureDir: join(ROOT, 'examples/hosts/kvm-a') },
    ...FLEET.map((h) => ({ name: h.name, fixtureDir: writeFleetHost(dir, h) })),
  ];
}

/** `hosts` (the seeded fleet's, and any others) on the ssh rig, DOWN an alias of a closed port; or why the rig cannot run. */
export async function startSeededRig(hosts: RigHostSpec[]): Promise<Rig | string> {
  const r = await startRigOrSkip({ hosts });
  if (typeof r !== 'string') r.addAlias(DOWN, await closedPort());
  return r;
}
