/**
 * `ll4al compare --strategies a,b,c --trials T [run flags] --out DIR`: every strategy × trial
 * as its own run (DIR/<strategy>/trial-<t>/, a child process running `ll4al run --json`, so
 * each has its own tfjs backend), as many at once as there are CPU cores; the same seed for
 * every strategy of a trial (the same initial labeled set and initial weights: a paired
 * comparison); then results.json, results.csv, runs.csv, curve.svg, ranking.svg and a table.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { childLoaderArgs } from '../backend/spawnWorker.ts';
import type { Command } from 'commander';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { layerRunInputs, presetNames, resolvePreset, type Preset } from '../config/presets.ts';
import { checkRunConfig, decodeRunConfig, flagOf, type RunConfig } from '../config/runConfig.ts';
import { InputError } from '../inputError.ts';
import { checkRunStrategy } from './taskSetup.ts';
import { prepareRunData } from './dataSource.ts';
import { flagValue, readConfigFile, RUN_FLAG_FIELDS, runInputFromFlags, withoutRedisPassword, withStoppingAndStrategyFlags } from './runFlags.ts';
import { deriveSeed } from '../ops/random.ts';
import { assembleComparison, summarizeRuns, writeReport, writeResultsJson } from '../report/comparisonReport.ts';
import { SingleRunResults, defaultMetricName, type ComparisonResults, type RunRecord } from '../report/comparisonResults.ts';
import type { ReportFiles } from '../report/comparisonReport.ts';
import { strategyNames } from '../streams/strategies.ts';
import { readResults } from '../store/resultsFile.ts';
import { runPaths } from '../store/runDirectory.ts';
import { chooseProgressMode, createProgress, type Progress } from './progress.ts';
import { describeFiles } from './reportCommand.ts';
import { firstProblem } from '../report/readComparisonResults.ts';
import { readRunConfig } from '../run/runConfigFile.ts';

/** Flags of `ll4al compare` as commander gives them (strings and booleans). */
export type CompareFlags = Readonly<Record<string, string | boolean | undefined>>;

/** One run of a comparison. */
export interface PlannedRun {
  readonly strategy: string;
  /** 1-based. */
  readonly trial: number;
  /** deriveSeed(seed, 'trial', trial): shared by every strategy of the trial. */
  readonly seed: number;
  readonly dir: string;
}

/** Everything a comparison will do, decided and checked before anything starts. */
export interface ComparisonPlan {
  readonly dir: string;
  readonly strategies: ReadonlyArray<string>;
  readonly trials: number;
  /** The decoded configuration every run starts from (strategy and seed set per run). */
  readonly config: RunConfig;
  /** Runs, trial by trial (so finished trials are complete pairs early). */
  readonly runs: ReadonlyArray<PlannedRun>;
  /** How many runs at once. */
  readonly parallel: number;
  /** The strategy the paired differences are taken from (`--baseline`, default random when it runs). */
  readonly baseline: string;
  /** True for `--continue DIR`: runs already in DIR are reused (finished) or resumed (interrupted). */
  readonly continuing: boolean;
}

const knownStrategy = (u: unknown): u is string => typeof u === 'string' && strategyNames.includes(u);
const StrategyName = new t.Type<string, string, unknown>('StrategyName', knownStrategy, (u, c) => (knownStrategy(u) ? t.success(u) : t.failure(u, c)), t.identity);
const positive = (u: unknown): u is number => Number.isInteger(u) && (u as number) >= 1;
const TrialCount = new t.Type<number, number, unknown>('TrialCount', positive, (u, c) => (positive(u) ? t.success(u) : t.failure(u, c)), t.identity);

/** What DIR/plan.json keeps of a comparison, so `--continue DIR` needs no flags. */
const StoredPlan = t.readonly(t.type({ strategies: t.readonlyArray(StrategyName), trials: TrialCount, baseline: StrategyName }));
type StoredPlan = t.TypeOf<typeof StoredPlan>;

