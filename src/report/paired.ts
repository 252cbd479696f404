/**
 * Paired statistics of a comparison: per cycle, each strategy's difference from a baseline,
 * trial by trial (every strategy of a trial shares its seed: the same initial set and initial
 * weights), with a 95% confidence interval over the trials; and the normalised area under
 * each learning curve with its interval, alone and as a paired difference. Pure.
 */
import * as O from 'fp-ts/lib/Option.js';
import { deriveSeed } from '../ops/random.ts';
import { strategiesOf, type CyclePoint, type RunCurve } from './aggregate.ts';
import { DEFAULT_BOOTSTRAP_FROM, DEFAULT_LEVEL, DEFAULT_RESAMPLES, meanInterval, type IntervalMethod, type IntervalOptions } from './intervals.ts';

/** One strategy's paired difference from the baseline at one cycle, over the trials both ran. */
export interface PairedRow {
  readonly strategy: string;
  readonly baseline: string;
  readonly cycle: number;
  /** Mean labeled-set size of the strategy's runs at this cycle. */
  readonly labeled: number;
  /** Trials with this cycle in both runs. */
  readonly n: number;
  /** Mean of metric(strategy, trial) − metric(baseline, trial). */
  readonly mean: number;
  readonly lower: number | null;
  readonly upper: number | null;
  readonly method: IntervalMethod;
}

/** A strategy's normalised area under its learning curve, and its paired difference from the baseline. */
export interface AreaRow {
  readonly strategy: string;
  readonly baseline: string;
  /** Mean over trials of the normalised area, with its interval. */
  readonly auc: number;
  readonly aucLower: number | null;
  readonly aucUpper: number | null;
  readonly n: number;
  /** Mean paired difference from the baseline's area (over the cycles both runs of a trial reached). */
  readonly difference: number | null;
  readonly differenceLower: number | null;
  readonly differenceUpper: number | null;
  readonly pairs: number;
  readonly method: IntervalMethod;
}

/** Everything `compare` reports of a comparison against its baseline. */
export interface PairedStatistics {
  readonly baseline: string;
  readonly level: number;
  /** How the intervals were computed, in words (stored with the results). */
  readonly intervals: string;
  readonly cycles: ReadonlyArray<PairedRow>;
  readonly areas: ReadonlyArray<AreaRow>;
}

/**
 * The normalised area under a learning curve: the trapezoidal area of the metric against the
 * labeled-set size, divided by the span of labels, i.e. the curve's mean height over the
 * labels it covers (in the metric's unit: 0.8 = 80% accuracy on average). One point: its
 * metric. No finite point: NaN. Points are sorted by labels; non-finite metrics are left out.
 * @param points the curve
 * @returns the normalised area
 * @example
 * normalisedArea([{ cycle: 1, labeled: 100, metric: 0.5, rankingAccuracy: null }, { cycle: 2, labeled: 300, metric: 0.7, rankingAccuracy: null }]) // 0.6
 */
export const normalisedArea = (points: ReadonlyArray<Pick<CyclePoint, 'labeled' | 'metric'>>): number => {
  const p = points.filter((q) => Number.isFinite(q.metric) && Number.isFinite(q.labeled)).sort((a, b) => a.labeled - b.labeled);
  if (p.length === 0) return Number.NaN;
  const span = p[p.length - 1]!.labeled - p[0]!.labeled;
  if (p.length === 1 || span === 0) return p.reduce((s, q) => s + q.metric, 0) / p.length;
  let area = 0;
  for (let i = 1; i < p.length; i++) area += ((p[i]!.metric + p[i - 1]!.metric) / 2) * (p[i]!.labeled - p[i - 1]!.labeled);
  return area / span;
};

/** Options of {@link pairedStatistics}. */
export interface PairedOptions extends IntervalOptions {
  /** The baseline strategy (default 'random'). */
  readonly baseline?: string;
}

/** Words for the stored results: how the intervals were made. */
export const describeIntervals = ({ level = DEFAULT_LEVEL, bootstrapFrom = DEFAULT_BOOTSTRAP_FROM, resamples = DEFAULT_RESAMPLES }: IntervalOptions = {}): string =>
  `${Math.round(level * 100)}% intervals over trials: paired t (n − 1 dof) below ${bootstrapFrom} trials, percentile bootstrap of the mean (${resamples} resamples, seeded) from ${bootstrapFrom} on`;

