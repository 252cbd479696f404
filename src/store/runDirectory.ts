/**
 * The layout of a run directory, named in one place:
 *
 *     DIR/config.json          the run configuration (a resume must match it)
 *     DIR/labels.jsonl         the label journal (append-only, one accepted label per line)
 *     DIR/results.json         one row per finished cycle, and what each resume found
 *     DIR/checkpoints/cycle-N/ the learner's weights after training in cycle N, with
 *                              checkpoint.json (each file's size and SHA-256)
 *     DIR/run.lock             the record of the process that writes the directory
 *
 * How each is written, and what is promised: docs/reliability.md.
 */
import { join } from 'node:path';

/** The paths of one run directory. */
export interface RunPaths {
  readonly dir: string;
  readonly config: string;
  readonly labels: string;
  readonly results: string;
  readonly lock: string;
  readonly checkpoints: string;
}

/**
 * The paths of the run directory `dir`.
 *
 * Use it wherever a file of a run is read or written, so the layout is stated once.
 * @param dir the run directory
 * @returns its file paths
 */
export const runPaths = (dir: string): RunPaths => ({
  dir,
  config: join(dir, 'config.json'),
  labels: join(dir, 'labels.jsonl'),
  results: join(dir, 'results.json'),
  lock: join(dir, 'run.lock'),
  checkpoints: join(dir, 'checkpoints'),
});

/**
 * The checkpoint directory of cycle `cycle` (the learner's weights after that cycle's training).
 * @param paths the run's paths
 * @param cycle the 1-based cycle
 * @returns DIR/checkpoints/cycle-N
 */
export const checkpointDir = (paths: RunPaths, cycle: number): string => join(paths.checkpoints, `cycle-${cycle}`);
