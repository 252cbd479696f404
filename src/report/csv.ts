/**
 * CSV files of a comparison: results.csv (one row per strategy × cycle: mean and std over the
 * trials) and runs.csv (one row per run × cycle). RFC 4180: comma-separated, a header row,
 * fields quoted when they hold a comma, quote or line break; an absent value is an empty field.
 */
import type { SummaryRow } from './aggregate.ts';
import type { RunRecord } from './comparisonResults.ts';

type Cell = string | number | null | undefined;

const field = (value: Cell): string => {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
};

/**
 * Joins rows of cells into CSV text (a trailing newline included).
 * @param header the column names
 * @param rows the rows, each as long as the header
 * @returns the CSV text
 * @example
 * toCsv(['a', 'b'], [[1, 'x,y']]) // 'a,b\n1,"x,y"\n'
 */
export const toCsv = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<Cell>>): string =>
  [header, ...rows].map((row) => row.map(field).join(',')).join('\n') + '\n';

/** Columns of results.csv. */
export const summaryColumns = [
  'strategy',
  'cycle',
  'labeled',
  'metric',
  'mean',
  'std',
  'rankingMean',
  'rankingStd',
  'n',
] as const;

/**
 * results.csv: the summary, one row per strategy × cycle, metric values as stored (not in %).
 * @param metricName the metric's name, written in the `metric` column
 * @param summary the summary rows
 * @returns the CSV text
 */
export const summaryCsv = (metricName: string, summary: ReadonlyArray<SummaryRow>): string =>
  toCsv(
    summaryColumns,
    summary.map((r) => [r.strategy, r.cycle, r.labeled, metricName, r.mean, r.std, r.rankingMean, r.rankingStd, r.n]),
  );

/** Columns of runs.csv. */
export const runColumns = [
  'strategy',
  'trial',
  'seed',
  'cycle',
  'labeled',
  'metric',
  'value',
  'rankingAccuracy',
  'seconds',
] as const;

/**
 * runs.csv: every cycle of every run, for analyses the summary does not cover (paired tests).
 * @param metricName the key of the metric in the cycle rows
 * @param runs the runs
 * @returns the CSV text
 */
export const runsCsv = (metricName: string, runs: ReadonlyArray<RunRecord>): string =>
  toCsv(
    runColumns,
    runs.flatMap((run) =>
      run.cycles.map((row) => {
        const value = (row as Record<string, unknown>)[metricName];
        return [
          run.strategy,
          run.trial,
          run.seed,
          row.cycle,
          row.labeled,
          metricName,
          typeof value === 'number' ? value : null,
          row.rankingAccuracy,
          row.seconds,
        ];
      }),
    ),
  );