/**
 * Paired differences from a baseline, per strategy and cycle, and the areas under the curves.
 *
 * Use it after a comparison; a trial counts for a strategy at a cycle when both its run and
 * the baseline's run of that trial reached the cycle with a finite metric. Rows come strategy
 * by strategy (the baseline left out of the differences), cycles ascending. The bootstrap of
 * each row has its own seed, derived from `seed`, the strategy and the cycle.
 * @param runs every run of the comparison, as curves
 * @param options baseline ('random'), level (0.95), bootstrapFrom (5), resamples, seed (0)
 * @returns `some(statistics)`, or `none` when the baseline has no run
 */
export const pairedStatistics = (runs: ReadonlyArray<RunCurve>, options: PairedOptions = {}): O.Option<PairedStatistics> => {
  const baseline = options.baseline ?? 'random';
  const seed = options.seed ?? 0;
  const base = runs.filter((r) => r.strategy === baseline);
  if (base.length === 0) return O.none;
  const baseByTrial = new Map(base.map((r) => [r.trial, r]));
  const interval = (values: ReadonlyArray<number>, ...tags: ReadonlyArray<string | number>) =>
    meanInterval({ ...options, seed: deriveSeed(seed, 'paired', ...tags) })(values);
  const cycles: PairedRow[] = [];
  const areas: AreaRow[] = [];
  for (const strategy of strategiesOf(runs)) {
    const own = runs.filter((r) => r.strategy === strategy);
    const pairsOf = own.flatMap((r) => {
      const b = baseByTrial.get(r.trial);
      return b === undefined ? [] : [[r, b] as const];
    });
    if (strategy !== baseline) {
      const allCycles = [...new Set(own.flatMap((r) => r.points.map((p) => p.cycle)))].sort((a, b) => a - b);
      for (const cycle of allCycles) {
        const diffs: number[] = [];
        const labels: number[] = [];
        for (const [r, b] of pairsOf) {
          const p = r.points.find((q) => q.cycle === cycle);
          const q = b.points.find((x) => x.cycle === cycle);
          if (p === undefined || q === undefined || !Number.isFinite(p.metric) || !Number.isFinite(q.metric)) continue;
          diffs.push(p.metric - q.metric);
          labels.push(p.labeled);
        }
        const found = interval(diffs, strategy, 'cycle', cycle);
        if (O.isNone(found)) continue;
        cycles.push({
          strategy, baseline, cycle,
          labeled: labels.reduce((s, l) => s + l, 0) / labels.length,
          n: found.value.n, mean: found.value.mean, lower: found.value.lower, upper: found.value.upper, method: found.value.method,
        });
      }
    }
    const own_ = interval(own.map((r) => normalisedArea(r.points)), strategy, 'area');
    // The paired area: both runs over the cycles both reached (a stopped run is compared on its part).
    const pairedAreas = pairsOf.map(([r, b]) => {
      const common = new Set(r.points.map((p) => p.cycle).filter((c) => b.points.some((q) => q.cycle === c)));
      return normalisedArea(r.points.filter((p) => common.has(p.cycle))) - normalisedArea(b.points.filter((p) => common.has(p.cycle)));
    });
    const diff = strategy === baseline ? O.none : interval(pairedAreas, strategy, 'area-difference');
    if (O.isNone(own_)) continue;
    areas.push({
      strategy, baseline,
      auc: own_.value.mean, aucLower: own_.value.lower, aucUpper: own_.value.upper, n: own_.value.n,
      difference: O.isSome(diff) ? diff.value.mean : null,
      differenceLower: O.isSome(diff) ? diff.value.lower : null,
      differenceUpper: O.isSome(diff) ? diff.value.upper : null,
      pairs: O.isSome(diff) ? diff.value.n : 0,
      method: O.isSome(diff) ? diff.value.method : own_.value.method,
    });
  }
  return O.some({ baseline, level: options.level ?? DEFAULT_LEVEL, intervals: describeIntervals(options), cycles, areas });
};
