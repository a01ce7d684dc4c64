/**
 * libvirt-domain-lint: lint domain XML files (or directories of them) against host inventories,
 * optionally applying the preferred fixes in place.
 */
import { lstatSync, statSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { ParsedDocument, parseDomainDocument, runRules } from '../analysis';
import { jsonText, terminalLines, terminalText as t } from '../encode';
import { defaultSchemaCacheDir, fetchHostSchemas } from '../schema/hostSchemas';
import { dirSchemaSource, LOCAL_SCHEMA_DIR, SchemaSource, SchemaValidator, schemaValidator } from '../schema/validator';
import { peerOf } from '../domain/peer';
import { InventoryError } from '../inventory/errors';
import { fetchSnapshot } from '../inventory/fetch';
import { loadInventoryFile } from '../inventory/load';
import { HostIndex } from '../inventory/resolver';
import { collectorScript, TransportOptions } from '../inventory/transport';
import { applyEdits, preferredEdits } from '../rules/applyFixes';
import type { PeerDomain } from '../rules/types';
import { peersWithout } from '../rules/lunUsers';
import { FileText, readFileText, writeFileTextAtomic, writeTextAtomic } from '../files';
import { isAuditWorker, runAudit, serveAuditWorker } from './audit';
import { runDefine } from './define';
import { TRANSPORT_OPTIONS, transportFromArgs } from './transportArgs';
import { runPull } from './pull';
import { SarifFile, toSarif } from './sarif';
import { walkXmlFiles } from '../walk';
import {
  errText,
  isLintWorker,
  type JsonFinding,
  lintRuns,
  runValidators,
  startLintWorkers,
  readErrorLine,
  serveLintWorker,
  SEVERITY_ORDER,
  textLines,
  toJson,
} from './lintFile';

const USAGE = `usage: libvirt-domain-lint [--inventory FILE]... [--host DEST]... [--format text|json|sarif] [--fix] [--schema host|local|DIR] PATH...
       libvirt-domain-lint inventory --host DEST [--out FILE]
       libvirt-domain-lint pull --host DEST [--out DIR] [--] [NAME...]
       libvirt-domain-lint define --host DEST [--yes] [--force] FILE...
       libvirt-domain-lint audit [--host DEST]... [--inventory FILE|DIR]... [--parallel N] [--format text|json|sarif] [--fix-out DIR]
       libvirt-domain-lint collector-script [--uri URI] [--sudo]
  PATH                 a domain or storage pool XML file, or a directory searched for *.xml files whose
                       root is <domain> or <pool> (not in dot-directories or node_modules; links are
                       not followed); templates (*.j2, *.jinja, *.erb, *.tmpl, *.xml.in, or any file
                       with Jinja, ERB or Go template tags) are read with their tags masked
  --inventory FILE     an inventory snapshot (JSON) or saved collector output; repeat for a host group
  --host DEST          fetch the live inventory over ssh (an ~/.ssh/config alias, host or user@host;
                       'local' runs the collector on this machine); repeat for a host group
  --ssh-config FILE    passed to ssh as -F FILE
  --ssh PATH           the ssh client to run (default: ssh)
  --connect-timeout S  ssh ConnectTimeout in seconds (default 10)
  --uri URI            the libvirt URI virsh reads domains and pools from on the host (default qemu:///system)
  --sudo               run vxdmpadm, vxdisk, vxdctl there through sudo -n when the login is not root
  --format FORMAT      text (default), json, or sarif (SARIF 2.1.0 for code-scanning UIs)
  --fix                apply each finding's preferred fix in place
  --schema WHICH       also validate against libvirt's RelaxNG schema: 'host' (the first --host's own,
                       fetched, checked, cached by content hash), 'local' (/usr/share/libvirt/schemas) or a directory
  --out FILE           (inventory) write the snapshot there instead of standard output
  --out DIR            (pull) where NAME.xml goes (default: the current directory; created if missing)
pull writes each NAME's persistent definition (every domain's without NAME), byte for byte what
  virsh dumpxml --inactive NAME prints on the host, to DIR/NAME.xml (replaced atomically); a name that
  is not a safe file name (/, \\, %, controls, a leading . or -) is written with %XX escapes, and said so;
  a NAME the host does not have: exit 1. It only reads: names go to virsh as arguments after --.
define (the only command that changes a host) checks each FILE against DEST first: well-formed, the
  host's libvirt schema, every host rule. An error refuses it (exit 1) unless --force; a file that
  would replace another domain (its name with another UUID) or rename one (its UUID, another name) is
  always refused. It prints the diff from the host's definition, asks on a terminal (without one it
  needs --yes, else exit 2), runs \`virsh -c URI define /dev/stdin\` there with the file on its standard
  input, reads the definition back and warns about what libvirt dropped or rewrote.
  --yes                (define) do not ask
  --force              (define) define despite error-level findings
audit checks every domain defined on each host against that host, then across the hosts (a LUN mapped
  on several hosts without <shareable/>, one UUID with different disks); see audit --help.
exit status: 0 nothing at warning or above, 1 findings remain, 2 usage error, unreadable file or unreachable host`;

class UsageError extends Error {}

/** The package version, inlined by the bundler. */
const VERSION: string = process.env.LDX_VERSION ?? '0.0.0';

interface Output {
  out(line: string): void;
  err(line: string): void;
}

const OPTIONS = {
  inventory: { type: 'string', multiple: true },
  host: { type: 'string', multiple: true },
  ...TRANSPORT_OPTIONS,
  format: { type: 'string', default: 'text' },
  fix: { type: 'boolean', default: false },
  out: { type: 'string' },
  schema: { type: 'string' },
  yes: { type: 'boolean', default: false },
  force: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

function parse(argv: string[]) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, strict: true, options: OPTIONS });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

