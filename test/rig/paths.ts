// Locating the repository from a test, whether it runs bundled (out/test/...) or from source.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function repoRoot(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'server', 'src'))) return dir;
    if (dirname(dir) === dir) throw new Error(`cannot find the repository root above ${__dirname}`);
  }
}

/** A host fixture under test/fixtures/hosts/. */
export function hostFixture(name: string): string {
  return join(repoRoot(), 'test', 'fixtures', 'hosts', name);
}
