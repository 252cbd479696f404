import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { planComparison } from '../../src/cli/compareCommand.ts';
import { InputError } from '../../src/inputError.ts';
import { deriveSeed } from '../../src/ops/random.ts';
import { cliArgs, repoRoot } from '../support/cli.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'll4al-continue-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const tiny = ['--cycles', '2', '--initial', '40', '--budget', '40', '--subset', '200', '--epochs', '1', '--seed', '3'];
const cli = (...args: string[]) => spawnSync(process.execPath, [...cliArgs, ...args], { encoding: 'utf8', cwd: repoRoot });

interface StoredRun {
  strategy: string;
  trial: number;
  seed: number;
  cycles: Array<{ labeled: number; metric: number | null }>;
}
const runsOf = (out: string): StoredRun[] => (JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { runs: StoredRun[] }).runs;
const key = (r: StoredRun) => `${r.strategy}/trial-${r.trial}`;
const jsonLines = (text: string): Array<Record<string, unknown>> =>
  text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

const refusal = (flags: Record<string, string>): string => {
  try {
    planComparison(flags);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).not.toContain('\n');
    return (error as Error).message;
  }
  throw new Error('expected an InputError');
};

describe('compare --continue (planning)', () => {
  it('refuses a directory that is not a comparison, and flags that would change the runs', () => {
    expect(refusal({ continue: dir })).toBe(`${dir} (--continue) is not a comparison directory: it has no config.json`);
    expect(refusal({ continue: dir, epochs: '3' })).toBe(`--epochs cannot be given with --continue: the runs of ${dir} keep the configuration in ${join(dir, 'config.json')}`);
    expect(refusal({ continue: dir, oracleDelayMs: '3' })).toMatch(/^--oracle-delay-ms cannot be given with --continue/);
    expect(refusal({ continue: dir, out: join(dir, 'x') })).toBe(`--out cannot be given with --continue: the comparison stays in ${dir}`);
  });

  it('names the bad field of a damaged plan.json', () => {
    writeFileSync(join(dir, 'config.json'), '{}\n');
    writeFileSync(join(dir, 'plan.json'), JSON.stringify({ strategies: ['random', 'learnin-loss'], trials: 2, baseline: 'random' }));
    expect(refusal({ continue: dir })).toBe(`${join(dir, 'plan.json')}: invalid value "learnin-loss" at strategies/1: expected StrategyName`);
    writeFileSync(join(dir, 'plan.json'), JSON.stringify({ strategies: ['random'], trials: 0, baseline: 'random' }));
    expect(refusal({ continue: dir })).toBe(`${join(dir, 'plan.json')}: invalid value 0 at trials: expected TrialCount`);
  });
});