type Parsed = ReturnType<typeof parse>;

function transportOptions(args: Parsed): TransportOptions {
  return transportFromArgs(args.values, (m) => new UsageError(m));
}

/** Fetches every --host in parallel; the first failure is reported as its classified one-line message. */
async function fetchHosts(args: Parsed): Promise<HostIndex[]> {
  const opts = transportOptions(args);
  const snaps = await Promise.all((args.values.host ?? []).map((h) => fetchSnapshot(h, opts)));
  return snaps.map((s) => new HostIndex(s));
}

async function runInventory(argv: string[], io: Output): Promise<number> {
  const args = parse(argv);
  const hosts = args.values.host ?? [];
  if (hosts.length !== 1 || args.positionals.length) throw new UsageError('inventory takes exactly one --host DEST');
  const snap = await fetchSnapshot(hosts[0], transportOptions(args));
  const text = jsonText(snap, 2) + '\n';
  for (const w of snap.warnings) io.err(`libvirt-domain-lint: ${t(hosts[0])}: warning: ${t(w)}`);
  if (args.values.out) {
    try {
      writeTextAtomic(args.values.out, text);
    } catch (e) {
      io.err(`libvirt-domain-lint: ${t(args.values.out)}: cannot write (${errText(e)})`);
      return 2;
    }
    io.err(
      `libvirt-domain-lint: ${t(hosts[0])}: ${snap.devices.length} devices, ${Object.keys(snap.links).length} links, ${snap.dmp?.nodes.length ?? 0} DMP nodes, ${snap.domains?.length ?? 0} domains written to ${t(args.values.out)}`,
    );
  } else io.out(text.trimEnd());
  return 0;
}

/** The schema validator --schema asks for (undefined without --schema). */
async function schemaFor(args: Parsed): Promise<SchemaValidator | undefined> {
  const which = args.values.schema;
  if (!which) return undefined;
  let source: SchemaSource;
  if (which === 'local') source = dirSchemaSource(LOCAL_SCHEMA_DIR, 'local');
  else if (which === 'host') {
    const host = args.values.host?.[0];
    if (!host) throw new UsageError('--schema host needs a --host');
    // The host's own files, fetched each run (a refused schema fails the run with one line).
    source = (await fetchHostSchemas(host, defaultSchemaCacheDir(), transportOptions(args))).source;
  } else source = dirSchemaSource(which, 'configured');
  try {
    return await schemaValidator(source);
  } catch (e) {
    throw new UsageError(`--schema: ${(e as Error).message}`);
  }
}

