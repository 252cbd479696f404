/**
 * Confidence intervals of a mean over trials: Student's t for few trials, a percentile
 * bootstrap from `bootstrapFrom` trials on. Pure; the bootstrap is seeded (ops/random).
 */
import { createRequire } from 'node:module';
import * as O from 'fp-ts/lib/Option.js';
import type * as Jstat from 'jstat';
import { Rng } from '../ops/random.ts';

/** How an interval was computed: 't' (Student's t), 'bootstrap' (percentile), 'none' (one value). */
export type IntervalMethod = 't' | 'bootstrap' | 'none';

/** A mean with its confidence interval (null bounds with one value: no spread to estimate). */
export interface MeanInterval {
  readonly mean: number;
  readonly lower: number | null;
  readonly upper: number | null;
  readonly n: number;
  readonly method: IntervalMethod;
}

/** Options of {@link meanInterval}. */
export interface IntervalOptions {
  /** Confidence level (default 0.95). */
  readonly level?: number;
  /** From this many values on, a percentile bootstrap instead of t (default 5). */
  readonly bootstrapFrom?: number;
  /** Bootstrap resamples (default 10,000). */
  readonly resamples?: number;
  /** Seed of the bootstrap's resampling. */
  readonly seed?: number;
}

/** The default confidence level and the trial count from which intervals are bootstrapped. */
export const DEFAULT_LEVEL = 0.95;
export const DEFAULT_BOOTSTRAP_FROM = 5;
export const DEFAULT_RESAMPLES = 10_000;

/**
 * The two-sided quantile t_{(1+level)/2, dof} of Student's t distribution (jstat).
 * @param level the confidence level, e.g. 0.95
 * @param dof degrees of freedom ≥ 1
 * @returns the quantile (12.706… for 95% and 1 dof)
 */
export const tQuantile = (level: number, dof: number): number => {
  // jstat loads on the first interval, not when ll4al is imported.
  jstat ??= createRequire(import.meta.url)('jstat') as typeof Jstat;
  return jstat.jStat.studentt.inv((1 + level) / 2, dof);
};
let jstat: typeof Jstat | undefined;

/**
 * The mean of the finite values with a confidence interval: mean ± t·s/√n (sample std s,
 * n − 1 degrees of freedom) below `bootstrapFrom` values; from there on the percentile
 * bootstrap of the mean (`resamples` resamples with replacement, the (1 − level)/2 and
 * (1 + level)/2 quantiles of the resampled means, linearly interpolated).
 *
 * Use it for a paired difference over trials (the values are per-trial differences) or any
 * per-trial statistic. Policy: non-finite values are left out and not counted; no finite value
 * is `none`; one value has null bounds and method 'none'.
 * @param options level (0.95), bootstrapFrom (5), resamples (10,000), seed (0)
 * @returns `values => some(interval)` or `none`
 * @example
 * meanInterval()([1, 2, 3]) // some({ mean: 2, lower: 2 − 4.303 · 1/√3, upper: 2 + 4.303 · 1/√3, n: 3, method: 't' })
 */
export const meanInterval =
  ({ level = DEFAULT_LEVEL, bootstrapFrom = DEFAULT_BOOTSTRAP_FROM, resamples = DEFAULT_RESAMPLES, seed = 0 }: IntervalOptions = {}) =>
  (values: ReadonlyArray<number>): O.Option<MeanInterval> => {
    const x = values.filter(Number.isFinite);
    const n = x.length;
    if (n === 0) return O.none;
    const mean = x.reduce((s, v) => s + v, 0) / n;
    if (n === 1) return O.some({ mean, lower: null, upper: null, n, method: 'none' });
    if (n < bootstrapFrom) {
      const sd = Math.sqrt(x.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
      const half = tQuantile(level, n - 1) * (sd / Math.sqrt(n));
      return O.some({ mean, lower: mean - half, upper: mean + half, n, method: 't' });
    }
    const rng = new Rng(seed);
    const means = new Float64Array(resamples);
    for (let b = 0; b < resamples; b++) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += x[rng.nextInt(n)];
      means[b] = sum / n;
    }
    means.sort();
    const quantile = (q: number): number => {
      const at = q * (resamples - 1);
      const low = Math.floor(at);
      const high = Math.min(resamples - 1, low + 1);
      return means[low] + (at - low) * (means[high] - means[low]);
    };
    return O.some({ mean, lower: quantile((1 - level) / 2), upper: quantile((1 + level) / 2), n, method: 'bootstrap' });
  };
