/**
 * `libvirt-domain-lint define --host DEST [--yes] [--force] FILE...`: the only command that changes a
 * host. For each file: the host's inventory and schema are read, the file is checked (well-formed,
 * schema, every host-aware rule against that host), refused on an error-level finding (unless
 * --force) or when it would replace or rename another domain (always), the review diff from the
 * host's definition is shown and confirmed (a terminal prompt, or --yes), then the XML goes to
 * `virsh define /dev/stdin` and the definition is read back: what libvirt dropped or rewrote of the
 * file is reported, one warning per item.
 */
import { parseDomainDocument, runRules } from '../analysis';
import { terminalText as t } from '../encode';
import { readFileText } from '../files';
import { definedDomain, planDefine, readbackChanges } from '../features/define';
import { defineCommand, defineOnHost } from '../inventory/define';
import { fetchSnapshot } from '../inventory/fetch';
import { HostIndex } from '../inventory/resolver';
import type { InventorySnapshot } from '../inventory/snapshot';
import { DEFAULT_LIBVIRT_URI, type TransportOptions } from '../inventory/transport';
import { FileReadError } from '../safeRead';
import { defaultSchemaCacheDir, fetchHostSchemas } from '../schema/hostSchemas';
import { dirSchemaSource, LOCAL_SCHEMA_DIR, schemaValidator, type SchemaValidator } from '../schema/validator';

export interface DefineRequest {
  host: string;
  files: string[];
  /** Define without asking (needed when there is no terminal to ask on). */
  yes: boolean;
  /** Define despite error-level findings (never despite a conflict). */
  force: boolean;
  transport: TransportOptions;
}

export interface DefineIo {
  out(line: string): void;
  err(line: string): void;
  /** Asks a yes/no question on the terminal; undefined when there is no terminal. */
  confirm?: (question: string) => Promise<boolean>;
}

/** The host's own schema when it can be fetched and passes the checks, else the local one (said so); undefined when neither. */
async function hostSchema(host: string, transport: TransportOptions, io: DefineIo): Promise<SchemaValidator | undefined> {
  try {
    return await schemaValidator((await fetchHostSchemas(host, defaultSchemaCacheDir(), transport)).source);
  } catch (e) {
    io.err(`libvirt-domain-lint: ${t(host)}: its schema could not be used (${t((e as Error).message)}); checking with the local schema`);
  }
  try {
    return await schemaValidator(dirSchemaSource(LOCAL_SCHEMA_DIR, 'local'));
  } catch {
    return undefined;
  }
}

/** Runs `define`; the exit status: 0 defined (or nothing to change), 1 refused, 2 not confirmed or a host/file problem. */
export async function runDefine(req: DefineRequest, io: DefineIo): Promise<number> {
  const { host } = req;
  const uri = req.transport.libvirtUri ?? DEFAULT_LIBVIRT_URI;
  let snapshot: InventorySnapshot = await fetchSnapshot(host, req.transport);
  const validator = await hostSchema(host, req.transport, io);
  if (!validator && !req.force) {
    io.err(
      `libvirt-domain-lint: ${t(host)}: no libvirt schema to check against (neither the host's nor a local one); refusing (--force defines unchecked)`,
    );
    return 1;
  }
  let status = 0;
  for (const file of req.files) {
    let text: string;
    try {
      text = readFileText(file).text;
    } catch (e) {
      io.err(`libvirt-domain-lint: ${e instanceof FileReadError ? t(e.message) : `${t(file)}: cannot read (${t((e as Error).message)})`}`);
      status = Math.max(status, 2);
      continue;
    }
    const analysis = runRules(parseDomainDocument(text), [new HostIndex(snapshot)], [], validator);
    for (const f of analysis.findings) {
      const p = analysis.doc.lines.positionAt(f.start);
      io.out(`${t(file)}:${p.line + 1}:${p.character + 1}: ${f.severity} ${f.code}: ${t(f.message)}`);
    }
    const plan = planDefine(analysis, snapshot, file);
    const what = `${t(plan.name ?? file)} on ${t(host)}`;
    if (plan.conflict) {
      io.err(`libvirt-domain-lint: ${t(file)}: not defined: ${t(plan.conflict)}`);
      status = Math.max(status, 1);
      continue;
    }
    if (plan.blocking.length && !req.force) {
      io.err(
        `libvirt-domain-lint: ${t(file)}: not defined: ${plan.blocking.length} error${plan.blocking.length > 1 ? 's' : ''} above (--force defines anyway)`,
      );
      status = Math.max(status, 1);
      continue;
    }
    if (!plan.diff) {
      io.out(`${what}: the host's definition already says this; nothing defined`);
      continue;
    }
    // The diff's lines are document and host text, made terminal-safe line by line (normalisedXml).
    for (const line of plan.diff.trimEnd().split('\n')) io.out(t(line));
    if (!req.yes) {
      if (!io.confirm) {
        io.err(`libvirt-domain-lint: ${t(file)}: not defined: no terminal to confirm on; pass --yes to define without asking`);
        status = Math.max(status, 2);
        continue;
      }
      if (!(await io.confirm(`Define ${what}${plan.current ? ' (replacing its definition)' : ''}? [y/N] `))) {
        io.err(`libvirt-domain-lint: ${t(file)}: not defined (not confirmed)`);
        status = Math.max(status, 2);
        continue;
      }
    }
    io.err(`libvirt-domain-lint: ${t(host)}: running ${defineCommand(uri).join(' ')} with ${t(file)} on its standard input`);
    const answer = await defineOnHost(host, text, req.transport);
    io.out(`${what}: ${t(answer)}`);
    // The readback: the host's inventory again (names from the host's own list, never from the file).
    try {
      snapshot = await fetchSnapshot(host, req.transport);
    } catch (e) {
      io.err(`libvirt-domain-lint: ${t(host)}: defined, but the definition could not be read back: ${t((e as Error).message)}`);
      status = Math.max(status, 2);
      continue;
    }
    const changes = readbackChanges(text, definedDomain(snapshot, plan));
    if (!changes) {
      io.err(`libvirt-domain-lint: ${t(host)}: defined, but ${t(plan.name ?? '')} is not in its domain list afterwards`);
      status = Math.max(status, 2);
      continue;
    }
    for (const c of changes) {
      const p = analysis.doc.lines.positionAt(c.start);
      io.out(`${t(file)}:${p.line + 1}:${p.character + 1}: warning ${t(c.message)}`);
    }
    if (!changes.length) io.out(`${what}: read back: libvirt kept everything the file sets`);
  }
  return status;
}
