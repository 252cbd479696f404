/**
 * CSV files of a comparison: results.csv (one row per strategy × cycle: mean and std over the
 * trials) and runs.csv (one row per run × cycle). RFC 4180: comma-separated, a header row,
 * fields quoted when they hold a comma, quote or line break; an absent value is an empty field.
 */
import type { SummaryRow } from './aggregate.ts';
import type { RunRecord } from './comparisonResults.ts';
import type { PairedStatistics } from './paired.ts';
import type { StopRow } from './stoppingReport.ts';

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

/**
 * paired.csv: each strategy's paired difference from the baseline per cycle, metric values as stored.
 * @param stats the paired statistics
 * @returns the CSV text
 */
export const pairedCsv = (stats: PairedStatistics): string =>
  toCsv(
    ['strategy', 'baseline', 'cycle', 'labeled', 'n', 'meanDifference', 'lower', 'upper', 'method', 'level'],
    stats.cycles.map((r) => [r.strategy, r.baseline, r.cycle, r.labeled, r.n, r.mean, r.lower, r.upper, r.method, stats.level]),
  );

/**
 * areas.csv: each strategy's normalised area under the curve with its interval, and its paired difference from the baseline.
 * @param stats the paired statistics
 * @returns the CSV text
 */
export const areasCsv = (stats: PairedStatistics): string =>
  toCsv(
    ['strategy', 'baseline', 'n', 'auc', 'aucLower', 'aucUpper', 'pairs', 'difference', 'differenceLower', 'differenceUpper', 'method', 'level'],
    stats.areas.map((a) => [a.strategy, a.baseline, a.n, a.auc, a.aucLower, a.aucUpper, a.pairs, a.difference, a.differenceLower, a.differenceUpper, a.method, stats.level]),
  );

/**
 * stopping.csv: where each stopping criterion would first have stopped each run.
 * @param rows the stopping report
 * @returns the CSV text
 */
export const stoppingCsv = (rows: ReadonlyArray<StopRow>): string =>
  toCsv(['strategy', 'trial', 'criterion', 'cycle', 'labeled', 'stopped'], rows.map((r) => [r.strategy, r.trial, r.criterion, r.cycle, r.labeled, String(r.stopped)]));
