/**
 * One walk and one reader (issue 13): the CLI (a directory on the command line) and the editor's
 * workspace scan find the same files, in the same order, and read them the same way (UTF-8 or
 * UTF-16, BOM or not, by root element).
 */
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeBuffer, encodeText, readFileText } from '../server/src/files';
import { scanWorkspace } from '../server/src/lsp/workspaceIndex';
import { isSkippedDirectory, walkXmlFiles } from '../server/src/walk';
import { runCli } from './support/cli';
import { blockDisk, domainXml, EXAMPLE_INVENTORY, ROOT } from './support/examples';

const tmp = () => mkdtempSync(join(tmpdir(), 'ldx-files-'));

const domain = (name: string) => domainXml(blockDisk('/dev/sdc')).replace('<name>t</name>', `<name>${name}</name>`);

function swap16(b: Buffer): Buffer {
  const out = Buffer.from(b);
  for (let i = 0; i + 1 < out.length; i += 2) [out[i], out[i + 1]] = [out[i + 1], out[i]];
  return out;
}
const utf16le = (text: string, bom = true) => Buffer.concat([Buffer.from(bom ? [0xff, 0xfe] : []), Buffer.from(text, 'utf16le')]);
const utf16be = (text: string, bom = true) => Buffer.concat([Buffer.from(bom ? [0xfe, 0xff] : []), swap16(Buffer.from(text, 'utf16le'))]);

function put(root: string, rel: string, data: string | Buffer): void {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), data);
}

/** The files the CLI reports findings for, in order of first finding (run in `dir` on `.`). */
/** The files the CLI reports findings for, in its order; `as`: a command prefix that runs it as another user. */
function cliFiles(dir: string, paths = ['.'], as: string[] = []): { files: string[]; stderr: string; status: number | null } {
  const args = ['--inventory', EXAMPLE_INVENTORY, '--format', 'json', ...paths];
  const r = as.length
    ? spawnSync(as[0], [...as.slice(1), process.execPath, join(ROOT, 'dist/cli.js'), ...args], { cwd: dir, encoding: 'utf8' })
    : runCli(args, dir);
  const files: string[] = [];
  for (const f of JSON.parse(r.stdout || '{"findings":[]}').findings as { file: string }[]) if (!files.includes(f.file)) files.push(f.file);
  return { files, stderr: r.stderr, status: r.status };
}

/** The domain peers the workspace scan reports, relative to `dir`, in order. */
async function scanFiles(folders: string[], dir: string) {
  const peers: string[] = [];
  const result = await scanWorkspace(folders, (uri, peer) => {
    // The scan names a peer by its URI (the server shows it by its workspace path).
    assert.equal(uri, peer.origin);
    peers.push(relative(dir, fileURLToPath(uri)));
  });
  return { peers, result };
}

test('UTF-16 domain files (LE and BE, with or without BOM) are seen by the CLI and by the workspace scan', async () => {
  const d = tmp();
  put(d, 'le-bom.xml', utf16le(domain('le-bom')));
  put(d, 'be-bom.xml', utf16be(domain('be-bom')));
  put(d, 'le.xml', utf16le(`<?xml version="1.0" encoding="UTF-16"?>\n${domain('le')}`, false));
  put(d, 'be.xml', utf16be(domain('be'), false));
  put(d, 'utf8.xml', domain('utf8'));
  put(d, 'pool.xml', utf16le("<pool type='logical'><name>p</name><source><device path='/dev/sdc'/></source></pool>"));
  const expected = ['be-bom.xml', 'be.xml', 'le-bom.xml', 'le.xml', 'utf8.xml'];

  const cli = cliFiles(d);
  assert.equal(cli.status, 1, cli.stderr);
  assert.deepEqual(
    cli.files.filter((f) => f !== 'pool.xml'),
    expected,
  );
  assert.ok(cli.files.includes('pool.xml'), 'the UTF-16 pool is linted too');
  const text = runCli(['--inventory', EXAMPLE_INVENTORY, 'le-bom.xml', 'be-bom.xml'], d);
  assert.match(text.stdout, /^le-bom\.xml:\d+:\d+: warning unstable-device-name: \/dev\/sdc /m);
  assert.match(text.stdout, /^be-bom\.xml:\d+:\d+: warning unstable-device-name: \/dev\/sdc /m);

  const scan = await scanFiles([d], d);
  assert.deepEqual(scan.peers, expected);
  assert.deepEqual(scan.result, { filesRead: 6, domains: 5, pools: 1, truncated: false });
});

