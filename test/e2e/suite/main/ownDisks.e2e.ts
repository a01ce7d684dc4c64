/// <reference types="mocha" />
// Issue 12, item 7, in the real editor: completion in a domain that already maps a LUN does not offer
// that LUN as unused (trusted workspace; kvm-a's snapshot from the workspace settings).
import * as assert from 'assert';
import * as vscode from 'vscode';
import { closeAll, extensionApi, until } from '../helpers';

const DOMAIN = [
  "<domain type='kvm'>",
  '  <name>own</name>',
  '  <devices>',
  "    <disk type='block' device='disk'><source dev='/dev/vx/dmp/3pardata0_12'/><target dev='vdb' bus='virtio'/></disk>",
  "    <disk type='block' device='disk'><source dev=''/><target dev='vdc' bus='virtio'/></disk>",
  '  </devices>',
  '</domain>',
  '',
].join('\n');

/** The device path items offered at the empty `dev=''` of the second disk. */
async function pathItems(doc: vscode.TextDocument): Promise<vscode.CompletionItem[]> {
  const line = 4;
  const character = doc.lineAt(line).text.indexOf("dev=''") + "dev='".length;
  const list = await vscode.commands.executeCommand<vscode.CompletionList>(
    'vscode.executeCompletionItemProvider',
    doc.uri,
    new vscode.Position(line, character),
  );
  return list.items.filter((i) => labelOf(i).startsWith('/dev/'));
}

/** The path a device item inserts (its label is the short name; the filter text is the whole path). */
const labelOf = (i: vscode.CompletionItem) => String(i.filterText ?? (typeof i.label === 'string' ? i.label : i.label.label));

suite("completion counts the document's own disks", () => {
  suiteSetup(async () => {
    await extensionApi();
  });
  teardown(closeAll);

  test('a LUN this domain already maps is "used by this domain", not unused, and not first', async () => {
    const doc = await vscode.workspace.openTextDocument({ language: 'xml', content: DOMAIN });
    await vscode.window.showTextDocument(doc);
    const items = await until('path items with 3pardata0_12', async () => {
      const got = await pathItems(doc);
      return got.some((i) => labelOf(i) === '/dev/vx/dmp/3pardata0_12') ? got : undefined;
    });
    const own = items.find((i) => labelOf(i) === '/dev/vx/dmp/3pardata0_12')!;
    assert.match(String(own.detail), /used by this domain/);
    assert.notStrictEqual(own.detail, 'unused');
    const sorted = [...items].sort((a, b) => String(a.sortText ?? labelOf(a)).localeCompare(String(b.sortText ?? labelOf(b))));
    assert.notStrictEqual(labelOf(sorted[0]), '/dev/vx/dmp/3pardata0_12', 'the own LUN is not offered first');
    assert.strictEqual(sorted[0].detail, 'unused');
    // Negative control: another LUN of kvm-a nobody uses is still offered as unused.
    const other = items.find((i) => labelOf(i) === '/dev/disk/by-id/nvme-eui.36344730528012340025384500000001');
    assert.ok(other, items.map(labelOf).join('\n'));
  });
});