/** The run flags `compare` passes on: all but the strategy (one per run) and the oracle (simulated). */
const COMPARE_RUN_FIELDS = RUN_FLAG_FIELDS.filter((f) => f !== 'strategy' && f !== 'oracle');

const positiveInt = (flag: string, value: unknown): number => {
  const n = flagValue(value as string);
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new InputError(`Invalid value ${JSON.stringify(value)} supplied to ${flag}: expected an integer ≥ 1`);
  return n;
};

const parseStrategies = (value: string): ReadonlyArray<string> => {
  const names = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 0) throw new InputError(`--strategies ${JSON.stringify(value)} names no strategy: expected a comma-separated list of ${strategyNames.join(', ')}`);
  for (const name of names) {
    if (!strategyNames.includes(name)) throw new InputError(`unknown strategy ${JSON.stringify(name)} (--strategies): expected one of ${strategyNames.join(', ')}`);
  }
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated !== undefined) throw new InputError(`strategy ${JSON.stringify(repeated)} is listed twice in --strategies`);
  return names;
};

/**
 * Decides a comparison from its flags: preset < config file < flags, decoded and checked;
 * strategies known and distinct; trials and parallelism positive; the output directory free.
 *
 * Use it before starting anything: every bad input is one InputError line.
 * @param flags commander's options of `compare`
 * @returns the plan
 * @throws InputError naming the flag, field, file or value
 */