test('the reader: encoding and BOM detected, the bytes given back unchanged', async () => {
  const text = domain('x');
  const cases: [Buffer, string, boolean][] = [
    [Buffer.from(text), 'utf8', false],
    [Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]), 'utf8', true],
    [utf16le(text), 'utf16le', true],
    [utf16be(text), 'utf16be', true],
    [utf16le(text, false), 'utf16le', false],
    [utf16be(text, false), 'utf16be', false],
  ];
  const d = tmp();
  for (const [i, [buf, encoding, bom]] of cases.entries()) {
    assert.deepEqual(decodeBuffer(buf), { text, encoding, bom, lossless: true }, `${encoding} bom=${bom}`);
    const file = join(d, `${i}.xml`);
    writeFileSync(file, buf);
    assert.equal(readFileText(file).text, text);
  }
  // An odd byte count is not valid UTF-16: read, but marked as not to be rewritten.
  assert.equal(decodeBuffer(utf16le(text).subarray(0, -1)).lossless, false);
  // The size bound and the one-line errors are the bounded reader's.
  writeFileSync(join(d, 'big.xml'), domain('x'));
  assert.throws(() => readFileText(join(d, 'big.xml'), { maxBytes: 16 }), /big\.xml: cannot read: larger than 16 bytes$/);
  assert.throws(() => readFileText(d), /cannot read: not a regular file \(directory\)$/);
});

test('UTF-8 is lossless exactly when its text encodes back to the same bytes (valid UTF-8)', () => {
  const valid = Buffer.from(domain('ü €😀\ufffd\uffff'));
  const bom = Buffer.from([0xef, 0xbb, 0xbf]);
  const odd: Buffer[] = [
    Buffer.from([0x80]), // a lone continuation byte
    Buffer.from([0xc0, 0xaf]), // overlong
    Buffer.from([0xed, 0xa0, 0x80]), // an encoded surrogate
    Buffer.from([0xf4, 0x90, 0x80, 0x80]), // above U+10FFFF
    Buffer.from([0xe2, 0x82]), // truncated
    Buffer.from([0xff]),
  ];
  const cases = [valid, Buffer.concat([bom, valid]), ...odd.flatMap((b) => [Buffer.concat([valid, b]), Buffer.concat([bom, b, valid])])];
  for (const buf of cases) {
    const d = decodeBuffer(buf);
    assert.equal(d.encoding, 'utf8');
    assert.equal(d.lossless, encodeText(d.text, d.encoding, d.bom).equals(buf), buf.toString('hex').slice(-16));
  }
  assert.equal(cases.filter((b) => decodeBuffer(b).lossless).length, 2);
});

test('--fix on a BOM-less UTF-16 file keeps it BOM-less UTF-16', () => {
  const d = tmp();
  const file = join(d, 'dom.xml');
  writeFileSync(file, utf16be(domain('x'), false));
  const r = runCli(['--inventory', EXAMPLE_INVENTORY, '--fix', 'dom.xml'], d);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.deepEqual(readFileSync(file), utf16be(domain('x').replace('/dev/sdc', '/dev/vx/dmp/3pardata0_12'), false));
});

/** A tree with every case the walk decides on. */
function tree(): string {
  const d = tmp();
  for (const f of [
    'b.xml',
    'A.xml',
    'C.XML',
    'a/z.xml',
    'a-b.xml',
    'a/deep/er/x.xml',
    'out/built.xml',
    'dist/built.xml',
    'Node_Modules/m.xml',
  ])
    put(d, f, domain(f));
  // Skipped: dependencies, version control, every dot-directory; other files.
  for (const f of [
    'node_modules/pkg/dom.xml',
    '.git/dom.xml',
    '.hg/dom.xml',
    '.svn/dom.xml',
    '.vscode-test/dom.xml',
    '.cache/x/dom.xml',
    'a/node_modules/dom.xml',
  ])
    put(d, f, domain(f));
  put(d, 'notes.txt', domain('txt'));
  put(d, 'dom.xml.bak', domain('bak'));
  // Links are not followed: to a directory outside, to a file outside, to a directory inside.
  const outside = tmp();
  put(outside, 'victim.xml', domain('victim'));
  symlinkSync(outside, join(d, 'linked-dir'));
  symlinkSync(join(outside, 'victim.xml'), join(d, 'linked.xml'));
  symlinkSync(join(d, 'a'), join(d, 'a-again'));
  return d;
}

const TREE_ORDER = [
  'A.xml',
  'C.XML',
  'Node_Modules/m.xml',
  'a/deep/er/x.xml',
  'a/z.xml',
  'a-b.xml',
  'b.xml',
  'dist/built.xml',
  'out/built.xml',
];

test('the CLI and the workspace scan walk the same files in the same order: skipped directories and links alike', async () => {
  const d = tree();
  const cli = cliFiles(d);
  assert.equal(cli.status, 1, cli.stderr);
  assert.equal(cli.stderr, '');
  assert.deepEqual(cli.files, TREE_ORDER);
  const scan = await scanFiles([d], d);
  assert.deepEqual(scan.peers, TREE_ORDER);
  assert.deepEqual(scan.result, { filesRead: TREE_ORDER.length, domains: TREE_ORDER.length, pools: 0, truncated: false });
  // Run again: the same sequence.
  assert.deepEqual(cliFiles(d).files, TREE_ORDER);
  assert.deepEqual((await scanFiles([d], d)).peers, TREE_ORDER);
  // The walk itself.
  const walked: string[] = [];
  const r = await walkXmlFiles([d], (p) => void walked.push(relative(d, p)));
  assert.deepEqual(walked, TREE_ORDER);
  assert.deepEqual(r, { files: TREE_ORDER.length, truncated: false, cancelled: false });
  assert.ok(['.git', '.hg', '.svn', '.vscode-test', '.x', 'node_modules'].every(isSkippedDirectory));
  assert.ok(!['out', 'dist', 'build', 'Node_Modules', 'src'].some(isSkippedDirectory));
});

