/**
 * A comparison's report files, written from its results: results.json, results.csv,
 * runs.csv, curve.svg, ranking.svg, paired.csv, areas.csv, paired.svg (the paired differences
 * from the baseline), stopping.csv; and its terminal tables.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as O from 'fp-ts/lib/Option.js';
import { summarize, type SummaryRow } from './aggregate.ts';
import { storableSummaryRow, toRunCurve, type ComparisonResults, type RunRecord } from './comparisonResults.ts';
import { areasCsv, pairedCsv, runsCsv, stoppingCsv, summaryCsv } from './csv.ts';
import { pairedStatistics, type PairedStatistics } from './paired.ts';
import { curveSpec, pairedSpec, rankingSpec, renderSvg } from './plots.ts';
import { stoppingReport, stopParametersOf, type StopRow } from './stoppingReport.ts';
import { renderPairedTable, renderStoppingTable, renderTable } from './table.ts';

/** What a comparison knows besides its runs. */
export interface ComparisonHeader {
  readonly metricName: string;
  readonly strategies: ReadonlyArray<string>;
  readonly trials: number;
  readonly seed: number;
  readonly backend: unknown;
  readonly config?: unknown;
  /** The strategy the paired differences are taken from (default 'random'; none when it did not run). */
  readonly baseline?: string;
}

/** The baseline a comparison's paired statistics use: the one it names, else random. */
export const DEFAULT_BASELINE = 'random';

/**
 * The paired statistics of stored runs against the baseline (none when the baseline did not
 * run), each bootstrap seeded from the comparison's seed.
 * @param metricName the key of the metric in the runs' cycle rows
 * @param results the runs, the seed and the baseline
 * @returns `Right(some(statistics) | none)`, or a message naming a row without a metric
 */
export const pairRuns = (
  metricName: string,
  results: Pick<ComparisonResults, 'runs' | 'seed' | 'baseline'>,
): E.Either<string, O.Option<PairedStatistics>> =>
  pipe(
    results.runs.map(toRunCurve(metricName)),
    E.sequenceArray,
    E.map((curves) => pairedStatistics(curves, { baseline: results.baseline ?? DEFAULT_BASELINE, seed: results.seed })),
  );

/**
 * Where each stopping criterion would have stopped each stored run, with the comparison's parameters.
 * @param results the runs and the configuration they ran with
 * @returns the rows
 */
export const stopRuns = (results: Pick<ComparisonResults, 'runs' | 'config'>): ReadonlyArray<StopRow> =>
  stoppingReport(results.runs, stopParametersOf(results.config));

/**
 * The summary of stored runs: each run's metric read under `metricName`, then `summarize`.
 * @param metricName the key of the metric in the runs' cycle rows
 * @param runs the stored runs
 * @returns the summary rows, or a message naming the first row without a metric
 */
export const summarizeRuns = (
  metricName: string,
  runs: ReadonlyArray<Pick<RunRecord, 'strategy' | 'trial' | 'cycles'>>,
): E.Either<string, ReadonlyArray<SummaryRow>> =>
  pipe(runs.map(toRunCurve(metricName)), E.sequenceArray, E.map(summarize));

/**
 * Assembles results.json of a comparison from its header and runs (the summary computed).
 *
 * Use it when the runs of a comparison are done.
 * @param header the comparison's metric, strategies, trials, seed, backend and config
 * @param runs every run, with the cycle rows of its own results.json
 * @returns the comparison results, or a message naming a row without a metric
 */
export const assembleComparison = (
  header: ComparisonHeader,
  runs: ReadonlyArray<RunRecord>,
): E.Either<string, ComparisonResults> => {
  const baseline = header.baseline ?? DEFAULT_BASELINE;
  return pipe(
    summarizeRuns(header.metricName, runs),
    E.bindTo('summary'),
    E.bind('paired', () => pairRuns(header.metricName, { runs: [...runs], seed: header.seed, baseline })),
    E.map(({ summary, paired }) => ({
      metricName: header.metricName,
      strategies: [...header.strategies],
      trials: header.trials,
      seed: header.seed,
      backend: header.backend,
      ...(header.config === undefined ? {} : { config: header.config }),
      baseline,
      ...(O.isSome(paired) ? { paired: { ...paired.value, cycles: [...paired.value.cycles], areas: [...paired.value.areas] } } : {}),
      stopping: [...stopRuns({ runs: [...runs], config: header.config })],
      runs: [...runs],
      summary: summary.map(storableSummaryRow),
    })),
  );
};

