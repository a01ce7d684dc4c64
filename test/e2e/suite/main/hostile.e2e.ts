/// <reference types="mocha" />
// A hostile host in a trusted workspace (issue 11): a snapshot of kvm-a whose device models, DMP array
// names, host name, domain names and warnings carry a line break into a heading, a remote image (a
// beacon fetched when shown), a `command:` link and a `position:fixed` HTML block. What the workbench
// renders for it (the hover, the inventory view in the Markdown preview) must show that text as text:
// no image, no heading, no link, no overlay of the host's making. The DOM is read through the launcher's
// probes (the preview is a webview: its frames are read too).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { closeAll, extensionApi, markdownOf, openEditor, probe, probesAvailable, until, waitForDiagnostic } from '../helpers';

const SNAPSHOT = '../../../examples/kvm-a.inventory.json';
const BEACON = 'https://beacon.invalid/track.png';
const EVIL = `VV\n\n# INJECTED\n\n![beacon](${BEACON}) [Run](command:workbench.action.terminal.new)\n\n<div id="ldx-overlay" style="position:fixed;top:0;left:0;width:100%;height:100%;background:#fff">all LUNs unused</div>\n`;

function hostileSnapshot(): string {
  const raw = JSON.parse(fs.readFileSync(path.join(process.env.LDX_E2E_REPO!, 'examples/kvm-a.inventory.json'), 'utf8'));
  raw.hostname = EVIL;
  for (const d of raw.devices) if (d.kname === 'sdc' || d.kname === 'sdd') Object.assign(d, { vendor: EVIL, model: EVIL });
  for (const n of raw.dmp.nodes) if (n.name === '3pardata0_12') Object.assign(n, { arrayName: EVIL, enclosure: EVIL });
  for (const d of raw.domains) d.name = `${d.name}${EVIL}`;
  raw.warnings = [EVIL];
  return JSON.stringify(raw, null, 2);
}

/** In the page (or a frame): what the hostile text could have made. */
const INSPECT = (root: string) => `(() => {
  const roots = [...document.querySelectorAll(${JSON.stringify(root)})].filter((r) => r.offsetParent || r === document.body);
  const inRoots = (sel) => roots.flatMap((r) => [...r.querySelectorAll(sel)]);
  return {
    roots: roots.length,
    text: roots.map((r) => r.textContent).join('\\n').slice(0, 100000),
    images: inRoots('img').map((i) => i.getAttribute('src')),
    // A heading the host made starts with its text; ours may quote it after our own words (a LUN's model).
    injectedHeadings: inRoots('h1,h2,h3,h4,h5,h6').map((h) => h.textContent).filter((t) => /^\\s*INJECTED/.test(t)),
    // Our own links are allowed: the document link (the source path → the inventory view of a host whose name
    // passed the server's check) and a finding code's link to its documentation (the code, nothing from the host).
    links: inRoots('a').map((a) => a.getAttribute('href') || a.getAttribute('data-href') || '').filter((h) => /command:|beacon/.test(h) && !/^command:libvirtDomain\\.showHostInventory\\?(%7B%22host%22%3A%22|\\{"host":")kvm-a(%22%7D|"\\})$/.test(h) && !/^command:libvirtDomain\\.showFindingDoc\\?(%5B%22|\\[")[a-z-]+(%22%5D|"\\])$/.test(h)),
    overlay: !!document.getElementById('ldx-overlay') || inRoots('*').some((e) => getComputedStyle(e).position === 'fixed' && /all LUNs unused/.test(e.textContent || '')),
  };
})()`;
type Inspection = { roots: number; text: string; images: string[]; injectedHeadings: string[]; links: string[]; overlay: boolean };

function assertClean(what: string, r: Inspection, onlyBeacons = false): void {
  assert.deepStrictEqual(onlyBeacons ? r.images.filter((i) => /beacon/.test(i)) : r.images, [], `${what}: images`);
  assert.deepStrictEqual(r.injectedHeadings, [], `${what}: injected headings`);
  assert.deepStrictEqual(r.links, [], `${what}: links`);
  assert.strictEqual(r.overlay, false, `${what}: overlay`);
}

