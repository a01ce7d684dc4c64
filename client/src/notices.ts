/**
 * Text for notifications. VS Code renders markdown links in notification messages and runs
 * `command:` links when clicked, so no host, file or settings text may reach one as it is: a
 * notification is a fixed template with at most a `notificationLabel` (letters, digits and `._@:/-`).
 * Pure (no `vscode`).
 */
import { notificationLabel } from '../../server/src/encode';

export { notificationLabel };

/** Characters no notification of ours needs, and that a link (`[x](command:…)`, `<https://…>`) needs. */
const LINKISH = /[[\]<>`]|command:|https?:|file:/i;

/** Whether `text` is a message the server built from its fixed templates (see server/src/lsp/hostManager.ts inventoryNotice). */
export function isSafeNotice(text: string): boolean {
  // eslint-disable-next-line no-control-regex -- control characters are what this checks for
  return text.length > 0 && text.length <= 300 && !LINKISH.test(text) && !/[\u0000-\u001f\u007f-\u009f]/.test(text);
}

/**
 * The notification for an inventory error (InventoryErrorNotification): the server's template when it is one (the
 * server knows the kind of failure), else the client's own. Never the error's details.
 */
export function inventoryErrorNotice(host: string, notice: unknown): string {
  if (typeof notice === 'string' && isSafeNotice(notice)) return notice;
  return `${notificationLabel(host || 'a host')}: the inventory could not be read (details in the log)`;
}

/** A progress notification's title (the server's, naming hosts): kept only when link-free, else a fixed one. */
export function progressTitle(title: string): string {
  return isSafeNotice(title) ? title : 'Libvirt Domain: fetching host inventories';
}
