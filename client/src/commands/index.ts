/**
 * The palette commands (category "Libvirt Domain"): one table of ids and factories (each command in
 * its own small module, given a CommandContext), plus the read-only inventory view's documents.
 * Commands that need the language server start it (ctx.server()).
 */
import * as vscode from 'vscode';
import { auditHosts } from './auditHosts';
import { chooseHostGroup } from './chooseHostGroup';
import { compareWithHost } from './compareWithHost';
import type { CommandContext, CommandFactory } from './context';
import { FINDING_DOCS_SCHEME, showFindingDoc } from './findingDocs';
import { fixAllInFile, fixAllInWorkspace } from './fixAll';
import { saveInventorySnapshot, showHostInventory } from './hostInventory';
import { INVENTORY_SCHEME } from './inventoryDocuments';
import { refreshHosts, refreshInventory } from './refreshInventory';
import { showLog } from './showLog';

export type { CommandContext } from './context';
export { FindingDocs, FINDING_DOCS_URI, withFindingDocLink } from './findingDocs';
export { InventoryDocuments } from './inventoryDocuments';

/** Every command the extension contributes (package.json `contributes.commands`), with its factory. */
export const COMMANDS: readonly { id: string; factory: CommandFactory }[] = [
  { id: 'libvirtDomain.showLog', factory: showLog },
  { id: 'libvirtDomain.refreshInventory', factory: refreshInventory },
  { id: 'libvirtDomain.chooseHostGroup', factory: chooseHostGroup },
  { id: 'libvirtDomain.showHostInventory', factory: showHostInventory },
  { id: 'libvirtDomain.saveInventorySnapshot', factory: saveInventorySnapshot },
  { id: 'libvirtDomain.fixAllInFile', factory: fixAllInFile },
  { id: 'libvirtDomain.fixAllInWorkspace', factory: fixAllInWorkspace },
  { id: 'libvirtDomain.showFindingDoc', factory: showFindingDoc },
  { id: 'libvirtDomain.compareWithHost', factory: compareWithHost },
  { id: 'libvirtDomain.refreshHosts', factory: refreshHosts },
  { id: 'libvirtDomain.auditHosts', factory: auditHosts },
];

/** Registers the read-only documents (inventory views, findings' documentation) and every command of COMMANDS. */
export function registerCommands(context: vscode.ExtensionContext, ctx: CommandContext): void {
  context.subscriptions.push(
    ctx.inventoryDocuments,
    vscode.workspace.registerTextDocumentContentProvider(INVENTORY_SCHEME, ctx.inventoryDocuments),
    ctx.findingDocs,
    vscode.workspace.registerTextDocumentContentProvider(FINDING_DOCS_SCHEME, ctx.findingDocs),
    ...COMMANDS.map(({ id, factory }) => vscode.commands.registerCommand(id, factory(ctx))),
  );
}
