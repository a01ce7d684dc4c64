/**
 * The extension's own LSP messages: every `libvirtDomain/*` method with its parameters and result,
 * and the constants client and server must agree on. Client, server and tests import these; no
 * method name is spelled anywhere else. Type-only imports from the server keep this module free of
 * runtime dependencies beyond the protocol package both sides already ship.
 */
import { NotificationType, RequestType, type TextEdit } from 'vscode-languageserver-protocol';
import type { InventorySnapshot } from './inventory/snapshot';

/** The code action kind of the document fix-all (`source.fixAll` plus our suffix, as ESLint's `source.fixAll.eslint`). */
export const FIX_ALL_KIND = 'source.fixAll.libvirt-domain';

/** The settings section the server pulls (`workspace/configuration`) and is told of changes to. */
export const SETTINGS_SECTION = 'libvirtDomain';

/** Host group names the user did not choose (a plain host list, the offline snapshots): not shown as a group. */
export const IMPLICIT_GROUPS: ReadonlySet<string> = new Set(['default', 'snapshots']);

/** What the client passes in `initializationOptions`. */
export interface InitializationOptions {
  /** Whether the server may contact hosts (false in an untrusted workspace: offline rules only). */
  hostAccess?: boolean;
  /** Snapshot files to use when the settings name none. */
  inventoryFiles?: string[];
  /** Where each finding code is documented (the README of the installed extension). */
  docsUri?: string;
  /**
   * A directory the server may keep files in (the extension's global storage): live inventories are
   * stored there per host, so a window reload within `libvirtDomain.inventoryMaxAgeMinutes` fetches nothing.
   */
  cacheDir?: string;
}

// ---- state the server reports ----

export interface HostStateReport {
  host: string;
  fetchedAt?: number;
  fetching: boolean;
  error?: string;
  errorKind?: string;
  source: 'ssh' | 'local' | 'snapshot' | 'none';
  /** The inventory's own `collectedAt` (ISO time) when it comes from a snapshot file. */
  collectedAt?: string;
  /** Whether the host is configured to be fetched (`libvirtDomain.hosts`); false: known from a snapshot file only. */
  live?: boolean;
}

export interface InventoryStateReport {
  hostAccess: boolean;
  groups: { name: string; hosts: string[] }[];
  hosts: HostStateReport[];
}

/** Server → client: the hosts, their groups and each host's fetch state, after every change. */
export const InventoryStateNotification = new NotificationType<InventoryStateReport>('libvirtDomain/inventoryState');

export interface InventoryErrorParams {
  /** Details for the log (may hold host text: encode before showing). */
  message: string;
  host: string;
  /** The only text a notification may show: built by the server from fixed templates. */
  notice?: string;
}

/** Server → client: a host's inventory could not be fetched or read. */
export const InventoryErrorNotification = new NotificationType<InventoryErrorParams>('libvirtDomain/inventoryError');

// ---- client → server ----

export interface HostAccessParams {
  allowed: boolean;
}

/** Client → server: workspace trust changed; hosts may (or may no longer) be contacted. */
export const HostAccessNotification = new NotificationType<HostAccessParams>('libvirtDomain/hostAccess');

export interface RefreshInventoryParams {
  /** The documents whose hosts to fetch; all configured hosts when absent. */
  uris?: string[];
  /** Fetch even when the inventory is not due (default true). */
  force?: boolean;
}

/** Fetches the inventories of the given documents' hosts (all hosts without `uris`); resolves when done. */
export const RefreshInventoryRequest = new RequestType<RefreshInventoryParams, null, void>('libvirtDomain/refreshInventory');

export interface HostGroupsParams {
  uri?: string;
}

export interface HostGroupsResult {
  groups: { name: string; hosts: string[] }[];
  /** The group the document (`uri`) uses, when one applies. */
  current?: string;
  /** For a host definition document (`libvirt-domain://HOST/…`): its host alone, its group (`current` names it; not one of `groups`). */
  currentHosts?: string[];
}

/** The configured host groups, and the one a document uses. */
export const HostGroupsRequest = new RequestType<HostGroupsParams, HostGroupsResult, void>('libvirtDomain/hostGroups');

export interface ChooseHostGroupParams {
  uri: string;
  group?: string;
}

/** Chooses the host group of a document (`group` absent: back to the automatic choice). */
export const ChooseHostGroupRequest = new RequestType<ChooseHostGroupParams, null, void>('libvirtDomain/chooseHostGroup');

