/**
 * N processes race for one run directory's lock at the same moment — on a free directory, on
 * one whose lock was left by a dead process, and on one where a dead process also left a
 * half-done takeover — and exactly one wins every time; the others are refused naming the
 * winner.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { childLoaderArgs } from '../../src/backend/spawnWorker.ts';

const work = mkdtempSync(join(tmpdir(), 'll4al-lockrace-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const contender = join(import.meta.dirname, '..', 'support', 'lockContender.ts');
const CONTENDERS = 6;

const deadPid = (): number => Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString());

const race = async (name: string, prepare: (dir: string) => void): Promise<{ won: number[]; refused: string[]; holder: number }> => {
  const dir = join(work, name);
  mkdirSync(dir);
  prepare(dir);
  const go = join(dir, 'go');
  const release = join(dir, 'release');
  const children = Array.from({ length: CONTENDERS }, () => spawn(process.execPath, [...childLoaderArgs(import.meta.url), contender, dir, go, release], { stdio: ['ignore', 'pipe', 'inherit'] }));
  const outcomes = children.map(
    (child) =>
      new Promise<{ pid: number; lines: string[] }>((resolve) => {
        const lines: string[] = [];
        createInterface({ input: child.stdout! }).on('line', (line) => {
          lines.push(line);
          if (lines.length === 2) resolve({ pid: child.pid!, lines });
        });
      }),
  );
  const ready = children.map((child) => new Promise<void>((resolve) => child.stdout!.once('data', () => resolve())));
  await Promise.all(ready);
  writeFileSync(go, '');
  const results = await Promise.all(outcomes);
  // Everyone has answered while the winner still holds the lock.
  const holder = (JSON.parse(readFileSync(join(dir, 'run.lock'), 'utf8')) as { pid: number }).pid;
  writeFileSync(release, '');
  await Promise.all(children.map((child) => new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(null)))));
  expect(existsSync(join(dir, 'run.lock'))).toBe(false);
  return {
    won: results.filter((r) => r.lines[1] === 'won').map((r) => r.pid),
    refused: results.filter((r) => r.lines[1] !== 'won').map((r) => r.lines[1]!),
    holder,
  };
};

describe('run lock race', () => {
  it.each([
    ['a free directory', (_dir: string) => {}],
    ['a lock left by a dead process', (dir: string) => writeFileSync(join(dir, 'run.lock'), `${JSON.stringify({ pid: deadPid(), token: 'dead' })}\n`)],
    [
      'a dead lock and a dead half-done takeover',
      (dir: string) => {
        const stale = `${JSON.stringify({ pid: deadPid(), token: 'dead' })}\n`;
        writeFileSync(join(dir, 'run.lock'), stale);
        const hash = createHash('sha256').update(stale).digest('hex').slice(0, 16);
        writeFileSync(join(dir, `run.lock.break-${hash}`), `${JSON.stringify({ pid: deadPid(), token: 'dead breaker' })}\n`);
      },
    ],
  ])('should have exactly one winner among 6 processes racing for %s', async (name, prepare) => {
    for (let round = 0; round < 2; round++) {
      const { won, refused, holder } = await race(`${name.replace(/\W+/g, '-')}-${round}`, prepare);
      expect(won).toHaveLength(1);
      expect(holder).toBe(won[0]);
      expect(refused).toHaveLength(CONTENDERS - 1);
      for (const line of refused) expect(line).toMatch(new RegExp(`^refused run directory .+ is in use by process ${won[0]}$`));
    }
  });
});
