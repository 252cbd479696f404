import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assembleComparison, summarizeRuns, writeReport, writeResultsJson } from '../../src/report/comparisonReport.ts';
import { ComparisonResults } from '../../src/report/comparisonResults.ts';
import { readComparisonResults } from '../../src/report/readComparisonResults.ts';
import { fixtureHeader, fixtureRuns } from './comparisonFixture.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'll4al-report-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('assembleComparison', () => {
  it('computes the summary by hand-checkable values and keeps every run', () => {
    const assembled = assembleComparison(fixtureHeader, fixtureRuns);
    if (E.isLeft(assembled)) throw new Error(assembled.left);
    const results = assembled.right;
    expect(E.isRight(ComparisonResults.decode(results))).toBe(true);
    expect(results.runs).toHaveLength(4);
    const row = (s: string, c: number) => results.summary.find((r) => r.strategy === s && r.cycle === c)!;
    // random cycle 3: 0.70, 0.74 → mean 0.72; deviations² 0.0004 + 0.0004, / (2 − 1) → std sqrt(0.0008)
    expect(row('random', 3).mean).toBeCloseTo(0.72, 12);
    expect(row('random', 3).std).toBeCloseTo(Math.sqrt(0.0008), 12);
    expect(row('random', 3).rankingMean).toBeNull();
    // learning-loss cycle 2: 0.66, 0.68 → mean 0.67, std sqrt(0.0002); ranking 0.65, 0.75 → 0.7 ± sqrt(0.005)
    expect(row('learning-loss', 2).mean).toBeCloseTo(0.67, 12);
    expect(row('learning-loss', 2).std).toBeCloseTo(Math.sqrt(0.0002), 12);
    expect(row('learning-loss', 2).rankingMean).toBeCloseTo(0.7, 12);
    expect(row('learning-loss', 2).rankingStd).toBeCloseTo(Math.sqrt(0.005), 12);
    expect(row('learning-loss', 2).labeled).toBe(400);
    expect(row('learning-loss', 2).n).toBe(2);
  });

  it('names the run and the row whose metric is missing', () => {
    const { testAccuracy: _dropped, ...withoutMetric } = fixtureRuns[0]!.cycles[0]!;
    const broken = [{ ...fixtureRuns[0]!, cycles: [withoutMetric] }];
    const assembled = assembleComparison(fixtureHeader, broken);
    expect(E.isLeft(assembled) && assembled.left).toBe('run random/trial-0: cycles/0/testAccuracy is undefined, expected a number');
  });
});

describe('writeReport', () => {
  it('writes results.json, results.csv, runs.csv, curve.svg and ranking.svg, and reads them back', async () => {
    const assembled = assembleComparison(fixtureHeader, fixtureRuns);
    if (E.isLeft(assembled)) throw new Error(assembled.left);
    await writeResultsJson(dir, assembled.right);
    const back = await readComparisonResults(join(dir, 'results.json'));
    expect(back.results.strategies).toEqual(['random', 'learning-loss']);
    expect(back.summary).toEqual(assembled.right.summary);
    const { files, table } = await writeReport(dir, back.summary, back.results);
    expect(files.rankingSvg).toBe(join(dir, 'ranking.svg'));
    const csv = (await readFile(files.resultsCsv, 'utf8')).trim().split('\n');
    expect(csv[0]).toBe('strategy,cycle,labeled,metric,mean,std,rankingMean,rankingStd,n');
    expect(csv).toHaveLength(1 + 6);
    const runs = (await readFile(files.runsCsv, 'utf8')).trim().split('\n');
    expect(runs).toHaveLength(1 + 12);
    expect(runs[1]).toBe('random,0,11,1,200,testAccuracy,0.5,,10');
    expect(await readFile(files.curveSvg, 'utf8')).toMatch(/^<svg/);
    expect(await readFile(files.rankingSvg!, 'utf8')).toMatch(/^<svg/);
    expect(table).toContain('72.00 ± 2.83');
  });

  it('writes no ranking.svg when no strategy reports ranking accuracy', async () => {
    const randomOnly = fixtureRuns.filter((r) => r.strategy === 'random');
    const summary = summarizeRuns('testAccuracy', randomOnly);
    if (E.isLeft(summary)) throw new Error(summary.left);
    const { files } = await writeReport(dir, summary.right, { metricName: 'testAccuracy', runs: [...randomOnly] });
    expect(files.rankingSvg).toBeNull();
    await expect(readFile(join(dir, 'ranking.svg'))).rejects.toThrow();
  });
});