suite('a hostile host in a trusted workspace: hover and inventory view render its text as text', () => {
  const config = () => vscode.workspace.getConfiguration('libvirtDomain');
  let file: string;

  suiteSetup(async () => {
    await extensionApi();
    file = path.join(process.env.LDX_E2E_SCRATCH!, 'hostile-kvm-a.inventory.json');
    fs.writeFileSync(file, hostileSnapshot());
    await config().update('inventorySnapshot', file, vscode.ConfigurationTarget.Workspace);
  });

  suiteTeardown(async () => {
    await config().update('inventorySnapshot', SNAPSHOT, vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('notifications.clearAll');
    await closeAll();
  });

  test('hover on /dev/sdc: the hostile model and array name as text; no image, heading or link in the hover DOM', async () => {
    const editor = await openEditor('domains/app01.xml');
    const uri = editor.document.uri;
    await waitForDiagnostic(uri, 'unstable-device-name', '19:19-19:27');
    const pos = new vscode.Position(19, 22);
    // The hover carries the hostile snapshot's text once the server has it.
    await until(
      'the hover with the hostile snapshot',
      async () =>
        /INJECTED/.test(markdownOf(await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, pos))),
      30_000,
    );
    if (!probesAvailable) return;
    editor.selection = new vscode.Selection(pos, pos);
    editor.revealRange(new vscode.Range(19, 0, 19, 0), vscode.TextEditorRevealType.InCenter);
    let last: Inspection | undefined;
    const r = await until(
      'the hover in the page',
      async () => {
        await vscode.commands.executeCommand('editor.action.showHover');
        last = await probe<Inspection>({ kind: 'eval', expr: INSPECT('.monaco-hover') });
        return last.roots && last.text.includes('INJECTED') ? last : undefined;
      },
      20_000,
    ).catch((e) => {
      throw new Error(`${e.message}; last: ${JSON.stringify(last)?.slice(0, 2000)}`);
    });
    assertClean('hover', r);
    await probe({ kind: 'press', key: 'Escape' });
  });

  test("inventory view: the markdown, rendered by VS Code's Markdown engine and in the preview, has no image, injected heading, link or overlay", async () => {
    await openEditor('domains/app01.xml');
    // The generated document (built by the language server).
    const viewUri = await until(
      'the view of the hostile snapshot',
      async () => {
        const u = await vscode.commands.executeCommand<vscode.Uri>('libvirtDomain.showHostInventory', { host: 'kvm-a', preview: false });
        const text = vscode.workspace.textDocuments.find((d) => d.uri.toString() === u?.toString())?.getText() ?? '';
        return text.includes('INJECTED') ? u : undefined;
      },
      30_000,
    );
    const md = vscode.workspace.textDocuments.find((d) => d.uri.toString() === viewUri.toString())!.getText();
    // Rendered with the built-in Markdown extension's engine (markdown-it with VS Code's plugins).
    const html = await vscode.commands.executeCommand<string>('markdown.api.render', md);
    assert.ok(html.includes('INJECTED'), 'the hostile text is shown');
    assert.doesNotMatch(html, /<img/i, 'no image');
    assert.doesNotMatch(html, /<h\d[^>]*>\s*INJECTED/i, 'no injected heading');
    assert.ok(
      [...html.matchAll(/<h(\d)[^>]*>([\s\S]*?)<\/h\1>/g)].every((h) => /^(Inventory of |LUNs \(|Collection$|.+ · .+ · )/.test(h[2])),
      'every heading is one of ours',
    );
    assert.doesNotMatch(html, /<a [^>]*href="(?:command:|https:\/\/beacon)/i, 'no link');
    assert.doesNotMatch(html, /<div[^>]*ldx-overlay/i, 'no HTML block');
    if (!probesAvailable) return;
    // The Markdown preview itself (a webview: its content is in a frame of the page).
    await closeAll();
    await vscode.commands.executeCommand('libvirtDomain.showHostInventory', { host: 'kvm-a' });
    let frames: { url: string; value?: Inspection; error?: string }[] = [];
    const preview = await until(
      'the Markdown preview of the inventory',
      async () => {
        frames = await probe<typeof frames>({ kind: 'frames', expr: INSPECT('body') });
        return frames.find((f) => f.value?.text.includes('Inventory of kvm') && f.value.text.includes('INJECTED'))?.value;
      },
      30_000,
    ).catch((e) => {
      throw new Error(
        `${e.message}; frames: ${JSON.stringify(frames.map((f) => ({ url: f.url.slice(0, 120), text: f.value?.text.slice(0, 200), error: f.error })))}`,
      );
    });
    assertClean('preview', preview);
    // And nothing of the host's in the workbench page around it.
    assertClean('workbench', await probe<Inspection>({ kind: 'eval', expr: INSPECT('body') }), true);
  });
});