test('a root is walked whatever its name, and followed when it is a link; overlapping roots give each file once', async () => {
  const d = tree();
  // A dot-directory or a link named as the root is walked (it was asked for); below it the same rules hold.
  put(d, '.config/libvirt/qemu/vm.xml', domain('vm'));
  put(d, '.config/libvirt/.git/skip.xml', domain('skip'));
  assert.deepEqual(cliFiles(join(d, '.config')).files, ['libvirt/qemu/vm.xml']);
  assert.deepEqual((await scanFiles([join(d, '.config')], join(d, '.config'))).peers, ['libvirt/qemu/vm.xml']);
  assert.deepEqual(cliFiles(d, ['a-again']).files, ['a-again/deep/er/x.xml', 'a-again/z.xml']);
  assert.deepEqual((await scanFiles([join(d, 'a-again')], d)).peers, ['a-again/deep/er/x.xml', 'a-again/z.xml']);
  // A directory and one inside it, a file named twice: each file once, in the order first met.
  assert.deepEqual(cliFiles(d, ['a', 'a/z.xml', 'b.xml', 'a/deep', 'b.xml']).files, ['a/deep/er/x.xml', 'a/z.xml', 'b.xml']);
  assert.deepEqual((await scanFiles([join(d, 'a'), join(d, 'a', 'deep')], d)).peers, ['a/deep/er/x.xml', 'a/z.xml']);
  // A link named on the command line is read (a named file is linted as today).
  assert.deepEqual(cliFiles(d, ['linked.xml']).files, ['linked.xml']);
});

test('the walk: bounded, cancellable, yields between files, reports unreadable directories', async () => {
  const d = tree();
  const seen: string[] = [];
  const bounded = await walkXmlFiles([d], (p) => void seen.push(relative(d, p)), { maxFiles: 3 });
  assert.deepEqual(bounded, { files: 3, truncated: true, cancelled: false });
  assert.deepEqual(seen, TREE_ORDER.slice(0, 3));
  // Exactly at the bound: not truncated.
  assert.equal((await walkXmlFiles([d], () => undefined, { maxFiles: TREE_ORDER.length })).truncated, false);
  const scan = await scanWorkspace([d], () => undefined, { maxFiles: 2, maxFileBytes: 1 << 20 });
  assert.deepEqual(scan, { filesRead: 2, domains: 2, pools: 0, truncated: true });

  let n = 0;
  const stopped = await walkXmlFiles([d], () => void n++, { cancelled: () => n >= 4 });
  assert.deepEqual(stopped, { files: 4, truncated: false, cancelled: true });
  const none = await scanWorkspace(
    [d],
    () => assert.fail('no peer after cancellation'),
    undefined,
    () => true,
  );
  assert.deepEqual(none, { filesRead: 0, domains: 0, pools: 0, truncated: false });

  // Between two files, other work gets its turn (a timer set by the first visit runs before the second).
  const events: string[] = [];
  await walkXmlFiles([join(d, 'a')], (p) => {
    events.push(relative(d, p));
    setImmediate(() => events.push('turn'));
  });
  assert.deepEqual(events, ['a/deep/er/x.xml', 'turn', 'a/z.xml', 'turn']);

  // A directory that cannot be listed: reported, skipped, the walk goes on.
  const missing: string[] = [];
  const after = await walkXmlFiles([join(d, 'gone'), join(d, 'a')], () => undefined, {
    onError: (dir, e) => missing.push(`${relative(d, dir)} ${e.code}`),
  });
  assert.deepEqual(missing, ['gone ENOENT']);
  assert.equal(after.files, 2);
  // Root lists any directory: the walker's own checks need an unprivileged process, and the CLI is run as
  // nobody (setpriv) when the tests run as root, so CI checks the CLI's report too.
  const asRoot = process.getuid?.() === 0;
  const locked = join(d, 'a', 'deep');
  chmodSync(d, 0o755);
  chmodSync(locked, 0o000);
  try {
    const expected = TREE_ORDER.filter((f) => f !== 'a/deep/er/x.xml');
    if (!asRoot) {
      const errors: string[] = [];
      const files: string[] = [];
      await walkXmlFiles([d], (p) => void files.push(relative(d, p)), {
        onError: (dir, e) => errors.push(`${relative(d, dir)} ${e.code}`),
      });
      assert.deepEqual(errors, ['a/deep EACCES']);
      assert.deepEqual(files, expected);
      assert.deepEqual((await scanFiles([d], d)).peers, files);
    }
    const cli = cliFiles(d, ['.'], asRoot ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : []);
    assert.equal(cli.status, 2, cli.stderr);
    assert.deepEqual(cli.files, expected);
    assert.equal(cli.stderr, 'libvirt-domain-lint: a/deep: cannot read directory: EACCES\n');
  } finally {
    chmodSync(locked, 0o755);
  }
});