/**
 * The files a report wrote (ranking.svg is null when no strategy reports ranking accuracy; the
 * paired files are null when the baseline did not run or nothing pairs with it; stopping.csv
 * when no run measured a stop set and no label cap was set).
 */
export interface ReportFiles {
  readonly resultsCsv: string;
  readonly runsCsv: string;
  readonly curveSvg: string;
  readonly rankingSvg: string | null;
  readonly pairedCsv?: string | null;
  readonly areasCsv?: string | null;
  readonly pairedSvg?: string | null;
  readonly stoppingCsv?: string | null;
}

/**
 * Writes results.csv, runs.csv, curve.svg and ranking.svg into `dir` and renders the table.
 *
 * Use it at the end of `compare` and in `report DIR`. The summary is recomputed from the runs,
 * so a report always agrees with the curves it shows. A stale ranking.svg is left alone when
 * no strategy has ranking accuracy; the returned path is then null.
 * @param dir the comparison's directory
 * @param summary the summary rows to show
 * @param results the comparison's results (for the runs and the metric's name)
 * @returns the paths written and the table text
 */
export const writeReport = async (
  dir: string,
  summary: ReadonlyArray<SummaryRow>,
  results: Pick<ComparisonResults, 'metricName' | 'runs'> & Partial<Pick<ComparisonResults, 'seed' | 'baseline' | 'config'>>,
): Promise<{ readonly files: ReportFiles; readonly table: string }> => {
  await mkdir(dir, { recursive: true });
  const files = {
    resultsCsv: join(dir, 'results.csv'),
    runsCsv: join(dir, 'runs.csv'),
    curveSvg: join(dir, 'curve.svg'),
  };
  await writeFile(files.resultsCsv, summaryCsv(results.metricName, summary));
  await writeFile(files.runsCsv, runsCsv(results.metricName, results.runs));
  await writeFile(files.curveSvg, await renderSvg(curveSpec(results.metricName, summary)));
  const ranking = rankingSpec(summary);
  const rankingSvg = ranking === null ? null : join(dir, 'ranking.svg');
  if (ranking !== null && rankingSvg !== null) await writeFile(rankingSvg, await renderSvg(ranking));
  const paired = pairRuns(results.metricName, { runs: results.runs, seed: results.seed ?? 0, baseline: results.baseline ?? DEFAULT_BASELINE });
  const stats = E.isRight(paired) && O.isSome(paired.right) && paired.right.value.cycles.length > 0 ? paired.right.value : undefined;
  const pairedFiles = stats === undefined ? { pairedCsv: null, areasCsv: null, pairedSvg: null } : { pairedCsv: join(dir, 'paired.csv'), areasCsv: join(dir, 'areas.csv'), pairedSvg: join(dir, 'paired.svg') };
  if (stats !== undefined) {
    await writeFile(pairedFiles.pairedCsv!, pairedCsv(stats));
    await writeFile(pairedFiles.areasCsv!, areasCsv(stats));
    await writeFile(pairedFiles.pairedSvg!, await renderSvg(pairedSpec(results.metricName, stats)!));
  }
  const stopping = stopRuns({ runs: results.runs, config: results.config });
  const stoppingFile = stopping.length === 0 ? null : join(dir, 'stopping.csv');
  if (stoppingFile !== null) await writeFile(stoppingFile, stoppingCsv(stopping));
  const tables = [
    renderTable(results.metricName, summary),
    ...(stats === undefined ? [] : [renderPairedTable(results.metricName, stats)]),
    ...(renderStoppingTable(stopping) === null ? [] : [renderStoppingTable(stopping)!]),
  ];
  return { files: { ...files, rankingSvg, ...pairedFiles, stoppingCsv: stoppingFile }, table: tables.join('\n\n') };
};

/**
 * Writes results.json (pretty-printed, NaN as null).
 * @param dir the comparison's directory
 * @param results the comparison's results
 * @returns the path written
 */
export const writeResultsJson = async (dir: string, results: ComparisonResults): Promise<string> => {
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'results.json');
  await writeFile(path, `${JSON.stringify(results, null, 2)}\n`);
  return path;
};
