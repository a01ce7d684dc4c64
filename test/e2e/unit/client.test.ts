/**
 * Unit tests (node:test) of the extension's pure modules, which need no editor: the status bar text,
 * which documents are libvirt documents (root element), starting the server once, settings path
 * resolution, notification texts; the inventory view the server builds for the extension
 * (server/src/features/inventoryView.ts); the client's sources against the protocol module (every
 * message through it, every server notification handled); and package.json against the server's
 * finding codes, the commands table and the trust rules. Bundled by test/e2e/build.mjs to out/e2e/unit/.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { libvirtKind } from '../../../client/src/documents';
import { inventoryErrorNotice, isSafeNotice, progressTitle } from '../../../client/src/notices';
import { ServerStarter, START_FAILED_NOTICE } from '../../../client/src/serverStart';
import { resolveSettingPath, resolveSettings } from '../../../client/src/settings';
import { formatAge, presentStatus, type InventoryState } from '../../../client/src/status';
import * as protocol from '../../../server/src/protocol';
import { inventoryMarkdown } from '../../../server/src/features/inventoryView';
import { HostIndex } from '../../../server/src/inventory/resolver';
import { validateSnapshot } from '../../../server/src/inventory/snapshot';
import { ALL_CODES } from '../../../server/src/rules/codes';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const MarkdownIt = require('markdown-it');

/** The inventory view of a snapshot JSON, as the server builds it. */
const view = (raw: unknown, source?: string) => inventoryMarkdown(new HostIndex(validateSnapshot(raw, 'test')), { source });

const ROOT = join(__dirname, '..', '..', '..');

