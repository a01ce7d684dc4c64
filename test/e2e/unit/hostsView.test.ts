/**
 * Unit tests (node:test) of what the Libvirt Hosts view and the define dialogs say (client/src/hostsViewItems.ts),
 * and the status bar of a host's own definition (client/src/status.ts): names are data, shown as plain
 * one-line text in labels and dialogs, encoded in Markdown tooltips, as labels in notifications.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  blockingDetail,
  definedNotice,
  domainItemText,
  findingsText,
  hostItemText,
  notSavedMessage,
  plainLabel,
  unchangedNotice,
} from '../../../client/src/hostsViewItems';
import { isSafeNotice } from '../../../client/src/notices';
import { presentStatus } from '../../../client/src/status';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const MarkdownIt = require('markdown-it');
const md = new MarkdownIt({ html: false, linkify: false });

const HOSTILE = '[x](command:workbench.action.terminal.sendSequence?%7B%7D)\n$(zap)<b>\u202e';

describe('Libvirt Hosts view items', () => {
  test('a host: domain count, fetching, failed, not fetched, snapshot; icon', () => {
    const ok = hostItemText({ host: 'kvm-a', source: 'ssh', fetching: false, domains: [] }, true);
    assert.deepEqual([ok.label, ok.description, ok.icon], ['kvm-a', '0 domains', 'server']);
    const two = hostItemText(
      {
        host: 'kvm-a',
        source: 'snapshot',
        fetching: false,
        domains: [
          { name: 'a', disks: 0, hasDefinition: true },
          { name: 'b', disks: 0, hasDefinition: true },
        ],
      },
      false,
    );
    assert.equal(two.description, '2 domains · snapshot');
    assert.equal(hostItemText({ host: 'h', source: 'none', fetching: true }, true).description, 'fetching…');
    assert.equal(hostItemText({ host: 'h', source: 'none', fetching: true }, true).icon, 'sync~spin');
    const failed = hostItemText({ host: 'h', source: 'none', fetching: false, error: 'ssh: connect refused' }, true);
    assert.deepEqual([failed.description, failed.icon], ['failed', 'warning']);
    assert.match(failed.tooltip, /The last fetch failed: ssh\\: connect refused/);
    assert.equal(hostItemText({ host: 'h', source: 'none', fetching: false }, true).description, 'not fetched');
    assert.equal(hostItemText({ host: 'h', source: 'none', fetching: false }, false).description, 'not fetched (Restricted Mode)');
  });

  test('a domain: state, disks, findings in words; icon by state', () => {
    const d = domainItemText('kvm-a', {
      name: 'web01',
      uuid: '3e4a1c52-8d0b-4c1e-9f53-2b6a7d8e9f01',
      state: 'running',
      disks: 2,
      findings: { errors: 1, warnings: 2, other: 0 },
      hasDefinition: true,
    });
    assert.deepEqual([d.label, d.description, d.icon], ['web01', 'running · 2 disks · 1 error, 2 warnings', 'vm-running']);
    assert.match(d.tooltip, /Click to open its persistent definition/);
    const off = domainItemText('kvm-a', {
      name: 'db01',
      state: 'shut off',
      disks: 1,
      findings: { errors: 0, warnings: 0, other: 0 },
      hasDefinition: true,
    });
    assert.deepEqual([off.description, off.icon], ['shut off · 1 disk · no problems', 'vm']);
    const unknown = domainItemText('kvm-a', { name: 'x', disks: 0, hasDefinition: false });
    assert.equal(unknown.description, 'state unknown · 0 disks');
    assert.match(unknown.tooltip, /was not read with the inventory/);
    assert.equal(findingsText({ errors: 0, warnings: 0, other: 3 }), '3 other');
    assert.equal(findingsText(undefined), undefined);
  });

  test('hostile names: one plain line in labels (no codicon), no link, HTML or control in the rendered tooltips', () => {
    const d = domainItemText(HOSTILE, { name: HOSTILE, state: 'running', disks: 1, hasDefinition: true });
    const h = hostItemText({ host: HOSTILE, source: 'ssh', fetching: false, error: HOSTILE, domains: [] }, true);
    for (const item of [d, h]) {
      assert.ok(!item.label.includes('\n') && !item.label.includes('\u202e'), item.label);
      assert.ok(!item.label.includes('$(zap)'), item.label);
      const html = md.render(item.tooltip);
      assert.doesNotMatch(html, /<a |<b>|<img/, html);
      assert.doesNotMatch(html, /\u202e/);
    }
    assert.equal(plainLabel('a\nb'), 'a\\x0ab');
    // The check can fail: unencoded, the same tooltip would render a link.
    assert.match(md.render(`**Domain** ${HOSTILE}`), /<a href="command:/);
  });
});

describe('define dialogs and notifications', () => {
  test('blocking findings: the first five, 1-based lines, then how many more', () => {
    const findings = Array.from({ length: 7 }, (_, i) => ({ code: 'duplicate-target', message: `m${i}`, line: i * 10 }));
    const text = blockingDetail(findings);
    assert.deepEqual(text.split('\n'), [
      'Line 1: m0 (duplicate-target)',
      'Line 11: m1 (duplicate-target)',
      'Line 21: m2 (duplicate-target)',
      'Line 31: m3 (duplicate-target)',
      'Line 41: m4 (duplicate-target)',
      '…and 2 more (see the Problems panel).',
    ]);
    assert.equal(blockingDetail([{ code: 'x', message: 'a\nb\u001b[2J', line: 0 }]), 'Line 1: a\\x0ab\\x1b[2J (x)');
  });

  test('notifications carry names as labels only: no link can form', () => {
    for (const text of [
      notSavedMessage(HOSTILE, HOSTILE, 'cancelled'),
      definedNotice(HOSTILE, HOSTILE, 3),
      definedNotice(HOSTILE, 'kvm-a', 0),
      unchangedNotice(HOSTILE, HOSTILE),
    ]) {
      // eslint-disable-next-line no-control-regex -- control characters are what this checks for
      assert.doesNotMatch(text, /[[\]<>`$\u0000-\u001f\u007f-\u009f\u202e]/, text);
      assert.doesNotMatch(md.render(text), /<a /);
    }
    // The names of ordinary hosts and domains read as they are.
    assert.ok(isSafeNotice(notSavedMessage('web01', 'admin@kvm-a', 'cancelled')));
    assert.equal(notSavedMessage('web01', 'kvm-a', 'cancelled'), 'Not defined: web01 on kvm-a: cancelled');
    assert.match(definedNotice('web01', 'kvm-a', 2), /^Defined web01 on kvm-a\. libvirt dropped or rewrote 2 things/);
    assert.equal(definedNotice('web01', 'kvm-a', 0), 'Defined web01 on kvm-a. libvirt kept everything the document sets.');
  });
});

describe('status bar of a host definition document (libvirt-domain://HOST/…)', () => {
  test('its host alone, not the group of the files; no group name', () => {
    const now = Date.UTC(2026, 0, 10, 12);
    const state = {
      hostAccess: true,
      groups: [{ name: 'prod', hosts: ['kvm-a', 'kvm-b'] }],
      hosts: [
        { host: 'kvm-a', fetching: false, source: 'ssh' as const, fetchedAt: now - 120_000, live: true },
        { host: 'kvm-b', fetching: false, source: 'ssh' as const, fetchedAt: now - 60_000, live: true },
      ],
    };
    const own = presentStatus(state, 'kvm-b', now, ['kvm-b']);
    assert.equal(own.text, '$(server) kvm-b · 1 min');
    assert.match(own.tooltip, /the definition on `kvm-b`/);
    // Without the host list the same name is no group: nothing to show.
    assert.match(presentStatus(state, 'kvm-b', now).text, /no host inventory/);
    assert.equal(presentStatus(state, 'prod', now).text, '$(server) prod: kvm-a, kvm-b · 2 min');
  });
});
