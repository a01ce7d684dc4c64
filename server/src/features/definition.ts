/**
 * Go to definition from `<disk type='volume'><source pool='NAME' …>` to the `<pool>` document whose
 * `<name>` is NAME: this finds the name under the cursor; lsp/poolIndex.ts knows where pools are defined.
 */
import type { Position } from 'vscode-languageserver';
import type { Analysis } from '../analysis';

/** The pool name at `position` (a disk's `<source pool>` value), if any. */
export function poolReferenceAt(a: Analysis, position: Position): string | undefined {
  if (!a.model) return undefined;
  const offset = a.doc.lines.offsetAt(position);
  for (const d of a.model.disks) {
    const p = d.source.pool;
    if (p && p.start <= offset && offset <= p.end) return p.value;
  }
  return undefined;
}