/** A small host: a DMP-managed ALUA LUN (2 paths), a dm-multipath LUN with a partition, a local disk with LVM. */
const SNAP = {
  format: 'libvirt-domain-inventory/1',
  host: 'kvm-t',
  hostname: 'kvm-t.example',
  collectedAt: '2026-01-02T03:04:05.000Z',
  devices: [
    {
      kname: 'sda',
      name: 'sda',
      path: '/dev/sda',
      type: 'disk',
      size: 480 * 2 ** 30,
      vendor: 'ATA',
      model: 'SSD',
      serial: 'S1',
      wwn: '0x5000000000000001',
      tran: 'sata',
      parents: [],
    },
    { kname: 'sda1', name: 'sda1', path: '/dev/sda1', type: 'part', size: 2 ** 30, mountpoints: ['/boot'], parents: ['sda'] },
    { kname: 'sda2', name: 'sda2', path: '/dev/sda2', type: 'part', size: 2 ** 30, parents: ['sda'] },
    { kname: 'dm-0', name: 'vg-guest1', path: '/dev/mapper/vg-guest1', type: 'lvm', size: 2 ** 30, parents: ['sda2'] },
    {
      kname: 'sdb',
      name: 'sdb',
      path: '/dev/sdb',
      type: 'disk',
      size: 500 * 2 ** 30,
      vendor: '3PARdata',
      model: 'VV',
      wwn: '0x60002ac0000000000000001200000001',
      tran: 'fc',
      parents: [],
    },
    {
      kname: 'sdc',
      name: 'sdc',
      path: '/dev/sdc',
      type: 'disk',
      size: 500 * 2 ** 30,
      vendor: '3PARdata',
      model: 'VV',
      wwn: '0x60002ac0000000000000001200000001',
      tran: 'fc',
      parents: [],
    },
    {
      kname: 'sdd',
      name: 'sdd',
      path: '/dev/sdd',
      type: 'disk',
      size: 100 * 2 ** 30,
      vendor: 'LIO-ORG',
      model: 'lun0',
      wwn: '0x6001405000000000000000000000000a',
      tran: 'iscsi',
      parents: [],
    },
    {
      kname: 'sde',
      name: 'sde',
      path: '/dev/sde',
      type: 'disk',
      size: 100 * 2 ** 30,
      vendor: 'LIO-ORG',
      model: 'lun0',
      wwn: '0x6001405000000000000000000000000a',
      tran: 'iscsi',
      parents: [],
    },
    { kname: 'dm-2', name: 'mpatha', path: '/dev/mapper/mpatha', type: 'mpath', size: 100 * 2 ** 30, parents: ['sdd', 'sde'] },
    { kname: 'dm-3', name: 'mpatha1', path: '/dev/mapper/mpatha1', type: 'part', size: 100 * 2 ** 30, parents: ['dm-2'] },
    { kname: 'sr0', name: 'sr0', path: '/dev/sr0', type: 'rom', size: 1024, parents: [] },
  ],
  links: {
    '/dev/disk/by-id/wwn-0x5000000000000001': '/dev/sda',
    '/dev/disk/by-id/wwn-0x60002ac0000000000000001200000001': '/dev/sdc',
    '/dev/disk/by-path/pci-0000:3b:00.0-fc-0x1-lun-12': '/dev/sdb',
    '/dev/disk/by-id/dm-uuid-mpath-36001405000000000000000000000000a': '/dev/dm-2',
    '/dev/disk/by-id/dm-name-mpatha': '/dev/dm-2',
    '/dev/disk/by-id/wwn-0x6001405000000000000000000000000a': '/dev/dm-2',
    '/dev/disk/by-id/dm-uuid-part1-mpath-36001405000000000000000000000000a': '/dev/dm-3',
    '/dev/disk/by-label/data': '/dev/dm-3',
    '/dev/mapper/mpatha': '/dev/dm-2',
    '/dev/mapper/vg-guest1': '/dev/dm-0',
    '/dev/disk/by-diskseq/4': '/dev/sdb',
  },
  dmp: {
    nodes: [
      {
        name: '3pardata0_12',
        state: 'enabled',
        enclosure: '3pardata0',
        arrayName: '3PARDATA',
        arrayType: 'ALUA',
        scsi3Vpd: 'NAA:60002AC0000000000000001200000001',
        paths: [
          { name: 'sdb', state: 'enabled(a)', type: 'primary', ctlr: 'c3' },
          { name: 'sdc', state: 'enabled(a)', type: 'primary', ctlr: 'c4' },
        ],
      },
    ],
    names: ['3pardata0_12'],
  },
  vxvm: { disks: [{ device: '3pardata0_12', disk: 'appdg01', group: 'appdg', imported: true, status: 'online shared' }], volumes: [] },
  cluster: { mode: 'enabled: cluster active - MASTER', active: true },
  domains: [
    {
      name: 'web01',
      disks: [
        { source: '/dev/vx/dmp/3pardata0_12', target: 'vdb', shareable: false },
        { source: '/dev/mapper/vg-guest1', target: 'vda', shareable: false },
      ],
    },
    { name: 'db01', disks: [{ source: '/dev/disk/by-label/data', target: 'vdc', shareable: true }] },
  ],
  tools: { lsblk: 'ok', vxdmpadm: 'ok' },
  warnings: ['vxdisk: one line not understood'],
};

