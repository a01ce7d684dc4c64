// Builds what a simulated KVM host looks like from a host fixture directory:
// a fake /dev tree and fake tools, mounted over the real ones inside the rig's
// private mount namespace (nothing outside the namespace changes).
//
// Fixture layout (every file optional except lsblk.json):
//   lsblk.json          what `lsblk --json -b -o ...` prints
//   links.tsv           "<link path>\t<readlink target>" lines (/dev/disk/by-*, /dev/mapper)
//   vx-dmp-names.txt    names under /dev/vx/dmp
//   vx-dsk-names.txt    "DG/VOL" lines under /dev/vx/dsk
//   vxdmpadm.txt, vxdisk.txt, vxdctl.txt   outputs of those commands (present = InfoScale installed;
//                       they refuse a non-root login, as VxVM does)
//   vxsnap/<dg>.txt     what `vxsnap -g <dg> -v list` prints, per disk group (directory present = vxsnap
//                       installed; a disk group without a file is refused, as one not imported is)
//   vxprint/<dg>.txt    what `vxprint -g <dg> -v -F '%name %len'` prints, likewise (both refuse non-root)
//   domains/<name>.xml  domain definitions, what `virsh dumpxml --inactive` prints (directory present =
//                       libvirt installed)
//   domains-running.txt names of the running domains (`virsh list --name`), one a line (absent = none)
//   dev-links.tsv       like links.tsv, for symlinks elsewhere under /dev (udev SYMLINK+=, /dev/VG/LV)
//   udev-rules/<f>.rules  the site's /etc/udev/rules.d (directory absent = no /etc/udev/rules.d)
//   scsi-hosts.tsv      "hostN<TAB>/sys/class/scsi_host link[<TAB>node_name<TAB>port_name]" lines, in
//                       the order the shell's glob lists them (absent = no /sys/class/scsi_host)
//   pools/<name>.xml    `virsh pool-dumpxml` of each storage pool; pools/<name>.vols its
//                       `virsh vol-list --details` (present = the pool is active)
// A host built with realVirsh keeps the machine's real /usr/bin/virsh instead of the fake one (its
// domains/, domains-running.txt and pools/ are then not used): it talks to the real libvirt daemon
// of this machine (test/rig/libvirtd.ts) through /run/libvirt, which the rig's mount namespace does
// not overlay. The lsblk, /dev and VxVM fakes stay.
// Every host also gets /etc/sudoers.d/ldi-rig: what the non-root user may run with `sudo -n`
// (by default the README's entry: the collector's three VxVM commands; see sudoCommands).
// Device nodes are block devices of major 240 (reserved for local/experimental use: opening one
// fails with ENXIO), so \`test -b\` holds for them as on a real host.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { RIG_USER, RigUnavailable } from './prereq';

export type FakeTool = 'lsblk' | 'virsh' | 'vxdmpadm' | 'vxdisk' | 'vxdctl';

/** Faults a fake tool can simulate; `tool` defaults to lsblk (every fixture has it). */
export type RigFault =
  /** The tool writes a line to stderr, then kills itself with SIGKILL: the collector sees rc 137. */
  | { kind: 'die'; tool?: FakeTool }
  /** The tool prints half its output, then SIGKILLs the collector's whole process group: no sentinel. */
  | { kind: 'truncate'; tool?: FakeTool }
  /** The tool never returns (sleeps 300 s; the rig's stop() kills it). */
  | { kind: 'hang'; tool?: FakeTool }
  /** The tool prints `bytes` bytes of "x". */
  | { kind: 'flood'; tool?: FakeTool; bytes: number }
  /** lsblk of util-linux < 2.37: refuses the MOUNTPOINTS column, accepts MOUNTPOINT. */
  | { kind: 'old-lsblk' };

/** The columns the collector asks lsblk for (followed by ,MOUNTPOINTS or ,MOUNTPOINT). */
export const LSBLK_COLUMNS = 'NAME,KNAME,PATH,TYPE,SIZE,MODEL,VENDOR,SERIAL,WWN,TRAN,HCTL,PKNAME,FSTYPE,LABEL,UUID,PARTLABEL,PARTUUID';

