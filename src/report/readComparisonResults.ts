/**
 * Reads a results.json back for a report: a comparison's, or a single run's (shown as a
 * comparison of one strategy and one trial). Every problem is an InputError of one line
 * naming the file and what is wrong, with the path of the bad field.
 */
import { readFile } from 'node:fs/promises';
import * as E from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import { InputError } from '../inputError.ts';
import { fieldPath } from '../results/fieldPath.ts';
import type { SummaryRow } from './aggregate.ts';
import { summarizeRuns } from './comparisonReport.ts';
import { ComparisonResults, SingleRunResults, defaultMetricName } from './comparisonResults.ts';

// Intersections and unions add their members' indices to an error's context; a reader
// wants the field path only (runs/0/cycles/2/labeled), as PathReporter's users see it.

/**
 * The first problem of a failed decode, in one line: the value, the field path and the type expected.
 * @param errors io-ts's errors
 * @returns the line
 */
export const firstProblem = (errors: t.Errors): string => {
  const error = errors[0];
  if (error === undefined) return 'invalid';
  const path = fieldPath(error.context);
  const expected = error.context[error.context.length - 1]?.type.name ?? 'a valid value';
  const shown = JSON.stringify(error.value) ?? 'undefined';
  const value = shown.length > 40 ? `${shown.slice(0, 37)}...` : shown;
  return `invalid value ${value} at ${path === '' ? 'the top level' : path}: expected ${expected}`;
};

/** A results file read back: the comparison and its summary recomputed from its runs. */
export interface ComparisonFile {
  readonly results: ComparisonResults;
  readonly summary: ReadonlyArray<SummaryRow>;
}

/**
 * Reads and decodes results.json, as a comparison or as a single run.
 *
 * Use it in `ll4al report DIR`. A single run's file becomes a comparison of one strategy and
 * one trial, so the same plots and table apply.
 * @param file the path of results.json
 * @returns the results and their summary
 * @throws InputError naming the file and the problem (missing, not JSON, a bad field)
 */
export const readComparisonResults = async (file: string): Promise<ComparisonFile> => {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(`${file}: ${code === 'ENOENT' ? 'no such file (run compare first, or give the directory that holds results.json)' : `cannot be read (${code ?? String(error)})`}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${file}: not valid JSON (${(error as Error).message.split('\n')[0]})`);
  }
  const isComparison = typeof json === 'object' && json !== null && 'runs' in json;
  const results: ComparisonResults = isComparison
    ? decodeOr(file, ComparisonResults.decode(json))
    : fromSingleRun(decodeOr(file, SingleRunResults.decode(json)));
  const summary = summarizeRuns(results.metricName, results.runs);
  if (E.isLeft(summary)) throw new InputError(`${file}: ${summary.left}`);
  if (results.runs.length === 0) throw new InputError(`${file}: runs is empty, nothing to report`);
  return { results, summary: summary.right };
};

const decodeOr = <A>(file: string, decoded: E.Either<t.Errors, A>): A => {
  if (E.isLeft(decoded)) throw new InputError(`${file}: ${firstProblem(decoded.left)}`);
  return decoded.right;
};

const fromSingleRun = (run: SingleRunResults): ComparisonResults => ({
  metricName: run.metricName ?? defaultMetricName,
  strategies: [run.strategy],
  trials: 1,
  seed: run.seed ?? 0,
  backend: run.backend ?? null,
  runs: [{ strategy: run.strategy, trial: 0, seed: run.seed ?? 0, dir: '.', cycles: run.cycles, ...(run.stopped === undefined ? {} : { stopped: run.stopped }) }],
  ...(run.config === undefined ? {} : { config: run.config }),
  summary: [],
});
