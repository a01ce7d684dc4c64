/**
 * Audit Hosts in the editor: the fleet audit of `libvirt-domain-lint audit` (features/audit.ts) over the
 * configured hosts, fetched through the server's own inventory cache (HostManager.fetchFresh: the same
 * fetch, log and failure notifications as every other fetch), with cancellable progress. The findings
 * become diagnostics of the host definition documents (`libvirt-domain://HOST/NAME.xml`), whose text
 * is what the hostDefinition request serves, so every range is in the text the editor opens. A run
 * replaces the previous run's diagnostics; a cancelled run publishes nothing.
 *
 * While such a document is open, its own analysis is what the editor shows (ServerCore); the findings
 * only the fleet gives (a LUN shared with another host's domains, a domain that differs across hosts)
 * are added to it (see DiagnosticsOverlay). When the host's inventory changes, the kept diagnostics
 * follow its text: mapped where it is unchanged (keptDiagnostics), dropped with the domain.
 */
import type { Diagnostic } from 'vscode-languageserver';
import { notificationLabel, terminalText } from '../encode';
import { addFleetFindings, auditHostIndex, type HostAudit } from '../features/audit';
import { findingDiagnostic, type SeverityOverrides } from '../features/diagnostics';
import { hostDocumentUri } from '../hostDocument';
import type { AuditHostReport, AuditHostsResult } from '../protocol';
import type { Finding } from '../rules/types';
import { LineIndex } from '../xml/lineIndex';
import type { HostManager, ProgressHandle } from './hostManager';
import { keptDiagnostics } from './keptDiagnostics';
import type { DiagnosticsOverlay } from './serverCore';

/** What the audit needs of a cancellation token (vscode-languageserver's CancellationToken is one). */
export interface Cancellation {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): unknown;
}

export interface FleetAuditContext {
  hosts: HostManager;
  hostAccess(): boolean;
  /** A line for the log (logText is applied by the caller). */
  log(message: string): void;
  /** Publishes the diagnostics of a document that is not open. */
  publish(uri: string, diagnostics: Diagnostic[]): void;
  /** The open documents (one open is published with its own analysis and the overlay; see republish). */
  openUris(): string[];
  /** Publishes an open document's diagnostics again (its own, plus what the overlay adds now). */
  republish(uri: string): void;
  progress(title: string): Promise<ProgressHandle>;
  /** A host could not be audited for a reason the fetch did not report: `notice` is the only text a notification may show. */
  error(details: string, host: string, notice: string): void;
  docsUri(): string | undefined;
  severityOverrides(): SeverityOverrides | undefined;
}

/** The diagnostics of one host domain from the last run, and the text their ranges are in. */
interface Kept {
  host: string;
  name: string;
  text: string;
  all: Diagnostic[];
  /** Those only the fleet gives (added to the open document's own analysis). */
  fleet: Diagnostic[];
}

const sameRange = (a: Diagnostic, b: Diagnostic) =>
  a.range.start.line === b.range.start.line &&
  a.range.start.character === b.range.start.character &&
  a.range.end.line === b.range.end.line &&
  a.range.end.character === b.range.end.character;

export class FleetAudit implements DiagnosticsOverlay {
  /** By canonical URI (hostDocumentUri of the host as configured). */
  private kept = new Map<string, Kept>();
  /** The run going on: a new run cancels it. */
  private running?: AbortController;

  constructor(private readonly ctx: FleetAuditContext) {}

  /** The canonical URI of a host document (VS Code writes the authority in lower case). */
  private key(uri: string): string | undefined {
    const d = this.ctx.hosts.hostDocument(uri);
    return d && hostDocumentUri(d.host, d.name);
  }

  // ---- DiagnosticsOverlay ----