export interface FixAllEditsParams {
  uris: string[];
  /** The workspace folders (the server's own when absent). */
  folders?: string[];
}

export interface FixAllEditsResult {
  /** The edits by document URI. */
  changes: Record<string, TextEdit[]>;
  /** Files left alone, with the reason. */
  skipped: { uri: string; reason: string }[];
}

/** The preferred fixes of several files (the workspace fix-all); only files inside `folders` (real paths). */
export const FixAllEditsRequest = new RequestType<FixAllEditsParams, FixAllEditsResult, void>('libvirtDomain/fixAllEdits');

/** Which host: `host`, else the first host the document `uri` is checked against. */
export interface HostParams {
  uri?: string;
  host?: string;
}

/** A host's inventory as Markdown, built by the server; `null` when it has none. */
export const InventoryViewRequest = new RequestType<HostParams, string | null, void>('libvirtDomain/inventoryView');

/** A host's inventory snapshot (what Save Snapshot writes); `null` when it has none. */
export const HostInventoryRequest = new RequestType<HostParams, InventorySnapshot | null, void>('libvirtDomain/hostInventory');

/**
 * The findings' documentation as one Markdown document, built from rules/codes.ts: one heading per
 * code (so `#code` scrolls to it). The client shows it in a Markdown preview when a code link is clicked.
 */
export const FindingDocsRequest = new RequestType<object | null, string, void>('libvirtDomain/findingDocs');

// ---- host definitions: the Libvirt Hosts view, `libvirt-domain://HOST/NAME.xml` documents, define ----

/** One domain of a host, as the Libvirt Hosts view lists it. */
export interface HostDomainSummary {
  name: string;
  uuid?: string;
  state?: 'running' | 'shut off';
  /** Disks naming a host path (the inventory's list). */
  disks: number;
  /** What opening its definition would show: findings by severity (after the severity settings); undefined without a definition. */
  findings?: { errors: number; warnings: number; other: number };
  /** Whether the inventory holds its persistent definition (it can be opened). */
  hasDefinition: boolean;
}

export interface HostDomainsEntry {
  host: string;
  /** Where its inventory comes from now (as in HostStateReport). */
  source: HostStateReport['source'];
  fetching: boolean;
  /** Why the last fetch failed (host text: encode where shown); the domains then are the last known ones, if any. */
  error?: string;
  /** The domains, in the host's order; undefined when the inventory or its domain list is not known. */
  domains?: HostDomainSummary[];
}

export interface HostDomainsResult {
  hostAccess: boolean;
  hosts: HostDomainsEntry[];
}

/** Every configured host (of every group, else the snapshots') with its domains; the client asks again on each state notification. */
export const HostDomainsRequest = new RequestType<object | null, HostDomainsResult, void>('libvirtDomain/hostDomains');

export interface HostDefinitionParams {
  host: string;
  name: string;
}

/** A host's persistent definition of a domain (`virsh dumpxml --inactive`, byte for byte); null when the host has none (or is unknown). */
export const HostDefinitionRequest = new RequestType<HostDefinitionParams, string | null, void>('libvirtDomain/hostDefinition');

/** A finding that would refuse the define, where it is in the text (0-based line). */
export interface DefineFinding {
  code: string;
  message: string;
  line: number;
}

export interface PlanDefineParams {
  host: string;
  /** The text to define. */
  text: string;
  /** The document it comes from (a label in the diff). */
  uri?: string;
  /** The host's definition when the document was opened (null: the host had none); absent: not known. */
  base?: string | null;
}

export interface PlanDefineResult {
  host: string;
  /** The text's `<name>` and `<uuid>`. */
  name?: string;
  uuid?: string;
  /** Why it cannot be planned at all: no host access, not a configured host, the host could not be read. */
  unavailable?: string;
  /** Error-level findings: the define is refused unless forced. */
  blocking: DefineFinding[];
  /** Why it must not be defined at all (it would replace or rename another domain); never forced. */
  conflict?: string;
  /** Unified diff from the host's definition (normalised) to the text; '' when they say the same. */
  diff: string;
  /** The host's definition now, fetched just now (null: none); for the diff editor. */
  hostText: string | null;
  /** Whether the host's definition differs from `base` (it changed since the document was opened). */
  changedOnHost: boolean;
  /** The command the define runs on the host. */
  command: string[];
}

