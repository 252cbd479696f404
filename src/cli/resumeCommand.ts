/**
 * `ll4al resume DIR`: continues a run from its journal (labels.jsonl) and results.json, after
 * a crash, `kill -9` included. No accepted label is lost or asked again; the run ends with the
 * same number of labels as an uninterrupted one (the selections after the resume follow from
 * the restored state, so they are not bit-identical to an uninterrupted run's).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { decodeRunConfig } from '../config/runConfig.ts';
import { InputError } from '../inputError.ts';
import { readResults } from '../store/resultsFile.ts';
import { runPaths } from '../store/runDirectory.ts';
import { acquireRunLock } from '../store/runLock.ts';
import { serveFlagOptions, serveFlagsOf, type ServeFlags } from './oracleChoice.ts';
import { executeRun } from './runCommand.ts';

/** What `ll4al resume` may change: the oracle (e.g. people in the browser take over) and how it serves. */
export interface ResumeOptions {
  /** `--oracle`: another oracle than the run's config.json names. */
  readonly oracle?: string;
  readonly serve?: ServeFlags;
}

/**
 * Resumes the run in `dir`.
 * @param dir a run directory written by `ll4al run`
 * @param json print JSON lines of events
 * @param options another oracle and its serving flags
 */
export const resumeRun = async (dir: string, json: boolean, options: ResumeOptions = {}): Promise<void> => {
  const paths = runPaths(dir);
  if (!existsSync(dir)) throw new InputError(`run directory ${dir} does not exist`);
  if (!existsSync(paths.config)) throw new InputError(`${dir} is not a run directory (no config.json)`);
  const lock = acquireRunLock(paths.lock, dir);
  try {
    let stored: unknown;
    try {
      stored = JSON.parse(readFileSync(paths.config, 'utf8'));
    } catch {
      throw new InputError(`${paths.config}: not valid JSON`);
    }
    const decoded = decodeRunConfig(stored, paths.config);
    const config = options.oracle === undefined ? decoded : decodeRunConfig({ ...decoded, oracle: options.oracle }, 'flags');
    const results = readResults(paths.results);
    if (results?.finished) {
      if (!json) process.stdout.write(`run ${dir} is already finished (${results.cycles.length} cycles); results: ${paths.results}\n`);
      return;
    }
    await executeRun(paths, config, { json }, true, () => {}, options.serve ?? {});
  } finally {
    lock.release();
  }
};

/**
 * Registers `ll4al resume` on the program.
 * @param program the commander program
 */
export const register = (program: Command): void => {
  program
    .command('resume')
    .description('continue an interrupted run from its label journal and results')
    .argument('<dir>', 'the run directory')
    .option('--oracle <kind>', "who answers from here on: simulated, file or browser (default: the run's own)")
    .option('--json', 'print every event as a JSON line instead of text')
    .option(...serveFlagOptions[0]!)
    .option(...serveFlagOptions[1]!)
    .option(...serveFlagOptions[2]!)
    .option(...serveFlagOptions[3]!)
    .action(async (dir: string, flags: Record<string, string | boolean | undefined>) => {
      await resumeRun(dir, flags['json'] === true, {
        ...(typeof flags['oracle'] === 'string' ? { oracle: flags['oracle'] } : {}),
        serve: serveFlagsOf(flags),
      });
    });
};
