/**
 * Editing where the definitions live: the Libvirt Hosts view's data (each host's domains with what
 * opening them would show), a host's persistent definition as a document, and the editor's define:
 * plan (fetch the host again, check the text as the CLI's `define` does, say what would block it, the
 * review diff, whether the host changed since the document was opened), then define (the same checks
 * again, `virsh define /dev/stdin` over the host's configured transport, the readback). The refusals
 * and checks are features/define.ts's, shared with the CLI.
 */
import { parseDomainDocument, runRules, type Analysis } from '../analysis';
import { cap, terminalText } from '../encode';
import { effectiveSeverity, type SeverityOverrides } from '../features/diagnostics';
import { definedDomain, planDefine, readbackChanges, type DefinePlan } from '../features/define';
import { parseHostDocumentUri } from '../hostDocument';
import { defineCommand, defineOnHost } from '../inventory/define';
import type { HostIndex } from '../inventory/resolver';
import type { HostDomain } from '../inventory/snapshot';
import { DEFAULT_LIBVIRT_URI } from '../inventory/transport';
import type {
  DefinedOnParams,
  DefinedOnResult,
  DefineFinding,
  DefineParams,
  DefineResult,
  HostDefinitionParams,
  HostDomainsResult,
  HostDomainSummary,
  PlanDefineParams,
  PlanDefineResult,
} from '../protocol';
import { hostDomainOf } from '../rules/differsFromHost';
import type { SchemaValidator } from '../schema/validator';
import type { HostManager } from './hostManager';
import type { SchemaManager } from './schemaManager';

export interface HostEditingContext {
  hosts: HostManager;
  schemas: SchemaManager;
  /** A line for the log (logText is applied by the caller). */
  log(message: string): void;
  hostAccess(): boolean;
  severityOverrides(): SeverityOverrides | undefined;
  /** The analysis of an open document (undefined when it is not open). */
  analysisOf(uri: string): Analysis | undefined;
}

/** Fields as received: the client is expected to follow the protocol's shapes, not relied on to. */
type Received<P> = Partial<Record<keyof P, unknown>> | null | undefined;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
/** A base text: a string, null (the host had none), else not known. */
const baseOf = (v: unknown): string | null | undefined => (v === null ? null : typeof v === 'string' ? v : undefined);
/** Host and domain names in log lines: one line, capped. */
const t = (s: string) => terminalText(cap(s, 200));

type Counts = NonNullable<HostDomainSummary['findings']>;

/** What checking a text before a define found. */
interface Checked {
  plan: DefinePlan;
  blocking: DefineFinding[];
  index: HostIndex;
  /** The host's definition of the domain the document was opened from (its URI's name, else the text's), now. */
  opened: string | null;
}

export class HostEditing {
  /** Finding counts per host, for the index, schema and severity settings they were counted with. */
  private readonly counts = new Map<
    string,
    { index: HostIndex; schema: SchemaValidator | undefined; overrides: string; byName: Map<string, Counts | undefined> }
  >();
  /** Defines run one at a time (each reads the host before and after). */
  private defining: Promise<unknown> = Promise.resolve();

  constructor(private readonly ctx: HostEditingContext) {}

  // ---- the view ----

  hostDomains(): HostDomainsResult {
    const h = this.ctx.hosts;
    return {
      hostAccess: this.ctx.hostAccess(),
      hosts: h.allHosts().map((host) => {
        const index = h.inventoryOf(host);
        const st = h.fetchState(host);
        const domains = index?.snapshot.domains;
        return {
          host,
          source: h.sourceOf(host),
          fetching: st.fetching,
          ...(st.error !== undefined ? { error: st.error } : {}),
          ...(index && Array.isArray(domains) ? { domains: domains.map((d) => this.summary(index, d)) } : {}),
        };
      }),
    };
  }

  private summary(index: HostIndex, d: HostDomain): HostDomainSummary {
    const findings = d.xml === undefined ? undefined : this.countsOf(index, d);
    return {
      name: d.name,
      ...(d.uuid ? { uuid: d.uuid } : {}),
      ...(d.state ? { state: d.state } : {}),
      disks: Array.isArray(d.disks) ? d.disks.length : 0,
      ...(findings ? { findings } : {}),
      hasDefinition: d.xml !== undefined,
    };
  }

