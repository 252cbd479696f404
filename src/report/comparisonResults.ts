/**
 * The results.json of a comparison (and of a single run), as io-ts codecs: what `compare`
 * writes and what `report` reads back. A run's cycle rows are kept as the run wrote them,
 * with its metric under the key `metricName` (e.g. `testAccuracy`).
 */
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as t from 'io-ts';
import { CycleRow } from '../results/cycleRow.ts';
import { StoppedRecord } from '../results/stoppedRecord.ts';
import type { CyclePoint, RunCurve, SummaryRow } from './aggregate.ts';

const nullableNumber = t.union([t.number, t.null]);

/**
 * One cycle row of a run's results.json: the one results-row codec (src/results/cycleRow.ts),
 * so a stored null reads back as NaN (its NaN policy); the metric also sits under metricName.
 */
export const CycleRecord = CycleRow;
export type CycleRecord = CycleRow;

export { StoppedRecord };

/** One run of a comparison: a strategy, a trial, its seed, its directory and its cycle rows (and why it stopped early). */
export const RunRecord = t.intersection(
  [
    t.type({
      strategy: t.string,
      trial: t.number,
      seed: t.number,
      dir: t.string,
      cycles: t.array(CycleRecord),
    }),
    t.partial({ stopped: StoppedRecord }),
  ],
  'RunRecord',
);
export type RunRecord = t.TypeOf<typeof RunRecord>;

/** A summary row as stored (NaN is written to JSON as null). */
export const StoredSummaryRow = t.type(
  {
    strategy: t.string,
    cycle: t.number,
    labeled: t.number,
    mean: nullableNumber,
    std: nullableNumber,
    rankingMean: nullableNumber,
    rankingStd: nullableNumber,
    n: t.number,
  },
  'SummaryRow',
);

const method = t.keyof({ t: null, bootstrap: null, none: null }, 'IntervalMethod');

/** A paired difference from the baseline at one cycle (src/report/paired.ts). */
export const StoredPairedRow = t.type(
  { strategy: t.string, baseline: t.string, cycle: t.number, labeled: t.number, n: t.number, mean: t.number, lower: nullableNumber, upper: nullableNumber, method },
  'PairedRow',
);

/** A strategy's normalised area under its curve and its paired difference (src/report/paired.ts). */
export const StoredAreaRow = t.type(
  {
    strategy: t.string, baseline: t.string, auc: t.number, aucLower: nullableNumber, aucUpper: nullableNumber, n: t.number,
    difference: nullableNumber, differenceLower: nullableNumber, differenceUpper: nullableNumber, pairs: t.number, method,
  },
  'AreaRow',
);

/** The paired statistics of a comparison against its baseline. */
export const StoredPaired = t.type(
  { baseline: t.string, level: t.number, intervals: t.string, cycles: t.array(StoredPairedRow), areas: t.array(StoredAreaRow) },
  'PairedStatistics',
);

/** Where a stopping criterion would first have stopped a run (null: never), and whether it did. */
export const StoredStopRow = t.type(
  { strategy: t.string, trial: t.number, criterion: t.string, cycle: nullableNumber, labeled: nullableNumber, stopped: t.boolean },
  'StopRow',
);

/** results.json of `ll4al compare`. */
export const ComparisonResults = t.intersection(
  [
    t.type({
      metricName: t.string,
      strategies: t.array(t.string),
      trials: t.number,
      seed: t.number,
      backend: t.unknown,
      runs: t.array(RunRecord),
      summary: t.array(StoredSummaryRow),
    }),
    t.partial({ config: t.unknown, createdAt: t.string, baseline: t.string, paired: StoredPaired, stopping: t.array(StoredStopRow) }),
  ],
  'ComparisonResults',
);
export type ComparisonResults = t.TypeOf<typeof ComparisonResults>;

/** results.json of `ll4al run`: the fields a report needs (the rest is kept, not checked). */
export const SingleRunResults = t.intersection(
  [
    t.type({ strategy: t.string, cycles: t.array(CycleRecord) }),
    t.partial({ metricName: t.string, seed: t.number, backend: t.unknown, task: t.string, finished: t.boolean, stopped: StoppedRecord, config: t.unknown }),
  ],
  'RunResults',
);
export type SingleRunResults = t.TypeOf<typeof SingleRunResults>;

/** The metric a run reports when its results.json does not name one. */
export const defaultMetricName = 'testAccuracy';

/**
 * Reads the metric of every cycle row of a run into plain points.
 *
 * Use it to turn a stored run into the input of `summarize`. A row whose metric is missing
 * or not a number is an error naming the row (a report must not invent a value).
 * @param metricName the key of the metric in the rows
 * @returns a function from a run to its curve, or a message naming the bad row
 */
export const toRunCurve =
  (metricName: string) =>
  (run: Pick<RunRecord, 'strategy' | 'trial' | 'cycles'>): E.Either<string, RunCurve> =>
    pipe(
      run.cycles.map((row, index): E.Either<string, CyclePoint> => {
        const value = (row as Record<string, unknown>)[metricName];
        return typeof value === 'number' || value === null
          ? E.right({
              cycle: row.cycle,
              labeled: row.labeled,
              metric: value ?? Number.NaN,
              // A curve point says "no value" with null (aggregate.ts); a row says it with NaN.
              rankingAccuracy: Number.isFinite(row.rankingAccuracy) ? row.rankingAccuracy : null,
            })
          : E.left(
              `run ${run.strategy}/trial-${run.trial}: cycles/${index}/${metricName} is ${JSON.stringify(value)}, expected a number`,
            );
      }),
      E.sequenceArray,
      E.map((points) => ({ strategy: run.strategy, trial: run.trial, points })),
    );

/**
 * A summary row as JSON stores it: non-finite numbers become null (JSON has no NaN).
 * @param row a summary row
 * @returns the row with NaN mean/std replaced by null
 */
export const storableSummaryRow = (row: SummaryRow): t.TypeOf<typeof StoredSummaryRow> => ({
  ...row,
  mean: Number.isFinite(row.mean) ? row.mean : null,
  std: Number.isFinite(row.std) ? row.std : null,
});
