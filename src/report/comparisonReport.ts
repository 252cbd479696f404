/**
 * A comparison's report files, written from its results: results.json, results.csv,
 * runs.csv, curve.svg, ranking.svg; and its terminal table.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { summarize, type SummaryRow } from './aggregate.ts';
import { storableSummaryRow, toRunCurve, type ComparisonResults, type RunRecord } from './comparisonResults.ts';
import { runsCsv, summaryCsv } from './csv.ts';
import { curveSpec, rankingSpec, renderSvg } from './plots.ts';
import { renderTable } from './table.ts';

/** What a comparison knows besides its runs. */
export interface ComparisonHeader {
  readonly metricName: string;
  readonly strategies: ReadonlyArray<string>;
  readonly trials: number;
  readonly seed: number;
  readonly backend: unknown;
  readonly config?: unknown;
}

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
): E.Either<string, ComparisonResults> =>
  pipe(
    summarizeRuns(header.metricName, runs),
    E.map((summary) => ({
      metricName: header.metricName,
      strategies: [...header.strategies],
      trials: header.trials,
      seed: header.seed,
      backend: header.backend,
      ...(header.config === undefined ? {} : { config: header.config }),
      runs: [...runs],
      summary: summary.map(storableSummaryRow),
    })),
  );

/** The files a report wrote (ranking.svg is null when no strategy reports ranking accuracy). */
export interface ReportFiles {
  readonly resultsCsv: string;
  readonly runsCsv: string;
  readonly curveSvg: string;
  readonly rankingSvg: string | null;
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
  results: Pick<ComparisonResults, 'metricName' | 'runs'>,
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
  return { files: { ...files, rankingSvg }, table: renderTable(results.metricName, summary) };
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