  /** What opening the definition would show (the host alone, its schema, the severity settings), counted once per inventory. */
  private countsOf(index: HostIndex, d: HostDomain): Counts | undefined {
    const schema = this.ctx.schemas.validatorFor([index.host]);
    const overrides = this.ctx.severityOverrides();
    const key = JSON.stringify(overrides ?? {});
    let entry = this.counts.get(index.host);
    if (!entry || entry.index !== index || entry.schema !== schema || entry.overrides !== key) {
      entry = { index, schema, overrides: key, byName: new Map() };
      this.counts.set(index.host, entry);
    }
    if (entry.byName.has(d.name)) return entry.byName.get(d.name);
    let counts: Counts | undefined;
    try {
      const analysis = runRules(parseDomainDocument(d.xml!), [index], [], schema);
      counts = { errors: 0, warnings: 0, other: 0 };
      for (const f of analysis.findings) {
        const sev = effectiveSeverity(f, overrides);
        if (sev === 'error') counts.errors++;
        else if (sev === 'warning') counts.warnings++;
        else if (sev !== 'off') counts.other++;
      }
    } catch (e) {
      this.ctx.log(`hosts view: ${t(index.host)}: ${t(d.name)} could not be checked: ${terminalText((e as Error).message)}`);
    }
    entry.byName.set(d.name, counts);
    return counts;
  }

  // ---- documents ----

  /** The host's persistent definition of `name` (fetching the host first when it has no inventory yet). */
  async hostDefinition(params: Received<HostDefinitionParams>): Promise<string | null> {
    const host = str(params?.host);
    const name = str(params?.name);
    if (host === undefined || name === undefined) return null;
    const h = this.ctx.hosts.resolveHost(host);
    await this.ctx.hosts.ensureFetched(h);
    const d = (this.ctx.hosts.inventoryOf(h)?.snapshot.domains ?? []).find((x) => x.name === name);
    return d?.xml ?? null;
  }

  /** The hosts of the document's group that define its domain (by UUID, else name) and have its definition. */
  definedOn(params: Received<DefinedOnParams>): DefinedOnResult {
    const uri = str(params?.uri);
    const a = uri !== undefined ? this.ctx.analysisOf(uri) : undefined;
    const model = a?.model;
    if (!uri || !model) return { hosts: [] };
    const hosts = this.ctx.hosts.hostsFor(uri).flatMap((idx) => {
      const d = Array.isArray(idx.snapshot.domains) ? hostDomainOf(model, idx.snapshot.domains) : undefined;
      return d?.xml !== undefined ? [{ host: idx.host, name: d.name }] : [];
    });
    return { ...(model.name !== undefined ? { name: model.name } : {}), hosts };
  }

  // ---- define ----

  /** Why a host cannot be defined on now (no host access, not configured), else undefined. */
  private unavailable(host: string): string | undefined {
    if (!this.ctx.hostAccess()) return 'hosts are not contacted in Restricted Mode: trust the workspace to define on a host';
    if (!this.ctx.hosts.isLive(host)) return `${t(host)} is not a configured host (libvirtDomain.hosts or libvirtDomain.hostGroups)`;
    return undefined;
  }

  /** Fetches the host again and checks `text` against it, as the CLI's `define` does. */
  private async check(host: string, text: string, uri: string | undefined): Promise<Checked | { error: string }> {
    const fetched = await this.ctx.hosts.fetchNow(host);
    if (!fetched.index) return { error: `${t(host)} could not be read: ${terminalText(fetched.error ?? 'no inventory')}` };
    await this.ctx.hosts.schemaSettled(host);
    const index = this.ctx.hosts.inventoryOf(host) ?? fetched.index;
    const validator = await this.ctx.schemas.validatorReady([host]);
    const analysis = runRules(parseDomainDocument(text), [index], [], validator);
    const label = uri ? (parseHostDocumentUri(uri) ? `${host}: ${parseHostDocumentUri(uri)!.name} (yours)` : uri) : 'yours';
    const plan = planDefine(analysis, index.snapshot, label);
    const lines = analysis.doc.lines;
    const blocking: DefineFinding[] = plan.blocking.map((f) => ({
      code: f.code,
      message: terminalText(cap(f.message, 1024)),
      line: lines.positionAt(f.start).line,
    }));
    if (!validator)
      blocking.unshift({ code: 'schema', message: "no libvirt schema to check against (neither the host's nor a local one)", line: 0 });
    const openedName = (uri !== undefined ? parseHostDocumentUri(uri)?.name : undefined) ?? plan.name;
    const opened = (index.snapshot.domains ?? []).find((d) => d.name === openedName)?.xml ?? null;
    return { plan, blocking, index, opened };
  }

  private command(host: string): string[] {
    return defineCommand(this.ctx.hosts.transportOptions(host).libvirtUri ?? DEFAULT_LIBVIRT_URI);
  }