describe('ll4al compare --continue (process, about 60 s on 2 cores)', () => {
  it('reuses finished runs unchanged and extends the comparison with more strategies and trials on the same trial seeds', () => {
    const out = join(dir, 'cmp');
    const first = cli('compare', '--strategies', 'random,learning-loss', '--trials', '1', ...tiny, '--quiet', '--out', out);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const before = runsOf(out);
    expect(JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8'))).toEqual({ strategies: ['random', 'learning-loss'], trials: 1, baseline: 'random' });
    const journal = join(out, 'random', 'trial-1', 'labels.jsonl');
    const stamp = statSync(journal).mtimeMs;

    // Starting again on the same directory is refused; --continue is the way.
    const again = cli('compare', '--strategies', 'random', '--trials', '1', ...tiny, '--out', out);
    expect(again.status).toBe(2);
    expect(again.stderr.trim()).toBe(`ll4al: output directory ${out} (--out) already holds a comparison; choose another --out, or add to it with --continue ${out}`);

    const more = cli('compare', '--continue', out, '--strategies', 'random,learning-loss,entropy', '--trials', '2', '--json');
    expect(more.status).toBe(0);
    const events = jsonLines(more.stdout);
    expect(events.filter((e) => e['type'] === 'runFound').map((e) => [e['run'], e['found']])).toEqual([
      ['random/trial-1', 'finished'],
      ['learning-loss/trial-1', 'finished'],
    ]);
    // Only the four new runs were launched.
    expect(events.filter((e) => e['type'] === 'runLaunched').map((e) => e['run']).sort()).toEqual(['entropy/trial-1', 'entropy/trial-2', 'learning-loss/trial-2', 'random/trial-2']);
    expect(statSync(journal).mtimeMs).toBe(stamp);

    const after = runsOf(out);
    expect(after.map(key).sort()).toEqual(['entropy/trial-1', 'entropy/trial-2', 'learning-loss/trial-1', 'learning-loss/trial-2', 'random/trial-1', 'random/trial-2']);
    for (const run of before) expect(after.find((r) => key(r) === key(run))).toEqual(run);
    for (const run of after) {
      expect(run.seed).toBe(deriveSeed(3, 'trial', run.trial));
      expect(run.cycles.map((c) => c.labeled)).toEqual([40, 80]);
    }
    // A pair shares its start: every strategy of a trial has the same first-cycle accuracy.
    for (const trial of [1, 2]) expect(new Set(after.filter((r) => r.trial === trial).map((r) => r.cycles[0]!.metric)).size).toBe(1);
    expect(JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8'))).toEqual({ strategies: ['random', 'learning-loss', 'entropy'], trials: 2, baseline: 'random' });
    const finished = JSON.parse(more.stdout.trim().split('\n').at(-1)!) as { type: string; paired: { cycles: unknown[] } };
    expect(finished.type).toBe('comparisonFinished');
    expect(finished.paired.cycles.length).toBeGreaterThan(0);
  });

  it('resumes a run a killed comparison left half done, keeping its journaled labels, and finishes the rest', async () => {
    const out = join(dir, 'killed');
    const child = spawn(process.execPath, [...cliArgs, 'compare', '--strategies', 'random,entropy', '--trials', '1', '--parallel', '1', ...tiny, '--json', '--out', out], {
      cwd: repoRoot,
      detached: true, // its own process group: the kill takes the runs with it
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const lines = createInterface({ input: child.stdout! });
    // Killed with the whole group once the first run has finished its first cycle.
    await new Promise<void>((resolve) => {
      lines.on('line', (line) => {
        if (line.includes('"cycleFinished"')) {
          process.kill(-child.pid!, 'SIGKILL');
          resolve();
        }
      });
    });
    await exited;
    lines.close();
    // The compare process is gone; its run may outlive it by a moment: wait for the whole group.
    for (;;) {
      try {
        process.kill(-child.pid!, 0);
      } catch {
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const journal = join(out, 'random', 'trial-1', 'labels.jsonl');
    const text = readFileSync(journal, 'utf8');
    const kept = text.slice(0, text.lastIndexOf('\n')).split('\n'); // whole lines: a kill may tear the last
    expect(kept.length).toBeGreaterThanOrEqual(40);
    expect(existsSync(join(out, 'results.json'))).toBe(false);

    const continued = cli('compare', '--continue', out, '--json');
    expect(continued.status).toBe(0);
    const events = jsonLines(continued.stdout);
    expect(events.filter((e) => e['type'] === 'runFound').map((e) => [e['run'], e['found']])).toEqual([['random/trial-1', 'interrupted']]);
    const runs = runsOf(out);
    expect(runs.map(key).sort()).toEqual(['entropy/trial-1', 'random/trial-1']);
    for (const run of runs) expect(run.cycles.map((c) => c.labeled)).toEqual([40, 80]);
    // The labels journaled before the kill are the start of the resumed run's journal, each id once.
    const all = readFileSync(journal, 'utf8').trim().split('\n');
    expect(all.slice(0, kept.length)).toEqual(kept);
    const ids = all.map((l) => (JSON.parse(l) as { id: number }).id);
    expect(new Set(ids).size).toBe(80);
  });
});
