/**
 * `ll4al run`: one active-learning run on the embedded data (or a data folder), written to a
 * run directory (config.json, labels.jsonl, results.json, checkpoints/) that `ll4al resume`
 * continues after a crash.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { Command } from 'commander';
import type { Observable, Subscription } from 'rxjs';
import { initBackend, type BackendRequest } from '../backend/initBackend.ts';
import { resolveTrainThreads } from '../tasks/trainer.ts';
import { checkRunConfig, checkRunConfigAgainstPool, decodeRunConfig, flagOf, type RunConfig, type RunConfigInput } from '../config/runConfig.ts';
import { layerRunInputs, presetNames, resolvePreset } from '../config/presets.ts';
import { InputError } from '../inputError.ts';
import { deriveSeed } from '../ops/random.ts';
import type { CycleRow } from '../results/cycleRow.ts';
import { ConfigMismatchError } from '../run/runConfigFile.ts';
import { resumeRun, runInDirectory, type OracleFactory, type RunSpec } from '../run/runInDirectory.ts';
import { crashPointFsFromEnv } from '../store/crashPointFs.ts';
import { realFs } from '../store/durableFs.ts';
import { runPaths } from '../store/runDirectory.ts';
import type { AlEvent } from '../streams/events.ts';
import type { Learner } from '../tasks/learner.ts';
import type { ImageSource } from '../data/imageSet.ts';
import { strategyNames } from '../streams/strategies.ts';
import { connectWorkerScoring, runIdOf, type RemoteScoringStage } from '../remote/workerScoring.ts';
import { checkRunStrategy, runLossObjective } from './taskSetup.ts';
import { checkOracleFits, givenEntries, openRunData, renderFor, writePoolFile } from './dataSource.ts';
import { checkServeFlags, chooseOracle, localOracle, serveFlagOptions, serveFlagsOf, type ChosenOracle, type ServeFlags } from './oracleChoice.ts';
import { addRunOptions, readConfigFile, RUN_FLAG_FIELDS, runInputFromFlags, withoutRedisPassword, withStoppingAndStrategyFlags } from './runFlags.ts';

/** How a run reports: text lines (default) or JSON lines of every event (`--json`). */
export interface OutputOptions {
  readonly json: boolean;
  /** Receives each output line (default: stdout). */
  readonly write?: (line: string) => void;
}

const fixed = (x: number, digits: number): string => (Number.isFinite(x) ? x.toFixed(digits) : String(x));

/**
 * The text line of an event, or undefined for events not shown as text.
 *
 * Use it (or replace it, e.g. by progress bars) to render a run's events for people; the run
 * itself only emits events.
 * @param event an event of the run
 * @returns one line, or undefined
 */
export const renderEvent = (event: AlEvent): string | undefined => {
  switch (event.type) {
    case 'runStarted':
      return event.firstCycle > 1 || event.labeled > 0
        ? `resuming at cycle ${event.firstCycle}/${event.cycles} with ${event.labeled} labels (pool of ${event.poolSize})`
        : `pool of ${event.poolSize} items, ${event.cycles} cycles`;
    case 'warning':
      return `warning: ${event.message}`;
    case 'selected':
      return event.cycle === 0 ? `initial set: asking the oracle for ${event.ids.length} labels` : undefined;
    case 'queryFailed':
      return event.final ? `query for id ${event.id} given up after ${event.attempt} attempts (${event.reason}); it goes back to the pool` : undefined;
    case 'labelRejected':
      return `answer rejected: ${event.reason}`;
    case 'labelWithdrawn':
      return `label of id ${event.id} withdrawn (undo); it is asked again`;
    case 'cycleFinished': {
      const { row } = event;
      const s = row.stageSeconds;
      return (
        `cycle ${row.cycle}: ${row.labeled} labels, ${row.metricName} ${fixed(row.metric, 4)}, ranking accuracy ${fixed(row.rankingAccuracy, 4)}, ` +
        `${fixed(row.seconds, 1)} s (train ${fixed(s.train, 1)}, evaluate ${fixed(s.evaluate, 1)}, score ${fixed(s.score, 1)}, select ${fixed(s.select, 2)}, oracle ${fixed(s.oracle, 1)}, merge ${fixed(s.merge, 2)})` +
        (row.queried > 0 ? `; queried ${row.queried}, received ${row.answered}` : '')
      );
    }
    case 'stopped':
      return `stopped after cycle ${event.cycle} (${event.labeled} labels): ${event.reason}`;
    case 'runFinished':
      return `finished: ${event.labeled} labels`;
    default:
      return undefined;
  }
};

