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

/** Every custom request, for the test that the server answers each one. */
export const REQUESTS = [
  RefreshInventoryRequest,
  HostGroupsRequest,
  ChooseHostGroupRequest,
  FixAllEditsRequest,
  InventoryViewRequest,
  HostInventoryRequest,
  FindingDocsRequest,
] as const;

/** Every custom notification, by direction. */
export const SERVER_NOTIFICATIONS = [InventoryStateNotification, InventoryErrorNotification] as const;
export const CLIENT_NOTIFICATIONS = [HostAccessNotification] as const;