/** The libvirt URI the collector names by default. */
export const SYSTEM_URI = 'qemu:///system';
/** The group that lets the rig's non-root user reach qemu:///system (as `libvirt` does on a host). */
export const RIG_LIBVIRT_GROUP = 'ldi-libvirt';

/** The exact read-only invocations the collector makes, per tool (a dumpxml per domain comes on top). */
export const COLLECTOR_INVOCATIONS: Record<FakeTool, string[]> = {
  lsblk: ['--json', '-b', '-o', `${LSBLK_COLUMNS},MOUNTPOINTS`],
  virsh: ['-c', SYSTEM_URI, '-r', 'list', '--all', '--name'],
  vxdmpadm: ['list', 'dmpnode', 'all'],
  vxdisk: ['-e', '-o', 'alldgs', 'list'],
  vxdctl: ['-c', 'mode'],
};
/** The VxVM tools the collector runs once per imported disk group, and their arguments for disk group `dg`. */
export const DG_TOOL_INVOCATIONS = {
  vxsnap: (dg: string) => ['-g', dg, '-v', 'list'],
  vxprint: (dg: string) => ['-g', dg, '-v', '-F', '%name %len'],
} as const;
export type DgTool = keyof typeof DG_TOOL_INVOCATIONS;
/** The collector's list of running domains (`virsh -r list --name`: active ones only). */
export const VIRSH_ACTIVE_INVOCATION = ['-c', SYSTEM_URI, '-r', 'list', '--name'];
/** The collector's read of one domain's persistent definition (the name follows). */
export const VIRSH_DUMPXML_INVOCATION = ['-c', SYSTEM_URI, '-r', 'dumpxml', '--inactive', '--'];
/** The machine's real virsh, kept on a realVirsh host. */
export const REAL_VIRSH = '/usr/bin/virsh';
/** What the fake `virsh --version` prints when the fixture has no libvirt-version.txt. */
export const DEFAULT_LIBVIRT_VERSION = '9.0.0';
/**
 * The sudoers commands of the README's entry: each tool by its full path (where the rig puts it, as
 * InfoScale does) with the collector's exact arguments.
 */
export const RIG_SUDO_COMMANDS: string[] = (['vxdmpadm', 'vxdisk', 'vxdctl'] as const).map(
  (t) => `/usr/sbin/${t} ${COLLECTOR_INVOCATIONS[t].join(' ')}`,
);
/** The rig's sudoers drop-in (under /etc/sudoers.d; sudo skips names with a dot). */
export const RIG_SUDOERS_FILE = 'ldi-rig';