describe('paired statistics in the report', () => {
  // learning-loss − random, trial by trial: cycle 3 is 0.76 − 0.70 = 0.06 and 0.78 − 0.74 = 0.04
  const runs = fixtureRuns.map((r) =>
    r.strategy === 'learning-loss' && r.trial === 1 ? { ...r, cycles: r.cycles.map((c) => (c.cycle === 3 ? { ...c, testAccuracy: 0.78 } : c)) } : r,
  );

  it('gives each cycle its paired difference with a t interval (by hand: 0.05 ± 12.706 · 0.01414 / √2)', () => {
    const assembled = assembleComparison(fixtureHeader, runs);
    if (E.isLeft(assembled)) throw new Error(assembled.left);
    const paired = assembled.right.paired!;
    expect(paired.baseline).toBe('random');
    const c3 = paired.cycles.find((r) => r.strategy === 'learning-loss' && r.cycle === 3)!;
    expect(c3).toMatchObject({ n: 2, method: 't', labeled: 600 });
    expect(c3.mean).toBeCloseTo(0.05, 12);
    expect(c3.lower!).toBeCloseTo(0.05 - 0.127062, 5);
    expect(c3.upper!).toBeCloseTo(0.05 + 0.127062, 5);
    // random's area, trial 0: ((0.5 + 0.6)/2 · 200 + (0.6 + 0.7)/2 · 200) / 400 = 0.6; trial 1: (116 + 136)/400 = 0.63
    const random = paired.areas.find((a) => a.strategy === 'random')!;
    expect(random.auc).toBeCloseTo(0.615, 12);
    expect(random.difference).toBeNull();
    expect(E.isRight(ComparisonResults.decode(assembled.right))).toBe(true);
  });

  it('writes paired.csv, areas.csv and paired.svg and prints the paired table', async () => {
    const assembled = assembleComparison(fixtureHeader, runs);
    if (E.isLeft(assembled)) throw new Error(assembled.left);
    const { files, table } = await writeReport(dir, summarizeRunsOrThrow(runs), assembled.right);
    const csv = (await readFile(files.pairedCsv!, 'utf8')).trim().split('\n');
    expect(csv[0]).toBe('strategy,baseline,cycle,labeled,n,meanDifference,lower,upper,method,level');
    expect(csv).toHaveLength(1 + 3);
    expect(csv[3]!.startsWith('learning-loss,random,3,600,2,0.05')).toBe(true);
    expect((await readFile(files.pairedSvg!, 'utf8')).startsWith('<svg')).toBe(true);
    expect((await readFile(files.areasCsv!, 'utf8')).split('\n')[0]).toBe('strategy,baseline,n,auc,aucLower,aucUpper,pairs,difference,differenceLower,differenceUpper,method,level');
    expect(table).toContain('Paired difference from random (points of test accuracy), mean [95% CI] over trials (paired t; * excludes 0)');
    expect(table).toMatch(/│ +3 │ +600 │ \+5\.00 \[−7\.71, \+17\.71\] +│/);
    expect(files.stoppingCsv).toBeNull();
  });

  it('has no paired files when the baseline did not run', async () => {
    const header = { ...fixtureHeader, strategies: ['learning-loss'] };
    const only = runs.filter((r) => r.strategy === 'learning-loss');
    const assembled = assembleComparison(header, only);
    if (E.isLeft(assembled)) throw new Error(assembled.left);
    expect(assembled.right.paired).toBeUndefined();
    const { files } = await writeReport(dir, summarizeRunsOrThrow(only), assembled.right);
    expect(files.pairedSvg).toBeNull();
  });

  it('reports where each stopping criterion would have stopped each run', async () => {
    const withStops = fixtureRuns.map((r) => ({
      ...r,
      cycles: r.cycles.map((c, i) => ({ ...c, stopKappa: i === 0 ? null : 0.95, stopMeanPredictedLoss: 1 - 0.001 * i })),
    }));
    const assembled = assembleComparison({ ...fixtureHeader, config: { stopKappa: 0.9, stopWindow: 1, stopLossFraction: 0.01 } }, withStops);
    if (E.isLeft(assembled)) throw new Error(assembled.left);
    expect(assembled.right.stopping).toContainEqual({ strategy: 'random', trial: 0, criterion: 'stable-predictions', cycle: 2, labeled: 400, stopped: false });
    expect(assembled.right.stopping).toContainEqual({ strategy: 'random', trial: 0, criterion: 'loss-plateau', cycle: 2, labeled: 400, stopped: false });
    const { files, table } = await writeReport(dir, summarizeRunsOrThrow(withStops), assembled.right);
    expect((await readFile(files.stoppingCsv!, 'utf8')).split('\n')[0]).toBe('strategy,trial,criterion,cycle,labeled,stopped');
    expect(table).toContain('Labels at which each stopping criterion would first have stopped each run');
  });
});

const summarizeRunsOrThrow = (runs: Parameters<typeof summarizeRuns>[1]) => {
  const s = summarizeRuns('testAccuracy', runs);
  if (E.isLeft(s)) throw new Error(s.left);
  return s.right;
};