/** Fetches the host again and says what a define of `text` would do (nothing is changed). */
export const PlanDefineRequest = new RequestType<PlanDefineParams, PlanDefineResult, void>('libvirtDomain/planDefine');

export interface DefineParams {
  host: string;
  text: string;
  /** The host's definition the user saw (null: none); the define is refused when the host's differs, unless `overwrite`. */
  base?: string | null;
  overwrite?: boolean;
  /** Define despite error-level findings (never despite a conflict). */
  force?: boolean;
  uri?: string;
}

export interface DefineChangeReport {
  /** One line (host and file values capped, controls escaped). */
  message: string;
  /** 0-based line in the text defined. */
  line: number;
}

export interface DefineResult {
  /** `defined`; `unchanged` (the host's definition already says this: nothing run); `refused` (nothing run); `failed` (virsh or the readback failed). */
  outcome: 'defined' | 'unchanged' | 'refused' | 'failed';
  /** Why it was refused: the client words its dialog after it. */
  reason?: 'no-host-access' | 'unknown-host' | 'unreachable' | 'conflict' | 'blocking' | 'changed-on-host' | 'not-a-domain';
  /** One line for the log (host text escaped): what happened. */
  message: string;
  /** What libvirt dropped or rewrote of the text (read back after the define). */
  changes: DefineChangeReport[];
  /** The host's definition after it (the readback); null when it has none; absent when not read. */
  text?: string | null;
  /** The findings that refused it (reason `blocking`). */
  blocking?: DefineFinding[];
}

/**
 * Defines `text` on `host` (`virsh define /dev/stdin`) after fetching the host again and checking as
 * planDefine; then reads it back and publishes the new inventory. Only with host access.
 */
export const DefineRequest = new RequestType<DefineParams, DefineResult, void>('libvirtDomain/define');

export interface DefinedOnParams {
  uri: string;
}

export interface DefinedOnResult {
  /** The document's domain name, when it has one. */
  name?: string;
  /** The hosts of the document's group that define its domain (by UUID, else name), with the name there. */
  hosts: { host: string; name: string }[];
}

/** Where the document's domain is defined among the hosts it is checked against (Compare with Host Definition). */
export const DefinedOnRequest = new RequestType<DefinedOnParams, DefinedOnResult, void>('libvirtDomain/definedOn');

// ---- the fleet audit in the editor ----

export interface AuditHostsParams {
  /** Only these of the configured hosts (default: every configured host). */
  hosts?: string[];
}

export interface AuditHostReport {
  host: string;
  /** Domains audited (0 when it failed). */
  domains: number;
  /** Findings published for its domains, by severity (after the severity settings). */
  errors: number;
  warnings: number;
  other: number;
  /** Why it could not be audited: the failure class (as InventoryErrorKind, or `internal`). */
  failure?: string;
}

export interface AuditHostsResult {
  /** `done`, `cancelled` (nothing published: the previous run's diagnostics stay), or why it did not run. */
  outcome: 'done' | 'cancelled' | 'no-host-access' | 'no-hosts';
  hosts: AuditHostReport[];
  /** The `libvirt-domain://HOST/NAME.xml` documents that got diagnostics. */
  uris: string[];
}

/**
 * Fetches every configured host (work-done progress, cancellable; so is the request) and audits every
 * domain defined there, per host and across the hosts, as `libvirt-domain-lint audit` does; the
 * findings are published as diagnostics of the host definition documents, replacing the last run's.
 * Only with host access.
 */
export const AuditHostsRequest = new RequestType<AuditHostsParams, AuditHostsResult, void>('libvirtDomain/auditHosts');

/** Every custom request, for the test that the server answers each one. */
export const REQUESTS = [
  RefreshInventoryRequest,
  HostGroupsRequest,
  ChooseHostGroupRequest,
  FixAllEditsRequest,
  InventoryViewRequest,
  HostInventoryRequest,
  FindingDocsRequest,
  HostDomainsRequest,
  HostDefinitionRequest,
  PlanDefineRequest,
  DefineRequest,
  DefinedOnRequest,
  AuditHostsRequest,
] as const;

/** Every custom notification, by direction. */
export const SERVER_NOTIFICATIONS = [InventoryStateNotification, InventoryErrorNotification] as const;
export const CLIENT_NOTIFICATIONS = [HostAccessNotification] as const;
