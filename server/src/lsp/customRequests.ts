/**
 * The extension's own messages (server/src/protocol.ts), each bound to its LanguageServer method.
 * Takes only what it needs of a connection, so a test can bind to a recording fake.
 */
import type { CancellationToken, NotificationType, RequestType } from 'vscode-languageserver';
import {
  AuditHostsRequest,
  ChooseHostGroupRequest,
  DefinedOnRequest,
  DefineRequest,
  HostDefinitionRequest,
  HostDomainsRequest,
  PlanDefineRequest,
  FindingDocsRequest,
  FixAllEditsRequest,
  HostAccessNotification,
  HostGroupsRequest,
  HostInventoryRequest,
  InventoryViewRequest,
  RefreshInventoryRequest,
} from '../protocol';
import type { LanguageServer } from './languageServer';

/** The part of a connection that takes handlers (vscode-languageserver's Connection is one). */
export interface MessageBinder {
  onRequest<P, R, E>(type: RequestType<P, R, E>, handler: (params: P, token: CancellationToken) => R | Promise<R>): unknown;
  onNotification<P>(type: NotificationType<P>, handler: (params: P) => void): unknown;
}

export function bindCustomMessages(connection: MessageBinder, server: LanguageServer): void {
  connection.onNotification(HostAccessNotification, (p) => server.setHostAccess(p));
  connection.onRequest(RefreshInventoryRequest, (p) => server.refreshInventory(p));
  connection.onRequest(HostGroupsRequest, (p) => server.hostGroups(p));
  connection.onRequest(ChooseHostGroupRequest, (p) => server.chooseHostGroup(p));
  connection.onRequest(FixAllEditsRequest, (p) => server.fixAllEdits(p));
  connection.onRequest(InventoryViewRequest, (p) => server.inventoryView(p));
  connection.onRequest(HostInventoryRequest, (p) => server.hostInventory(p));
  connection.onRequest(FindingDocsRequest, () => server.findingDocs());
  connection.onRequest(HostDomainsRequest, () => server.hostDomains());
  connection.onRequest(HostDefinitionRequest, (p) => server.hostDefinition(p));
  connection.onRequest(PlanDefineRequest, (p) => server.planDefine(p));
  connection.onRequest(DefineRequest, (p) => server.define(p));
  connection.onRequest(DefinedOnRequest, (p) => server.definedOn(p));
  connection.onRequest(AuditHostsRequest, (p, token) => server.auditHosts(p, token));
}
