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
