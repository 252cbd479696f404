/**
 * `ll4al report DIR`: re-renders a comparison's (or a run's) report from DIR/results.json —
 * results.csv, runs.csv, curve.svg, ranking.svg and the terminal table — without training.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { readComparisonResults } from '../report/readComparisonResults.ts';
import { writeReport, type ReportFiles } from '../report/comparisonReport.ts';

/** Options of `ll4al report`. */
export interface ReportOptions {
  /** Print only the table and the paths' JSON line (for scripts). */
  readonly json?: boolean;
}

/**
 * The lines that name a report's files, for the end of `compare`, `demo` and `report`.
 * @param files the files written
 * @returns one line per file
 */
export const describeFiles = (files: ReportFiles): ReadonlyArray<string> => [
  `curve:   ${files.curveSvg}`,
  files.rankingSvg === null ? 'ranking: (no strategy reports ranking accuracy)' : `ranking: ${files.rankingSvg}`,
  `table:   ${files.resultsCsv} (per run: ${files.runsCsv})`,
  ...(files.pairedSvg ? [`paired:  ${files.pairedSvg} (${files.pairedCsv}; areas under the curves: ${files.areasCsv})`] : []),
  ...(files.stoppingCsv ? [`stopping: ${files.stoppingCsv}`] : []),
];

/**
 * Re-renders the report of the results in `target` (a directory holding results.json, or the
 * file itself) into that directory.
 * @param target the directory or the results.json
 * @param options json output for scripts
 * @param write where lines go (stdout by default)
 * @returns the files written
 * @throws InputError when results.json is missing or malformed (one line naming file and field)
 */
export const reportCommand = async (
  target: string,
  options: ReportOptions = {},
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<ReportFiles> => {
  const isDir = (() => {
    try {
      return statSync(target).isDirectory();
    } catch {
      return true; // a missing directory: readComparisonResults names DIR/results.json as missing
    }
  })();
  const file = isDir ? join(target, 'results.json') : target;
  const dir = isDir ? target : join(file, '..');
  const { results, summary } = await readComparisonResults(file);
  const { files, table } = await writeReport(dir, summary, results);
  if (options.json === true) {
    write(JSON.stringify({ type: 'report', files, summary }));
  } else {
    write(table);
    for (const line of describeFiles(files)) write(line);
  }
  return files;
};

/**
 * Registers `ll4al report DIR`.
 * @param program the commander program
 */
export const register = (program: Command): void => {
  program
    .command('report')
    .description('re-render curve.svg, ranking.svg, results.csv and the table from DIR/results.json')
    .argument('<dir>', 'a comparison (or run) directory holding results.json, or the file itself')
    .option('--json', 'print one JSON line with the files and the summary instead of the table')
    .action(async (dir: string, options: ReportOptions) => {
      await reportCommand(dir, options);
    });
};
