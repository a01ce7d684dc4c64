import { FileReadError, readFileBounded } from '../safeRead';
import { isCollectorOutput, splitCollectorOutput } from './collectorOutput';
import { InventoryError, oneLine } from './errors';
import { snapshotFromCollectorOutput } from './fetch';
import { HostIndex } from './resolver';
import { InventorySnapshot, SnapshotError, validateSnapshot } from './snapshot';

/**
 * Where JSON text first breaks the grammar (UTF-16 offset), or -1 if it does not. Linear and
 * without recursion; used only to say where a file stops being JSON, never to quote what is there.
 */
export function jsonErrorOffset(t: string): number {
  const n = t.length;
  let i = 0;
  const containers: number[] = []; // 0: array, 1: object
  const ws = () => {
    while (i < n) {
      const c = t.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else break;
    }
  };
  const string = (): boolean => {
    i++; // the opening quote
    while (i < n) {
      const c = t.charCodeAt(i);
      if (c === 34) {
        i++;
        return true;
      }
      if (c < 0x20) return false;
      if (c === 92) {
        const e = t[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(t.slice(i + 2, i + 6))) {
            i++;
            return false;
          }
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else {
          i++;
          return false;
        }
      } else i++;
    }
    return false;
  };
  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  let expectValue = true;
  for (;;) {
    ws();
    if (expectValue) {
      if (i >= n) return i;
      const c = t[i];
      if (c === '"') {
        if (!string()) return i;
      } else if (c === '[' || c === '{') {
        containers.push(c === '[' ? 0 : 1);
        i++;
        ws();
        if (t[i] === (c === '[' ? ']' : '}')) {
          containers.pop();
          i++;
        } else if (c === '{') {
          if (t[i] !== '"' || !string()) return i;
          ws();
          if (t[i] !== ':') return i;
          i++;
          continue; // a value follows
        } else continue; // a value follows
      } else if (t.startsWith('true', i)) i += 4;
      else if (t.startsWith('false', i)) i += 5;
      else if (t.startsWith('null', i)) i += 4;
      else {
        NUMBER.lastIndex = i;
        const m = NUMBER.exec(t);
        if (!m || m[0] === '' || m[0] === '-') return i;
        i += m[0].length;
      }
      expectValue = false;
      continue;
    }
    // After a value.
    if (containers.length === 0) return i < n ? i : -1;
    const top = containers[containers.length - 1];
    const c = t[i];
    if (c === ',') {
      i++;
      if (top === 1) {
        ws();
        if (t[i] !== '"' || !string()) return i;
        ws();
        if (t[i] !== ':') return i;
        i++;
      }
      expectValue = true;
    } else if (c === (top === 0 ? ']' : '}')) {
      containers.pop();
      i++;
    } else return i;
  }
}

/** "line L, column C" (1-based) of an offset. */
function lineColumn(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let j = text.indexOf('\n'); j >= 0 && j < offset; j = text.indexOf('\n', j + 1)) {
    line++;
    lineStart = j + 1;
  }
  return `line ${line}, column ${offset - lineStart + 1}`;
}

/**
 * Parses snapshot JSON text; `origin` names the file or host in errors. A text that is not JSON is
 * refused with where it stops being JSON, never with its content (a file named by a repository's
 * settings could be any readable file).
 */
export function snapshotFromText(text: string, origin: string): InventorySnapshot {
  const t = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let data: unknown;
  try {
    data = JSON.parse(t);
  } catch {
    const at = jsonErrorOffset(t);
    throw new SnapshotError(
      `${origin}: not valid JSON${at >= 0 ? ` (${lineColumn(t, at)})` : ''}: neither an inventory snapshot nor collector output`,
    );
  }
  return validateSnapshot(data, origin);
}

/**
 * Reads an inventory file and indexes it: a snapshot JSON, or the raw output of the collector script
 * (as an operator's own tooling collected it). Only a regular file of at most 256 MiB is read (never
 * a device or a FIFO). Errors are one line naming the file.
 */
export function loadInventoryFile(path: string): HostIndex {
  let text: string;
  try {
    text = readFileBounded(path, { what: 'inventory' }).data.toString('utf8');
  } catch (e) {
    if (e instanceof FileReadError) throw new SnapshotError(e.message);
    throw e;
  }
  // Saved collector output may start with login noise before its header line.
  if (isCollectorOutput(text) || /\n#LDI-COLLECTOR /.test(text.slice(0, 65536))) return new HostIndex(snapshotFromRawOutput(text, path));
  return new HostIndex(snapshotFromText(text, path));
}

/** A snapshot from a file holding collector output; the host is named by its `uname -n` section, else the file. */
export function snapshotFromRawOutput(text: string, path: string): InventorySnapshot {
  const output = splitCollectorOutput(text);
  if (!output.complete) throw new SnapshotError(`${path}: collector output is truncated (no #LDI-DONE end marker)`);
  const uname = output.sections.get('uname');
  const host = (uname && !uname.absent && uname.body.trim().split('\n')[0].trim().slice(0, 255)) || path;
  try {
    return snapshotFromCollectorOutput(host, output, '');
  } catch (e) {
    if (e instanceof InventoryError) throw new SnapshotError(oneLine(`${path}: ${e.message}`));
    throw e;
  }
}
