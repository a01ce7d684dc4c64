import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blockDisk, domainXml, EXAMPLE_INVENTORY, ROOT } from './support/examples';
import { runCli } from './support/cli';

const tmp = () => mkdtempSync(join(tmpdir(), 'ldx-cli-'));

test('text output names file:line:col, severity and code; exit 1 when warnings remain', () => {
  const r = runCli(['--inventory', EXAMPLE_INVENTORY, 'examples/domains']);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /^examples\/domains\/app01\.xml:20:20: warning unstable-device-name: \/dev\/sdc /m);
  assert.match(r.stdout, /fix: \/dev\/sdc -> \/dev\/vx\/dmp\/3pardata0_12/);
});

test('json output has the documented shape with 0-based positions', () => {
  const r = runCli(['--inventory', EXAMPLE_INVENTORY, '--format', 'json', 'examples/domains/app01.xml']);
  assert.equal(r.status, 1);
  const out = JSON.parse(r.stdout);
  const f = out.findings[0];
  assert.deepEqual(Object.keys(f), ['file', 'code', 'severity', 'message', 'range', 'fixes']);
  assert.equal(f.code, 'unstable-device-name');
  assert.deepEqual(f.range, { start: { line: 19, character: 19 }, end: { line: 19, character: 27 } });
  assert.deepEqual(f.fixes[0], { title: 'Use /dev/vx/dmp/3pardata0_12', newText: '/dev/vx/dmp/3pardata0_12', preferred: true });
  assert.ok(out.findings.every((x: { severity: string }) => ['error', 'warning', 'information', 'hint'].includes(x.severity)));
});

test('exit 0 on a clean domain; other XML in a directory is skipped', () => {
  const d = tmp();
  writeFileSync(join(d, 'ok.xml'), domainXml(blockDisk('/dev/vx/dmp/3pardata0_12')));
  writeFileSync(join(d, 'pool.xml'), '<pool><x>/dev/sdb</x></pool>');
  const r = runCli(['--inventory', EXAMPLE_INVENTORY, d]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(r.stdout, '');
});

test('usage errors and unreadable inputs exit 2 with a one-line message naming the cause', () => {
  const u = runCli(['--format', 'yaml', 'x.xml']);
  assert.equal(u.status, 2);
  assert.match(u.stderr.split('\n')[0], /--format must be text, json or sarif/);
  const missing = runCli(['/nonexistent/dom.xml']);
  assert.equal(missing.status, 2);
  assert.equal(missing.stderr.trim(), 'libvirt-domain-lint: /nonexistent/dom.xml: no such file or directory');
  const badInv = runCli(['--inventory', join(ROOT, 'README.md'), 'examples/domains']);
  assert.equal(badInv.status, 2);
  assert.match(badInv.stderr.trim(), /README\.md: not valid JSON/);
  assert.equal(badInv.stderr.trim().split('\n').length, 1);
  assert.equal(runCli([]).status, 2);
});

test('--fix keeps CRLF, BOM, quotes, comments and the file mode; only values change', () => {
  const d = tmp();
  const text = domainXml(
    [
      `    <!-- keep me -->`,
      `    <disk type="block" device="disk"><source  dev = "/dev/sdc" /><target dev='vdb'/></disk>`,
      blockDisk('/dev/disk/by-label/appdata', 'vdc'),
    ].join('\r\n'),
    '\r\n',
  );
  const file = join(d, 'dom.xml');
  writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]));
  chmodSync(file, 0o640);
  const r = runCli(['--inventory', EXAMPLE_INVENTORY, '--fix', file]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /fixed .*dom\.xml:\d+:\d+: \/dev\/sdc -> \/dev\/vx\/dmp\/3pardata0_12/);
  const after = readFileSync(file);
  assert.deepEqual([...after.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  const expected = text
    .replace('/dev/sdc', '/dev/vx/dmp/3pardata0_12')
    .replace('/dev/disk/by-label/appdata', '/dev/disk/by-id/nvme-eui.36344730528012340025384500000001-part1');
  assert.equal(after.subarray(3).toString('utf8'), expected);
  assert.equal(statSync(file).mode & 0o777, 0o640);
  assert.deepEqual(readdirSync(d), ['dom.xml']); // no temporary file left behind
});

