/**
 * ll4al as a user gets it: `npm pack`, the tarball installed into a scratch project in a temp
 * directory, and there (a) a plain `node app.mjs` that imports `ll4al` and runs two cycles with
 * two training threads and scoring threads, (b) `tsc --moduleResolution nodenext` over a typed
 * consumer, (c) `npx ll4al inspect --json`. Whatever Node runs this test runs the consumer too
 * (CI runs the suite on two Node versions).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/cli.ts';

const scratch = mkdtempSync(join(tmpdir(), 'll4al-consumer-'));
const npm = (args: string[], cwd: string): string =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false', PATH: `${dirname(process.execPath)}:${process.env.PATH}` } });
let tarball = '';

beforeAll(() => {
  // dist/ was built by the global setup (test/support/buildPackage.ts); packing without scripts
  // keeps `prepare` from rebuilding it while other test files read it.
  const packed = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', scratch], repoRoot)) as Array<{ filename: string }>;
  tarball = join(scratch, packed[0].filename);
  writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  for (const f of ['app.mjs', 'typed.ts', 'misuse.ts', 'tsconfig.json', 'tsconfig.misuse.json']) copyFileSync(join(import.meta.dirname, 'consumer', f), join(scratch, f));
  // Dependencies come from npm's cache (filled by the repository's own install) where it can.
  npm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], scratch);
}, 300_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the packed package in a plain Node project', () => {
  it('publishes dist/, the embedded data, examples and the README, and no sources', () => {
    const listed = JSON.parse(npm(['pack', '--dry-run', '--json', '--ignore-scripts'], repoRoot)) as Array<{ files: Array<{ path: string }> }>;
    const paths = listed[0].files.map((f) => f.path);
    expect(paths).toContain('dist/index.js');
    expect(paths).toContain('dist/index.d.ts');
    expect(paths).toContain('dist/tasks/trainWorker.js');
    expect(paths).toContain('dist/backend/inferenceWorker.js');
    expect(paths).toContain('dist/oracles/browser/page/label.js');
    expect(paths).toContain('bin/ll4al.js');
    expect(paths).toContain('README.md');
    expect(paths.some((p) => p.startsWith('data/fashion-mnist-embedded/'))).toBe(true);
    expect(paths.filter((p) => p.startsWith('src/') || p.startsWith('test/') || p.startsWith('bench/'))).toEqual([]);
    expect(statSync(tarball).size).toBeLessThan(8 * 1024 * 1024);
  });

  it('runs activeLearning from `node app.mjs` with two training and scoring threads, no loader', () => {
    const result = spawnSync(process.execPath, ['app.mjs'], { cwd: scratch, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    expect(result.stderr).not.toMatch(/Error|ERR_/);
    expect(result.status).toBe(0);
    const out = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as {
      backend: string;
      asked: number;
      rows: Array<{ cycle: number; labeled: number; metric: number }>;
      workers: number;
      warnings: string[];
      topK: number[];
    };
    expect(out.backend).toBe('wasm');
    expect(out.asked).toBe(40 + 20);
    expect(out.rows.map((r) => [r.cycle, r.labeled])).toEqual([
      [1, 40],
      [2, 60],
    ]);
    for (const r of out.rows) expect(r.metric).toBeGreaterThan(0.05);
    expect(out.workers).toBeGreaterThanOrEqual(2); // a training worker and at least one scoring worker
    expect(out.warnings.filter((w) => /main thread only/.test(w))).toEqual([]);
    expect(out.topK).toEqual([1, 2]);
  });

  it("runs the README's library example as written", () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const block = /<!-- readme-example[^>]*-->\n```js\n([\s\S]*?)\n```/.exec(readme);
    expect(block).not.toBeNull();
    writeFileSync(join(scratch, 'readme.mjs'), block![1]);
    const result = spawnSync(process.execPath, ['readme.mjs'], { cwd: scratch, encoding: 'utf8' });
    expect(result.status).toBe(0);
    const printed = result.stdout.trim().split('\n');
    expect(printed).toHaveLength(2);
    expect(printed[0]).toMatch(/^100 labels: accuracy 0\.\d{3}$/);
    expect(printed[1]).toMatch(/^200 labels: accuracy 0\.\d{3}$/);
  });

  it('type-checks a TypeScript consumer with moduleResolution nodenext', () => {
    const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: scratch, encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
    // and the types bite: a wrong argument type and a wrong option fail, naming their lines
    const misuse = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.misuse.json'], { cwd: scratch, encoding: 'utf8' });
    expect(misuse.status).not.toBe(0);
    expect(misuse.stdout).toMatch(/misuse\.ts\(5,/);
    expect(misuse.stdout).toMatch(/misuse\.ts\(6,/);
  });

  it('runs the CLI from the project with `npx ll4al inspect --json`', () => {
    const result = spawnSync('npx', ['--no-install', 'll4al', 'inspect', '--model', 'small-cnn', '--json'], {
      cwd: scratch,
      encoding: 'utf8',
      env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}` },
    });
    expect(result.status).toBe(0);
    const summary = JSON.parse(result.stdout) as { model: string; lossModuleParams: number; layers: unknown[] };
    expect(summary.model).toBe('small-cnn');
    expect(summary.lossModuleParams).toBeGreaterThan(0);
    expect(summary.layers.length).toBeGreaterThan(3);
    expect(readdirSync(join(scratch, 'node_modules', 'll4al'))).not.toContain('src');
  });
});
