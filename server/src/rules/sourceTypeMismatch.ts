import { classifyPath, PathClass } from '../domain/pathClass';
import { CODES } from './codes';
import type { Finding, Rule } from './types';

/** Path classes that name block devices (not /dev/null, /dev/zero or other character devices). */
const BLOCK_CLASSES = new Set<PathClass>([
  'kernel-name',
  'mpath-friendly-name',
  'boot-sequence',
  'guest-mutable',
  'hardware-id',
  'multipath',
  'dmp',
  'volume',
  'by-path',
  'device-mapper',
]);

/** source-type-mismatch: type='file' on a /dev path, or type='block' naming its source with file=. */
export const sourceTypeMismatch: Rule = ({ model }) => {
  const out: Finding[] = [];
  for (const disk of model.disks) {
    if (disk.kind !== 'disk' || !disk.type) continue;
    const file = disk.source.file;
    if (disk.type.value === 'file' && file && BLOCK_CLASSES.has(classifyPath(file.value).cls)) {
      out.push({
        code: 'source-type-mismatch',
        severity: CODES['source-type-mismatch'].severity,
        message: `A type='file' disk opens ${file.value}, a device node, as a plain file; use type='block' with <source dev='${file.value}'/>.`,
        start: disk.type.start,
        end: disk.type.end,
        fixes: [],
      });
    } else if (disk.type.value === 'block' && file && !disk.source.dev) {
      out.push({
        code: 'source-type-mismatch',
        severity: CODES['source-type-mismatch'].severity,
        message: `libvirt ignores file= on a type='block' disk, so this disk has no source; write <source dev='${file.value}'/>.`,
        start: file.start,
        end: file.end,
        fixes: [],
      });
    }
  }
  return out;
};