  async planDefine(params: Received<PlanDefineParams>): Promise<PlanDefineResult> {
    const host = this.ctx.hosts.resolveHost(str(params?.host) ?? '');
    const text = str(params?.text);
    const uri = str(params?.uri);
    const base = baseOf(params?.base);
    const empty: PlanDefineResult = { host, blocking: [], diff: '', hostText: null, changedOnHost: false, command: this.command(host) };
    const why = this.unavailable(host) ?? (text === undefined ? 'no text to define' : undefined);
    if (why) return { ...empty, unavailable: why };
    const c = await this.check(host, text!, uri);
    if ('error' in c) return { ...empty, unavailable: c.error };
    const { plan } = c;
    return {
      ...empty,
      ...(plan.name !== undefined ? { name: plan.name } : {}),
      ...(plan.uuid !== undefined ? { uuid: plan.uuid } : {}),
      blocking: c.blocking,
      ...(plan.conflict ? { conflict: plan.conflict } : {}),
      diff: plan.diff,
      hostText: plan.current?.xml ?? null,
      changedOnHost: base === undefined ? c.opened !== null : c.opened !== base,
    };
  }

  /** Defines (one at a time), logging the host, the domain and the outcome. */
  define(params: Received<DefineParams>): Promise<DefineResult> {
    const run = this.defining.then(() => this.defineNow(params));
    this.defining = run.catch(() => undefined);
    return run;
  }

  private async defineNow(params: Received<DefineParams>): Promise<DefineResult> {
    const host = this.ctx.hosts.resolveHost(str(params?.host) ?? '');
    const text = str(params?.text);
    const uri = str(params?.uri);
    const base = baseOf(params?.base);
    const result = (r: DefineResult, name?: string): DefineResult => {
      this.ctx.log(
        `define: ${t(host)}: ${name !== undefined ? t(name) : 'a document'}: ${r.outcome}${r.reason ? ` (${r.reason})` : ''}: ${r.message}`,
      );
      return r;
    };
    const refused = (reason: NonNullable<DefineResult['reason']>, message: string, name?: string, extra: Partial<DefineResult> = {}) =>
      result({ outcome: 'refused', reason, message: `not defined: ${message}`, changes: [], ...extra }, name);
    if (!this.ctx.hostAccess()) return refused('no-host-access', this.unavailable(host)!);
    if (!this.ctx.hosts.isLive(host)) return refused('unknown-host', this.unavailable(host)!);
    if (text === undefined) return refused('not-a-domain', 'no text to define');
    const c = await this.check(host, text, uri);
    if ('error' in c) return refused('unreachable', c.error);
    const { plan } = c;
    const name = plan.name;
    if (plan.conflict) return refused(plan.name === undefined ? 'not-a-domain' : 'conflict', terminalText(plan.conflict), name);
    if (c.blocking.length && params?.force !== true)
      return refused('blocking', `${c.blocking.length} error${c.blocking.length === 1 ? '' : 's'} (define anyway to override)`, name, {
        blocking: c.blocking,
      });
    const changed = base === undefined ? c.opened !== null : c.opened !== base;
    if (changed && params?.overwrite !== true)
      return refused('changed-on-host', `the host's definition changed since it was opened`, name, { text: c.opened });
    if (!plan.diff)
      return result(
        {
          outcome: 'unchanged',
          message: "the host's definition already says this; nothing defined",
          changes: [],
          text: plan.current?.xml ?? null,
        },
        name,
      );
    const command = this.command(host);
    this.ctx.log(`define: ${t(host)}: ${t(name ?? '')}: running ${command.join(' ')} with the document on its standard input`);
    let answer: string;
    try {
      answer = await defineOnHost(host, text, this.ctx.hosts.transportOptions(host));
    } catch (e) {
      return result({ outcome: 'failed', message: terminalText((e as Error).message), changes: [] }, name);
    }
    // The readback: the host's inventory again, published (diagnostics and the view follow).
    const after = await this.ctx.hosts.fetchNow(host);
    if (!after.index)
      return result(
        {
          outcome: 'defined',
          message: `${terminalText(answer)}; but the definition could not be read back: ${terminalText(after.error ?? 'no inventory')}`,
          changes: [],
        },
        name,
      );
    const readback = definedDomain(after.index.snapshot, plan);
    const changes = readbackChanges(text, readback);
    if (!changes)
      return result(
        {
          outcome: 'defined',
          message: `${terminalText(answer)}; but it is not in the host's domain list afterwards`,
          changes: [],
          text: null,
        },
        name,
      );
    const lines = parseDomainDocument(text).doc.lines;
    const reports = changes.map((x) => ({ message: terminalText(x.message), line: lines.positionAt(x.start).line }));
    for (const r of reports) this.ctx.log(`define: ${t(host)}: ${t(name ?? '')}: line ${r.line + 1}: ${r.message}`);
    return result(
      {
        outcome: 'defined',
        message: `${terminalText(answer)}${reports.length ? `; libvirt dropped or rewrote ${reports.length} thing${reports.length === 1 ? '' : 's'}` : '; read back: libvirt kept everything the document sets'}`,
        changes: reports,
        text: readback?.xml ?? null,
      },
      name,
    );
  }
}
