import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliArgs } from '../support/cli.ts';
import * as E from 'fp-ts/lib/Either.js';
import { planComparison, printOutcome, runId, type ComparisonOutcome } from '../../src/cli/compareCommand.ts';
import { assembleComparison } from '../../src/report/comparisonReport.ts';
import { renderTable } from '../../src/report/table.ts';
import { fixtureHeader, fixtureRuns } from '../report/comparisonFixture.ts';
import { freeDemoDir } from '../../src/cli/demoCommand.ts';
import { InputError } from '../../src/inputError.ts';
import { deriveSeed } from '../../src/ops/random.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'll4al-compare-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const planError = (flags: Record<string, string | boolean>): string => {
  try {
    planComparison({ out: join(dir, 'out'), ...flags });
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected an InputError');
};

describe('planComparison', () => {
  it('pairs the runs: every strategy of a trial has the trial seed deriveSeed(seed, "trial", t)', () => {
    const plan = planComparison({ strategies: 'random,learning-loss', trials: '2', seed: '5', epochs: '1', out: join(dir, 'out') });
    expect(plan.runs.map((r) => [runId(r), r.seed])).toEqual([
      ['random/trial-1', deriveSeed(5, 'trial', 1)],
      ['learning-loss/trial-1', deriveSeed(5, 'trial', 1)],
      ['random/trial-2', deriveSeed(5, 'trial', 2)],
      ['learning-loss/trial-2', deriveSeed(5, 'trial', 2)],
    ]);
    expect(new Set(plan.runs.map((r) => r.seed)).size).toBe(2);
    expect(plan.runs[3]!.dir).toBe(join(dir, 'out', 'learning-loss', 'trial-2'));
    expect(plan.config.epochs).toBe(1);
    expect(plan.parallel).toBeGreaterThanOrEqual(1);
    expect(plan.parallel).toBeLessThanOrEqual(4);
  });

  it('takes the preset, then the config file, then the flags', async () => {
    const file = join(dir, 'config.json');
    await writeFile(file, JSON.stringify({ epochs: 3, cycles: 5, trainer: { learningRate: 0.05 } }));
    const plan = planComparison({ preset: 'demo', config: file, cycles: '2', out: join(dir, 'out') });
    expect(plan.config.cycles).toBe(2); // flag over file
    expect(plan.config.epochs).toBe(3); // file over preset
    expect(plan.config.subset).toBe(2000); // preset
    expect(plan.config.trainer.learningRate).toBe(0.05);
    expect(plan.strategies).toEqual(['random', 'entropy', 'learning-loss']);
    expect(plan.trials).toBe(2);
  });

  it('trains each run on one thread when several run at once, unless the configuration says otherwise', async () => {
    const out = join(dir, 'out');
    expect(planComparison({ strategies: 'random,entropy', trials: '1', parallel: '2', out }).config.trainer.trainThreads).toBe(1);
    expect(planComparison({ strategies: 'random,entropy', trials: '1', parallel: '1', out }).config.trainer.trainThreads).toBeUndefined();
    const file = join(dir, 'threads.json');
    await writeFile(file, JSON.stringify({ trainer: { trainThreads: 2 } }));
    expect(planComparison({ strategies: 'random,entropy', trials: '1', parallel: '2', config: file, out }).config.trainer.trainThreads).toBe(2);
  });

  it('refuses an unknown strategy in one line before starting anything', () => {
    expect(planError({ strategies: 'random,learnin-loss' })).toMatch(/^unknown strategy "learnin-loss" \(--strategies\): expected one of random, entropy/);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('refuses a strategy listed twice, an empty list, and bad trials', () => {
    expect(planError({ strategies: 'random,random' })).toBe('strategy "random" is listed twice in --strategies');
    expect(planError({ strategies: ' , ' })).toMatch(/^--strategies " , " names no strategy/);
    expect(planError({ trials: '0' })).toBe('Invalid value "0" supplied to --trials: expected an integer ≥ 1');
    expect(planError({ trials: 'two' })).toBe('Invalid value "two" supplied to --trials: expected an integer ≥ 1');
  });

  it('names the run field and flag of a bad run value', () => {
    expect(planError({ budget: '-3' })).toContain('RunConfig/budget (--budget): expected PositiveInt');
    expect(planError({ budget: '500', subset: '100' })).toContain('subset 100 (--subset) is smaller than the budget 500');
    expect(planError({ data: join(dir, 'nowhere') })).toContain('(--data) does not exist');
  });

  it('refuses an unknown preset, a bad config file, and a preset that needs --data', async () => {
    expect(planError({ preset: 'paper' })).toMatch(/^unknown preset "paper" \(--preset\): expected one of paper-cifar10, fmnist, demo/);
    expect(planError({ config: join(dir, 'none.json') })).toBe(`config file ${join(dir, 'none.json')} (--config) does not exist`);
    await writeFile(join(dir, 'bad.json'), '{"epochs": ');
    expect(planError({ config: join(dir, 'bad.json') })).toMatch(/\(--config\) is not valid JSON/);
    await writeFile(join(dir, 'unknown.json'), '{"epoch": 3}');
    expect(planError({ config: join(dir, 'unknown.json') })).toMatch(/unknown field "epoch"/);
    expect(planError({ preset: 'paper-cifar10' })).toMatch(/^preset paper-cifar10 needs --data DIR holding the CIFAR-10 binary version/);
  });

  it('refuses an output directory that already holds a comparison', async () => {
    await writeFile(join(dir, 'results.json'), '{}');
    expect(() => planComparison({ out: dir })).toThrow(`output directory ${dir} (--out) already holds a comparison; choose another --out`);
  });
});

describe('printOutcome', () => {
  const assembled = assembleComparison(fixtureHeader, fixtureRuns);
  if (E.isLeft(assembled)) throw new Error(assembled.left);
  const files = { resultsJson: 'd/results.json', resultsCsv: 'd/results.csv', runsCsv: 'd/runs.csv', curveSvg: 'd/curve.svg', rankingSvg: 'd/ranking.svg' };
  const outcome: ComparisonOutcome = { results: assembled.right, files, table: renderTable('testAccuracy', []) };

  it('prints the table and every path for people', () => {
    const lines: string[] = [];
    printOutcome(outcome, false, (line) => lines.push(line));
    expect(lines[0]).toBe(outcome.table);
    expect(lines.slice(1)).toEqual(['results: d/results.json', 'curve:   d/curve.svg', 'ranking: d/ranking.svg', 'table:   d/results.csv (per run: d/runs.csv)']);
  });

  it('prints one JSON line with the files and the summary for scripts', () => {
    const lines: string[] = [];
    printOutcome(outcome, true, (line) => lines.push(line));
    expect(lines).toHaveLength(1);
    const parsed = JSON.parse(lines[0]!) as { type: string; files: typeof files; summary: unknown[] };
    expect(parsed.type).toBe('comparisonFinished');
    expect(parsed.files).toEqual(files);
    expect(parsed.summary).toHaveLength(6);
  });
});

describe('freeDemoDir', () => {
  it('takes runs/demo, then runs/demo-2, … so an earlier demo is never overwritten', () => {
    expect(freeDemoDir(() => false)).toBe('runs/demo');
    const taken = new Set(['runs/demo', 'runs/demo-2']);
    expect(freeDemoDir((p) => taken.has(p))).toBe('runs/demo-3');
  });
});

describe('ll4al compare (process)', () => {
  const root = join(import.meta.dirname, '..', '..');
  const cli = (...args: string[]) => spawnSync(process.execPath, [...cliArgs, ...args], { encoding: 'utf8', cwd: root });

  it('exits 2 with one line for an unknown strategy, and creates nothing', () => {
    const out = join(dir, 'out');
    const result = cli('compare', '--strategies', 'random,bald', '--trials', '2', '--out', out);
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^ll4al: unknown strategy "bald" \(--strategies\)/);
    expect(existsSync(out)).toBe(false);
  });

  it('reports which run failed with its one-line error and exits non-zero', async () => {
    // 9,000 initial labels + 2 × 1,000 exceed the embedded pool of 10,000: each run refuses it after loading the data.
    const out = join(dir, 'out');
    const result = cli('compare', '--strategies', 'random', '--trials', '1', '--initial', '9000', '--budget', '1000', '--subset', '1000', '--cycles', '3', '--out', out);
    expect(result.status).toBe(2);
    const last = result.stderr.trim().split('\n').at(-1)!;
    expect(last).toMatch(/^ll4al: run random\/trial-1 failed: cycles 3 \(--cycles\) × budget 1000 \+ initial 9000 = 11000 labels, more than the pool of 10000 items$/);
    expect(existsSync(join(out, 'results.json'))).toBe(false);
  });
});

describe('ll4al compare end to end (about 50 s on 2 shared cores)', () => {
  it('runs 2 strategies × 2 trials and writes the aggregated results, CSV and plots', async () => {
    const out = join(dir, 'out');
    const args = ['compare', '--strategies', 'random,learning-loss', '--trials', '2', '--cycles', '2', '--initial', '50', '--budget', '50', '--subset', '200', '--epochs', '1', '--quiet', '--out', out];
    const result = spawnSync(process.execPath, [...cliArgs, ...args], { encoding: 'utf8', cwd: join(import.meta.dirname, '..', '..') });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as {
      runs: Array<{ strategy: string; trial: number; seed: number; cycles: unknown[] }>;
      summary: Array<{ strategy: string; cycle: number; labeled: number; n: number }>;
    };
    expect(results.runs).toHaveLength(4);
    for (const run of results.runs) expect(run.cycles).toHaveLength(2);
    const seeds = (trial: number) => new Set(results.runs.filter((r) => r.trial === trial).map((r) => r.seed));
    expect(seeds(1).size).toBe(1);
    expect(seeds(2).size).toBe(1);
    expect(results.summary.map((r) => [r.strategy, r.cycle, r.labeled, r.n])).toEqual([
      ['random', 1, 50, 2],
      ['random', 2, 100, 2],
      ['learning-loss', 1, 50, 2],
      ['learning-loss', 2, 100, 2],
    ]);
    for (const file of ['results.csv', 'runs.csv', 'curve.svg', 'ranking.svg']) expect(existsSync(join(out, file))).toBe(true);
    expect(result.stdout).toContain('Test accuracy (%), mean ± sample std over 2 trials');
    expect(result.stdout).toContain(`curve:   ${join(out, 'curve.svg')}`);
  });
});
