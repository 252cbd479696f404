/**
 * How the tests start the CLI as a child process: from the sources (src/cli/main.ts through
 * tsx's loader), so a test never runs a stale dist/. The packed package's own bin is tested by
 * test/package/consumer.test.ts.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { childLoaderArgs } from '../../src/backend/spawnWorker.ts';

export const repoRoot: string = join(import.meta.dirname, '..', '..');

/** `node` arguments before the CLI's own: the loader and the entry. */
export const cliArgs: ReadonlyArray<string> = [
  ...childLoaderArgs(pathToFileURL(join(repoRoot, 'src', 'cli', 'main.ts')).href),
  join(repoRoot, 'src', 'cli', 'main.ts'),
];