/** The drop-in's text: RIG_USER may run `commands` as root without a password (none: not in sudoers). */
export function rigSudoers(commands: string[]): string {
  const lines = [
    '# sudoers drop-in of the libvirt-domain-xml ssh test rig (generated)',
    // The collector runs without a tty (ssh -T): nothing may ask for one.
    `Defaults:${RIG_USER} !requiretty, !use_pty, !lecture`,
  ];
  if (commands.length) lines.push(`${RIG_USER} ALL=(root) NOPASSWD: ${commands.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

export const LSBLK_OLD_INVOCATION = ['--json', '-b', '-o', `${LSBLK_COLUMNS},MOUNTPOINT`];

const TOOL_FILES: Record<Exclude<FakeTool, 'virsh'>, string> = {
  lsblk: 'lsblk.json',
  vxdmpadm: 'vxdmpadm.txt',
  vxdisk: 'vxdisk.txt',
  vxdctl: 'vxdctl.txt',
};

/** Single-quotes a string for sh. */
export function sq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function argsTest(args: string[]): string {
  return [`[ $# -eq ${args.length} ]`, ...args.map((a, i) => `[ "$${i + 1}" = ${sq(a)} ]`)].join(' && ');
}

/** Device nodes to create (block, major 240), in one batch at the end. */
let pendingNodes: Set<string> | undefined;

function ensureFile(path: string): void {
  try {
    lstatSync(path);
  } catch {
    mkdirSync(dirname(path), { recursive: true });
    if (pendingNodes) pendingNodes.add(path);
    else writeFileSync(path, '');
  }
}

function makeBlockNodes(paths: string[]): void {
  if (!paths.length) return;
  const r = spawnSync('sh', ['-c', 'i=0; for p do i=$((i+1)); mknod "$p" b 240 "$i" || exit 1; done', 'sh', ...paths], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`mknod of the fake device nodes failed: ${r.stderr}`);
}

function whiteout(path: string): void {
  // A 0/0 character device in an overlay lower layer hides that name in the layers below.
  const r = spawnSync('mknod', [path, 'c', '0', '0'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mknod ${path} failed: ${r.stderr}`);
}

function readLines(file: string): string[] {
  return existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .map((l) => l.replace(/\r$/, ''))
        .filter((l) => l.length > 0)
    : [];
}

function makeReadable(path: string): void {
  const st = statSync(path);
  if (st.isDirectory()) {
    chmodSync(path, 0o755);
    for (const name of readdirSync(path)) makeReadable(join(path, name));
  } else {
    chmodSync(path, 0o644);
  }
}

/** Domain names of a fixture (from domains/<name>.xml), sorted as `LC_ALL=C sort` would. */
export function fixtureDomains(fixtureDir: string): string[] | undefined {
  const dir = join(fixtureDir, 'domains');
  if (!existsSync(dir)) return undefined;
  return readdirSync(dir)
    .filter((f) => f.endsWith('.xml'))
    .map((f) => f.slice(0, -4))
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/** Storage pools of a fixture (pools/<name>.xml), sorted; active = with a pools/<name>.vols. */
export function fixturePools(fixtureDir: string): { active: string[]; inactive: string[] } | undefined {
  const dir = join(fixtureDir, 'pools');
  if (!existsSync(dir)) return undefined;
  const names = readdirSync(dir)
    .filter((f) => f.endsWith('.xml'))
    .map((f) => f.slice(0, -4))
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return {
    active: names.filter((n) => existsSync(join(dir, `${n}.vols`))),
    inactive: names.filter((n) => !existsSync(join(dir, `${n}.vols`))),
  };
}

/** What the fake `virsh -r list --all --name` prints: one name per line, then an empty line. */
export function virshListOutput(domains: string[]): string {
  return `${domains.map((d) => `${d}\n`).join('')}\n`;
}

export interface FakeHostOptions {
  name: string;
  fixtureDir: string;
  /** The host's directory in the rig (the fake tree goes under it). */
  dir: string;
  toolLogPath: string;
  faults?: RigFault[];
  /** What RIG_USER may run with sudo on this host; default RIG_SUDO_COMMANDS, [] = not in sudoers. */
  sudoCommands?: string[];
  /** Keep the real /usr/bin/virsh (the real libvirt daemon's domains) instead of the fake one. */
  realVirsh?: boolean;
}

export interface FakeHost {
  /** Commands (for sh, as root inside the new mount namespace) that mount the fake tree. */
  mountCommands: string[];
  /** The fixture as copied into the rig (readable by the test user). */
  fixtureCopy: string;
  /** Tools present on this simulated host (vxsnap and vxprint, per disk group, are in dgTools). */
  tools: FakeTool[];
  /** vxsnap and vxprint, where present. */
  dgTools: DgTool[];
}

export function buildFakeHost(opts: FakeHostOptions): FakeHost {
  const fixture = join(opts.dir, 'fixture');
  if (!existsSync(join(opts.fixtureDir, 'lsblk.json'))) throw new Error(`host fixture ${opts.fixtureDir} has no lsblk.json`);
  cpSync(opts.fixtureDir, fixture, { recursive: true });
  makeReadable(fixture);

  const fake = join(opts.dir, 'fake');
  const dev = join(fake, 'dev');
  const bin = join(fake, 'bin');
  const sbin = join(fake, 'sbin');
  for (const d of [dev, bin, sbin]) mkdirSync(d, { recursive: true });
  const inDev = (p: string) => {
    const n = posix.normalize(p);
    if (!n.startsWith('/dev/') || n.split('/').includes('..')) throw new Error(`fixture path outside /dev: ${p}`);
    return join(dev, n.slice('/dev/'.length));
  };

  // Symlinks of links.tsv and dev-links.tsv first, then a device node for every one they or lsblk name.
  pendingNodes = new Set();
  const targets: string[] = [];
  for (const line of [...readLines(join(fixture, 'links.tsv')), ...readLines(join(fixture, 'dev-links.tsv'))]) {
    const tab = line.indexOf('\t');
    if (tab < 0) throw new Error(`links.tsv line without a tab: ${line}`);
    const link = line.slice(0, tab);
    const target = line.slice(tab + 1);
    const at = inDev(link);
    mkdirSync(dirname(at), { recursive: true });
    symlinkSync(target, at);
    targets.push(posix.resolve(posix.dirname(link), target));
  }
  const lsblk = JSON.parse(readFileSync(join(fixture, 'lsblk.json'), 'utf8')) as { blockdevices?: unknown[] };
  const walk = (nodes: unknown[] | undefined) => {
    for (const node of nodes ?? []) {
      const n = node as { kname?: unknown; name?: unknown; path?: unknown; children?: unknown[] };
      const kname = typeof n.kname === 'string' ? n.kname : typeof n.name === 'string' ? n.name : undefined;
      if (kname) ensureFile(inDev(`/dev/${kname}`));
      if (typeof n.path === 'string' && n.path.startsWith('/dev/')) ensureFile(inDev(n.path));
      walk(n.children);
    }
  };
  walk(lsblk.blockdevices);
  for (const t of targets) if (t.startsWith('/dev/')) ensureFile(inDev(t));

  for (const name of readLines(join(fixture, 'vx-dmp-names.txt'))) {
    if (name.includes('/')) throw new Error(`bad DMP node name in vx-dmp-names.txt: ${name}`);
    ensureFile(inDev(`/dev/vx/dmp/${name}`));
  }
  if (existsSync(join(fixture, 'vx-dmp-names.txt'))) mkdirSync(join(dev, 'vx', 'dmp'), { recursive: true });
  for (const vol of readLines(join(fixture, 'vx-dsk-names.txt'))) {
    if (!/^[^/]+\/[^/]+$/.test(vol)) throw new Error(`bad DG/VOL line in vx-dsk-names.txt: ${vol}`);
    ensureFile(inDev(`/dev/vx/dsk/${vol}`));
  }
  if (existsSync(join(fixture, 'vx-dsk-names.txt'))) mkdirSync(join(dev, 'vx', 'dsk'), { recursive: true });
  const nodes = [...pendingNodes];
  pendingNodes = undefined;
  makeBlockNodes(nodes);

  // /dev/disk, /dev/mapper and /dev/vx show exactly the fixture: bind-mounted when
  // the fixture has them, hidden (whiteout) when it does not.
  const mountCommands = [`mount -t overlay ldi-rig-dev -o lowerdir=${dev}:/dev /dev`];
  for (const sub of ['disk', 'mapper', 'vx']) {
    if (existsSync(join(dev, sub))) mountCommands.push(`mount --bind ${join(dev, sub)} /dev/${sub}`);
    else whiteout(join(dev, sub));
  }

  // Fake tools.
  const faults = opts.faults ?? [];
  const faultOf = (tool: FakeTool) => faults.find((f) => f.kind !== 'old-lsblk' && (f.tool ?? 'lsblk') === tool);
  const oldLsblk = faults.some((f) => f.kind === 'old-lsblk');
  const domains = opts.realVirsh ? undefined : fixtureDomains(fixture);
  if (domains) {
    writeFileSync(join(opts.dir, 'virsh-list.txt'), virshListOutput(domains));
    const running = readLines(join(fixture, 'domains-running.txt'));
    for (const r of running) if (!domains.includes(r)) throw new Error(`domains-running.txt names ${r}, which has no domains/${r}.xml`);
    writeFileSync(join(opts.dir, 'virsh-running.txt'), virshListOutput(running));
  }

  const mainAction = (tool: FakeTool, file: string): string => {
    const f = faultOf(tool);
    if (!f) return `exec cat ${sq(file)}`;
    switch (f.kind) {
      case 'die':
        return `printf '%s\\n' ${sq(`${tool}: simulated crash (rig fault "die")`)} >&2; kill -KILL $$`;
      case 'truncate': {
        const half = Math.max(1, Math.floor(statSync(file).size / 2));
        return `head -c ${half} ${sq(file)}; kill -KILL 0`;
      }
      case 'hang':
        return 'exec sleep 300';
      case 'flood':
        return `head -c ${Math.floor(f.bytes)} /dev/zero | tr '\\000' x; exit 0`;
      default:
        return `exec cat ${sq(file)}`;
    }
  };

  const tools: FakeTool[] = [];
  const dgTools: DgTool[] = [];
  const writeTool = (tool: FakeTool | DgTool, where: string, cases: string[]) => {
    const body = [
      '#!/bin/sh',
      `# Fake ${tool} of rig host ${opts.name}: recorded output for the collector's exact arguments only.`,
      `{ printf '%s' ${sq(tool)}; for a in "$@"; do printf '\\t%s' "$a"; done; printf '\\n'; } >>${sq(opts.toolLogPath)}`,
      ...cases,
      `printf '%s: unexpected arguments:' ${sq(tool)} >&2; printf ' [%s]' "$@" >&2; echo >&2`,
      'exit 1',
      '',
    ].join('\n');
    writeFileSync(join(where, tool), body, { mode: 0o755 });
    if (tool === 'vxsnap' || tool === 'vxprint') dgTools.push(tool);
    else tools.push(tool);
  };

  const lsblkFile = join(fixture, 'lsblk.json');
  if (oldLsblk) {
    writeTool('lsblk', bin, [
      `if ${argsTest(COLLECTOR_INVOCATIONS.lsblk)}; then echo 'lsblk: unknown column: MOUNTPOINTS' >&2; exit 1; fi`,
      `if ${argsTest(LSBLK_OLD_INVOCATION)}; then ${mainAction('lsblk', lsblkFile)}; fi`,
    ]);
  } else {
    writeTool('lsblk', bin, [`if ${argsTest(COLLECTOR_INVOCATIONS.lsblk)}; then ${mainAction('lsblk', lsblkFile)}; fi`]);
  }

  if (opts.realVirsh) {
    // Neither written nor hidden: the lower layer /usr/bin shows through.
    if (!existsSync(REAL_VIRSH))
      throw new RigUnavailable(`${REAL_VIRSH} is not installed (package libvirt-clients; scripts/setup-test-tools.sh installs it)`);
  } else if (domains) {
    const versionFile = join(fixture, 'libvirt-version.txt');
    writeFileSync(
      join(opts.dir, 'libvirt-version.txt'),
      existsSync(versionFile) ? readFileSync(versionFile, 'utf8') : `${DEFAULT_LIBVIRT_VERSION}\n`,
    );
    const pools = fixturePools(fixture) ?? { active: [], inactive: [] };
    writeFileSync(join(opts.dir, 'pool-active.txt'), virshListOutput(pools.active));
    writeFileSync(join(opts.dir, 'pool-inactive.txt'), virshListOutput(pools.inactive));
    const ddir = sq(join(fixture, 'domains'));
    const pdir = sq(join(fixture, 'pools'));
    writeTool('virsh', bin, [
      `if [ $# -eq 1 ] && [ "$1" = --version ]; then exec cat ${sq(join(opts.dir, 'libvirt-version.txt'))}; fi`,
      // Without -c a non-root login reaches its own qemu:///session (empty), as with libvirt.
      'uri=',
      'if [ "$1" = -c ] && [ $# -ge 2 ]; then uri=$2; shift 2; fi',
      'if [ -z "$uri" ]; then if [ "$(id -u)" = 0 ]; then uri=qemu:///system; else uri=qemu:///session; fi; fi',
      'if [ "$uri" = qemu:///session ] && [ "$1" = -r ]; then',
      `  case "$2 $3 $4" in 'list --all --name'|'list --name '|'pool-list --name '|'pool-list --inactive --name') echo; exit 0 ;; esac`,
      'fi',
      `if [ "$uri" != ${sq(SYSTEM_URI)} ]; then printf 'error: failed to connect to the hypervisor\\nerror: no connection driver available for %s\\n' "$uri" >&2; exit 1; fi`,
      `if [ "$(id -u)" != 0 ] && ! id -Gn | tr ' ' '\\n' | grep -qx ${sq(RIG_LIBVIRT_GROUP)}; then`,
      `  printf '%s\\n' 'error: failed to connect to the hypervisor' "error: authentication unavailable: no polkit agent available to authenticate action 'org.libvirt.unix.manage'" >&2; exit 1`,
      'fi',
      `if ${argsTest(COLLECTOR_INVOCATIONS.virsh.slice(2))}; then ${mainAction('virsh', join(opts.dir, 'virsh-list.txt'))}; fi`,
      `if ${argsTest(VIRSH_ACTIVE_INVOCATION.slice(2))}; then exec cat ${sq(join(opts.dir, 'virsh-running.txt'))}; fi`,
      `if ${argsTest(['-r', 'pool-list', '--name'])}; then exec cat ${sq(join(opts.dir, 'pool-active.txt'))}; fi`,
      `if ${argsTest(['-r', 'pool-list', '--inactive', '--name'])}; then exec cat ${sq(join(opts.dir, 'pool-inactive.txt'))}; fi`,
      // The persistent definition; as virsh, `--` ends the options (a name may start with "-").
      `if [ $# -eq 5 ] && [ "$1" = -r ] && [ "$2" = dumpxml ] && [ "$3" = --inactive ] && [ "$4" = -- ]; then`,
      `  case $5 in */*|'') ;; *) [ -f ${ddir}/"$5".xml ] && exec cat ${ddir}/"$5".xml ;; esac`,
      `  printf "error: failed to get domain '%s'\\n" "$5" >&2; exit 1`,
      'fi',
      `if [ $# -eq 4 ] && [ "$1" = -r ] && [ "$2" = pool-dumpxml ] && [ "$3" = -- ]; then`,
      `  case $4 in */*|'') ;; *) [ -f ${pdir}/"$4".xml ] && exec cat ${pdir}/"$4".xml ;; esac`,
      `  printf "error: failed to get pool '%s'\\nerror: Storage pool not found: no storage pool with matching name '%s'\\n" "$4" "$4" >&2; exit 1`,
      'fi',
      `if [ $# -eq 5 ] && [ "$1" = -r ] && [ "$2" = vol-list ] && [ "$3" = --details ] && [ "$4" = -- ]; then`,
      `  case $5 in */*|'') ;; *) [ -f ${pdir}/"$5".vols ] && exec cat ${pdir}/"$5".vols ;; esac`,
      `  printf "error: Requested operation is not valid: storage pool '%s' is not active\\n" "$5" >&2; exit 1`,
      'fi',
    ]);
  } else {
    whiteout(join(bin, 'virsh'));
    whiteout(join(sbin, 'virsh'));
  }

  for (const tool of ['vxdmpadm', 'vxdisk', 'vxdctl'] as const) {
    const file = join(fixture, TOOL_FILES[tool]);
    if (existsSync(file)) {
      // In /usr/sbin, as on an InfoScale host (not in a non-root user's PATH: the collector finds it there).
      // vxdmpadm and vxdisk refuse a non-root login (stand-in wording: the real message was not at hand).
      const refuse =
        tool === 'vxdctl'
          ? []
          : [`if [ "$(id -u)" != 0 ]; then printf 'VxVM %s ERROR: Permission denied (must be run as root)\\n' ${sq(tool)} >&2; exit 1; fi`];
      writeTool(tool, sbin, [...refuse, `if ${argsTest(COLLECTOR_INVOCATIONS[tool])}; then ${mainAction(tool, file)}; fi`]);
    } else {
      whiteout(join(bin, tool));
      whiteout(join(sbin, tool));
    }
  }
  // vxsnap and vxprint: the fixture's file for the disk group named after -g, for the collector's exact
  // arguments (the name is never evaluated: a name with "/" or a leading "." has no file).
  for (const tool of ['vxsnap', 'vxprint'] as const) {
    const dir = join(fixture, tool);
    if (existsSync(dir)) {
      const args = DG_TOOL_INVOCATIONS[tool]('DG');
      const test = [`[ $# -eq ${args.length} ]`, ...args.flatMap((a, i) => (i === 1 ? [] : [`[ "$${i + 1}" = ${sq(a)} ]`]))].join(' && ');
      writeTool(tool, sbin, [
        `if [ "$(id -u)" != 0 ]; then printf 'VxVM %s ERROR: Permission denied (must be run as root)\\n' ${sq(tool)} >&2; exit 1; fi`,
        `if ${test}; then`,
        `  case $2 in */*|.*|'') ;; *) [ -f ${sq(dir)}/"$2".txt ] && exec cat ${sq(dir)}/"$2".txt ;; esac`,
        // Stand-in wording: the real message was not at hand.
        `  printf 'VxVM %s ERROR: Disk group %s: no such disk group is imported\\n' ${sq(tool)} "$2" >&2; exit 1`,
        'fi',
      ]);
    } else {
      whiteout(join(bin, tool));
      whiteout(join(sbin, tool));
    }
  }
  mountCommands.push(
    `mount -t overlay ldi-rig-bin -o lowerdir=${bin}:/usr/bin /usr/bin`,
    `mount -t overlay ldi-rig-sbin -o lowerdir=${sbin}:/usr/sbin /usr/sbin`,
  );

  // /etc/udev/rules.d: exactly the fixture's udev-rules/ (hidden when it has none).
  const etc = join(fake, 'etc');
  mkdirSync(join(etc, 'udev'), { recursive: true });
  const rules = join(fixture, 'udev-rules');
  if (existsSync(rules)) cpSync(rules, join(etc, 'udev', 'rules.d'), { recursive: true });
  else whiteout(join(etc, 'udev', 'rules.d'));
  // /etc/hosts names the simulated host (as on a real one): else sudo warns "unable to resolve host".
  const realHosts = existsSync('/etc/hosts') ? readFileSync('/etc/hosts', 'utf8') : '127.0.0.1\tlocalhost\n';
  writeFileSync(join(etc, 'hosts'), `${realHosts.replace(/\n?$/, '\n')}127.0.1.1\t${opts.name.slice(0, 63)}\n`, { mode: 0o644 });
  chmodSync(join(etc, 'hosts'), 0o644);
  // /etc/sudoers.d/ldi-rig: sudo reads a drop-in only when root owns it and it is not writable (0440).
  // Written here at run time by root (nothing committed carries these permissions); the overlay shows
  // the lower file's owner and mode. Harmless where sudo is not installed.
  const sudoersDir = join(etc, 'sudoers.d');
  mkdirSync(sudoersDir, { mode: 0o755 });
  chmodSync(sudoersDir, 0o755);
  const sudoers = join(sudoersDir, RIG_SUDOERS_FILE);
  writeFileSync(sudoers, rigSudoers(opts.sudoCommands ?? RIG_SUDO_COMMANDS), { mode: 0o440 });
  chownSync(sudoersDir, 0, 0);
  chownSync(sudoers, 0, 0);
  chmodSync(sudoers, 0o440);
  mountCommands.push(`mount -t overlay ldi-rig-etc -o lowerdir=${etc}:/etc /etc`);

  // /sys/class/scsi_host (+ fc_host names) from scsi-hosts.tsv; hidden when the fixture has none.
  const cls = join(fake, 'sys-class');
  mkdirSync(cls, { recursive: true });
  if (existsSync(join(fixture, 'scsi-hosts.tsv'))) {
    mkdirSync(join(cls, 'scsi_host'));
    mkdirSync(join(cls, 'fc_host'));
    for (const line of readLines(join(fixture, 'scsi-hosts.tsv'))) {
      const [host, link, wwnn, wwpn] = line.split('\t');
      if (!/^host\d+$/.test(host) || !link) throw new Error(`bad scsi-hosts.tsv line: ${line}`);
      symlinkSync(link, join(cls, 'scsi_host', host));
      if (wwnn && wwpn) {
        mkdirSync(join(cls, 'fc_host', host));
        writeFileSync(join(cls, 'fc_host', host, 'node_name'), `${wwnn}\n`);
        writeFileSync(join(cls, 'fc_host', host, 'port_name'), `${wwpn}\n`);
      }
    }
  } else {
    whiteout(join(cls, 'scsi_host'));
    whiteout(join(cls, 'fc_host'));
  }
  mountCommands.push(`mount -t overlay ldi-rig-sys-class -o lowerdir=${cls}:/sys/class /sys/class`);
  return { mountCommands, fixtureCopy: fixture, tools, dgTools };
}

/** Makes the tool log writable by the test user. */
export function createToolLog(path: string, uid: number, gid: number): void {
  writeFileSync(path, '');
  chownSync(path, uid, gid);
  chmodSync(path, 0o644);
}
