/**
 * Which file-watcher events the server acts on: `*.xml` files inside a workspace folder, not below
 * a directory the workspace scan skips (../walk.ts: dot-directories, node_modules), so the watcher
 * sees the same files the scan does.
 */
import { isAbsolute, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isSkippedDirectory, isXmlFileName } from '../walk';

/** The glob the server asks the client to watch. */
export const WATCHED_GLOB = '**/*.xml';

/** The file system path of `uri` when a watched change of it counts (see the module comment), else undefined. */
export function watchedPath(uri: string, folders: readonly string[]): string | undefined {
  let path: string;
  try {
    path = fileURLToPath(uri);
  } catch {
    return undefined; // not a file: URI
  }
  const parts = path.split(sep);
  if (!isXmlFileName(parts[parts.length - 1] ?? '')) return undefined;
  for (const folder of folders) {
    const rel = relative(folder, path);
    if (!rel || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) continue;
    const dirs = rel.split(sep).slice(0, -1);
    if (dirs.some(isSkippedDirectory)) return undefined;
    return path;
  }
  return undefined;
}
