/**
 * results.json of a run: the finished cycles' rows, what produced them, and what each resume
 * found. Written whole with {@link writeFileDurably} (temporary file, fsync, rename, fsync of
 * the directory) after every cycle, so a crash leaves either the previous or the new version,
 * never a torn one. The rows use the one results-row codec (src/results/cycleRow.ts, with its
 * NaN ↔ null policy); {@link readResults} returns the decoded value.
 */
import { isLeft } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { InputError } from '../inputError.ts';
import { fieldPath } from '../results/fieldPath.ts';
import { CycleRow } from '../results/cycleRow.ts';
import { StoppedRecord } from '../results/stoppedRecord.ts';
import { realFs, writeFileDurably, type DurableFs } from './durableFs.ts';

/** What one resume of the run found and did (appended to results.json's `resumes`). */
export const ResumeRecord = t.type(
  {
    /** ISO time of the resume. */
    time: t.string,
    /** Labels replayed from the journal. */
    labels: t.number,
    /** The cycle it continued (its training is skipped when `checkpoint` is 'loaded'). */
    cycle: t.number,
    /**
     * The weights of `cycle`'s own checkpoint: 'loaded' (training skipped), 'missing' (it had
     * not been written; the cycle trains), 'damaged' (a warning named it; the cycle trains again
     * from the journal).
     */
    checkpoint: t.keyof({ loaded: null, missing: null, damaged: null }),
    /** The warnings of the resume (a torn journal line, a damaged checkpoint). */
    warnings: t.array(t.string),
  },
  'ResumeRecord',
);
export type ResumeRecord = t.TypeOf<typeof ResumeRecord>;

/** The codec of results.json. */
export const RunResults = t.intersection(
  [
    t.type({
      task: t.string,
      strategy: t.string,
      backend: t.string,
      seed: t.number,
      metricName: t.string,
      cycles: t.array(CycleRow),
      config: t.unknown,
      /** True once the last cycle finished. */
      finished: t.boolean,
    }),
    t.partial({
      resumes: t.array(ResumeRecord),
      /** Why the run stopped before its last cycle (`--stop-when`, `--max-labels`), when it did (then `finished` is true). */
      stopped: StoppedRecord,
    }),
  ],
  'RunResults',
);
/** results.json of a run (`ll4al run`, `runInDirectory`). */
export type RunResults = t.TypeOf<typeof RunResults>;

/**
 * Writes results.json atomically and durably.
 * @param path the file
 * @param results its content
 * @param fs the file-system layer (default: node:fs)
 */
export const writeResults = (path: string, results: RunResults, fs: DurableFs = realFs): void =>
  writeFileDurably(fs, path, `${JSON.stringify(RunResults.encode(results), null, 2)}\n`);

/**
 * Reads results.json back (for resume and reports), decoded: NaN where the file says null.
 * @param path the file
 * @param fs the file-system layer (default: node:fs)
 * @returns the results, or undefined when there is no file yet
 * @throws InputError naming the file and field when it is not a run's results
 */
export const readResults = (path: string, fs: DurableFs = realFs): RunResults | undefined => {
  if (!fs.existsSync(path)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(path).toString('utf8'));
  } catch {
    throw new InputError(`${path}: not valid JSON`);
  }
  const decoded = RunResults.decode(value);
  if (isLeft(decoded)) {
    const error = decoded.left[0]!;
    const field = fieldPath(error.context);
    throw new InputError(`${path}: invalid value ${JSON.stringify(error.value)} at ${field || 'the top level'}`);
  }
  return decoded.right;
};