export async function runLint(argv: string[], io: Output): Promise<number> {
  const args = parse(argv);
  if (args.values.help) {
    io.out(USAGE);
    return 0;
  }
  if (args.values.yes || args.values.force) throw new UsageError('--yes and --force belong to define');
  const format = args.values.format;
  if (format !== 'text' && format !== 'json' && format !== 'sarif')
    throw new UsageError(`--format must be text, json or sarif, not ${format}`);
  if (args.positionals.length === 0) throw new UsageError('no PATH given');

  let status = 0;
  const hosts: HostIndex[] = [];
  for (const f of args.values.inventory ?? []) {
    try {
      hosts.push(loadInventoryFile(f));
    } catch (e) {
      io.err(`libvirt-domain-lint: ${t((e as Error).message)}`);
      return 2;
    }
  }
  hosts.push(...(await fetchHosts(args)));

  const files: string[] = [];
  const named = new Set<string>();
  /** A file named twice (or named and found in a named directory) is linted once. */
  const add = (f: string): void => {
    const key = resolve(f);
    if (named.has(key)) return;
    named.add(key);
    files.push(f);
  };
  for (const p of args.positionals) {
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      io.err(`libvirt-domain-lint: ${t(p)}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : errText(e)}`);
      status = 2;
      continue;
    }
    if (st.isDirectory()) {
      // The walk the editor's workspace scan makes too (../walk.ts): no dot-directories or
      // node_modules, no symbolic links (so neither the lint nor --fix leaves the directory), sorted,
      // and no bound (every file found is linted).
      await walkXmlFiles([p], add, {
        yieldEach: false,
        onError: (dir, e) => {
          io.err(`libvirt-domain-lint: ${t(dir)}: cannot read directory: ${errText(e)}`);
          status = 2;
        },
      });
    } else add(p);
  }

  // Over many files judged alone, the worker threads start before the schema is compiled here: their
  // start-up (the bundle, libxml2, the grammar) overlaps this thread's.
  const workers =
    !hosts.length && !args.values.fix && format !== 'sarif'
      ? startLintWorkers(files.length, args.values.schema !== undefined, argv, format, __filename)
      : undefined;
  const validator = await schemaFor(args);

  const json: JsonFinding[] = [];
  const sarif: SarifFile[] = [];
  const fixed: { file: string; line: number; character: number; from: string; to: string }[] = [];
  let worst = 99;
  type Input = { file: string; shown: string; ft: FileText; parsed: ParsedDocument; index: number };
  // Each run of files its own share of the schema localisation work, as lintRuns gives it.
  const validatorAt = runValidators(validator, files.length);
  /** The rules on one file (`others`: the other files' domains), its fixes applied with --fix, its findings recorded or printed. */
  const judge = ({ file, shown, ft, parsed, index }: Input, others: PeerDomain[]): void => {
    const validator = validatorAt(index);
    let analysis = runRules(parsed, hosts, others, validator);
    if (args.values.fix) {
      const edits = preferredEdits(analysis.findings);
      if (edits.length) {
        if (!ft.lossless) {
          io.err(`libvirt-domain-lint: ${t(shown)}: not rewritten: its bytes are not valid ${ft.encoding}`);
          status = 2;
        } else if ((ft.mode & 0o222) === 0) {
          io.err(`libvirt-domain-lint: ${t(shown)}: not rewritten: the file is read-only`);
          status = 2;
        } else if (isSymlink(file)) {
          // The rename would replace the link with a copy of what it points at (or, written in
          // place, change a file elsewhere): the link's target is fixed by naming it instead.
          io.err(`libvirt-domain-lint: ${t(shown)}: not rewritten: it is a symbolic link (run --fix on the file it points to)`);
          status = 2;
        } else {
          const next = applyEdits(ft.text, edits);
          try {
            writeFileTextAtomic(ft, next);
            for (const e of edits) {
              const pos = analysis.doc.lines.positionAt(e.start);
              fixed.push({ file: shown, line: pos.line, character: pos.character, from: ft.text.slice(e.start, e.end), to: e.newText });
            }
            analysis = runRules(parseDomainDocument(next), hosts, others, validator);
          } catch (err) {
            io.err(`libvirt-domain-lint: ${t(shown)}: cannot write (${errText(err)}); the original is unchanged`);
            status = 2;
          }
        }
      }
    }
    for (const f of analysis.findings) worst = Math.min(worst, SEVERITY_ORDER[f.severity]);
    if (format === 'json') json.push(...toJson(shown, analysis.findings, analysis.doc.lines, analysis.template?.syntax));
    else if (format === 'sarif') sarif.push({ uri: shown.split(sep).join('/'), findings: analysis.findings, lines: analysis.doc.lines });
    else for (const l of textLines(shown, analysis)) io.out(l);
  };

  if (!hosts.length && !args.values.fix && format !== 'sarif') {
    // Without a host no rule reads the other files' domains (peer documents are looked up per host:
    // rules/lunUsers.ts), so each file is judged alone, as soon as it is read, its tree dropped
    // after (no document outlives its turn); over many files with the schema check, on worker threads too.
    const results = workers ? await workers.lint(files, format, validator) : lintRuns(files, format, validator, files.length);
    for (const r of results) {
      for (const l of r.err) io.err(l);
      for (const l of r.out) io.out(l);
      for (const j of r.json) json.push(j); // not spread: a file may have more findings than a call has arguments
      worst = Math.min(worst, r.worst);
      status = Math.max(status, r.status);
    }
  } else {
    // Read and parse every file, so each file's rules see the others' domains (shared LUNs), then judge each.
    const inputs: Input[] = [];
    for (const [index, file] of files.entries()) {
      let ft;
      try {
        ft = readFileText(file);
      } catch (e) {
        io.err(readErrorLine(file, e));
        status = 2;
        continue;
      }
      const parsed = parseDomainDocument(ft.text);
      if (parsed.kind) inputs.push({ file, shown: relative(process.cwd(), file) || file, ft, parsed, index });
    }
    // One peer list; each file gets it without its own entry (peersWithout: the LUN-user index is built once, not per file).
    const peers: PeerDomain[] = [];
    const peerAt = new Map<Input, number>();
    for (const i of inputs) if (i.parsed.model) peerAt.set(i, peers.push(peerOf(i.shown, i.parsed.model)) - 1);
    for (const input of inputs) {
      const at = peerAt.get(input);
      judge(input, at === undefined ? peers : peersWithout(peers, at));
    }
  }
  if (format === 'json') io.out(jsonText(args.values.fix ? { findings: json, fixed } : { findings: json }, 2));
  else if (format === 'sarif') io.out(jsonText(toSarif(sarif, VERSION), 2));
  else {
    for (const f of fixed) io.out(`fixed ${t(f.file)}:${f.line + 1}:${f.character + 1}: ${t(f.from)} -> ${t(f.to)}`);
    if (files.length === 0 && status === 0) io.err('libvirt-domain-lint: no XML files found');
  }
  if (status) return status;
  return worst <= SEVERITY_ORDER.warning ? 1 : 0;
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false; // gone: the write reports it
  }
}

