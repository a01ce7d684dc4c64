/**
 * Issue 16's "done when": `audit --inventory DIR` over what ansible/collect.yml (ansible-core from
 * Debian) collected from the seeded rig fleet gives the same findings as the live audit of the same
 * hosts over ssh: compared as JSON findings, in any order, both non-empty and holding every seeded case.
 * An unreachable host fails the play and the live audit alike, and the others' findings are still there.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ansibleUnavailable, collectWithAnsible, type AnsibleCollectResult } from './rig/ansible';
import { seededRigHosts, startSeededRig } from './rig/seededRig';
import { DOWN, EXPECTED, LIVE } from './rig/seededFleet';
import type { Rig } from './rig/sshRig';
import { runCli } from './support/cli';

interface Report {
  findings: { host: string; domain: string; code: string; severity: string }[];
  hosts: { host: string; domains: number; failure?: { kind: string } }[];
}

describe('audit of the Ansible-collected outputs equals the live audit (seeded rig fleet)', () => {
  const work = mkdtempSync(join(tmpdir(), 'ldx-ansible-audit-'));
  let rig: Rig | undefined;
  let skip = '';
  let run: AnsibleCollectResult;

  before(async () => {
    const missing = ansibleUnavailable();
    if (missing) {
      if (process.env.CI) throw new Error(`prerequisite missing under CI: ${missing}`);
      skip = missing;
      return;
    }
    const r = await startSeededRig(seededRigHosts(join(work, 'fixtures')));
    if (typeof r === 'string') {
      skip = r;
      return;
    }
    rig = r;
    run = await collectWithAnsible(rig, [...LIVE, DOWN], 'collected', { cwd: work });
  });
  after(async () => {
    await rig?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test('the same findings, in any order; both hold every seeded case; the unreachable host fails both', (t) => {
    if (!rig) return t.skip(skip);
    assert.equal(run.status, 2, run.stdout);
    assert.deepEqual(run.failedHosts, [DOWN]);
    assert.deepEqual(readdirSync(run.outDir).sort(), LIVE.map((h) => `${h}.out`).sort());

    const offline = runCli(['audit', '--inventory', run.outDir, '--format', 'json']);
    assert.equal(offline.status, 1, offline.stderr);
    const live = runCli(['audit', ...[...LIVE, DOWN].flatMap((h) => ['--host', h]), '--ssh-config', rig.sshConfigPath, '--format', 'json']);
    assert.equal(live.status, 2, live.stderr);
    const a = JSON.parse(offline.stdout) as Report;
    const b = JSON.parse(live.stdout) as Report;

    const key = (f: object) => JSON.stringify(f);
    assert.ok(a.findings.length > 0 && b.findings.length > 0);
    assert.deepEqual(a.findings.map(key).sort(), b.findings.map(key).sort());
    // Every seeded case is in them (host/domain → its codes at warning or above).
    for (const [where, codes] of Object.entries(EXPECTED)) {
      const [host, domain] = where.split('/');
      const got = new Set(
        a.findings
          .filter((f) => f.host === host && f.domain === domain && (f.severity === 'error' || f.severity === 'warning'))
          .map((f) => f.code),
      );
      assert.deepEqual([...got].sort(), [...codes].sort(), where);
    }
    // The same hosts and domain counts; the live audit also names the unreachable one.
    const counts = (r: Report) => r.hosts.filter((h) => !h.failure).map((h) => [h.host, h.domains]);
    assert.deepEqual(counts(a).sort(), counts(b).sort());
    assert.deepEqual(
      b.hosts.filter((h) => h.failure).map((h) => [h.host, h.failure!.kind]),
      [[DOWN, 'connection-refused']],
    );
  });
});
