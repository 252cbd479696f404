/**
 * `ll4al run` and `ll4al resume` as a user runs them: child processes of the CLI, with the
 * real classification learner on the embedded data at a tiny size.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliArgs } from '../support/cli.ts';

const root = join(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'll4al-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const ll4al = (args: string[]) => spawnSync(process.execPath, [...cliArgs, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, LL4AL_DEBUG: '' } });

const lines = (path: string): string[] => (existsSync(path) ? readFileSync(path, 'utf8').split('\n') : []);
const completeLines = (path: string): string[] => {
  const all = lines(path);
  all.pop(); // the part after the last newline: empty, or a torn line
  return all;
};

const waitFor = async (condition: () => boolean, child: ChildProcess, what: string, timeoutMs = 120_000): Promise<void> => {
  const start = Date.now();
  while (!condition()) {
    if (child.exitCode !== null) throw new Error(`the run exited (${child.exitCode}) before ${what}`);
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('ll4al run: bad input', () => {
  it.each([
    [['--budget', '-3'], 'Invalid value -3 supplied to RunConfig/budget (--budget)'],
    [['--strategy', 'magic'], 'unknown strategy "magic" (--strategy)'],
    [['--budget', '20000', '--subset', '20000'], 'budget 20000 (--budget) is larger than the pool of 10000 items'],
    [['--data', join(work, 'missing')], `data directory "${join(work, 'missing')}" (--data) does not exist`],
    [['--task', 'keypoints', '--strategy', 'entropy'], 'strategy entropy requires probabilities, which the keypoints learner does not provide (it provides: embeddings)'],
  ])('%j exits 2 with one line naming it, no stack trace', (args, message) => {
    const out = join(work, `bad-${Math.random().toString(36).slice(2)}`);
    const result = ll4al(['run', ...args, '--out', out]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`ll4al: ${message}${result.stderr.slice(`ll4al: ${message}`.length)}`);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
  });

  it('resume of a directory that is not a run exits 2', () => {
    const result = ll4al(['resume', work]);
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe(`ll4al: ${work} is not a run directory (no config.json)`);
  });
});

describe('ll4al run, kill -9, ll4al resume', () => {
  it('should end with 600 distinct labels, keeping every label journaled before the kill', async () => {
    const dir = join(work, 'killed');
    const labels = join(dir, 'labels.jsonl');
    const child = spawn(
      process.execPath,
      [
        ...cliArgs, 'run', '--strategy', 'learning-loss', '--cycles', '3', '--initial', '200', '--budget', '200', '--subset', '1000',
        '--epochs', '1', '--seed', '3', '--oracle-delay-ms', '25', '--oracle-failure-rate', '0.3', '--out', dir, '--json',
      ],
      { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      // Kill while cycle 1's oracle answers: after the 200 initial labels and 30 more.
      await waitFor(() => completeLines(labels).length >= 230, child, '230 labels');
      // A second process cannot write the same run directory meanwhile.
      const second = ll4al(['resume', dir]);
      expect(second.status).toBe(2);
      expect(second.stderr.trim()).toBe(`ll4al: run directory ${dir} is in use by process ${child.pid}`);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    expect(stderr).toBe('');
    const beforeKill = completeLines(labels);
    expect(beforeKill.length).toBeGreaterThanOrEqual(230);
    expect(beforeKill.length).toBeLessThan(600);

    const resumed = ll4al(['resume', dir, '--json']);
    expect(resumed.stderr).toBe('');
    expect(resumed.status).toBe(0);
    const events = resumed.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; firstCycle?: number });
    expect(events.find((e) => e.type === 'runStarted')?.firstCycle).toBe(1);

    const after = completeLines(labels);
    expect(lines(labels).at(-1)).toBe('');
    expect(after.slice(0, beforeKill.length)).toEqual(beforeKill);
    const ids = after.map((l) => (JSON.parse(l) as { id: number }).id);
    expect(ids).toHaveLength(600);
    expect(new Set(ids).size).toBe(600);
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { finished: boolean; cycles: { labeled: number; testAccuracy: number }[] };
    expect(results.finished).toBe(true);
    expect(results.cycles.map((c) => c.labeled)).toEqual([200, 400, 600]);
    expect(results.cycles.every((c) => c.testAccuracy >= 0 && c.testAccuracy <= 1)).toBe(true);
    expect(existsSync(join(dir, 'run.lock'))).toBe(false);
    expect(existsSync(join(dir, 'checkpoints', 'cycle-3'))).toBe(true);

    // A resume with another value of a run flag is refused, naming the field and the flag.
    const other = ll4al(['resume', dir, '--budget', '300']);
    expect(other.status).toBe(2);
    expect(other.stderr.trim()).toBe(
      `ll4al: ${join(dir, 'config.json')}: budget (--budget) is 200 in this run, not 300: a run resumes with the configuration it started with`,
    );

    // Resuming a finished run does nothing.
    const again = ll4al(['resume', dir]);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('already finished');
    expect(completeLines(labels)).toHaveLength(600);
  });
});
