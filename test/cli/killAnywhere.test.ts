/**
 * Kill anywhere, then check (the short form of `npm run bench:crash`): `ll4al run` from source
 * with a slow simulated oracle is SIGKILLed in the initial set's journal appends, then its
 * resume just before results.json's rename, then the next resume in the last cycle's training;
 * a last resume ends the run. After every process bench/crashHarness.ts checks the promises:
 * labels kept byte for byte, no id twice, results.json consistent with the journal, a whole
 * checkpoint loaded rather than retrained, the final count initial + budget × (cycles − 1).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCrashRound } from '../../bench/crashHarness.ts';
import { cliArgs, repoRoot } from '../support/cli.ts';

const work = mkdtempSync(join(tmpdir(), 'll4al-kill-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('ll4al run, killed anywhere, resumed', () => {
  it('should keep every journaled label and finish with initial + budget × (cycles − 1)', async () => {
    const reports = await runCrashRound(join(work, 'run'), { cycles: 3, initial: 20, budget: 20, subset: 100, epochs: 1, seed: 7, oracleDelayMs: 10 }, [
      // The 7th call on labels.jsonl: a write or fsync of an initial-set label.
      { kind: 'fs', call: 7, pathContains: 'labels.jsonl' },
      // The first resume's calls on results.json: 1 reads it (existsSync); 2–6 write the resume
      // record (open, write, fsync, close, rename); 7–11 write cycle 1's row: 11 is its rename.
      { kind: 'fs', call: 11, pathContains: 'results.json' },
      // The last cycle's first training epoch.
      { kind: 'event', type: 'cycleStarted', cycle: 3, delayMs: 0 },
    ]);
    expect(reports.map((r) => r.killed)).toEqual([true, true, true, false]);
    expect(reports[0]!.stage).toMatch(/^initial set; journal (write|fsync)Sync$/);
    expect(reports[1]!.stage).toMatch(/results\.json renameSync$/);
    // The second resume found cycle 1 trained (its checkpoint whole) and loaded it.
    expect(reports[2]).toMatchObject({ resumedCycle: 1, checkpointExpected: true, checkpointLoaded: true });
    expect(reports[2]!.stage).toMatch(/^cycle 3: training/);
    expect(reports[3]!.labelsAfter).toBe(60);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('should release the lock and keep the journal when stopped by %s', async (signal) => {
    const dir = join(work, `stopped-${signal}`);
    const labels = join(dir, 'labels.jsonl');
    const child = spawn(
      process.execPath,
      [...cliArgs, 'run', '--cycles', '2', '--initial', '20', '--budget', '20', '--subset', '100', '--epochs', '1', '--oracle-delay-ms', '20', '--out', dir, '--json'],
      { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    for (let waited = 0; !(existsSync(labels) && readFileSync(labels, 'utf8').split('\n').length > 5); waited += 20) {
      if (waited > 120_000 || child.exitCode !== null) throw new Error('the run did not start labeling');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(existsSync(join(dir, 'run.lock'))).toBe(true);
    child.kill(signal);
    expect(await exited).toBe(130);
    expect(stderr).toBe(`ll4al: stopped by ${signal}; continue with: ll4al resume ${dir}\n`);
    expect(existsSync(join(dir, 'run.lock'))).toBe(false);
    const kept = readFileSync(labels, 'utf8');
    expect(kept.endsWith('\n')).toBe(true);
    expect(kept.trim().split('\n').length).toBeGreaterThanOrEqual(5);
  });

  it('should stop with one line when the disk fills up while journaling, merge nothing unjournaled, and resume to the end', async () => {
    const dir = join(work, 'full-disk');
    const labels = join(dir, 'labels.jsonl');
    const args = ['--cycles', '2', '--initial', '20', '--budget', '20', '--subset', '100', '--epochs', '1', '--seed', '5'];
    const full = spawnSync(process.execPath, [...cliArgs, 'run', ...args, '--out', dir], {
      cwd: repoRoot,
      encoding: 'utf8',
      // Calls on labels.jsonl: open, fstat, then a write and an fsync per label: the 61st is the
      // write of label 30 (in cycle 1's query); it and every later call fail with ENOSPC.
      env: { ...process.env, LL4AL_DEBUG: '', LL4AL_FAIL_AT_FS_CALL: '61:ENOSPC:labels.jsonl' },
    });
    expect(full.status).toBe(1);
    expect(full.stderr.trim().split('\n')).toHaveLength(1);
    expect(full.stderr).toMatch(
      new RegExp(`^ll4al: cannot append to ${labels} \\(ENOSPC: no space left on device\\): the answer for id \\d+ was not merged; the run stopped and resumes from the journal\n$`),
    );
    const failedId = Number(/id (\d+) was not merged/.exec(full.stderr)![1]);
    const kept = readFileSync(labels, 'utf8');
    expect(kept.endsWith('\n')).toBe(true);
    const keptIds = kept.trim().split('\n').map((l) => (JSON.parse(l) as { id: number }).id);
    expect(keptIds).toHaveLength(29);
    expect(keptIds).not.toContain(failedId);
    expect(existsSync(join(dir, 'run.lock'))).toBe(false);

    const resumed = spawnSync(process.execPath, [...cliArgs, 'resume', dir], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, LL4AL_DEBUG: '' } });
    expect(resumed.stderr).toBe('');
    expect(resumed.status).toBe(0);
    const all = readFileSync(labels, 'utf8').trim().split('\n');
    expect(all.slice(0, keptIds.length).join('\n')).toBe(kept.trim());
    expect(new Set(all.map((l) => (JSON.parse(l) as { id: number }).id)).size).toBe(40);
  });
});