  forOpen(uri: string, text: string, own: readonly Diagnostic[]): Diagnostic[] {
    const k = this.key(uri);
    const kept = k !== undefined ? this.kept.get(k) : undefined;
    if (!kept?.fleet.length) return [];
    const mapped = kept.text === text ? kept.fleet : keptDiagnostics(kept.text, kept.fleet, text, uri);
    return mapped.filter((d) => !own.some((o) => o.code === d.code && sameRange(o, d)));
  }

  forClosed(uri: string): Diagnostic[] | undefined {
    const k = this.key(uri);
    return k !== undefined ? this.kept.get(k)?.all : undefined;
  }

  /** The documents with diagnostics from the last run (canonical URIs). */
  uris(): string[] {
    return [...this.kept.keys()];
  }

  /** The open host documents by canonical URI, with the spellings they are open as (worked out once per batch). */
  private openByKey(): Map<string, string[]> {
    const m = new Map<string, string[]>();
    for (const u of this.ctx.openUris()) {
      const k = this.key(u);
      if (k === undefined) continue;
      const list = m.get(k);
      if (list) list.push(u);
      else m.set(k, [u]);
    }
    return m;
  }

  /** Shows a document's diagnostics: under each spelling it is open as (republished with its own), else under `uri`. */
  private show(uri: string, diagnostics: Diagnostic[], openByKey: Map<string, string[]>): void {
    const open = openByKey.get(uri) ?? [];
    for (const u of open) this.ctx.republish(u);
    if (!open.includes(uri)) this.ctx.publish(uri, open.length ? [] : diagnostics);
  }

  /**
   * The hosts' inventories changed: each kept document's diagnostics follow the text the host now
   * serves (ranges mapped where it is unchanged), or go with the domain.
   */
  inventoryChanged(): void {
    if (!this.kept.size) return;
    const open = this.openByKey();
    for (const [uri, k] of this.kept) {
      const text = (this.ctx.hosts.inventoryOf(k.host)?.snapshot.domains ?? []).find((d) => d.name === k.name)?.xml;
      if (text === k.text) continue;
      if (text === undefined) {
        this.kept.delete(uri);
        this.show(uri, [], open);
        continue;
      }
      const next = { ...k, text, all: keptDiagnostics(k.text, k.all, text, uri), fleet: keptDiagnostics(k.text, k.fleet, text, uri) };
      this.kept.set(uri, next);
      this.show(uri, next.all, open);
    }
  }

  /** Cancels a run going on (server shutdown). */
  cancel(): void {
    this.running?.abort();
  }

  /** Audits the configured hosts (or those of `only`); see AuditHostsRequest. */
  async run(only: string[] | undefined, token?: Cancellation): Promise<AuditHostsResult> {
    if (!this.ctx.hostAccess()) return { outcome: 'no-host-access', hosts: [], uris: [] };
    const configured = this.ctx.hosts.liveHosts();
    const hosts = only ? configured.filter((h) => only.includes(h)) : configured;
    if (!hosts.length) return { outcome: 'no-hosts', hosts: [], uris: [] };

    this.running?.abort();
    const controller = new AbortController();
    this.running = controller;
    const signal = controller.signal;
    token?.onCancellationRequested(() => controller.abort());
    if (token?.isCancellationRequested) controller.abort();
    // The title is shown in a notification: fixed text and a number.
    const progress = await this.ctx.progress(`Auditing ${hosts.length} host${hosts.length === 1 ? '' : 's'}`);
    progress.onCancel(() => controller.abort());
    const started = Date.now();
    this.ctx.log(`audit: ${hosts.length} hosts: ${hosts.map((h) => terminalText(h)).join(', ')}`);
    let done = 0;
    const audits: HostAudit[] = [];
    try {
      await Promise.all(
        hosts.map(async (host, i) => {
          const r = await this.ctx.hosts.fetchFresh(host, signal);
          if (signal.aborted) return;
          let a: HostAudit;
          if (!r.index) a = failed(host, r.kind ?? 'failed', r.error ?? 'the inventory could not be read');
          else {
            // One host's analysis per turn of the event loop: a cancel (and other messages) get in between.
            await new Promise((resolve) => setImmediate(resolve));
            if (signal.aborted) return;
            try {
              a = auditHostIndex(r.index);
            } catch (e) {
              const message = `${terminalText(host)}: the audit failed: ${terminalText(String((e as Error)?.message ?? e))}`;
              this.ctx.error(message, host, `${notificationLabel(host)}: the audit failed (internal error; details in the log)`);
              a = failed(host, 'internal', message);
            }
          }
          audits[i] = a;
          done++;
          progress.report(`${done}/${hosts.length} hosts`, Math.round((done / hosts.length) * 100));
        }),
      );
    } finally {
      progress.done();
      if (this.running === controller) this.running = undefined;
    }
    if (signal.aborted) {
      this.ctx.log(`audit: cancelled after ${Date.now() - started} ms (${done}/${hosts.length} hosts done); nothing published`);
      return { outcome: 'cancelled', hosts: [], uris: [] };
    }
    return this.publishRun(audits, started);
  }

