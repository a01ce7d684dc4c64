/// <reference types="mocha" />
// The injection grammar and the quick-fix menu as the real workbench shows them. The extension host
// cannot see the page, so these ask the launcher (probes: page.evaluate / screenshot).
// `_workbench.captureSyntaxTokens` is not in code-server's production build, hence the two-step check:
// the scopes from this VS Code build's own TextMate engine and XML grammar, and the colour the
// workbench actually renders.
import * as assert from 'assert';
import * as fs from 'fs';
import { createRequire } from 'module';
import * as path from 'path';
import * as vscode from 'vscode';
import {
  closeAll,
  EXTENSION_ID,
  extensionApi,
  openEditor,
  probe,
  probesAvailable,
  until,
  waitForDiagnostic,
  workspaceDir,
} from '../helpers';

interface Token {
  text: string;
  scopes: string[];
}

/** Tokenizes like the workbench: this build's vscode-textmate + oniguruma, grammars from the extensions' package.json. */
async function tokenize(file: string): Promise<Token[][]> {
  const req = createRequire(path.join(vscode.env.appRoot, 'package.json'));
  const tm = req('vscode-textmate');
  const onig = req('vscode-oniguruma');
  const wasm = fs.readFileSync(path.join(path.dirname(req.resolve('vscode-oniguruma')), 'onig.wasm'));
  await onig.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength)).catch((e: Error) => {
    if (!/already|initialized/i.test(e.message)) throw e;
  });
  type Contribution = { scopeName: string; path: string; injectTo?: string[]; language?: string };
  const grammars: { contribution: Contribution; dir: string }[] = [];
  for (const ext of vscode.extensions.all) {
    for (const g of (ext.packageJSON?.contributes?.grammars ?? []) as Contribution[])
      grammars.push({ contribution: g, dir: ext.extensionPath });
  }
  const registry = new tm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (p: string[]) => new onig.OnigScanner(p),
      createOnigString: (s: string) => new onig.OnigString(s),
    }),
    loadGrammar: async (scope: string) => {
      const g = grammars.find((x) => x.contribution.scopeName === scope);
      if (!g) return null;
      const p = path.join(g.dir, g.contribution.path);
      return tm.parseRawGrammar(fs.readFileSync(p, 'utf8'), p);
    },
    getInjections: (scope: string) => grammars.filter((g) => g.contribution.injectTo?.includes(scope)).map((g) => g.contribution.scopeName),
  });
  const grammar = await registry.loadGrammar('text.xml');
  assert.ok(grammar, 'the built-in XML grammar');
  let stack = tm.INITIAL;
  return fs
    .readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((line) => {
      const r = grammar.tokenizeLine(line, stack);
      stack = r.ruleStack;
      return r.tokens.map((t: { startIndex: number; endIndex: number; scopes: string[] }) => ({
        text: line.slice(t.startIndex, t.endIndex),
        scopes: t.scopes,
      }));
    });
}

const scopesOf = (lines: Token[][], text: string) =>
  lines
    .flat()
    .filter((t) => t.text === text)
    .map((t) => t.scopes.join(' '));