/**
 * The run-config fields a resume may change (how labels are asked, where and how fast scoring
 * runs, not what is learned); any other field that differs from config.json is refused, naming it.
 */
export const RESUME_MAY_CHANGE: ReadonlyArray<keyof RunConfig> = [
  'backend',
  'oracle',
  'oracleDelayMs',
  'oracleFailureRate',
  'oracleTimeoutMs',
  'oracleRetries',
  'oracleBackoffMs',
  'scoreBatchSize',
  'scoreWorkers',
  'scoreShardSize',
  'scoreFallback',
  'scoreWorkerWaitMs',
];

/**
 * A resume's configuration mismatch, with the flag of the field when it has one
 * ("config.json: budget (--budget) is 200 in this run, not 300: …").
 * @param error any error
 * @returns the error, or an InputError naming the flag too
 */
export const namingTheFlag = (error: unknown): unknown =>
  error instanceof ConfigMismatchError && (RUN_FLAG_FIELDS as ReadonlyArray<string>).includes(error.field)
    ? new InputError(error.message.replace(`: ${error.field} is `, `: ${error.field} (${flagOf(error.field)}) is `))
    : error;

const imageTypes: Readonly<Record<string, string>> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.webp': 'image/webp' };

/**
 * The pool as the browser oracle shows it: for classification of the user's own images, each
 * item's original file (a person labels the photo, not the model's downsized input); otherwise
 * the pixels the learner reads (canvases, built-in data; boxes and points are drawn in those
 * coordinates).
 */
const browserPool = (config: RunConfig, data: Awaited<ReturnType<typeof openRunData>>, pool: ImageSource): ImageSource => {
  const files = data.user?.poolFiles;
  if (files === undefined || config.task !== 'classification') return pool;
  return { ...pool, itemImage: (id: number) => ({ contentType: imageTypes[extname(files[id]!).toLowerCase()] ?? 'application/octet-stream', body: readFileSync(files[id]!) }) };
};

/**
 * Runs (or resumes) the run in `dir` with `config`: loads the backend, data and learner, then
 * hands the run directory to the library ({@link runInDirectory} / {@link resumeRun}: lock,
 * journal, checkpoints, results.json) and renders its events; SIGINT/SIGTERM stop it (the lock
 * is released, the journal kept).
 * @param dir the run directory
 * @param config the decoded configuration
 * @param output text or JSON lines
 * @param resume when true, continue from the directory's journal and results
 * @param onChecked called once the configuration is checked against the data, before any write
 * @param serve the browser oracle's serving flags (`--oracle browser`)
 * @returns the finished cycles' rows
 */
