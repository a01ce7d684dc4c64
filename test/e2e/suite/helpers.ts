/// <reference types="mocha" />
// Shared by the editor test files (bundled into each). Everything waits by polling with a deadline.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { LibvirtDomainApi, Notice, ProgressEvent } from '../../../client/src/extension';

export const EXTENSION_ID = 'libvirt-domain-xml.libvirt-domain-xml';
export const SOURCE = 'libvirt-domain';

/**
 * What the extension showed and reported (its API's events), recorded here by the tests, from the
 * first `extensionApi()` of the test file on (each test file bundles its own copy of this module).
 */
export const recorded: { readonly notices: Notice[]; readonly progress: ProgressEvent[] } = { notices: [], progress: [] };
let recording = false;

/** Activates the extension (if need be) and returns its API; subscribes `recorded` to its events the first time. */
export async function extensionApi(): Promise<LibvirtDomainApi> {
  const ext = vscode.extensions.getExtension<LibvirtDomainApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
  const api = await ext.activate();
  if (!recording) {
    recording = true;
    api.onDidShowNotice((n) => recorded.notices.push(n));
    api.onDidReportProgress((p) => recorded.progress.push(p));
  }
  return api;
}

/** Polls `probe` every 25 ms until it returns something other than undefined/false, or throws after the deadline. */
export async function until<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${lastError instanceof Error ? lastError.message : lastError})` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function workspaceDir(): string {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'no workspace folder is open');
  return f.uri.fsPath;
}

export function wsUri(rel: string): vscode.Uri {
  return vscode.Uri.file(path.join(workspaceDir(), rel));
}

export async function openEditor(rel: string | vscode.Uri): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(typeof rel === 'string' ? wsUri(rel) : rel);
  return vscode.window.showTextDocument(doc, { preview: false });
}

export function ours(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === SOURCE);
}

export function codeOf(d: vscode.Diagnostic): string {
  const c = d.code;
  return typeof c === 'object' && c ? String(c.value) : String(c);
}

export function rangeOf(d: vscode.Diagnostic): string {
  const r = d.range;
  return `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}`;
}

/**
 * Waits until the document has a diagnostic with that code at that range ("line:char-line:char", 0-based)
 * and, with `message`, a message matching it (e.g. naming an alias from the inventory: a server that has
 * just started checks the first document before its settings and inventory are loaded, then again).
 */
export async function waitForDiagnostic(
  uri: vscode.Uri,
  code: string,
  range?: string,
  timeoutMs = 20_000,
  message?: RegExp,
): Promise<vscode.Diagnostic> {
  return until(
    `${code}${range ? ` at ${range}` : ''}${message ? ` matching ${message}` : ''} in ${path.basename(uri.fsPath)} (now: ${
      ours(uri)
        .map((d) => `${codeOf(d)}@${rangeOf(d)}`)
        .join(', ') || 'none'
    })`,
    () => ours(uri).find((d) => codeOf(d) === code && (!range || rangeOf(d) === range) && (!message || message.test(d.message))),
    timeoutMs,
  );
}

export async function revertAndClose(): Promise<void> {
  if (vscode.window.activeTextEditor) await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
}

export async function closeAll(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

export function markdownOf(hovers: vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))
    .join('\n');
}

/**
 * Writes `text` back to a workspace file and makes the editor's copy of it say the same: a document VS Code
 * still holds (closed editors keep their model) is reverted from disk, which a file watcher alone may not do
 * in time for the next test.
 */
export async function restoreFile(rel: string, text: string): Promise<void> {
  const file = path.join(workspaceDir(), rel);
  fs.writeFileSync(file, text);
  const uri = wsUri(rel).toString();
  const held = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
  if (!held || held.getText() === text) return;
  await vscode.window.showTextDocument(held);
  await vscode.commands.executeCommand('workbench.action.files.revert');
  await until(`${rel} back to its text in the editor`, () => (held.getText() === text ? true : undefined));
  await closeAll();
}

export function textOnDisk(rel: string): string {
  return fs.readFileSync(path.join(workspaceDir(), rel), 'utf8');
}

/** Sets a libvirtDomain.* setting in the user (or, for machine-scoped settings in a remote window, remote) settings. */
export async function setGlobal(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('libvirtDomain').update(key, value, vscode.ConfigurationTarget.Global);
}

let probeSeq = 0;
/** Whether the launcher answers probes (code-server run); not with a downloaded VS Code. */
export const probesAvailable = process.env.LDX_E2E_PROBES === '1';

/** Asks the launcher (test/e2e/launcher.mjs, handleProbe) about the workbench page (`frames`: every frame, webviews included). */
export async function probe<T = unknown>(
  req:
    | { kind: 'eval'; expr: string }
    | { kind: 'frames'; expr: string }
    | { kind: 'screenshot'; path: string; clip?: { x: number; y: number; width: number; height: number } }
    | { kind: 'press'; key: string },
): Promise<T> {
  const out = path.join(os.tmpdir(), `ldx-probe-${process.pid}-${Date.now()}-${probeSeq++}.json`);
  console.log(`[ldx-probe] ${JSON.stringify({ ...req, out })}`);
  const r = await until(
    `the launcher to answer probe ${req.kind}`,
    () => (fs.existsSync(out) ? (JSON.parse(fs.readFileSync(out, 'utf8')) as { ok: boolean; value?: T; error?: string }) : undefined),
    15_000,
  );
  fs.rmSync(out, { force: true });
  if (!r.ok) throw new Error(`probe ${req.kind} failed: ${r.error}`);
  return r.value as T;
}

/**
 * Clicks a diagnostic's code link in the Problems panel, as a user does (needs probes), then waits for
 * the findings' documentation in a Markdown preview. Resolves to where the code's heading is in the
 * preview (its distance from the top, in pixels) and the tabs then open.
 */
export async function clickCodeLinkInProblems(code: string): Promise<{ headingTop: number; tabs: vscode.Tab[] }> {
  await vscode.commands.executeCommand('workbench.actions.view.problems');
  await until(
    `the code link ${code} in the Problems panel, clicked`,
    () =>
      probe<boolean>({
        kind: 'eval',
        expr: `(() => { const a = [...document.querySelectorAll('.markers-panel a.monaco-link')].find((x) => x.offsetParent && x.textContent.trim() === ${JSON.stringify(code)}); if (!a) return false; a.click(); return true; })()`,
      }),
    15_000,
  );
  const tabs = await until('the findings preview tab', () => {
    const all = vscode.window.tabGroups.all.flatMap((g) => g.tabs);
    return all.some(
      (t) => t.input instanceof vscode.TabInputWebview && /markdown\.preview/.test(t.input.viewType) && /findings/i.test(t.label),
    )
      ? all
      : undefined;
  });
  const headingTop = await until(
    `the preview scrolled to ${code}`,
    async () => {
      const frames = await probe<{ value?: number | null }[]>({
        kind: 'frames',
        expr: `(() => { const h = document.getElementById(${JSON.stringify(code)}); return h && document.body.textContent.includes('Libvirt Domain XML: findings') ? Math.round(h.getBoundingClientRect().top) : null; })()`,
      });
      const top = frames.map((f) => f.value).find((v) => typeof v === 'number');
      return top !== undefined && top !== null && top >= 0 && top < 200 ? top : undefined;
    },
    15_000,
  );
  return { headingTop, tabs };
}
