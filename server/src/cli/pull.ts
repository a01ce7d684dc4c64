/**
 * `libvirt-domain-lint pull --host DEST [--out DIR] [NAME...]`: writes each domain's persistent
 * definition, byte for byte what `virsh dumpxml --inactive NAME` printed on the host, to DIR/NAME.xml.
 * The definitions come from the inventory the collector reads anyway (the production transport and
 * script: names reach the host only as virsh arguments after `--`, inside the read-only collector).
 */
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { terminalText as t } from '../encode';
import { writeTextAtomic } from '../files';
import { fetchSnapshot } from '../inventory/fetch';
import type { HostDomain } from '../inventory/snapshot';
import type { TransportOptions } from '../inventory/transport';

export interface PullRequest {
  host: string;
  /** The directory the files go to (created when missing). */
  outDir: string;
  /** The domains to write; none: every domain of the host. */
  names: string[];
  transport: TransportOptions;
}

export interface PullOutput {
  out(line: string): void;
  err(line: string): void;
}

/**
 * Characters a file name never takes from a domain name as they are: `/` and `\` (path separators),
 * `%` (the escape itself, so the encoding stays one-to-one), C0/C1 controls and DEL, and the
 * characters that reorder or break a line when a listing shows the name.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_FILE_NAME = /[\u0000-\u001f\u007f-\u009f/\\%\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/gu;
/** A file name longer than this (UTF-8 bytes) is refused: with `.xml` and the atomic write's temporary name it must stay under 255. */
export const MAX_FILE_NAME_BYTES = 200;

const percent = (c: string): string => [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');

/**
 * The file name of a domain's definition: NAME.xml, with the characters of UNSAFE_IN_FILE_NAME and a
 * leading `.` (a hidden file; `.`, `..`) or `-` (read as an option by the next command that is given
 * the file) written as %XX of their UTF-8 bytes. `encoded` says the name was changed. The result has
 * no path separator and never starts with `.`: it cannot leave the directory it is joined to.
 */
export function domainFileName(name: string): { file: string; encoded: boolean } {
  let file = name.replace(UNSAFE_IN_FILE_NAME, percent);
  if (file.startsWith('.') || file.startsWith('-')) file = percent(file[0]) + file.slice(1);
  return { file: `${file}.xml`, encoded: file !== name };
}

/** Runs `pull`; returns the exit status (0 written, 1 a named domain is not on the host, 2 a host or file problem). */
export async function runPull(req: PullRequest, io: PullOutput): Promise<number> {
  const host = req.host;
  const snap = await fetchSnapshot(host, req.transport);
  for (const w of snap.warnings) io.err(`libvirt-domain-lint: ${t(host)}: warning: ${t(w)}`);
  const list = snap.tools['virsh-list'];
  if (!snap.domains || list !== 'ok') {
    io.err(
      list === 'absent' || list === undefined
        ? `libvirt-domain-lint: ${t(host)}: virsh is not installed there: no domains to pull`
        : `libvirt-domain-lint: ${t(host)}: its domains could not be listed (virsh list ${list})`,
    );
    return 2;
  }
  const byName = new Map(snap.domains.map((d) => [d.name, d]));
  // A domain listed but not read (its dumpxml failed): the collector recorded that section's state.
  const listed = (n: string) => byName.has(n) || snap.tools[`virsh-dumpxml ${n}`] !== undefined;

  const names = req.names.length ? [...new Set(req.names)] : snap.domains.map((d) => d.name);
  const missing = names.filter((n) => !listed(n));
  if (missing.length) {
    for (const n of missing) io.err(`libvirt-domain-lint: ${t(host)} has no domain ${t(n)}`);
    return 1;
  }

  let status = 0;
  const chosen: { name: string; domain: HostDomain; file: string; encoded: boolean }[] = [];
  for (const name of names) {
    const domain = byName.get(name);
    if (!domain || domain.xml === undefined) {
      io.err(`libvirt-domain-lint: ${t(host)}: the definition of ${t(name)} could not be read (see the warnings above); not written`);
      status = 2;
      continue;
    }
    const { file, encoded } = domainFileName(name);
    if (Buffer.byteLength(file, 'utf8') > MAX_FILE_NAME_BYTES) {
      io.err(`libvirt-domain-lint: ${t(host)}: the name of ${t(name)} is too long for a file name; not written`);
      status = 2;
      continue;
    }
    chosen.push({ name, domain, file, encoded });
  }

  if (chosen.length) {
    try {
      mkdirSync(req.outDir, { recursive: true });
      if (!statSync(req.outDir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    } catch (e) {
      io.err(`libvirt-domain-lint: ${t(req.outDir)}: cannot write there (${t(String((e as NodeJS.ErrnoException).code ?? e))})`);
      return 2;
    }
  }
  for (const { name, domain, file, encoded } of chosen) {
    const path = join(req.outDir, file);
    try {
      writeTextAtomic(path, domain.xml!);
    } catch (e) {
      io.err(`libvirt-domain-lint: ${t(path)}: cannot write (${t(String((e as NodeJS.ErrnoException).code ?? e))})`);
      status = 2;
      continue;
    }
    if (encoded)
      io.err(
        `libvirt-domain-lint: ${t(host)}: domain ${t(name)} is not a safe file name as it is: written as ${t(file)} (%XX: its UTF-8 bytes)`,
      );
    io.out(t(path));
  }
  if (!req.names.length && !snap.domains.length) io.err(`libvirt-domain-lint: ${t(host)}: no domains defined there`);
  return status;
}