export const executeRun = async (
  dir: string,
  config: RunConfig,
  output: OutputOptions,
  resume: boolean,
  onChecked: () => void = () => {},
  serve: ServeFlags = {},
): Promise<ReadonlyArray<CycleRow>> => {
  const write = output.write ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const backend = await initBackend(config.backend === 'auto' ? undefined : (config.backend as BackendRequest));
  const simd = backend.simd === undefined ? '' : backend.simd ? ', SIMD' : ', no SIMD';
  // Every task here can train in a worker thread (see TrainerConfig.trainThreads).
  const trainThreads = resolveTrainThreads(config.trainer.trainThreads ?? 'auto', backend.name, true);
  if (output.json) write(JSON.stringify({ type: 'backend', name: backend.name, simd: backend.simd ?? null, threads: backend.threads ?? null, trainThreads }));
  else write(`backend: ${backend.name}${simd}${backend.threads === undefined ? '' : `, ${backend.threads} thread(s) per kernel`}; training on ${trainThreads} thread${trainThreads > 1 ? 's (data parallel)' : ''}`);
  const data = await openRunData(config, { progress: !output.json && process.stderr.isTTY === true });
  let built: Learner<unknown> | undefined;
  let remote: RemoteScoringStage | undefined;
  let chosen: ChosenOracle | undefined;
  try {
    checkOracleFits(config, data);
    checkRunConfigAgainstPool(config, data.poolSize);
    for (const note of data.notes) write(output.json ? JSON.stringify({ type: 'data', message: note }) : note);
    onChecked();
    if (!resume && data.user !== undefined) {
      // pool.json goes beside config.json; the library creates the rest of the directory.
      mkdirSync(dir, { recursive: true });
      writePoolFile(dir, config, data);
    }
    const render = renderFor(renderEvent, data, resume);
    // The same initial weights for every strategy of one seed (a paired comparison).
    const setup = data.setup(runLossObjective(config));
    const { learner, truth } = setup;
    built = learner;
    // Scoring on `ll4al worker` processes through Redis (training stays here).
    if (config.scoreWorkers !== null) {
      remote = await connectWorkerScoring(config, {
        learner,
        data: data.split,
        strategy: config.strategy,
        lossObjective: learner.lossObjective ?? 'ranking',
        run: runIdOf(dir),
        onWarning: (message) => write(output.json ? JSON.stringify({ type: 'warning', message }) : `warning: ${message}`),
      });
      if (!output.json) write(`scoring on the workers of ${config.scoreWorkers} (shards of ${config.scoreShardSize}, fallback ${config.scoreFallback})`);
    }
    // The one place where the CLI's oracle kinds are made (src/cli/oracleChoice.ts): made once
    // the directory is open, so the simulated oracle's seed follows the labels already journaled.
    // The browser's server starts before the run: a port in use is one line before anything is written.
    if (config.oracle === 'browser') mkdirSync(dir, { recursive: true }); // its annotations.jsonl lives there
    if (config.oracle === 'browser') chosen = await chooseOracle(config, dir, { ...setup, pool: browserPool(config, data, setup.pool ?? data.split.train) }, 0, serve, write, output.json === true);
    const spec: RunSpec<unknown> = {
      learner,
      strategy: config.strategy,
      strategyName: config.strategy,
      strategyOptions: { beta: config.beta, mcPasses: config.mcPasses, diverseFactor: config.diverseFactor },
      backendName: backend.name,
      oracle: chosen?.oracle ?? { create: ({ labeled }) => localOracle(config, dir, truth, labeled) },
      oracleName: config.oracle,
      cycles: config.cycles,
      initial: config.initial,
      budget: config.budget,
      subset: config.subset,
      epochs: config.epochs,
      seed: config.seed,
      scoreBatchSize: config.scoreBatchSize,
      ...(remote === undefined ? {} : { scoreStage: remote.stage }),
      query: { timeoutMs: config.oracleTimeoutMs, maxAttempts: config.oracleRetries + 1, backoffMs: config.oracleBackoffMs },
      stopping: {
        setSize: config.stopSetSize,
        ...(config.stopWhen === 'none' ? {} : { when: config.stopWhen }),
        ...(config.maxLabels > 0 ? { maxLabels: config.maxLabels } : {}),
        kappa: config.stopKappa,
        window: config.stopWindow,
        lossFraction: config.stopLossFraction,
      },
      // A person labels the rest of a pool whose data already has labels: they start the labeled set.
      ...(!resume && config.oracle !== 'simulated' && data.given.length > 0 ? { givenLabels: givenEntries(data.given) } : {}),
      config,
      mayChangeOnResume: RESUME_MAY_CHANGE,
      fs: crashPointFsFromEnv(realFs),
    };
    const events: Observable<AlEvent<unknown>> = resume ? resumeRun(dir, spec) : runInDirectory(dir, spec);
    const rows: CycleRow[] = [];
    let subscription: Subscription | undefined;
    const stop = (signal: NodeJS.Signals): void => {
      subscription?.unsubscribe();
      process.stderr.write(`ll4al: stopped by ${signal}; continue with: ll4al resume ${dir}\n`);
      process.exit(130);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      await new Promise<void>((resolve, reject) => {
        subscription = events.subscribe({
          next: (event) => {
            chosen?.observe(event);
            if (event.type === 'runFinished') rows.splice(0, rows.length, ...event.rows);
            if (output.json) write(JSON.stringify(event));
            else {
              const line = render(event);
              if (line !== undefined) write(line);
            }
          },
          error: (error: unknown) => reject(namingTheFlag(error)),
          complete: resolve,
        });
      });
    } finally {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
    }
    if (!output.json) write(`results: ${runPaths(dir).results}`);
    return rows;
  } finally {
    await chosen?.close();
    await remote?.close();
    built?.dispose();
    data.close();
  }
};

