/**
 * `ll4al run`: one active-learning run on the embedded data (or a data folder), written to a
 * run directory (config.json, labels.jsonl, results.json, checkpoints/) that `ll4al resume`
 * continues after a crash.
 */
import { existsSync, mkdirSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { Subscription } from 'rxjs';
import { initBackend, type BackendRequest } from '../backend/initBackend.ts';
import { resolveTrainThreads } from '../tasks/trainer.ts';
import { checkRunConfig, checkRunConfigAgainstPool, decodeRunConfig, flagOf, type RunConfig, type RunConfigInput } from '../config/runConfig.ts';
import { layerRunInputs, presetNames, resolvePreset } from '../config/presets.ts';
import { InputError } from '../inputError.ts';
import { deriveSeed } from '../ops/random.ts';
import { fileOracle } from '../oracles/fileOracle.ts';
import type { Oracle } from '../oracles/oracle.ts';
import { simulatedOracle } from '../oracles/simulatedOracle.ts';
import { openFileJournal, readJournal, repairJournalTail } from '../store/labelJournal.ts';
import { readResults, writeResults } from '../store/resultsFile.ts';
import { checkpointDir, runPaths, type RunPaths } from '../store/runDirectory.ts';
import { acquireRunLock } from '../store/runLock.ts';
import { activeLearning, type RestoredRun } from '../streams/activeLearning.ts';
import type { AlEvent, CycleRow } from '../streams/events.ts';
import type { Learner } from '../tasks/learner.ts';
import { strategyNames } from '../streams/strategies.ts';
import { connectWorkerScoring, runIdOf, type RemoteScoringStage } from '../remote/workerScoring.ts';
import { checkRunStrategy, runLossObjective } from './taskSetup.ts';
import { checkServeFlags, chooseOracle, serveFlagOptions, serveFlagsOf, type ChosenOracle, type ServeFlags } from './oracleChoice.ts';
import { checkOracleFits, givenEntries, openRunData, renderFor, writePoolFile } from './dataSource.ts';
import { readConfigFile, runInputFromFlags, withoutRedisPassword } from './runFlags.ts';

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
    case 'runFinished':
      return `finished: ${event.labeled} labels`;
    default:
      return undefined;
  }
};

/**
 * Runs (or resumes) the run in `paths.dir` with `config`: loads the backend, data and learner,
 * subscribes to the pipeline, writes results.json after each cycle and reports events. The
 * caller holds the lock.
 * @param paths the run directory
 * @param config the decoded configuration
 * @param output text or JSON lines
 * @param resume when true, continue from labels.jsonl and results.json
 * @param onChecked called once the configuration is checked against the data, before any work
 * @param serve the browser oracle's serving flags (`--oracle browser`)
 * @returns the finished cycles' rows
 */
