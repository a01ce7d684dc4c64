/**
 * What a define of a domain file on a host would do, decided before anything is sent (pure): the
 * findings that refuse it, whether it would replace or rename someone else's domain, and the review
 * diff from the host's definition to the file. Shared by the CLI's `define` and the editor's save of a
 * host definition, so both refuse and show the same things.
 */
import type { Analysis } from '../analysis';
import { definitionDiff, droppedOrRewritten, type DefineChange } from '../domain/compare';
import { cap, terminalText } from '../encode';
import type { HostDomain, InventorySnapshot } from '../inventory/snapshot';
import type { Finding } from '../rules/types';
import { TEMPLATE_SYNTAX_NAMES } from '../xml/template';

export interface DefinePlan {
  host: string;
  /** The file's `<name>` and `<uuid>` (lower case). */
  name?: string;
  uuid?: string;
  /** Error-level findings: they refuse the define unless forced. */
  blocking: Finding[];
  /** Why the define must not happen at all (it would replace or rename another domain, or has no name); never forced. */
  conflict?: string;
  /** The host's domain this define replaces (the same name, and the same UUID when the file has one). */
  current?: HostDomain;
  /** Unified diff from the host's definition (normalised) to the file's; '' when they are equal. */
  diff: string;
}

const shown = (s: string) => JSON.stringify(terminalText(cap(s, 200)));

/** The plan for defining `analysis`'s document (labelled `fileLabel` in the diff) on the host of `snapshot`. */
export function planDefine(analysis: Analysis, snapshot: InventorySnapshot, fileLabel: string): DefinePlan {
  const host = snapshot.host;
  const model = analysis.model;
  const name = model?.name?.trim() || undefined;
  const uuid = model?.uuid?.trim().toLowerCase() || undefined;
  const blocking = analysis.findings.filter((f) => f.severity === 'error');
  const plan: DefinePlan = { host, name, uuid, blocking, diff: '' };
  if (!analysis.isDomain || !model) {
    plan.conflict = 'the file is not a libvirt domain definition';
    return plan;
  }
  if (analysis.template) {
    plan.conflict = `the file is a ${TEMPLATE_SYNTAX_NAMES[analysis.template.syntax]} template: render it first (its tags would be defined literally)`;
    return plan;
  }
  if (!name) {
    plan.conflict = 'the file has no <name>';
    return plan;
  }
  const domains = snapshot.domains ?? [];
  const sameName = domains.find((d) => d.name === name);
  const sameUuid = uuid ? domains.find((d) => d.uuid === uuid) : undefined;
  if (sameName && uuid && sameName.uuid && sameName.uuid !== uuid)
    plan.conflict = `${host} has a domain ${shown(name)} with UUID ${sameName.uuid}, not this file's ${uuid}: defining would replace another domain`;
  else if (sameUuid && sameUuid.name !== name)
    plan.conflict = `this file's UUID ${uuid} belongs to ${host}'s domain ${shown(sameUuid.name)}: defining would rename it to ${shown(name)}`;
  if (plan.conflict) return plan;
  plan.current = sameName;
  plan.diff = definitionDiff(sameName?.xml ?? '', analysis.doc.text, {
    host: sameName ? `${host}: ${name} (defined)` : `${host}: ${name} (not defined)`,
    file: fileLabel,
  });
  return plan;
}

/** The domain a define created or replaced, in the snapshot read after it: by the file's UUID, else by name. */
export function definedDomain(snapshot: InventorySnapshot, plan: Pick<DefinePlan, 'name' | 'uuid'>): HostDomain | undefined {
  const domains = snapshot.domains ?? [];
  return (plan.uuid ? domains.find((d) => d.uuid === plan.uuid) : undefined) ?? domains.find((d) => d.name === plan.name);
}

/** What libvirt dropped or rewrote of the file, from the definition read back after the define. */
export function readbackChanges(fileText: string, readback: HostDomain | undefined): DefineChange[] | undefined {
  return readback?.xml === undefined ? undefined : droppedOrRewritten(fileText, readback.xml);
}