export const planComparison = (flags: CompareFlags): ComparisonPlan => {
  if (flags['continue'] !== undefined) return planContinuation(flags);
  const preset: Preset | undefined = typeof flags['preset'] === 'string' ? resolvePreset(flags['preset']) : undefined;
  const strategies = parseStrategies(
    typeof flags['strategies'] === 'string' ? flags['strategies'] : (preset?.compare?.strategies ?? ['random', 'learning-loss']).join(','),
  );
  const trials = flags['trials'] === undefined ? (preset?.compare?.trials ?? 3) : positiveInt('--trials', flags['trials']);
  const parallel = flags['parallel'] === undefined ? availableParallelism() : positiveInt('--parallel', flags['parallel']);
  const file = typeof flags['config'] === 'string' ? readConfigFile(flags['config']) : {};
  const fromFlags = runInputFromFlags(flags, COMPARE_RUN_FIELDS);
  const input = layerRunInputs(preset?.run ?? {}, file, fromFlags, { strategy: strategies[0] });
  const config = withoutRedisPassword(decodeRunConfig(input, typeof flags['config'] === 'string' ? flags['config'] : 'RunConfig'));
  checkRunConfig(config, strategyNames);
  for (const strategy of strategies) checkRunStrategy(config, strategy);
  if (preset?.needsData !== undefined && config.data === 'embedded') {
    throw new InputError(`preset ${preset.name} needs --data DIR holding ${preset.needsData}`);
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dir = typeof flags['out'] === 'string' ? flags['out'] : join('runs', `compare-${stamp}`);
  if (existsSync(join(dir, 'results.json')) || existsSync(join(dir, 'config.json'))) {
    throw new InputError(`output directory ${dir} (--out) already holds a comparison; choose another --out, or add to it with --continue ${dir}`);
  }
  const runs = plannedRuns(dir, config.seed, strategies, trials);
  const baseline = checkedBaseline(flags, strategies, 'random');
  const atOnce = Math.min(parallel, runs.length);
  // Several runs at once already fill the cores: each trains on one thread unless told otherwise.
  const trained = atOnce > 1 && config.trainer.trainThreads === undefined ? { ...config, trainer: { ...config.trainer, trainThreads: 1 as const } } : config;
  return { dir, strategies, trials, config: trained, runs, parallel: atOnce, baseline, continuing: false };
};

/** Every strategy × trial, trial by trial, each strategy of a trial on the trial's seed. */
const plannedRuns = (dir: string, seed: number, strategies: ReadonlyArray<string>, trials: number): PlannedRun[] => {
  const runs: PlannedRun[] = [];
  for (let trial = 1; trial <= trials; trial++) {
    const trialSeed = deriveSeed(seed, 'trial', trial);
    for (const strategy of strategies) runs.push({ strategy, trial, seed: trialSeed, dir: join(dir, strategy, `trial-${trial}`) });
  }
  return runs;
};

const checkedBaseline = (flags: CompareFlags, strategies: ReadonlyArray<string>, fallback: string): string => {
  const baseline = typeof flags['baseline'] === 'string' ? flags['baseline'] : fallback;
  if (typeof flags['baseline'] === 'string' && !strategies.includes(baseline)) {
    throw new InputError(`baseline ${JSON.stringify(baseline)} (--baseline) is not one of the compared strategies: ${strategies.join(', ')}`);
  }
  return baseline;
};

/** The flags that shape the runs themselves: `--continue` takes them from the comparison's config.json. */
const RUN_SHAPING_FLAGS = [...COMPARE_RUN_FIELDS, 'config', 'preset'] as const;

/**
 * Plans `compare --continue DIR`: the runs' configuration is DIR/config.json, as the comparison
 * started; strategies, trials and baseline are DIR/plan.json's unless given (more strategies or
 * trials extend the comparison, on the same trial seeds). A run already in DIR is reused when
 * it finished and resumed when it did not.
 */
const planContinuation = (flags: CompareFlags): ComparisonPlan => {
  const dir = flags['continue'];
  if (typeof dir !== 'string' || dir === '') throw new InputError('--continue needs the comparison directory: --continue DIR');
  if (flags['out'] !== undefined) throw new InputError(`--out cannot be given with --continue: the comparison stays in ${dir}`);
  const shaping = RUN_SHAPING_FLAGS.find((field) => flags[field] !== undefined);
  if (shaping !== undefined) {
    throw new InputError(`${flagOf(shaping)} cannot be given with --continue: the runs of ${dir} keep the configuration in ${join(dir, 'config.json')}`);
  }
  const configFile = join(dir, 'config.json');
  if (!existsSync(configFile)) throw new InputError(`${dir} (--continue) is not a comparison directory: it has no config.json`);
  const config = decodeRunConfig(readRunConfig(configFile), configFile);
  checkRunConfig(config, strategyNames);
  const kept = readStoredPlan(join(dir, 'plan.json'));
  const strategies = typeof flags['strategies'] === 'string' ? parseStrategies(flags['strategies']) : kept?.strategies;
  if (strategies === undefined) throw new InputError(`${dir} has no plan.json (it predates it): name the strategies with --strategies`);
  for (const strategy of strategies) checkRunStrategy(config, strategy);
  const trials = flags['trials'] !== undefined ? positiveInt('--trials', flags['trials']) : kept?.trials;
  if (trials === undefined) throw new InputError(`${dir} has no plan.json (it predates it): give the number of trials with --trials`);
  const baseline = checkedBaseline(flags, strategies, kept?.baseline ?? 'random');
  const parallel = flags['parallel'] === undefined ? availableParallelism() : positiveInt('--parallel', flags['parallel']);
  const runs = plannedRuns(dir, config.seed, strategies, trials);
  return { dir, strategies, trials, config, runs, parallel: Math.min(parallel, runs.length), baseline, continuing: true };
};

const readStoredPlan = (file: string): StoredPlan | undefined => {
  if (!existsSync(file)) return undefined;
  const decoded = StoredPlan.decode(readRunConfig(file));
  if (E.isLeft(decoded)) throw new InputError(`${file}: ${firstProblem(decoded.left)}`);
  return decoded.right;
};

/** The id of a run in progress and messages: "learning-loss/trial-2". */
export const runId = (run: Pick<PlannedRun, 'strategy' | 'trial'>): string => `${run.strategy}/trial-${run.trial}`;

/** This CLI's entry as a child process runs it: the built main.js, or main.ts through tsx in a checkout. */
const cliArgs = (): string[] => [...childLoaderArgs(import.meta.url), fileURLToPath(new URL(`./main${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url))];

/** The error of a failed child: its last `ll4al: …` line on stderr, else its exit. */
const childError = (stderr: string, code: number | null, signal: NodeJS.Signals | null): string => {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const own = [...lines].reverse().find((l) => l.startsWith('ll4al: '));
  if (own !== undefined) return own.slice('ll4al: '.length);
  const last = lines[lines.length - 1];
  return last ?? (signal !== null ? `killed by ${signal}` : `exited with code ${code}`);
};

/** Why a run of a comparison failed; `input` when the child reported a user error (exit 2). */
class RunFailure extends Error {
  constructor(
    readonly run: string,
    readonly reason: string,
    readonly input: boolean,
  ) {
    super(`run ${run} failed: ${reason}`);
  }
}

/**
 * Runs one planned run as a child `ll4al run --json`, feeding its events to the progress view.
 * @returns the child and a promise of its end
 */
const launch = (configFile: string, run: PlannedRun, progress: Progress, resume: boolean): { child: ChildProcess; done: Promise<void> } => {
  const id = runId(run);
  const args = resume
    ? [...cliArgs(), 'resume', run.dir, '--json']
    : [...cliArgs(), 'run', '--config', configFile, '--strategy', run.strategy, '--seed', String(run.seed), '--out', run.dir, '--json'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8192);
  });
  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (line) => {
    if (!line.startsWith('{')) return;
    try {
      progress.runEvent(id, JSON.parse(line));
    } catch {
      // a torn line at a kill: the run's results.json, not its output, is what counts
    }
  });
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', (error) => reject(new RunFailure(id, error.message, false)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new RunFailure(id, childError(stderr, code, signal), code === 2));
    });
  });
  return { child, done };
};

/** Reads a finished run's results.json into a run record of the comparison. */
const readRun = async (comparisonDir: string, run: PlannedRun): Promise<{ record: RunRecord; metricName: string; backend: unknown }> => {
  const file = join(run.dir, 'results.json');
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new RunFailure(runId(run), `${file}: ${(error as Error).message.split('\n')[0]}`, false);
  }
  const decoded = SingleRunResults.decode(json);
  if (E.isLeft(decoded)) throw new RunFailure(runId(run), `${file} is not a run's results`, false);
  const results = decoded.right;
  return {
    record: {
      strategy: run.strategy, trial: run.trial, seed: run.seed, dir: relative(comparisonDir, run.dir), cycles: results.cycles,
      ...(results.stopped === undefined ? {} : { stopped: results.stopped }),
    },
    metricName: results.metricName ?? defaultMetricName,
    backend: results.backend ?? null,
  };
};

/** What a continued comparison finds of a run in its directory. */
const foundRun = (run: PlannedRun): 'none' | 'interrupted' | 'finished' => {
  const paths = runPaths(run.dir);
  if (!existsSync(paths.config)) return 'none';
  return readResults(paths.results)?.finished === true ? 'finished' : 'interrupted';
};

/**
 * Runs every planned run, at most `plan.parallel` at once; on the first failure the others
 * are stopped (SIGTERM: they can be resumed) and the failure is thrown.
 * @param plan the comparison's plan
 * @param configFile the base configuration the children read
 * @param progress the progress view
 */
const runAll = async (plan: ComparisonPlan, configFile: string, progress: Progress): Promise<void> => {
  const queue = [...plan.runs];
  const running = new Map<string, ChildProcess>();
  let failure: RunFailure | undefined;
  const worker = async (): Promise<void> => {
    for (let run = queue.shift(); run !== undefined && failure === undefined; run = queue.shift()) {
      const id = runId(run);
      const found = plan.continuing ? foundRun(run) : 'none';
      if (found !== 'none') progress.runFound(id, found);
      if (found === 'finished') continue;
      progress.runStarted(id, { cycles: plan.config.cycles, epochs: plan.config.epochs });
      const { child, done } = launch(configFile, run, progress, found === 'interrupted');
      running.set(id, child);
      try {
        await done;
        progress.runEnded(id);
      } catch (error) {
        const f = error instanceof RunFailure ? error : new RunFailure(id, String(error), false);
        progress.runEnded(id, f.reason);
        if (failure === undefined) {
          failure = f;
          for (const [other, otherChild] of running) if (other !== id) otherChild.kill('SIGTERM');
        }
      } finally {
        running.delete(id);
      }
    }
  };
  await Promise.all(Array.from({ length: plan.parallel }, worker));
  if (failure !== undefined) {
    // A run that failed for its input fails again; any other stop leaves runs to continue.
    throw failure.input ? new InputError(failure.message) : new Error(`${failure.message} (the other runs stopped resumable: continue with ll4al compare --continue ${plan.dir})`);
  }
};

/** What a finished comparison produced. */
export interface ComparisonOutcome {
  readonly results: ComparisonResults;
  readonly files: ReportFiles & { readonly resultsJson: string };
  readonly table: string;
}

/**
 * Runs a planned comparison and writes its report.
 *
 * Use it from `compare` and `demo`; the plan comes from {@link planComparison}.
 * @param plan the plan
 * @param progress the progress view
 * @returns the results, the files written and the table
 * @throws Error naming the run that failed and its one-line error
 */
export const executeComparison = async (plan: ComparisonPlan, progress: Progress): Promise<ComparisonOutcome> => {
  await mkdir(plan.dir, { recursive: true });
  const configFile = join(plan.dir, 'config.json');
  if (!plan.continuing) await writeFile(configFile, `${JSON.stringify(plan.config, null, 2)}\n`);
  const stored: StoredPlan = { strategies: plan.strategies, trials: plan.trials, baseline: plan.baseline };
  await writeFile(join(plan.dir, 'plan.json'), `${JSON.stringify(stored, null, 2)}\n`);
  progress.note(`comparing ${plan.strategies.join(', ')} over ${plan.trials} trial(s): ${plan.runs.length} runs, ${plan.parallel} at a time, in ${plan.dir}`);
  try {
    await runAll(plan, configFile, progress);
  } finally {
    progress.stop();
  }
  const runs = await Promise.all(plan.runs.map((run) => readRun(plan.dir, run)));
  const metricName = runs[0]?.metricName ?? defaultMetricName;
  const assembled = assembleComparison(
    { metricName, strategies: plan.strategies, trials: plan.trials, seed: plan.config.seed, backend: runs[0]?.backend ?? null, config: plan.config, baseline: plan.baseline },
    runs.map((r) => r.record),
  );
  if (E.isLeft(assembled)) throw new Error(assembled.left);
  const resultsJson = await writeResultsJson(plan.dir, assembled.right);
  const summary = summarizeRuns(metricName, assembled.right.runs);
  if (E.isLeft(summary)) throw new Error(summary.left);
  const { files, table } = await writeReport(plan.dir, summary.right, assembled.right);
  return { results: assembled.right, files: { ...files, resultsJson }, table };
};

/**
 * Prints the end of a comparison: the table and the files, or one JSON line in json mode.
 * @param outcome the comparison's outcome
 * @param json whether to print JSON
 * @param write where lines go
 */
export const printOutcome = (outcome: ComparisonOutcome, json: boolean, write: (line: string) => void): void => {
  if (json) {
    write(JSON.stringify({ type: 'comparisonFinished', files: outcome.files, summary: outcome.results.summary, paired: outcome.results.paired ?? null, stopping: outcome.results.stopping ?? [] }));
    return;
  }
  write(outcome.table);
  write(`results: ${outcome.files.resultsJson}`);
  for (const line of describeFiles(outcome.files)) write(line);
};

/**
 * Adds the run flags that `compare` (and `demo`) pass on to every run.
 * @param command the command to add them to
 * @returns the command
 */
export const withRunFlags = (command: Command): Command =>
  withStoppingAndStrategyFlags(command)
    .option('--cycles <n>', 'cycles of training per run')
    .option('--initial <n>', 'size of the initial random labeled set')
    .option('--budget <n>', 'labels queried per cycle')
    .option('--subset <n>', 'random subset of the unlabeled pool scored per cycle')
    .option('--epochs <n>', 'training epochs per cycle')
    .option('--seed <n>', 'base seed; trial t runs with deriveSeed(seed, "trial", t) for every strategy')
    .option('--data <path>', 'IDX or CIFAR-10 folder, labeled image folder, .csv/.jsonl manifest or COCO .json (default: the embedded subset)')
    .option('--data-kind <kind>', 'what --data holds: fashion-mnist, mnist, cifar10, images or coco')
    .option('--image-size <n>', 'your images: side they are resized to')
    .option('--channels <n>', 'your images: 1 (grey) or 3 (RGB)')
    .option('--classes <list>', 'your images: comma-separated class names in label order')
    .option('--skip-bad-images', 'your images: leave out (and list) files that cannot be decoded')
    .option('--cache-dir <dir>', 'your images: folder of the decoded cache')
    .option('--test-data <file>', 'COCO data: the test set\'s COCO file')
    .option('--images <dir>', 'COCO data: folder the file_names are relative to')
    .option('--task <name>', 'classification, keypoints or detection')
    .option('--model <name>', 'target network: small-cnn or resnet18-cifar')
    .option('--backend <name>', 'tensorflow, wasm or cpu (default: the fastest present)')
    .option('--oracle-delay-ms <ms>', 'simulated oracle: time per answer')
    .option('--oracle-failure-rate <p>', 'simulated oracle: probability of a failed answer, in [0, 1)')
    .option('--oracle-timeout-ms <ms>', 'a query without an answer after this long is retried')
    .option('--oracle-retries <n>', 'retries of a failed query before it is replaced')
    .option('--score-batch-size <n>', 'images per forward pass when scoring')
    .option('--score-workers <url>', 'score on `ll4al worker` processes through this Redis (redis:// or rediss://)')
    .option('--score-shard-size <n>', 'pool ids per scoring job sent to the workers')
    .option('--score-fallback <mode>', 'no live worker: local (score here, warn) or fail')
    .option('--score-worker-wait-ms <ms>', 'how long to wait for a live worker before the fallback')
    .option('--config <file>', 'JSON file of run settings (flags override it)')
    .option('--preset <name>', `a named protocol: ${presetNames.join(', ')} (the config file and flags override it)`)
    .option('--parallel <n>', 'runs at once (default: the number of CPU cores)')
    .option('--quiet', 'print only the final table and the paths')
    .option('--json', 'print the runs\' events and the final results as JSON lines only');

/**
 * Registers `ll4al compare`.
 * @param program the commander program
 */
export const register = (program: Command): void => {
  withRunFlags(
    program
      .command('compare')
      .description('run every strategy × trial (paired seeds, in parallel) and report mean ± std curves and paired differences from a baseline')
      .option('--strategies <list>', `comma-separated strategies: ${strategyNames.join(', ')} (default random,learning-loss)`)
      .option('--trials <n>', 'trials per strategy (default 3)')
      .option('--baseline <strategy>', 'paired differences (95% CI over trials) are taken from this strategy (default random, when compared)')
      .option('--out <dir>', 'comparison directory (default runs/compare-<time>)')
      .option('--continue <dir>', 'go on with the comparison in DIR: finished runs are reused, interrupted ones resumed, missing ones run (more --strategies or --trials extend it)'),
  ).action(async (flags: CompareFlags) => {
    const plan = planComparison(flags);
    // The user's images are decoded once here, and checked against the simulated oracle, before any run starts.
    await prepareRunData(plan.config);
    const mode = chooseProgressMode({ json: flags['json'] === true, quiet: flags['quiet'] === true }, process.stderr.isTTY === true);
    const outcome = await executeComparison(plan, createProgress(mode));
    printOutcome(outcome, mode === 'json', (line) => void process.stdout.write(`${line}\n`));
  });
};