export const executeRun = async (
  paths: RunPaths,
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
  let journal: ReturnType<typeof openFileJournal<unknown>> | undefined;
  let built: Learner<unknown> | undefined;
  let remote: RemoteScoringStage | undefined;
  let chosen: ChosenOracle | undefined;
  try {
    checkOracleFits(config, data);
    checkRunConfigAgainstPool(config, data.poolSize);
    for (const note of data.notes) write(output.json ? JSON.stringify({ type: 'data', message: note }) : note);
    onChecked();
    if (!resume) writePoolFile(paths.dir, config, data);
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
        run: runIdOf(paths.dir),
        onWarning: (message) => write(output.json ? JSON.stringify({ type: 'warning', message }) : `warning: ${message}`),
      });
      if (!output.json) write(`scoring on the workers of ${config.scoreWorkers} (shards of ${config.scoreShardSize}, fallback ${config.scoreFallback})`);
    }
    let restored: RestoredRun<unknown> | undefined;
    if (resume) {
      const contents = readJournal(paths.labels, learner.labelCodec);
      const results = readResults(paths.results);
      for (const entry of contents.entries) {
        if (entry.id < 0 || entry.id >= learner.poolSize) throw new InputError(`${paths.labels}: id ${entry.id} is outside the pool of ${learner.poolSize}`);
      }
      repairJournalTail(paths.labels);
      restored = { entries: contents.entries, rows: results?.cycles ?? [], warnings: contents.warnings };
    }
    journal = openFileJournal(paths.labels, learner.labelCodec);
    // A person labels the rest of a pool whose data already has labels: they start the labeled set.
    if (!resume && config.oracle !== 'simulated' && data.given.length > 0) {
      const entries = givenEntries(data.given);
      for (const entry of entries) journal.append(entry);
      restored = { entries, rows: [] };
    }
    chosen = await chooseOracle(config, paths.dir, { ...setup, pool: setup.pool ?? data.split.train }, restored?.entries.length ?? 0, serve, write, output.json);
    const { oracle, observe } = chosen;
    const rows: CycleRow[] = [...(restored?.rows ?? [])];
    const save = (finished: boolean): void =>
      writeResults(paths.results, {
        task: learner.task,
        strategy: config.strategy,
        backend: backend.name,
        seed: config.seed,
        metricName: rows[0]?.metricName ?? 'testAccuracy',
        cycles: rows,
        config,
        finished,
      });
    const events = activeLearning<unknown>({
      learner,
      strategy: config.strategy,
      oracle,
      oracleName: config.oracle,
      journal,
      cycles: config.cycles,
      initial: config.initial,
      budget: config.budget,
      subset: config.subset,
      epochs: config.epochs,
      seed: config.seed,
      scoreBatchSize: config.scoreBatchSize,
      ...(remote === undefined ? {} : { scoreStage: remote.stage }),
      query: { timeoutMs: config.oracleTimeoutMs, maxAttempts: config.oracleRetries + 1, backoffMs: config.oracleBackoffMs },
      restored,
      checkpoints: {
        save: (cycle) => learner.save(checkpointDir(paths, cycle)),
        load: async (cycle) => {
          const dir = checkpointDir(paths, cycle);
          if (!existsSync(dir)) return false;
          try {
            await learner.load(dir);
            return true;
          } catch {
            return false;
          }
        },
      },
    });
    let subscription: Subscription | undefined;
    const stop = (signal: NodeJS.Signals): void => {
      subscription?.unsubscribe();
      journal?.close();
      process.stderr.write(`ll4al: stopped by ${signal}; continue with: ll4al resume ${paths.dir}\n`);
      process.exit(130);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      await new Promise<void>((resolve, reject) => {
        subscription = events.subscribe({
          next: (event) => {
            observe(event);
            if (event.type === 'cycleFinished') {
              rows.push(event.row);
              save(false);
            }
            if (event.type === 'runFinished') save(true);
            if (output.json) write(JSON.stringify(event));
            else {
              const line = render(event);
              if (line !== undefined) write(line);
            }
          },
          error: reject,
          complete: resolve,
        });
      });
    } finally {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
    }
    if (!output.json) write(`results: ${paths.results}`);
    return rows;
  } finally {
    await chosen?.close();
    journal?.close();
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

/** Creates the run directory `dir`; it must not hold a run yet. */
const createRunDirectory = (dir: string): RunPaths => {
  const paths = runPaths(dir);
  if (existsSync(paths.config)) throw new InputError(`run directory ${dir} (--out) already holds a run; continue it with: ll4al resume ${dir}`);
  mkdirSync(dir, { recursive: true });
  return paths;
};

/**
 * Registers `ll4al run` on the program.
 * @param program the commander program
 */
export const register = (program: Command): void => {
  program
    .command('run')
    .description('run active learning: initial random set, then cycles of train → evaluate → score → select → query → merge')
    .option('--strategy <name>', `selection strategy: ${strategyNames.join(', ')} (default learning-loss)`)
    .option('--cycles <n>', 'cycles of training (the last one does not query; default 3)')
    .option('--initial <n>', 'size of the initial random labeled set (default 200)')
    .option('--budget <n>', 'labels queried per cycle (default 200)')
    .option('--subset <n>', 'random subset of the unlabeled pool scored per cycle (default 2000)')
    .option('--epochs <n>', 'training epochs per cycle (default 2)')
    .option('--seed <n>', 'seed of every random choice (default 0)')
    .option('--data <path>', 'IDX or CIFAR-10 folder, image folder (train/<class>/, test/<class>/, unlabeled/), .csv/.jsonl manifest or COCO .json (default: the embedded subset)')
    .option('--data-kind <kind>', 'what --data holds: fashion-mnist, mnist, cifar10, images or coco (default: recognised from --data)')
    .option('--image-size <n>', 'your images: side they are resized to (default: the task\'s input, 32 / 48 / 64)')
    .option('--channels <n>', 'your images: 1 (grey) or 3 (RGB) (default 3)')
    .option('--classes <list>', 'your images: comma-separated class names in label order (needed when no image has a label)')
    .option('--skip-bad-images', 'your images: leave out (and list) files that cannot be decoded instead of stopping')
    .option('--cache-dir <dir>', 'your images: folder of the decoded cache (default: .ll4al-cache beside the data)')
    .option('--test-data <file>', 'COCO data: the test set\'s COCO file (without it, metrics are off)')
    .option('--images <dir>', 'COCO data: folder the file_names are relative to (default: the COCO file\'s folder)')
    .option('--task <name>', 'classification, keypoints or detection (default classification)')
    .option('--model <name>', 'target network: small-cnn or resnet18-cifar (default small-cnn)')
    .option('--out <dir>', 'run directory (default runs/<strategy>-<seed>-<time>)')
    .option('--backend <name>', 'tensorflow, wasm or cpu (default: the fastest present)')
    .option('--oracle <kind>', 'simulated (from the held-back labels), file (DIR/queries.jsonl, answers in DIR/answers.jsonl) or browser (people label in a web page)')
    .option('--oracle-delay-ms <ms>', 'simulated oracle: time per answer (default 0)')
    .option('--oracle-failure-rate <p>', 'simulated oracle: probability of a failed answer, in [0, 1) (default 0)')
    .option('--oracle-timeout-ms <ms>', 'a query without an answer after this long is retried (default 0: wait)')
    .option('--oracle-retries <n>', 'retries of a failed query before it is replaced (default 3)')
    .option('--score-batch-size <n>', 'images per forward pass when scoring (default 256)')
    .option('--score-workers <url>', 'score on `ll4al worker` processes through this Redis (redis://HOST:PORT or rediss://); training stays here')
    .option('--score-shard-size <n>', 'pool ids per scoring job sent to the workers (default 1024)')
    .option('--score-fallback <mode>', 'no live worker, or a shard no worker can serve: local (score here, warn) or fail (default local)')
    .option('--score-worker-wait-ms <ms>', 'how long to wait for a live worker before the fallback (default 10000)')
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
      const paths = createRunDirectory(dir);
      const lock = acquireRunLock(paths.lock, dir);
      let started = false;
      try {
        await executeRun(paths, config, { json: flags['json'] === true }, false, () => {
          started = true;
          writeFileSync(paths.config, `${JSON.stringify(config, null, 2)}\n`);
          if (!flags['json']) process.stdout.write(`run directory: ${dir}\n`);
        }, serveFlagsOf(flags));
      } finally {
        lock.release();
        // A run refused before it started leaves no directory behind.
        if (!started && readdirSync(dir).length === 0) rmdirSync(dir);
      }
    });
};