suite('rendering: the injection grammar and the quick-fix menu', () => {
  suiteSetup(async () => {
    await extensionApi();
  });
  teardown(closeAll);

  test("the injection is registered for text.xml and marks disk source paths (this build's TextMate engine)", async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const contributed = ext.packageJSON.contributes.grammars as { scopeName: string; injectTo: string[] }[];
    assert.deepStrictEqual(
      contributed.map((g) => [g.scopeName, g.injectTo]),
      [['libvirt-domain.injection', ['text.xml']]],
    );
    const app01 = await tokenize(path.join(workspaceDir(), 'domains/app01.xml'));
    const has = (text: string, scope: string) =>
      assert.ok(
        scopesOf(app01, text).some((s) => s.includes(scope)),
        `${text}: ${JSON.stringify(scopesOf(app01, text))}`,
      );
    has('/dev/sdc', 'invalid.deprecated.libvirt-domain.unstable-device-name');
    has('/dev/nvme0n1', 'invalid.deprecated.libvirt-domain.unstable-device-name');
    has('/dev/disk/by-label/appdata', 'invalid.deprecated.libvirt-domain.guest-mutable-identifier');
    has('/var/lib/libvirt/images/app01.qcow2', 'string.quoted.libvirt-domain.host-path');
    // The cdrom path is still marked as a host path (the grammar does not know device types) and stays XML around.
    has('source', 'entity.name.tag.localname.xml');
    has('target', 'entity.name.tag.localname.xml');
    // Comments are left alone.
    assert.ok(
      !app01.flat().some((t) => t.scopes.some((s) => s.startsWith('comment')) && t.scopes.some((s) => s.includes('libvirt-domain'))),
    );
    const db02 = await tokenize(path.join(workspaceDir(), 'domains/db02.xml'));
    assert.ok(
      scopesOf(db02, '/dev/sde').some((s) => s.includes('invalid.deprecated.libvirt-domain.unstable-device-name')),
      JSON.stringify(scopesOf(db02, '/dev/sde')),
    );
    assert.ok(scopesOf(db02, '/dev/vx/dmp/emc_clariion0_91').some((s) => s.includes('support.constant.libvirt-domain.dmp')));
    assert.ok(scopesOf(db02, '/dev/mapper/mpatha').some((s) => s.includes('unstable-device-name')));
    assert.ok(scopesOf(db02, '/dev/disk/by-uuid/4f3e2d1c-0b9a-4876-a5b4-c3d2e1f0a9b8').some((s) => s.includes('guest-mutable-identifier')));
    // A <source> with other attributes and double quotes; paths in other elements are plain XML.
    const other = await (async () => {
      const f = path.join(process.env.LDX_E2E_SCRATCH || workspaceDir(), 'tokens.xml');
      fs.writeFileSync(
        f,
        [
          '<domain>',
          '  <source dev="/dev/sdb1" startupPolicy="optional"/>',
          "  <source dev='/dev/disk/by-diskseq/3'/>",
          "  <source dev='/dev/vdisk/not-a-kernel-name'/>",
          "  <target dev='vdb'/>",
          '  <emulator>/dev/sdz</emulator>',
          '</domain>',
          '',
        ].join('\n'),
      );
      return tokenize(f);
    })();
    assert.ok(scopesOf(other, '/dev/sdb1').some((s) => s.includes('unstable-device-name')));
    assert.ok(scopesOf(other, 'optional').every((s) => !s.includes('libvirt-domain.host-path')));
    assert.ok(
      scopesOf(other, '/dev/disk/by-diskseq/3').some((s) => s.includes('unstable-device-name')),
      JSON.stringify(other[2]),
    );
    // The value ends at its quote: the next line is tags again, not a runaway string.
    assert.ok(
      scopesOf(other, 'target').some((s) => s.includes('entity.name.tag')),
      JSON.stringify(other[4]),
    );
    assert.ok(
      scopesOf(other, '/dev/vdisk/not-a-kernel-name').every((s) => !s.includes('unstable-device-name')),
      JSON.stringify(other[3]),
    );
    assert.ok(!other.flat().some((t) => t.text.includes('/dev/sdz') && t.scopes.some((s) => s.includes('libvirt-domain'))));
  });

  test('the workbench renders the injected scopes (token colour customisation)', async function () {
    if (!probesAvailable) this.skip();
    const editorConfig = vscode.workspace.getConfiguration('editor');
    await editorConfig.update(
      'tokenColorCustomizations',
      {
        textMateRules: [
          { scope: 'invalid.deprecated.libvirt-domain.unstable-device-name', settings: { foreground: '#ff00ff' } },
          { scope: 'support.constant.libvirt-domain.dmp', settings: { foreground: '#00ff00' } },
        ],
      },
      vscode.ConfigurationTarget.Global,
    );
    try {
      const editor = await openEditor('domains/app01.xml');
      editor.revealRange(new vscode.Range(19, 0, 19, 0), vscode.TextEditorRevealType.InCenter);
      const colour = (text: string) =>
        `(() => { const s = [...document.querySelectorAll('.monaco-editor .view-line span span')].find((x) => x.textContent === ${JSON.stringify(text)}); return s ? getComputedStyle(s).color : 'no span with exactly this text: ' + [...document.querySelectorAll('.monaco-editor .view-line span span')].map((x) => x.textContent).filter((t) => t.includes('dev')).join(' | '); })()`;
      let last = '';
      await until(
        '/dev/sdc rendered magenta',
        async () => (last = await probe<string>({ kind: 'eval', expr: colour('/dev/sdc') })) === 'rgb(255, 0, 255)' || undefined,
        15_000,
      ).catch((e) => {
        throw new Error(`${e.message}; last: ${last}`);
      });
      assert.strictEqual(await probe<string>({ kind: 'eval', expr: colour('/dev/nvme0n1') }), 'rgb(255, 0, 255)');
    } finally {
      await editorConfig.update('tokenColorCustomizations', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test('the quick-fix menu on /dev/sdc lists the stable aliases, the preferred one first', async function () {
    if (!probesAvailable) this.skip();
    const editor = await openEditor('domains/app01.xml');
    await waitForDiagnostic(editor.document.uri, 'unstable-device-name', '19:19-19:27');
    editor.selection = new vscode.Selection(19, 22, 19, 22);
    editor.revealRange(new vscode.Range(19, 0, 19, 0), vscode.TextEditorRevealType.InCenter);
    await vscode.commands.executeCommand('editor.action.quickFix');
    const items = await until('the quick-fix menu', async () => {
      const v = await probe<string[] | null>({
        kind: 'eval',
        expr: `(() => { const w = document.querySelector('.action-widget'); if (!w || !w.offsetParent) return null; return [...w.querySelectorAll('.monaco-list-row')].map((r) => r.textContent.trim()); })()`,
      });
      return v && v.some((t) => t.includes('3pardata0_12')) ? v : undefined;
    });
    const fixes = items.filter((t) => t.startsWith('Use '));
    assert.ok(fixes[0]?.startsWith('Use /dev/vx/dmp/3pardata0_12'), items.join(' | '));
    assert.ok(
      fixes.some((t) => t.includes('wwn-0x60002ac000000000000000120001a2b3')),
      items.join(' | '),
    );
    await probe({ kind: 'press', key: 'Escape' });
  });
});
