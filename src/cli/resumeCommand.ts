/**
 * `ll4al resume DIR`: continues a run from its journal (labels.jsonl), checkpoints and
 * results.json, after a crash, `kill -9` included (the library's `resumeRun` does the work).
 * No accepted label is lost or asked again; the run ends with the same number of labels as an
 * uninterrupted one. Run flags may be given: one that differs from the run's config.json is
 * refused, naming it, except those a resume may change (RESUME_MAY_CHANGE: the oracle's
 * settings, the backend, the scoring batch).
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { checkRunConfig, decodeRunConfig } from '../config/runConfig.ts';
import { layerRunInputs } from '../config/presets.ts';
import { InputError } from '../inputError.ts';
import { checkResumeConfig, readRunConfig } from '../run/runConfigFile.ts';
import { readResults } from '../store/resultsFile.ts';
import { runPaths } from '../store/runDirectory.ts';
import { checkRunLockFree } from '../store/runLock.ts';
import { strategyNames } from '../streams/strategies.ts';
import { executeRun, namingTheFlag, RESUME_MAY_CHANGE } from './runCommand.ts';
import { addRunOptions, runInputFromFlags, withoutRedisPassword, type CommandFlags } from './runFlags.ts';
import { checkRunStrategy } from './taskSetup.ts';
import { checkServeFlags, serveFlagOptions, serveFlagsOf } from './oracleChoice.ts';

/**
 * Resumes the run in `dir`.
 * @param dir a run directory written by `ll4al run`
 * @param flags `--json` and run flags (checked against the run's config.json)
 */
export const resumeCommand = async (dir: string, flags: CommandFlags): Promise<void> => {
  const paths = runPaths(dir);
  const json = flags['json'] === true;
  if (!existsSync(dir)) throw new InputError(`run directory ${dir} does not exist`);
  if (!existsSync(paths.config)) throw new InputError(`${dir} is not a run directory (no config.json)`);
  checkRunLockFree(paths.lock, dir);
  const stored = readRunConfig(paths.config);
  const config = withoutRedisPassword(decodeRunConfig(layerRunInputs(stored, runInputFromFlags(flags)), paths.config));
  checkRunConfig(config, strategyNames);
  checkRunStrategy(config);
  const serve = serveFlagsOf(flags);
  checkServeFlags(config.oracle, config.task, serve);
  try {
    checkResumeConfig(paths.config, stored, config, RESUME_MAY_CHANGE);
  } catch (error) {
    throw namingTheFlag(error);
  }
  const results = readResults(paths.results);
  if (results?.finished) {
    if (!json) process.stdout.write(`run ${dir} is already finished (${results.cycles.length} cycles); results: ${paths.results}\n`);
    return;
  }
  await executeRun(dir, config, { json }, true, () => {}, serve);
};

/**
 * Registers `ll4al resume` on the program.
 * @param program the commander program
 */
export const register = (program: Command): void => {
  addRunOptions(
    program
      .command('resume')
      .description('continue an interrupted run from its label journal, checkpoints and results')
      .argument('<dir>', 'the run directory'),
    { mayChange: RESUME_MAY_CHANGE },
  )
    .option('--json', 'print every event as a JSON line instead of text')
    .option(...serveFlagOptions[0]!)
    .option(...serveFlagOptions[1]!)
    .option(...serveFlagOptions[2]!)
    .option(...serveFlagOptions[3]!)
    .action(async (dir: string, flags: CommandFlags) => {
      await resumeCommand(dir, flags);
    });
};
