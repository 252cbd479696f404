import { fc, test } from '@fast-check/vitest';
import * as O from 'fp-ts/lib/Option.js';
import { describe, expect, it } from 'vitest';
import type { RunCurve } from '../../src/report/aggregate.ts';
import { meanInterval, tQuantile } from '../../src/report/intervals.ts';
import { normalisedArea, pairedStatistics } from '../../src/report/paired.ts';

const some = <A>(o: O.Option<A>): A => {
  if (O.isNone(o)) throw new Error('expected some');
  return o.value;
};

const metric = fc.double({ min: 0, max: 1, noNaN: true });
const values = (min: number, max: number) => fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: min, maxLength: max });

describe('meanInterval', () => {
  it('is mean ± t·s/√n below 5 values (by hand: 1, 2, 3 → 2 ± 4.3027 / √3)', () => {
    expect(tQuantile(0.95, 2)).toBeCloseTo(4.302653, 5);
    const i = some(meanInterval()([1, 2, 3]));
    expect(i.method).toBe('t');
    expect(i.mean).toBe(2);
    expect(i.lower!).toBeCloseTo(2 - 4.302653 / Math.sqrt(3), 5);
    expect(i.upper!).toBeCloseTo(2 + 4.302653 / Math.sqrt(3), 5);
  });

  it('has no bounds for one value and is none for none', () => {
    expect(some(meanInterval()([0.4]))).toEqual({ mean: 0.4, lower: null, upper: null, n: 1, method: 'none' });
    expect(O.isNone(meanInterval()([Number.NaN]))).toBe(true);
  });

  test.prop([values(2, 4), fc.double({ min: -5, max: 5, noNaN: true })])('should hold the mean, symmetric, and move with the values under a shift (t)', (x, c) => {
    const i = some(meanInterval()(x));
    const j = some(meanInterval()(x.map((v) => v + c)));
    expect(i.method).toBe('t');
    expect(i.lower!).toBeLessThanOrEqual(i.mean + 1e-12);
    expect(i.upper!).toBeGreaterThanOrEqual(i.mean - 1e-12);
    expect(i.mean - i.lower!).toBeCloseTo(i.upper! - i.mean, 9);
    expect(j.lower!).toBeCloseTo(i.lower! + c, 9);
    expect(j.upper!).toBeCloseTo(i.upper! + c, 9);
  });

  test.prop([values(5, 12), fc.integer()])('should bootstrap from 5 values, inside [min, max], the same for the same seed', (x, seed) => {
    const i = some(meanInterval({ seed, resamples: 2000 })(x));
    expect(i.method).toBe('bootstrap');
    expect(i.lower!).toBeGreaterThanOrEqual(Math.min(...x) - 1e-12);
    expect(i.upper!).toBeLessThanOrEqual(Math.max(...x) + 1e-12);
    expect(i.lower!).toBeLessThanOrEqual(i.upper!);
    expect(meanInterval({ seed, resamples: 2000 })(x)).toEqual(O.some(i));
  });
});

describe('normalisedArea', () => {
  it('is the mean height of the curve over its labels (by hand: 0.5 at 100, 0.7 at 300 → 0.6)', () => {
    expect(normalisedArea([{ labeled: 300, metric: 0.7 }, { labeled: 100, metric: 0.5 }])).toBeCloseTo(0.6, 12);
    // 0.5 → 0.7 over 100 labels, 0.7 → 0.7 over 300: (0.6·100 + 0.7·300) / 400 = 0.675
    expect(normalisedArea([{ labeled: 100, metric: 0.5 }, { labeled: 200, metric: 0.7 }, { labeled: 500, metric: 0.7 }])).toBeCloseTo(0.675, 12);
    expect(normalisedArea([{ labeled: 100, metric: 0.3 }])).toBe(0.3);
  });

  test.prop([fc.array(fc.record({ labeled: fc.integer({ min: 1, max: 10000 }), metric }), { minLength: 1, maxLength: 10 })])(
    'should lie between the lowest and highest metric of the curve',
    (points) => {
      const a = normalisedArea(points);
      expect(a).toBeGreaterThanOrEqual(Math.min(...points.map((p) => p.metric)) - 1e-12);
      expect(a).toBeLessThanOrEqual(Math.max(...points.map((p) => p.metric)) + 1e-12);
    },
  );
});

/** Runs of a baseline and a strategy over T trials and C cycles, metrics drawn. */
const comparison = fc.record({ trials: fc.integer({ min: 1, max: 7 }), cycles: fc.integer({ min: 1, max: 4 }) }).chain(({ trials, cycles }) =>
  fc.array(fc.array(metric, { minLength: cycles, maxLength: cycles }), { minLength: trials, maxLength: trials }).map((curves): RunCurve[] =>
    curves.map((metrics, trial) => ({ strategy: 'random', trial: trial + 1, points: metrics.map((m, c) => ({ cycle: c + 1, labeled: 100 * (c + 1), metric: m, rankingAccuracy: null })) })),
  ),
);

describe('pairedStatistics', () => {
  test.prop([comparison, fc.double({ min: -0.2, max: 0.2, noNaN: true })])(
    'should give a strategy that is the baseline plus δ in every trial a difference of δ with a zero-width interval',
    (base, delta) => {
      const shifted = base.map((r) => ({ ...r, strategy: 'other', points: r.points.map((p) => ({ ...p, metric: p.metric + delta })) }));
      const stats = some(pairedStatistics([...base, ...shifted]));
      const rows = stats.cycles.filter((r) => r.strategy === 'other');
      expect(rows).toHaveLength(base[0]!.points.length);
      for (const row of rows) {
        expect(row.n).toBe(base.length);
        expect(row.mean).toBeCloseTo(delta, 9);
        if (row.lower !== null) expect(row.lower).toBeCloseTo(delta, 9);
        if (row.upper !== null) expect(row.upper).toBeCloseTo(delta, 9);
        expect(row.method).toBe(base.length === 1 ? 'none' : base.length < 5 ? 't' : 'bootstrap');
      }
      expect(stats.cycles.some((r) => r.strategy === 'random')).toBe(false);
      const area = stats.areas.find((a) => a.strategy === 'other')!;
      expect(area.difference!).toBeCloseTo(delta, 9);
    },
  );

  test.prop([comparison, comparison])('should pair by trial: the mean difference is the difference of the means over common trials', (base, other) => {
    const o = other.map((r) => ({ ...r, strategy: 'other' }));
    const stats = some(pairedStatistics([...base, ...o]));
    for (const row of stats.cycles) {
      const trials = o.filter((r) => base.some((b) => b.trial === r.trial) && r.points.some((p) => p.cycle === row.cycle) && base.find((b) => b.trial === r.trial)!.points.some((p) => p.cycle === row.cycle));
      const diff = trials.map((r) => r.points.find((p) => p.cycle === row.cycle)!.metric - base.find((b) => b.trial === r.trial)!.points.find((p) => p.cycle === row.cycle)!.metric);
      expect(row.n).toBe(trials.length);
      expect(row.mean).toBeCloseTo(diff.reduce((s, d) => s + d, 0) / diff.length, 9);
    }
  });

  it('is none without a run of the baseline', () => {
    expect(O.isNone(pairedStatistics([{ strategy: 'entropy', trial: 1, points: [] }]))).toBe(true);
  });
});