  /** The run's findings as diagnostics, replacing the last run's; a report per host. */
  private publishRun(audits: HostAudit[], started: number): AuditHostsResult {
    const ok = audits.filter((a) => !a.failure);
    // Which findings each domain had before the cross-host ones were added (replaced or joined).
    const own = new Set<Finding>(ok.flatMap((a) => a.domains.flatMap((d) => d.findings)));
    addFleetFindings(ok);
    const overrides = this.ctx.severityOverrides();
    const docsUri = this.ctx.docsUri();
    const next = new Map<string, Kept>();
    const reports: AuditHostReport[] = audits.map((a) => {
      const report: AuditHostReport = { host: a.host, domains: a.domains.length, errors: 0, warnings: 0, other: 0 };
      if (a.failure) return { ...report, failure: a.failure.kind };
      for (const w of a.warnings) this.ctx.log(`audit: ${terminalText(a.host)}: warning: ${terminalText(w)}`);
      if (a.unread.length)
        this.ctx.log(
          `audit: ${terminalText(a.host)}: not audited (no definition read): ${a.unread.map((n) => terminalText(n)).join(', ')}`,
        );
      for (const d of a.domains) {
        if (!d.findings.length) continue;
        const uri = hostDocumentUri(a.host, d.name);
        const lines = new LineIndex(d.xml);
        const all: Diagnostic[] = [];
        const fleet: Diagnostic[] = [];
        for (const f of d.findings) {
          const diag = findingDiagnostic(lines, f, docsUri, overrides, uri);
          if (!diag) continue;
          all.push(diag);
          if (!own.has(f)) fleet.push(diag);
          if (diag.severity === 1) report.errors++;
          else if (diag.severity === 2) report.warnings++;
          else report.other++;
        }
        if (all.length) next.set(uri, { host: a.host, name: d.name, text: d.xml, all, fleet });
      }
      return report;
    });
    const previous = this.kept;
    this.kept = next;
    const open = this.openByKey();
    for (const uri of previous.keys()) if (!next.has(uri)) this.show(uri, [], open);
    for (const [uri, k] of next) this.show(uri, k.all, open);
    const failures = reports.filter((r) => r.failure).length;
    this.ctx.log(
      `audit: ${reports.length} hosts in ${Date.now() - started} ms: ${reports.reduce((n, r) => n + r.domains, 0)} domains, ` +
        `${reports.reduce((n, r) => n + r.errors, 0)} errors, ${reports.reduce((n, r) => n + r.warnings, 0)} warnings` +
        `${failures ? `, ${failures} hosts failed (${reports.flatMap((r) => (r.failure ? [`${terminalText(r.host)}: ${r.failure}`] : [])).join(', ')})` : ''}`,
    );
    return { outcome: 'done', hosts: reports, uris: [...next.keys()] };
  }
}

function failed(host: string, kind: string, message: string): HostAudit {
  return { host, domains: [], unread: [], warnings: [], failure: { kind, message } };
}
