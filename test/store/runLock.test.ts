import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../src/inputError.ts';
import { acquireRunLock, checkRunLockFree } from '../../src/store/runLock.ts';
import { readResults, writeResults } from '../../src/store/resultsFile.ts';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'll4al-lock-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('run lock', () => {
  it('should hold the pid and be released', () => {
    const dir = tempDir();
    const lock = acquireRunLock(join(dir, 'run.lock'), dir);
    expect((JSON.parse(readFileSync(join(dir, 'run.lock'), 'utf8')) as { pid: number }).pid).toBe(process.pid);
    lock.release();
    expect(existsSync(join(dir, 'run.lock'))).toBe(false);
  });

  it('should refuse a directory locked by a live process, naming it', () => {
    const dir = tempDir();
    // The parent of this test process is alive for the whole test.
    writeFileSync(join(dir, 'run.lock'), `${process.ppid}\n`);
    expect(() => acquireRunLock(join(dir, 'run.lock'), dir)).toThrow(InputError);
    expect(() => acquireRunLock(join(dir, 'run.lock'), dir)).toThrow(`run directory ${dir} is in use by process ${process.ppid}`);
  });

  it('should take over a stale lock left by a dead process', () => {
    const dir = tempDir();
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const deadPid = Number(child.stdout.toString());
    writeFileSync(join(dir, 'run.lock'), `${deadPid}\n`);
    const lock = acquireRunLock(join(dir, 'run.lock'), dir);
    expect((JSON.parse(readFileSync(join(dir, 'run.lock'), 'utf8')) as { pid: number }).pid).toBe(process.pid);
    lock.release();
  });
});

describe('run lock, more', () => {
  it('should refuse a second holder in the same process, and release only its own lock', () => {
    const dir = tempDir();
    const path = join(dir, 'run.lock');
    const lock = acquireRunLock(path, dir);
    expect(() => acquireRunLock(path, dir)).toThrow(`run directory ${dir} is in use by process ${process.pid}`);
    expect(() => checkRunLockFree(path, dir)).toThrow(`in use by process ${process.pid}`);
    // Someone replaced the file meanwhile (by hand): release leaves theirs alone.
    writeFileSync(path, `${process.ppid}\n`);
    lock.release();
    expect(readFileSync(path, 'utf8')).toBe(`${process.ppid}\n`);
  });

  it('should take over a lock file that holds no record (written by hand, empty)', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'run.lock'), '');
    const lock = acquireRunLock(join(dir, 'run.lock'), dir);
    expect((JSON.parse(readFileSync(join(dir, 'run.lock'), 'utf8')) as { pid: number }).pid).toBe(process.pid);
    lock.release();
    expect(existsSync(join(dir, 'run.lock'))).toBe(false);
  });
});

describe('results file', () => {
  it('should round-trip and replace the file whole', () => {
    const path = join(tempDir(), 'results.json');
    const row = {
      cycle: 1,
      labeled: 200,
      metricName: 'testAccuracy',
      metric: 0.5,
      testAccuracy: 0.5,
      rankingAccuracy: 0.6,
      meanTargetLoss: 1.2,
      seconds: 3,
      stageSeconds: { score: 1, select: 0, oracle: 0, merge: 0, train: 2, evaluate: 0 },
      queried: 200,
      answered: 200,
      failedQueries: 0,
      rejectedAnswers: 0,
    };
    const results = { task: 'classification', strategy: 'random', backend: 'cpu', seed: 1, metricName: 'testAccuracy', cycles: [row], config: {}, finished: false };
    writeResults(path, results);
    expect(readResults(path)).toEqual(results);
    expect(existsSync(`${path}.tmp`)).toBe(false);
    writeFileSync(path, '{"cycles": 3}');
    expect(() => readResults(path)).toThrow(InputError);
  });
});
