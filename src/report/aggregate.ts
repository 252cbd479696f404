/**
 * Aggregation of active-learning curves over trials: per strategy and cycle, the mean and
 * the sample standard deviation of the test metric and of the loss module's ranking accuracy.
 * Pure functions over plain arrays; no I/O.
 */
import * as O from 'fp-ts/lib/Option.js';

/** One cycle of one run, reduced to what a comparison aggregates. */
export interface CyclePoint {
  readonly cycle: number;
  /** Labeled-set size at which the model of this cycle was trained. */
  readonly labeled: number;
  /** The task's test metric (e.g. test accuracy in [0, 1]). */
  readonly metric: number;
  /** The loss module's ranking accuracy on the test set; null when the run has no loss module. */
  readonly rankingAccuracy: number | null;
}

/** One run (one strategy, one trial) as a curve. */
export interface RunCurve {
  readonly strategy: string;
  readonly trial: number;
  readonly points: ReadonlyArray<CyclePoint>;
}

/** Mean, sample standard deviation and count of a set of values. */
export interface Moments {
  readonly mean: number;
  /** Sample standard deviation (divides by n − 1); 0 when n = 1. */
  readonly std: number;
  readonly n: number;
}

/** One row of a comparison's summary: a strategy at a cycle, over its trials. */
export interface SummaryRow {
  readonly strategy: string;
  readonly cycle: number;
  /** Mean labeled-set size over the trials (the trials of a complete comparison agree). */
  readonly labeled: number;
  /** Mean and sample std of the metric; n is the number of trials with a finite metric. */
  readonly mean: number;
  readonly std: number;
  /** Mean and sample std of the ranking accuracy; null when no trial reported one. */
  readonly rankingMean: number | null;
  readonly rankingStd: number | null;
  readonly n: number;
}

/**
 * Mean and sample standard deviation (n − 1 in the denominator) of the finite values.
 *
 * Use it for any per-cycle statistic over trials. Policy: non-finite values (NaN, ±∞) are
 * left out and not counted; one value has std 0 (there is no spread to estimate, and 0 is
 * what is plotted); no finite value at all is `none`.
 * @param values the values, one per trial
 * @returns `some({ mean, std, n })`, or `none` when no value is finite
 * @example
 * moments([0.8, 0.9, 1.0]) // some({ mean: 0.9, std: 0.1, n: 3 })
 */
export const moments = (values: ReadonlyArray<number>): O.Option<Moments> => {
  const finite = values.filter(Number.isFinite);
  const n = finite.length;
  if (n === 0) return O.none;
  const mean = finite.reduce((sum, x) => sum + x, 0) / n;
  if (n === 1) return O.some({ mean, std: 0, n });
  const squares = finite.reduce((sum, x) => sum + (x - mean) * (x - mean), 0);
  return O.some({ mean, std: Math.sqrt(squares / (n - 1)), n });
};

/**
 * The strategies of runs or summary rows in the order they first appear (the order the user
 * listed them), which is the order tables, legends and files show them in.
 * @param items runs or summary rows
 * @returns distinct strategy names
 */
export const strategiesOf = (items: ReadonlyArray<{ readonly strategy: string }>): ReadonlyArray<string> => [
  ...new Set(items.map((item) => item.strategy)),
];

/**
 * Summarises runs per strategy and cycle: mean ± sample std of the metric and of the
 * ranking accuracy over the trials, and the labeled-set size.
 *
 * Use it after a comparison (every strategy × trial) to get the curves with error bands.
 * Rows come strategy by strategy (first-appearance order), cycles ascending. A cycle that
 * only some trials reached is summarised over those (n says how many). A cycle whose metric
 * is non-finite in every trial has mean and std NaN and n 0 — visible, never dropped.
 * @param runs every run of the comparison
 * @returns one row per strategy × cycle
 * @example
 * summarize([
 *   { strategy: 'random', trial: 0, points: [{ cycle: 1, labeled: 200, metric: 0.6, rankingAccuracy: null }] },
 *   { strategy: 'random', trial: 1, points: [{ cycle: 1, labeled: 200, metric: 0.8, rankingAccuracy: null }] },
 * ]) // [{ strategy: 'random', cycle: 1, labeled: 200, mean: 0.7, std: 0.1414…, rankingMean: null, rankingStd: null, n: 2 }]
 */
export const summarize = (runs: ReadonlyArray<RunCurve>): ReadonlyArray<SummaryRow> =>
  strategiesOf(runs).flatMap((strategy) => {
    const points = runs.filter((run) => run.strategy === strategy).flatMap((run) => run.points);
    const cycles = [...new Set(points.map((p) => p.cycle))].sort((a, b) => a - b);
    return cycles.map((cycle): SummaryRow => {
      const atCycle = points.filter((p) => p.cycle === cycle);
      const metric = moments(atCycle.map((p) => p.metric));
      const ranking = moments(
        atCycle.flatMap((p) => (p.rankingAccuracy === null ? [] : [p.rankingAccuracy])),
      );
      return {
        strategy,
        cycle,
        labeled: atCycle.reduce((sum, p) => sum + p.labeled, 0) / atCycle.length,
        mean: O.isSome(metric) ? metric.value.mean : Number.NaN,
        std: O.isSome(metric) ? metric.value.std : Number.NaN,
        rankingMean: O.isSome(ranking) ? ranking.value.mean : null,
        rankingStd: O.isSome(ranking) ? ranking.value.std : null,
        n: O.isSome(metric) ? metric.value.n : 0,
      };
    });
  });