describe('inventory view (server/src/features/inventoryView.ts, shown by the client)', () => {
  test('markdown: heading, a table row per LUN (DMP, dm-multipath, local), details, collection warnings', () => {
    const md = view(SNAP, 'ssh');
    assert.match(
      md,
      /^# Inventory of kvm\\-t\n\nhostname `kvm-t.example` · collected 2026\\-01\\-02 03\\:04\\:05 UTC · source: ssh · cluster: enabled\\: cluster active \\- MASTER\n/,
    );
    assert.match(md, /## LUNs \(3\)/, 'sda, the 3PAR LUN, the iSCSI LUN; the cdrom is not a LUN');
    const rows = md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| LUN'));
    assert.deepEqual(rows, [
      '| 3PARdata VV | 500 GiB | WWN 0x60002ac0000000000000001200000001 | sdb, sdc | DMP 3pardata0\\_12 (ALUA) | \\/dev\\/vx\\/dmp\\/3pardata0\\_12 | web01 (vdb) |',
      '| LIO\\-ORG lun0 | 100 GiB | WWN 0x6001405000000000000000000000000a | sdd, sde | dm-multipath mpatha | \\/dev\\/disk\\/by\\-id\\/dm\\-uuid\\-mpath\\-36001405000000000000000000000000a | db01 (vdc) |',
      '| ATA SSD | 480 GiB | WWN 0x5000000000000001 | sda | — | \\/dev\\/disk\\/by\\-id\\/wwn\\-0x5000000000000001 | web01 (vda) |',
    ]);
    assert.match(md, /- \*\*Paths \(2\):\*\* `sdb` \(enabled\\\(a\\\)[^)]*\), `sdc` \(enabled\\\(a\\\)[^)]*\)/);
    assert.match(md, /- \*\*DMP node:\*\* `3pardata0_12` · array 3PARDATA · array type \*\*ALUA\*\* · enclosure 3pardata0 · enabled/);
    assert.match(md, /- \*\*VxVM:\*\* disk `appdg01`, disk group `appdg` \(imported here\) · online shared/);
    assert.match(
      md,
      /- \*\*One path only \(no failover\):\*\* `\/dev\/disk\/by-id\/wwn-0x60002ac0000000000000001200000001`, `\/dev\/disk\/by-path\/pci-0000:3b:00.0-fc-0x1-lun-12`/,
    );
    // dm-name-mpathN and /dev/mapper/mpathN are user-friendly names: not stable aliases.
    assert.match(
      md,
      /- \*\*Stable aliases:\*\* `\/dev\/disk\/by-id\/dm-uuid-mpath-36001405000000000000000000000000a`, `\/dev\/disk\/by-id\/wwn-0x6001405000000000000000000000000a`\n/,
    );
    assert.match(md, /- \*\*dm-multipath map:\*\* `mpatha` \(dm\\-2\)/);
    assert.match(md, /- \*\*Partitions:\*\* `\/dev\/mapper\/mpatha1`/);
    assert.match(md, /- \*\*Used by:\*\* db01 as vdc via `\/dev\/disk\/by-label\/data` \(partition 1\) · shareable/);
    assert.match(md, /- \*\*Used by:\*\* web01 as vda via `\/dev\/mapper\/vg-guest1` \(lvm vg\\-guest1\)/);
    assert.match(md, /- \*\*Mounted on the host:\*\* `\/boot \(sda1\)`/);
    assert.match(md, /- ⚠ vxdisk\\: one line not understood/);
    // Table cells cannot be broken by a pipe in a value.
    const odd = view({
      format: 'libvirt-domain-inventory/1',
      host: 'h',
      devices: [{ kname: 'sdx', path: '/dev/sdx', type: 'disk', model: 'a|b', size: null }],
      links: {},
    });
    assert.match(odd, /^\| a\\\|b \| size unknown \| sdx \| sdx \|/m);
  });

  test('tolerates a sparse snapshot', () => {
    assert.match(
      view({ format: 'libvirt-domain-inventory/1', host: 'h', devices: [], links: {} }),
      /# Inventory of h\n[\s\S]*## LUNs \(0\)/,
    );
    assert.match(
      view({ format: 'libvirt-domain-inventory/1', host: 'h', devices: [{ kname: 'sda', path: '/dev/sda', type: 'disk' }], links: {} }),
      /^\| sda \| size unknown \| sda \| sda \| — \| — \| — \|$/m,
    );
  });

  test('hostile or mutated snapshots never make the view throw (the loader refuses what is not a snapshot)', () => {
    const example = JSON.parse(readFileSync(join(ROOT, 'examples/kvm-a.inventory.json'), 'utf8'));
    const junk = [null, 0, 42, '', 'x', true, [], {}, [null], [1, 'a'], { a: 1 }, -1, NaN];
    const viewOrRefuse = () => {
      let idx: HostIndex;
      try {
        idx = new HostIndex(validateSnapshot(example, 'test'));
      } catch {
        return; // refused by the loader: nothing to show
      }
      inventoryMarkdown(idx);
    };
    let cases = 0;
    const visit = (node: any, depth: number) => {
      if (!node || typeof node !== 'object' || depth > 3) return;
      for (const key of Object.keys(node).slice(0, 12)) {
        const saved = node[key];
        for (const j of junk) {
          node[key] = j;
          assert.doesNotThrow(viewOrRefuse, `${key} = ${JSON.stringify(j)}`);
          cases++;
        }
        node[key] = saved;
        visit(saved, depth + 1);
      }
    };
    visit(example, 0);
    assert.ok(cases > 500, String(cases));
  });

  test('the example host: every DMP node and the multipath map appear', () => {
    const snap = JSON.parse(readFileSync(join(ROOT, 'examples/kvm-a.inventory.json'), 'utf8'));
    const md = view(snap);
    for (const n of snap.dmp.nodes) assert.ok(md.includes(`- **DMP node:** \`${n.name}\``), n.name);
    assert.match(md, /dm-multipath map:\*\* `mpatha`/);
    assert.match(md, /db01 as vdb via `\/dev\/disk\/by-id\/dm-uuid-mpath-/);
  });
});

describe('notifications (client/src/notices.ts)', () => {
  const LINK = '[x](command:workbench.action.terminal.sendSequence?%7B%22text%22%3A%22id%5Cn%22%7D)';
  test('an inventory error is a fixed template naming the host, never its details', () => {
    assert.equal(
      inventoryErrorNotice('kvm-a', 'kvm-a: the inventory could not be read (connection refused; details in the log)'),
      'kvm-a: the inventory could not be read (connection refused; details in the log)',
    );
    for (const notice of [`kvm-a: ${LINK}`, undefined, 42, '<https://x.example/>', 'a\nb']) {
      assert.equal(inventoryErrorNotice('kvm-a', notice), 'kvm-a: the inventory could not be read (details in the log)', String(notice));
    }
    const hostile = inventoryErrorNotice(LINK, undefined);
    assert.doesNotMatch(hostile, /[[\]()]{2}|\]\(/);
    assert.ok(!hostile.includes('[') && !hostile.includes(']'), hostile);
    assert.equal(progressTitle(`Fetching inventory of ${LINK}`), 'Libvirt Domain: fetching host inventories');
    assert.equal(progressTitle('Fetching inventory of kvm-a, kvm-b'), 'Fetching inventory of kvm-a, kvm-b');
    assert.ok(!isSafeNotice(''));
  });
});

describe('status bar text (client/src/status.ts)', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);
  const state = (
    hosts: InventoryState['hosts'],
    groups = [{ name: 'default', hosts: hosts.map((h) => h.host) }],
    hostAccess = true,
  ): InventoryState => ({ hostAccess, groups, hosts });

  test('freshness of the oldest live inventory of the group', () => {
    const s = presentStatus(
      state([
        { host: 'kvm-a', fetching: false, source: 'ssh', fetchedAt: now - 2 * 60_000 },
        { host: 'kvm-b', fetching: false, source: 'ssh', fetchedAt: now - 30_000 },
      ]),
      'default',
      now,
    );
    assert.equal(s.text, '$(server) kvm-a, kvm-b · 2 min');
    assert.equal(s.warning, false);
    assert.match(s.tooltip, /- `kvm-a`: fetched 2 min ago \(ssh\)\n- `kvm-b`: fetched just now \(ssh\)/);
    assert.match(s.tooltip, /Click to refresh/);
  });

  test('spinner while fetching, warning when a host failed, group names shown when chosen', () => {
    const fetching = presentStatus(state([{ host: 'kvm-a', fetching: true, source: 'none' }]), 'default', now);
    assert.equal(fetching.text, '$(sync~spin) kvm-a');
    assert.equal(fetching.fetching, true);
    const failed = presentStatus(
      state(
        [
          {
            host: 'kvm-a',
            fetching: false,
            source: 'ssh',
            fetchedAt: now - 3 * 3600_000,
            error: 'kvm-a: connection refused',
            errorKind: 'refused',
          },
        ],
        [{ name: 'prod', hosts: ['kvm-a'] }],
      ),
      'prod',
      now,
    );
    assert.equal(failed.text, '$(warning) prod: kvm-a · failed (3 h old)');
    assert.equal(failed.warning, true);
    assert.match(failed.tooltip, /⚠ kvm\\-a\\: connection refused/);
  });

  test('host names, group names and error messages are encoded in the markdown tooltip and the bar text', () => {
    const evil = 'kvm-a\n# INJECTED\n![b](https://beacon.example/x.png) [c](command:workbench.action.terminal.new) $(alert)';
    const s = presentStatus(
      state(
        [{ host: evil, fetching: false, source: 'ssh', fetchedAt: now, error: `ssh: ${evil}`, errorKind: 'failed' }],
        [{ name: `g${evil}`, hosts: [evil] }],
      ),
      `g${evil}`,
      now,
    );
    const html = new MarkdownIt().render(s.tooltip);
    assert.doesNotMatch(html, /<h\d|<img|<a /, html);
    assert.match(html, /INJECTED/);
    assert.doesNotMatch(s.text, /\n|\$\(alert\)/, s.text);
  });

  test('snapshots, restricted mode, nothing configured', () => {
    assert.equal(
      presentStatus(
        state([{ host: 'kvm-a', fetching: false, source: 'snapshot' }], [{ name: 'snapshots', hosts: ['kvm-a'] }]),
        'snapshots',
        now,
      ).text,
      '$(server) kvm-a · snapshot',
      'a snapshot that does not say when it was collected',
    );
    const restricted = presentStatus(state([{ host: 'kvm-a', fetching: false, source: 'none' }], undefined, false), 'default', now);
    assert.equal(restricted.text, '$(shield) kvm-a · offline');
    assert.match(restricted.tooltip, /Restricted Mode/);
    assert.doesNotMatch(restricted.tooltip, /Click to refresh/);
    assert.equal(presentStatus(state([], []), undefined, now).text, '$(server) no host inventory');
    assert.equal(presentStatus(undefined, undefined, now).text, '$(server) no host inventory');
    assert.equal(presentStatus(state([], [], false), undefined, now).text, '$(shield) no host inventory');
  });

  test('ages', () => {
    assert.equal(formatAge(59_000), 'just now');
    assert.equal(formatAge(60_000), '1 min');
    assert.equal(formatAge(59 * 60_000), '59 min');
    assert.equal(formatAge(47 * 3600_000), '47 h');
    assert.equal(formatAge(72 * 3600_000), '3 d');
    assert.equal(formatAge(-5), 'just now');
  });
});

describe('libvirt documents by their root element (client/src/documents.ts)', () => {
  const kind = (text: string, languageId = 'xml', scheme = 'file') => libvirtKind(languageId, scheme, text);

  test('a domain after a BOM, the prolog, comments, processing instructions and a DOCTYPE with an internal subset', () => {
    assert.equal(kind("<domain type='kvm'>"), 'domain');
    assert.equal(
      kind('\ufeff<?xml version="1.0"?>\n<!-- virsh dumpxml -->\n<?pi x?>\n<!DOCTYPE domain [ <!ENTITY a "b"> ]>\n<domain>'),
      'domain',
    );
    assert.equal(kind('<!-- <pool> in a comment -->\n<domain/>'), 'domain');
    assert.equal(kind('<domain/>', 'xml', 'untitled'), 'domain');
  });

  test('a storage pool', () => {
    assert.equal(kind("<?xml version='1.0'?>\n<pool type='logical'>\n  <name>vg</name>\n</pool>\n"), 'pool');
    assert.equal(kind("<!-- virsh pool-dumpxml -->\n<pool type='disk'>"), 'pool');
  });

  test('other XML, unfinished prologs, other languages and schemes are not libvirt documents', () => {
    for (const text of [
      '<network>\n  <name>isolated</name>\n</network>',
      '<domainsnapshot>',
      '<poolx/>',
      '<!-- unterminated <domain>',
      '<?xml version="1.0"?>',
      '',
      'domain',
    ])
      assert.equal(kind(text), undefined, JSON.stringify(text));
    assert.equal(kind('<domain/>', 'plaintext'), undefined, 'not XML');
    assert.equal(kind('<domain/>', 'xml', 'git'), undefined, 'not a scheme the client serves');
    assert.equal(kind('<domain/>', 'xml', 'libvirt-domain-inventory'), undefined);
  });
});

describe('starting the language server once (client/src/serverStart.ts)', () => {
  const setup = (outcome: () => Promise<void>) => {
    const calls: string[] = [];
    const client = {
      starts: 0,
      start() {
        this.starts++;
        return outcome();
      },
    };
    const starter = new ServerStarter(client, {
      started: () => calls.push('started'),
      failed: (e) => calls.push(`failed: ${e instanceof Error ? e.message : String(e)}`),
      notify: () => calls.push('notify'),
    });
    return { calls, client, starter };
  };

  test('one start for every caller; started() never starts it', async () => {
    const { calls, client, starter } = setup(async () => undefined);
    assert.equal(await starter.started(), undefined, 'nothing asked for yet');
    assert.equal(client.starts, 0);
    assert.equal(starter.requested, false);
    const [a, b] = await Promise.all([starter.start(), starter.ready()]);
    assert.equal(a, true);
    assert.equal(b, client);
    assert.equal(await starter.ready(), client);
    assert.equal(await starter.started(), client);
    assert.equal(client.starts, 1);
    assert.deepEqual(calls, ['started']);
  });

  test('a failed start: logged once, told at once and again whenever a command needs the server', async () => {
    const { calls, client, starter } = setup(async () => {
      throw new Error('spawn failed');
    });
    const [a, b] = await Promise.all([starter.start(), starter.ready()]);
    assert.equal(a, false);
    assert.equal(b, undefined);
    assert.deepEqual(calls, ['failed: spawn failed', 'notify'], 'one notification for the callers of the failed start');
    assert.equal(await starter.started(), undefined);
    assert.equal(await starter.start(), false);
    assert.deepEqual(calls, ['failed: spawn failed', 'notify'], 'the document watch is not told again');
    assert.equal(await starter.ready(), undefined);
    assert.deepEqual(calls, ['failed: spawn failed', 'notify', 'notify'], 'a command is');
    assert.equal(client.starts, 1, 'not retried');
    assert.doesNotMatch(START_FAILED_NOTICE, /[[\]<>`]|command:/);
    assert.ok(isSafeNotice(START_FAILED_NOTICE));
  });
});

