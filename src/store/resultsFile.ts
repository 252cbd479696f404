/**
 * results.json of a run: the finished cycles' rows and what produced them. Written whole,
 * atomically (temporary file, fsync, rename), after every cycle, so a crash leaves either
 * the previous or the new version, never a torn one.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { isLeft } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { InputError } from '../inputError.ts';
import type { CycleRow } from '../streams/events.ts';

/** results.json of `ll4al run`. */
export interface RunResults {
  readonly task: string;
  readonly strategy: string;
  readonly backend: string;
  readonly seed: number;
  readonly metricName: string;
  readonly cycles: ReadonlyArray<CycleRow>;
  readonly config: unknown;
  /** True once the last cycle finished (or the run stopped early). */
  readonly finished: boolean;
  /** Why the run stopped before its last cycle (`--stop-when`, `--max-labels`), when it did. */
  readonly stopped?: { readonly criterion: string; readonly cycle: number; readonly labeled: number; readonly reason: string };
}

const StoredRow = t.type(
  {
    cycle: t.number,
    labeled: t.number,
    metricName: t.string,
    metric: t.number,
    rankingAccuracy: t.union([t.number, t.null]),
    meanTargetLoss: t.union([t.number, t.null]),
    seconds: t.number,
    stageSeconds: t.record(t.string, t.number),
  },
  'CycleRow',
);

const StoredResults = t.type(
  {
    task: t.string,
    strategy: t.string,
    backend: t.string,
    seed: t.number,
    metricName: t.string,
    cycles: t.array(StoredRow),
    config: t.unknown,
    finished: t.boolean,
  },
  'RunResults',
);

/**
 * Writes results.json atomically.
 * @param path the file
 * @param results its content
 */
export const writeResults = (path: string, results: RunResults): void => {
  const temporary = `${path}.tmp`;
  const fd = openSync(temporary, 'w');
  try {
    writeSync(fd, `${JSON.stringify(results, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
};

/**
 * Reads results.json back (for resume and reports).
 * @param path the file
 * @returns the results, or undefined when there is no file yet
 * @throws InputError naming the file and field when it is not a run's results
 */
export const readResults = (path: string): RunResults | undefined => {
  if (!existsSync(path)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new InputError(`${path}: not valid JSON`);
  }
  const decoded = StoredResults.decode(value);
  if (isLeft(decoded)) {
    const error = decoded.left[0]!;
    const field = error.context
      .map((c) => c.key)
      .filter((k) => k !== '')
      .join('/');
    throw new InputError(`${path}: invalid value ${JSON.stringify(error.value)} at ${field || 'the top level'}`);
  }
  return value as RunResults;
};