test('--fix on UTF-16 keeps the encoding', () => {
  const d = tmp();
  const file = join(d, 'dom.xml');
  const text = domainXml(blockDisk('/dev/sdc'));
  writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
  assert.equal(runCli(['--inventory', EXAMPLE_INVENTORY, '--fix', file]).status, 0);
  const after = readFileSync(file);
  assert.deepEqual([...after.subarray(0, 2)], [0xff, 0xfe]);
  assert.equal(after.subarray(2).toString('utf16le'), text.replace('/dev/sdc', '/dev/vx/dmp/3pardata0_12'));
});

test('--fix reports read-only files and invalid UTF-8 without changing them', () => {
  const d = tmp();
  const ro = join(d, 'ro.xml');
  writeFileSync(ro, domainXml(blockDisk('/dev/sdc')));
  chmodSync(ro, 0o444);
  const bad = join(d, 'bad.xml');
  // 0xC3 0x28 is not valid UTF-8: decoding would replace it, so the file must not be rewritten.
  writeFileSync(
    bad,
    Buffer.concat([
      Buffer.from('<domain><name>'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from("</name><devices><disk type='block'><source dev='/dev/sdc'/></disk></devices></domain>"),
    ]),
  );
  const before = { ro: readFileSync(ro), bad: readFileSync(bad) };
  const r = runCli(['--inventory', EXAMPLE_INVENTORY, '--fix', d]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /ro\.xml: not rewritten: the file is read-only/);
  assert.match(r.stderr, /bad\.xml: not rewritten: its bytes are not valid utf8/);
  assert.deepEqual(readFileSync(ro), before.ro);
  assert.deepEqual(readFileSync(bad), before.bad);
});

test('npx libvirt-domain-lint runs the package bin', () => {
  const r = spawnSync('npx', ['--no-install', 'libvirt-domain-lint', '--help'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^usage: libvirt-domain-lint/);
});

test('--format sarif: SARIF 2.1.0 with rules, 1-based regions and the preferred fix', () => {
  const r = runCli(['--inventory', EXAMPLE_INVENTORY, '--format', 'sarif', 'examples/domains/app01.xml']);
  assert.equal(r.status, 1);
  const s = JSON.parse(r.stdout);
  assert.equal(s.version, '2.1.0');
  const run = s.runs[0];
  assert.equal(run.tool.driver.name, 'libvirt-domain-lint');
  assert.ok(run.tool.driver.rules.some((x: { id: string }) => x.id === 'multipath-bypass'));
  const res = run.results.find((x: { ruleId: string }) => x.ruleId === 'unstable-device-name');
  assert.equal(res.level, 'warning');
  assert.equal(run.tool.driver.rules[res.ruleIndex].id, 'unstable-device-name');
  assert.deepEqual(res.locations[0].physicalLocation, {
    artifactLocation: { uri: 'examples/domains/app01.xml' },
    region: { startLine: 20, startColumn: 20, endLine: 20, endColumn: 28 },
  });
  assert.equal(res.fixes[0].artifactChanges[0].replacements[0].insertedContent.text, '/dev/vx/dmp/3pardata0_12');
});

test('repeated --inventory forms one host group; files linted together see each other', () => {
  const d = tmp();
  writeFileSync(join(d, 'a.xml'), domainXml(blockDisk('/dev/vx/dmp/3pardata0_12')).replace('<name>t</name>', '<name>a</name>'));
  writeFileSync(
    join(d, 'b.xml'),
    domainXml(blockDisk('/dev/disk/by-id/wwn-0x60002ac000000000000000120001a2b3')).replace('<name>t</name>', '<name>b</name>'),
  );
  const one = JSON.parse(runCli(['--inventory', EXAMPLE_INVENTORY, '--format', 'json', d]).stdout).findings;
  assert.ok(one.some((f: { file: string; code: string }) => f.file.endsWith('a.xml') && f.code === 'shared-without-shareable'));
  const two = JSON.parse(
    runCli(['--inventory', EXAMPLE_INVENTORY, '--inventory', join(ROOT, 'examples/kvm-b.inventory.json'), '--format', 'json', d]).stdout,
  ).findings;
  assert.ok(two.some((f: { file: string; code: string }) => f.file.endsWith('b.xml') && f.code === 'multipath-bypass'));
  assert.ok(two.some((f: { code: string }) => f.code === 'missing-serial'));
});