/** Flags of `ll4al run` (commander's camel-cased names), all optional strings or booleans. */
type RunFlags = Record<string, string | boolean | undefined>;

/**
 * Reads `--config FILE.json` (when given) and the flags into a run configuration; flags win.
 * @param flags commander's options
 * @returns the decoded, checked configuration
 * @throws InputError naming the file, field, flag or value
 */
export const runConfigFromFlags = (flags: RunFlags): RunConfig => {
  const file = flags['config'];
  const fromFile = typeof file === 'string' ? readConfigFile(file) : {};
  const fromFlags = runInputFromFlags(flags);
  if ((flags['oracle'] === 'file' || flags['oracle'] === 'browser') && flags['oracleDelayMs'] !== undefined) {
    throw new InputError(`${flagOf('oracleDelayMs')} applies to the simulated oracle, not to --oracle ${flags['oracle']}`);
  }
  const preset = typeof flags['preset'] === 'string' ? resolvePreset(flags['preset']) : undefined;
  const merged: RunConfigInput = layerRunInputs(preset?.run ?? {}, fromFile, fromFlags);
  const config = withoutRedisPassword(decodeRunConfig(merged, typeof file === 'string' ? file : 'RunConfig'));
  checkRunConfig(config, strategyNames);
  checkRunStrategy(config);
  checkServeFlags(config.oracle, config.task, serveFlagsOf(flags));
  if (preset?.needsData !== undefined && config.data === 'embedded') {
    throw new InputError(`preset ${preset.name} needs --data DIR holding ${preset.needsData}`);
  }
  return config;
};

/**
 * Registers `ll4al run` on the program.
 * @param program the commander program
 */
export const register = (program: Command): void => {
  withStoppingAndStrategyFlags(
    addRunOptions(
      program
        .command('run')
        .description('run active learning: initial random set, then cycles of train → evaluate → score → select → query → merge'),
    ),
  )
    .option('--out <dir>', 'run directory (default runs/<strategy>-<seed>-<time>)')
    .option('--preset <name>', `start from a named protocol: ${presetNames.join(', ')} (then --config, then flags)`)
    .option('--config <file>', 'JSON file of run settings (flags override it)')
    .option('--json', 'print every event as a JSON line instead of text')
    .option(...serveFlagOptions[0]!)
    .option(...serveFlagOptions[1]!)
    .option(...serveFlagOptions[2]!)
    .option(...serveFlagOptions[3]!)
    .action(async (flags: RunFlags) => {
      const config = runConfigFromFlags(flags);
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const dir = typeof flags['out'] === 'string' ? flags['out'] : join('runs', `${config.strategy}-${config.seed}-${stamp}`);
      // Checked again under the lock; here so that a taken directory fails before data is loaded.
      if (existsSync(runPaths(dir).config)) throw new InputError(`run directory ${dir} (--out) already holds a run; continue it with: ll4al resume ${dir}`);
      await executeRun(
        dir,
        config,
        { json: flags['json'] === true },
        false,
        () => {
          if (!flags['json']) process.stdout.write(`run directory: ${dir}\n`);
        },
        serveFlagsOf(flags),
      );
    });
};
