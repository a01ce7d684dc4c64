import { classifyPath, namesBlockDevice } from '../domain/pathClass';
import { finding } from './finding';
import type { Finding, Rule } from './types';

/** source-type-mismatch: type='file' on a /dev path, or type='block' naming its source with file=. */
export const sourceTypeMismatch: Rule = ({ model }) => {
  const out: Finding[] = [];
  for (const disk of model.disks) {
    if (disk.kind !== 'disk' || !disk.type) continue;
    const file = disk.source.file;
    if (disk.type.value === 'file' && file && namesBlockDevice(classifyPath(file.value).cls)) {
      out.push(
        finding('source-type-mismatch', {
          message: `A type='file' disk opens ${file.value}, a device node, as a plain file; use type='block' with <source dev='${file.value}'/>.`,
          start: disk.type.start,
          end: disk.type.end,
        }),
      );
    } else if (disk.type.value === 'block' && file && !disk.source.dev) {
      out.push(
        finding('source-type-mismatch', {
          message: `libvirt ignores file= on a type='block' disk, so this disk has no source; write <source dev='${file.value}'/>.`,
          start: file.start,
          end: file.end,
        }),
      );
    }
  }
  return out;
};
