/**
 * vitest's global setup: builds dist/ once before any test runs, so the tests that use the
 * package as a user gets it (the packed tarball, examples importing `ll4al`) never read a stale
 * or half-written build, and no test rebuilds it while another reads it.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export default function setup(): void {
  const root = join(import.meta.dirname, '..', '..');
  rmSync(join(root, 'dist'), { recursive: true, force: true }); // no file of a deleted source lingers
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
  // As `npm run build` does: the labeling page's HTML, CSS and script are files, not modules.
  cpSync(join(root, 'src', 'oracles', 'browser', 'page'), join(root, 'dist', 'oracles', 'browser', 'page'), { recursive: true });
}
