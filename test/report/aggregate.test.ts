import * as O from 'fp-ts/lib/Option.js';
import { describe, expect, it } from 'vitest';
import { moments, strategiesOf, summarize, type RunCurve } from '../../src/report/aggregate.ts';

const run = (strategy: string, trial: number, metrics: ReadonlyArray<number>, ranking: ReadonlyArray<number | null> = []): RunCurve => ({
  strategy,
  trial,
  points: metrics.map((metric, i) => ({ cycle: i + 1, labeled: 100 * (i + 1), metric, rankingAccuracy: ranking[i] ?? null })),
});

describe('moments', () => {
  it('gives the mean and the sample std (n − 1)', () => {
    // mean 0.7; squared deviations 0.01 + 0 + 0.01 = 0.02; / (3 − 1) = 0.01; sqrt = 0.1
    const m = moments([0.6, 0.7, 0.8]);
    expect(O.isSome(m)).toBe(true);
    if (O.isSome(m)) {
      expect(m.value.mean).toBeCloseTo(0.7, 12);
      expect(m.value.std).toBeCloseTo(0.1, 12);
      expect(m.value.n).toBe(3);
    }
  });

  it('divides by n − 1, not n, for two values', () => {
    // 0.5, 0.9: mean 0.7, deviations² 0.04 + 0.04 = 0.08, / 1 → sqrt(0.08) = 0.28284…
    const m = moments([0.5, 0.9]);
    expect(O.toNullable(m)?.std).toBeCloseTo(Math.sqrt(0.08), 12);
  });

  it('gives std 0 for a single value', () => {
    expect(O.toNullable(moments([0.42]))).toEqual({ mean: 0.42, std: 0, n: 1 });
  });

  it('leaves out non-finite values and counts only the finite ones', () => {
    expect(O.toNullable(moments([1, Number.NaN, 3, Number.POSITIVE_INFINITY]))).toEqual({ mean: 2, std: Math.SQRT2, n: 2 });
  });

  it('is none when nothing is finite', () => {
    expect(O.isNone(moments([]))).toBe(true);
    expect(O.isNone(moments([Number.NaN]))).toBe(true);
  });
});

describe('summarize', () => {
  it('gives one row per strategy and cycle, strategies in first-appearance order', () => {
    const rows = summarize([
      run('random', 0, [0.6, 0.7]),
      run('learning-loss', 0, [0.62, 0.75], [0.6, 0.7]),
      run('random', 1, [0.8, 0.9]),
      run('learning-loss', 1, [0.64, 0.77], [0.8, 0.7]),
    ]);
    expect(rows.map((r) => `${r.strategy}:${r.cycle}`)).toEqual(['random:1', 'random:2', 'learning-loss:1', 'learning-loss:2']);
    const [r1, r2, l1, l2] = rows;
    // random cycle 1: 0.6, 0.8 → mean 0.7; deviations² 0.01 + 0.01 = 0.02, / (2 − 1) → std sqrt(0.02)
    expect(r1!.mean).toBeCloseTo(0.7, 12);
    expect(r1!.std).toBeCloseTo(Math.sqrt(0.02), 12);
    expect(r1!.labeled).toBe(100);
    expect(r1!.n).toBe(2);
    expect(r1!.rankingMean).toBeNull();
    expect(r1!.rankingStd).toBeNull();
    expect(r2!.mean).toBeCloseTo(0.8, 12);
    expect(r2!.labeled).toBe(200);
    // learning-loss cycle 1: 0.62, 0.64 → mean 0.63, std sqrt(0.0002) ; ranking 0.6, 0.8 → 0.7 ± sqrt(0.02)
    expect(l1!.mean).toBeCloseTo(0.63, 12);
    expect(l1!.std).toBeCloseTo(Math.sqrt(0.0002), 12);
    expect(l1!.rankingMean).toBeCloseTo(0.7, 12);
    expect(l1!.rankingStd).toBeCloseTo(Math.sqrt(0.02), 12);
    // cycle 2 ranking 0.7, 0.7 → std 0
    expect(l2!.rankingMean).toBeCloseTo(0.7, 12);
    expect(l2!.rankingStd).toBe(0);
  });

  it('summarises a cycle only some trials reached over those trials', () => {
    const rows = summarize([run('entropy', 0, [0.5, 0.6, 0.7]), run('entropy', 1, [0.7, 0.8])]);
    const third = rows.find((r) => r.cycle === 3)!;
    expect(third.n).toBe(1);
    expect(third.mean).toBeCloseTo(0.7, 12);
    expect(third.std).toBe(0);
    expect(rows.find((r) => r.cycle === 1)!.n).toBe(2);
  });

  it('keeps a cycle whose metric is NaN in every trial, with n 0 and NaN mean', () => {
    const rows = summarize([run('random', 0, [Number.NaN])]);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.n).toBe(0);
    expect(Number.isNaN(rows[0]!.mean)).toBe(true);
  });

  it('gives nothing for no runs', () => {
    expect(summarize([])).toEqual([]);
  });
});

describe('strategiesOf', () => {
  it('lists each strategy once in first-appearance order', () => {
    expect(strategiesOf([{ strategy: 'b' }, { strategy: 'a' }, { strategy: 'b' }])).toEqual(['b', 'a']);
  });
});
