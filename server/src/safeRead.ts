/**
 * Reading a file someone else named (a setting, a repository, a command line) without being made
 * to block, to exhaust memory or to read a device: the path is stat'ed first (following links) and
 * only a regular file is opened, with O_NONBLOCK so that a FIFO swapped in after the stat cannot
 * block the open; the open file is fstat'ed again; the size bound is checked before reading and
 * while reading (a file that grows, or a /proc file that reports size 0). Every failure is one
 * line naming the file and the cause; the file's content is never quoted.
 */
import { closeSync, constants, fstatSync, openSync, readSync, Stats, statSync } from 'node:fs';
import { terminalText } from './encode';

/** The default bound: as for a host's collector output. */
export const DEFAULT_MAX_READ_BYTES = 256 * 1024 * 1024;

export interface ReadBoundedOptions {
  /** Refuse files larger than this (default 256 MiB). */
  maxBytes?: number;
  /** What the file is, for the message: "inventory" gives "FILE: cannot read inventory: …". */
  what?: string;
}

export interface BoundedRead {
  data: Buffer;
  /** fstat of the file that was read. */
  stat: Stats;
}

export type FileReadErrorKind = 'not-regular' | 'too-large' | 'io';

/** A file that was not read: `message` is one line, "FILE: cannot read [WHAT]: CAUSE". */
export class FileReadError extends Error {
  constructor(
    readonly path: string,
    readonly kind: FileReadErrorKind,
    /** The cause alone: "ENOENT", "not a regular file (character device)", "larger than 256 MiB". */
    readonly reason: string,
    /** The errno code, for `io` errors. */
    readonly code?: string,
    what?: string,
  ) {
    super(`${terminalText(path)}: cannot read${what ? ` ${what}` : ''}: ${reason}`);
    this.name = 'FileReadError';
  }
}

function sizeText(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  if (mib >= 1) return `${Number.isInteger(mib) ? mib : mib.toFixed(1)} MiB`;
  const kib = bytes / 1024;
  return kib >= 1 ? `${Number.isInteger(kib) ? kib : kib.toFixed(1)} KiB` : `${bytes} bytes`;
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'directory';
  if (st.isCharacterDevice()) return 'character device';
  if (st.isBlockDevice()) return 'block device';
  if (st.isFIFO()) return 'FIFO';
  if (st.isSocket()) return 'socket';
  if (st.isSymbolicLink()) return 'symbolic link';
  return 'special file';
}

/** O_NONBLOCK: opening a FIFO never waits for a writer (it is then refused by the fstat check). */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);

function checkRegular(path: string, st: Stats, max: number, what?: string): void {
  if (!st.isFile()) throw new FileReadError(path, 'not-regular', `not a regular file (${kindOf(st)})`, undefined, what);
  if (st.size > max) throw new FileReadError(path, 'too-large', `larger than ${sizeText(max)}`, undefined, what);
}

function ioError(path: string, e: unknown, what?: string): FileReadError {
  if (e instanceof FileReadError) return e;
  const err = e as NodeJS.ErrnoException;
  return new FileReadError(path, 'io', err.code ?? terminalText(String(err.message).replace(/\s+/g, ' ')), err.code, what);
}

/**
 * The bytes read so far, in a buffer that starts at the reported size plus one byte (to see growth;
 * at least 64 KiB for size-0 files) and doubles up to one byte over the bound.
 */
class Accumulator {
  buf: Buffer;
  total = 0;

  constructor(
    st: Stats,
    private readonly max: number,
  ) {
    // Not 64 KiB for every file: over a directory of small files that was most of the allocation.
    this.buf = Buffer.allocUnsafe(Math.min(max + 1, st.size > 0 ? st.size + 1 : 64 * 1024));
  }

  /** Makes room for the next read; false once more than the bound has been read. */
  room(): boolean {
    if (this.total < this.buf.length) return true;
    if (this.total > this.max) return false;
    const bigger = Buffer.allocUnsafe(Math.min(this.max + 1, this.buf.length * 2));
    this.buf.copy(bigger, 0, 0, this.total);
    this.buf = bigger;
    return true;
  }

  /** Counts a read of `n` bytes; false at the end of the file. */
  add(n: number): boolean {
    this.total += n;
    return n > 0;
  }

  result(path: string, what: string | undefined): Buffer {
    if (this.total > this.max) throw new FileReadError(path, 'too-large', `larger than ${sizeText(this.max)}`, undefined, what);
    return this.buf.subarray(0, this.total);
  }
}

/** Reads a regular file of at most `maxBytes` (see the module comment); throws FileReadError. */
export function readFileBounded(path: string, opts: ReadBoundedOptions = {}): BoundedRead {
  const max = opts.maxBytes ?? DEFAULT_MAX_READ_BYTES;
  const what = opts.what;
  let fd: number | undefined;
  try {
    checkRegular(path, statSync(path), max, what);
    fd = openSync(path, OPEN_FLAGS);
    const st = fstatSync(fd);
    checkRegular(path, st, max, what);
    const acc = new Accumulator(st, max);
    while (acc.room() && acc.add(readSync(fd, acc.buf, acc.total, acc.buf.length - acc.total, null)));
    return { data: acc.result(path, what), stat: st };
  } catch (e) {
    throw ioError(path, e, what);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