/** A yes/no question on the terminal (standard input and error both one); undefined without a terminal. */
function terminalConfirm(): ((question: string) => Promise<boolean>) | undefined {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined;
  return (question) =>
    new Promise((resolveAnswer) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      rl.question(question, (answer) => {
        rl.close();
        resolveAnswer(/^\s*y(es)?\s*$/i.test(answer));
      });
    });
}

export async function main(argv: string[]): Promise<number> {
  // Every line is written through the terminal encoder: data is encoded where it is interpolated
  // (so it never holds a newline); this catches any control character that got past that, while the
  // tool's own multi-line text (usage, JSON) keeps its line breaks.
  const io: Output = { out: (l) => process.stdout.write(terminalLines(l)), err: (l) => process.stderr.write(terminalLines(l)) };
  try {
    // A worker thread of `audit` runs this bundle too: it serves hosts, it parses no arguments.
    if (isAuditWorker()) return await serveAuditWorker();
    // So does one of the lint's: it judges its share of the files, with the schema the arguments ask for.
    if (isLintWorker()) return await serveLintWorker((a) => schemaFor(parse(a)));
    if (argv[0] === 'audit')
      return await runAudit(argv.slice(1), io, {
        workerScript: __filename,
        progress: process.stderr.isTTY ? (s) => process.stderr.write(`\r\x1b[K${t(s)}`) : undefined,
      });
    if (argv[0] === 'collector-script') {
      // The script as --uri and --sudo set it (for an operator's own tooling: ssh HOST sh -s < script).
      const o = transportOptions(parse(argv.slice(1)));
      process.stdout.write(collectorScript({ libvirtUri: o.libvirtUri, sudo: o.sudo }));
      return 0;
    }
    if (argv[0] === 'inventory') return await runInventory(argv.slice(1), io);
    if (argv[0] === 'pull') {
      const args = parse(argv.slice(1));
      const hosts = args.values.host ?? [];
      if (hosts.length !== 1 || args.values.inventory || args.values.fix || args.values.schema)
        throw new UsageError('pull takes exactly one --host DEST (and no --inventory, --fix or --schema)');
      const req = { host: hosts[0], outDir: args.values.out ?? '.', names: args.positionals, transport: transportOptions(args) };
      return await runPull(req, io);
    }
    if (argv[0] === 'define') {
      const args = parse(argv.slice(1));
      const hosts = args.values.host ?? [];
      if (hosts.length !== 1 || args.values.inventory || args.values.fix || args.values.schema || args.values.out)
        throw new UsageError('define takes exactly one --host DEST (and no --inventory, --fix, --schema or --out)');
      if (!args.positionals.length) throw new UsageError('define: no FILE given');
      const req = {
        host: hosts[0],
        files: args.positionals,
        yes: args.values.yes,
        force: args.values.force,
        transport: transportOptions(args),
      };
      return await runDefine(req, { ...io, confirm: terminalConfirm() });
    }
    return await runLint(argv, io);
  } catch (e) {
    if (e instanceof InventoryError) {
      io.err(`libvirt-domain-lint: ${t(e.message)}`);
      return 2;
    }
    if (e instanceof UsageError) {
      io.err(`libvirt-domain-lint: ${t(e.message)}`);
      io.err(USAGE);
      return 2;
    }
    // The message may quote data: one encoded line, then the stack frames (code locations).
    io.err(`libvirt-domain-lint: internal error: ${t(String((e as Error)?.message ?? e))}`);
    for (const frame of String((e as Error)?.stack ?? '')
      .split('\n')
      .filter((l) => /^\s+at /.test(l)))
      io.err(t(frame));
    return 2;
  }
}

if (require.main === module) void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