describe('the client against the protocol module (server/src/protocol.ts)', () => {
  const clientDir = join(ROOT, 'client/src');
  const tsFiles = (dir: string, skip: RegExp = /^$/): string[] =>
    readdirSync(dir).flatMap((name) => {
      const p = join(dir, name);
      if (skip.test(relative(ROOT, p))) return [];
      if (statSync(p).isDirectory()) return tsFiles(p, skip);
      return /\.(ts|mjs)$/.test(name) ? [p] : [];
    });
  const clientSources = tsFiles(clientDir).map((f) => ({ file: relative(ROOT, f), text: readFileSync(f, 'utf8') }));
  const allClient = clientSources.map((s) => s.text).join('\n');
  /** The exported name of a protocol message object. */
  const nameOf = (message: unknown): string => {
    const entry = Object.entries(protocol).find(([, v]) => v === message);
    assert.ok(entry, 'every message is exported by name');
    return entry[0];
  };
  /** How the client names it in a call: `Name` (a RequestType / NotificationType) or `Name.type` (a namespace). */
  const used = (call: string, message: unknown): boolean => {
    const name = nameOf(message);
    return new RegExp(`\\.${call}\\(\\s*${name}(\\.type)?\\s*,`).test(allClient);
  };

  test('every notification the server sends has a handler in the client', () => {
    assert.ok(protocol.SERVER_NOTIFICATIONS.length >= 2);
    for (const n of protocol.SERVER_NOTIFICATIONS)
      assert.ok(used('onNotification', n), `client/src handles ${nameOf(n)} (.onNotification(${nameOf(n)}, …))`);
  });

  test('every notification the client sends and every request is sent through its protocol object', () => {
    for (const n of protocol.CLIENT_NOTIFICATIONS) assert.ok(used('sendNotification', n), `client/src sends ${nameOf(n)}`);
    for (const r of protocol.REQUESTS) assert.ok(used('sendRequest', r), `client/src sends ${nameOf(r)}`);
  });

  test('no method name spelled out, nothing from the server internals, no any', () => {
    const method = 'libvirtDomain' + '/';
    const e2eSources = tsFiles(join(ROOT, 'test/e2e'), /^test\/e2e\/workspace/).map((f) => ({
      file: relative(ROOT, f),
      text: readFileSync(f, 'utf8'),
    }));
    for (const { file, text } of [...clientSources, ...e2eSources]) assert.ok(!text.includes(method), `${file} spells a method name`);
    for (const { file, text } of clientSources) {
      assert.doesNotMatch(text, /from '[./]*\/server\/src\/lsp\//, `${file} imports server/src/lsp`);
      assert.doesNotMatch(text, /:\s*any\b|as any\b|<any>/, `${file} uses any`);
    }
    // The fix-all kind is the protocol's.
    assert.match(allClient, /CodeActionKind\.Empty\.append\(FIX_ALL_KIND\)/);
  });

  test('the status bar and the server start decide with the root element (documents.ts, rootElement.ts)', () => {
    const src = (f: string) => clientSources.find((s) => s.file === `client/src/${f}`)?.text ?? '';
    assert.match(src('documents.ts'), /from '\.\.\/\.\.\/server\/src\/xml\/rootElement'/);
    assert.match(src('documents.ts'), /documentKind\(firstElementName\(/);
    assert.match(src('startOnOpen.ts'), /libvirtKind\(/);
    assert.match(src('statusBar.ts'), /libvirtKindOf\(/);
    assert.match(src('startOnOpen.ts'), /onDidOpenTextDocument/);
    assert.doesNotMatch(allClient, /looksLikeDomain|<domain\(\?=/, 'no sniffing of its own');
  });
});

describe('settings (client/src/settings.ts)', () => {
  test('snapshot and ssh config paths resolved against the workspace folder', () => {
    assert.equal(resolveSettingPath('snap/kvm-a.json', '/ws', '/home/u'), '/ws/snap/kvm-a.json');
    assert.equal(resolveSettingPath('../../x.json', '/a/b/ws', '/home/u'), '/a/x.json');
    assert.equal(resolveSettingPath('~/inv/a.json', '/ws', '/home/u'), '/home/u/inv/a.json');
    assert.equal(resolveSettingPath('${workspaceFolder}/a.json', '/ws', '/home/u'), '/ws/a.json');
    assert.equal(resolveSettingPath('${userHome}/a.json', undefined, '/home/u'), '/home/u/a.json');
    assert.equal(resolveSettingPath('/abs/a.json', '/ws', '/home/u'), '/abs/a.json');
    assert.equal(resolveSettingPath('rel.json', undefined, '/home/u'), 'rel.json');
    const raw = { inventorySnapshot: ['a.json', '', '/b.json'], ssh: { configFile: 'ssh_config', path: 'ssh' }, hosts: ['kvm-a'] };
    assert.deepEqual(resolveSettings(raw, '/ws', '/h'), {
      inventorySnapshot: ['/ws/a.json', '', '/b.json'],
      ssh: { configFile: '/ws/ssh_config', path: 'ssh' },
      hosts: ['kvm-a'],
    });
    assert.deepEqual(raw.inventorySnapshot, ['a.json', '', '/b.json'], 'input unchanged');
    assert.equal(resolveSettings(null, '/ws'), null);
  });
});

describe('package.json contributions', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const props = pkg.contributes.configuration.properties as Record<
    string,
    { scope?: string; description?: string; markdownDescription?: string; properties?: Record<string, unknown> }
  >;

  test('one severity property per finding code of the server', () => {
    assert.deepEqual(Object.keys(props['libvirtDomain.severity'].properties ?? {}).sort(), [...ALL_CODES].sort());
  });

  test('every setting is described; what runs a program, reads a file or contacts a host is never decided by an untrusted repository', () => {
    for (const [k, v] of Object.entries(props)) assert.ok(v.description || v.markdownDescription, `${k} has a description`);
    const restricted = pkg.capabilities.untrustedWorkspaces.restrictedConfigurations as string[];
    assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
    assert.ok(pkg.capabilities.untrustedWorkspaces.description);
    // Restricted (a workspace value only once trusted), and the scope: never from a workspace at all for programs and ssh configs.
    const expected: Record<string, string> = {
      'libvirtDomain.hosts': 'machine-overridable',
      'libvirtDomain.hostGroups': 'machine-overridable',
      'libvirtDomain.ssh.path': 'machine',
      'libvirtDomain.ssh.extraArgs': 'machine',
      'libvirtDomain.ssh.configFile': 'application', // as Remote-SSH's remote.SSH.configFile: an ssh config runs ProxyCommand / Match exec
      'libvirtDomain.ssh.sudo': 'machine', // runs commands as root on the host
      'libvirtDomain.libvirtUri': 'machine', // which libvirt the collector reads
      'libvirtDomain.inventorySnapshot': 'machine-overridable',
      'libvirtDomain.schema.path': 'machine-overridable',
    };
    for (const [k, scope] of Object.entries(expected)) {
      assert.ok(restricted.includes(k), `${k} restricted`);
      assert.equal(props[k].scope, scope, `${k} scope`);
    }
    // Every other setting is harmless data (numbers, severities, a switch).
    assert.deepEqual(
      Object.keys(props)
        .filter((k) => !(k in expected))
        .sort(),
      [
        'libvirtDomain.connectTimeout',
        'libvirtDomain.inlayHints.enabled',
        'libvirtDomain.inventoryMaxAgeMinutes',
        'libvirtDomain.schema.enabled',
        'libvirtDomain.severity',
        'libvirtDomain.workspaceDiagnostics',
      ],
    );
    // The README's trust table says the same.
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const [k, scope] of Object.entries(expected))
      assert.match(readme, new RegExp(`\\| \`${k.replace(/\./g, '\\.')}\` \\| \`${scope}\` \\|`), `README row of ${k}`);
  });

  test('commands are in the "Libvirt Domain" category, each registered from the table; activation on XML', () => {
    for (const c of pkg.contributes.commands) assert.equal(c.category, 'Libvirt Domain', c.command);
    const table = readFileSync(join(ROOT, 'client/src/commands/index.ts'), 'utf8');
    const ids = [...table.matchAll(/\{ id: '([\w.]+)', factory: \w+ \}/g)].map((m) => m[1]);
    assert.deepEqual(ids.sort(), pkg.contributes.commands.map((c: { command: string }) => c.command).sort());
    // XML documents and templates of them, and a host's definitions (`libvirt-domain:` files restored in an editor need their provider).
    assert.deepEqual(pkg.activationEvents, ['onLanguage:xml', 'onLanguage:jinja-xml', 'onLanguage:erb', 'onFileSystem:libvirt-domain']);
    assert.equal(pkg.engines.vscode, '^1.100.0');
  });
});
