/**
 * Reading and writing domain XML files without changing a byte we were not asked to change:
 * the encoding (UTF-8, UTF-16 LE/BE) and BOM are detected and restored; a file whose bytes do not
 * survive decoding unchanged is never rewritten. Writes go to a temporary file in the same
 * directory, keep the mode, and are renamed over the original.
 */
import { closeSync, fchmodSync, fchownSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { readFileBounded } from './safeRead';

export type Encoding = 'utf8' | 'utf16le' | 'utf16be';

export interface FileText {
  path: string;
  text: string;
  encoding: Encoding;
  bom: boolean;
  /** Whether encoding `text` again gives back the original bytes (else the file must not be rewritten). */
  lossless: boolean;
  mode: number;
  /** Owner and group, kept when the file is rewritten (by root; others cannot give files away). */
  uid?: number;
  gid?: number;
}

function swap16(buf: Buffer): Buffer {
  const out = Buffer.from(buf);
  for (let i = 0; i + 1 < out.length; i += 2) {
    const t = out[i];
    out[i] = out[i + 1];
    out[i + 1] = t;
  }
  return out;
}

export function encodeText(text: string, encoding: Encoding, bom: boolean): Buffer {
  let body: Buffer;
  if (encoding === 'utf8') body = Buffer.from(text, 'utf8');
  else if (encoding === 'utf16le') body = Buffer.from(text, 'utf16le');
  else body = swap16(Buffer.from(text, 'utf16le'));
  if (!bom) return body;
  const mark = encoding === 'utf8' ? [0xef, 0xbb, 0xbf] : encoding === 'utf16le' ? [0xff, 0xfe] : [0xfe, 0xff];
  return Buffer.concat([Buffer.from(mark), body]);
}

export function decodeBuffer(buf: Buffer): Omit<FileText, 'path' | 'mode'> {
  let encoding: Encoding = 'utf8';
  let bom = false;
  let body = buf;
  if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
    bom = true;
    body = buf.subarray(3);
  } else if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) {
    encoding = 'utf16le';
    bom = true;
    body = buf.subarray(2);
  } else if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) {
    encoding = 'utf16be';
    bom = true;
    body = buf.subarray(2);
  } else if (buf.length >= 2 && (buf[0] === 0) !== (buf[1] === 0)) {
    // No BOM, but a NUL in the first code unit (XML 1.0 appendix F: `<\0?\0` or `\0<\0?`): UTF-16.
    // NUL is never a character of an XML document, so a UTF-8 one cannot start this way.
    encoding = buf[0] === 0 ? 'utf16be' : 'utf16le';
  }
  const text =
    encoding === 'utf8' ? body.toString('utf8') : encoding === 'utf16le' ? body.toString('utf16le') : swap16(body).toString('utf16le');
  // Valid UTF-8 always decodes and encodes back to the same bytes (checked natively, without a copy).
  const lossless = encoding === 'utf8' ? isUtf8(body) : encodeText(text, encoding, bom).equals(buf);
  return { text, encoding, bom, lossless };
}

export interface ReadTextOptions {
  /** Refuse files larger than this (default 256 MiB; the editor's workspace scan reads at most 4 MiB). */
  maxBytes?: number;
}

/**
 * Reads a domain file: a regular file of at most 256 MiB (never a device or a FIFO), else a
 * FileReadError whose message is one line naming the file and the cause. The encoding (UTF-8,
 * UTF-16 LE/BE, with or without BOM) is detected by `decodeBuffer`. The CLI, the server and the
 * workspace scan all read documents through this.
 */
export function readFileText(path: string, opts: ReadTextOptions = {}): FileText {
  const { data: buf, stat: st } = readFileBounded(path, { maxBytes: opts.maxBytes });
  return { path, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, ...decodeBuffer(buf) };
}

/** Atomically replaces the file's content with `text` in its original encoding, BOM and mode. */
export function writeFileTextAtomic(file: FileText, text: string): void {
  const data = encodeText(text, file.encoding, file.bom);
  const tmp = join(dirname(file.path), `.${basename(file.path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o600);
    if (file.uid !== undefined && file.gid !== undefined && process.getuid?.() === 0) fchownSync(fd, file.uid, file.gid);
    fchmodSync(fd, file.mode); // the umask must not change the mode (and chown may clear set-id bits)
    writeSync(fd, data);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, file.path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      /* not created */
    }
    throw e;
  }
}

/** Atomically writes a new UTF-8 text file (temporary file in the same directory, then rename). */
export function writeTextAtomic(path: string, text: string): void {
  writeFileTextAtomic({ path, text: '', encoding: 'utf8', bom: false, lossless: true, mode: 0o644 }, text);
}
