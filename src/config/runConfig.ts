/**
 * The configuration of one active-learning run, as an io-ts codec: what `ll4al run` decodes
 * from its flags and from `--config FILE.json` (flags override the file), and what a run
 * directory's config.json holds. Every bad value is an InputError of one line naming the
 * field and the value.
 */
import { existsSync, statSync } from 'node:fs';
import { isLeft } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { InputError } from '../inputError.ts';
import { parseRedisUrl } from '../remote/redisUrl.ts';

export interface PositiveIntBrand {
  readonly PositiveInt: unique symbol;
}
/** An integer ≥ 1. */
export const PositiveInt = t.brand(t.number, (n): n is t.Branded<number, PositiveIntBrand> => Number.isInteger(n) && n >= 1, 'PositiveInt');
export type PositiveInt = t.TypeOf<typeof PositiveInt>;

export interface NonNegativeIntBrand {
  readonly NonNegativeInt: unique symbol;
}
/** An integer ≥ 0. */
export const NonNegativeInt = t.brand(
  t.number,
  (n): n is t.Branded<number, NonNegativeIntBrand> => Number.isInteger(n) && n >= 0,
  'NonNegativeInt',
);
export type NonNegativeInt = t.TypeOf<typeof NonNegativeInt>;

export interface NonNegativeNumberBrand {
  readonly NonNegativeNumber: unique symbol;
}
/** A finite number ≥ 0. */
export const NonNegativeNumber = t.brand(
  t.number,
  (n): n is t.Branded<number, NonNegativeNumberBrand> => Number.isFinite(n) && n >= 0,
  'NonNegativeNumber',
);
export type NonNegativeNumber = t.TypeOf<typeof NonNegativeNumber>;

export interface ProbabilityBrand {
  readonly Probability: unique symbol;
}
/** A failure probability in [0, 1): 1 would never answer. */
export const FailureRate = t.brand(
  t.number,
  (n): n is t.Branded<number, ProbabilityBrand> => Number.isFinite(n) && n >= 0 && n < 1,
  'Probability',
);
export type FailureRate = t.TypeOf<typeof FailureRate>;

/** Threads of data-parallel training: 1, 2 or 'auto' (src/tasks/trainer.ts says what each does). */
const isTrainThreads = (u: unknown): u is 1 | 2 | 'auto' => u === 1 || u === 2 || u === 'auto';
export const TrainThreads = new t.Type<1 | 2 | 'auto', 1 | 2 | 'auto', unknown>(
  "1 | 2 | 'auto'",
  isTrainThreads,
  (u, c) => (isTrainThreads(u) ? t.success(u) : t.failure(u, c)),
  t.identity,
);

/**
 * What `data` holds (`embedded` needs no folder): IDX files (fashion-mnist, mnist), CIFAR-10
 * binaries, an image folder or manifest (images), a COCO file (coco). With the default,
 * fashion-mnist, a `.csv`/`.jsonl` manifest, a `.json` COCO file and a folder without IDX files
 * are recognised by themselves (src/cli/dataSource.ts).
 */
export const DataKind = t.keyof({ 'fashion-mnist': null, mnist: null, cifar10: null, images: null, coco: null }, 'DataKind');

/** Channels the user's images are decoded to. */
export const ImageChannels = t.union([t.literal(1), t.literal(3)], '1 | 3');

/** Overrides of the joint trainer's recipe (src/tasks/trainer.ts checks the values). */
export const TrainerOverrides = t.partial(
  {
    batchSize: PositiveInt,
    learningRate: NonNegativeNumber,
    lrDecayAt: NonNegativeNumber,
    lrDecayFactor: NonNegativeNumber,
    momentum: NonNegativeNumber,
    weightDecay: NonNegativeNumber,
    lambda: NonNegativeNumber,
    margin: NonNegativeNumber,
    /** The loss module's objective: 'ranking' (the paper's) or 'mse' (its ablation; the strategy name learning-loss-mse sets it). */
    lossObjective: t.keyof({ ranking: null, mse: null }, 'LossObjective'),
    stopLossGradientAfter: t.union([NonNegativeNumber, t.null]),
    warmStart: t.boolean,
    augment: t.boolean,
    /** Data-parallel training threads (default 'auto': 2 on wasm, where every task here trains in a worker too; 1 elsewhere). */
    trainThreads: TrainThreads,
  },
  'TrainerOverrides',
);

/** Every field of a run configuration. */
export const RunConfig = t.type(
  {
    task: t.keyof({ classification: null, keypoints: null, detection: null }, 'Task'),
    model: t.keyof({ 'small-cnn': null, 'resnet18-cifar': null }, 'Model'),
    trainer: TrainerOverrides,
    strategy: t.string,
    cycles: PositiveInt,
    initial: PositiveInt,
    budget: PositiveInt,
    subset: PositiveInt,
    epochs: PositiveInt,
    seed: NonNegativeInt,
    /** 'embedded', or a folder of IDX (or CIFAR-10 binary) files. */
    data: t.string,
    dataKind: DataKind,
    /** 'tensorflow' | 'wasm' | 'cpu', or 'auto' for the fastest present. */
    backend: t.keyof({ auto: null, tensorflow: null, wasm: null, cpu: null }, 'Backend'),
    oracle: t.keyof({ simulated: null, file: null, browser: null }, 'OracleKind'),
    oracleDelayMs: NonNegativeNumber,
    oracleFailureRate: FailureRate,
    /** Per query; 0 = wait for ever (a person may take their time). */
    oracleTimeoutMs: NonNegativeNumber,
    oracleRetries: NonNegativeInt,
    oracleBackoffMs: NonNegativeNumber,
    scoreBatchSize: PositiveInt,
    /** Stop early when this criterion holds ('none': run every cycle). */
    stopWhen: t.keyof({ none: null, 'stable-predictions': null, 'loss-plateau': null }, 'StopWhen'),
    /** Stop once the labeled set has this many labels (0: no cap). */
    maxLabels: NonNegativeInt,
    /** Items of the fixed stop set measured every cycle (0: none, and no --stop-when). */
    stopSetSize: NonNegativeInt,
    /** stable-predictions: Cohen's κ at or above this between consecutive cycles… */
    stopKappa: NonNegativeNumber,
    /** …for this many cycles; loss-plateau: as many cycles of small falls. */
    stopWindow: PositiveInt,
    /** loss-plateau: a fall of the mean l̂ below this fraction of the previous counts. */
    stopLossFraction: NonNegativeNumber,
    /** Power sampling's β (power-* strategies). */
    beta: NonNegativeNumber,
    /** MC-dropout passes T (bald, mc-entropy, power-bald). */
    mcPasses: PositiveInt,
    /** learning-loss-diverse's shortlist factor α (top α·K by l̂). */
    diverseFactor: NonNegativeNumber,
    /** Rate of the MC dropout before the classifier; null: 0.5 for the MC strategies (bald, mc-entropy, power-bald), none for the others. */
    dropout: t.union([NonNegativeNumber, t.null]),
    /** The user's images: side of the square they are resized to (null: the task's input, 32 / 48 / 64). */
    imageSize: t.union([PositiveInt, t.null]),
    /** The user's images: decoded to 1 (grey) or 3 (RGB) channels. */
    channels: ImageChannels,
    /** The user's images: class names in label order (null: from the labeled folders or manifest rows). */
    classes: t.union([t.array(t.string), t.null]),
    /** The user's images: leave files that cannot be decoded out (listed) instead of stopping. */
    skipBadImages: t.boolean,
    /** The user's images: folder of the decoded cache (null: `.ll4al-cache` beside the data). */
    cacheDir: t.union([t.string, t.null]),
    /** A COCO file of the test set, for `data` that is a COCO file (null: no test set, no metric). */
    testData: t.union([t.string, t.null]),
    /** The folder a COCO file's `file_name`s are relative to (null: the COCO file's folder). */
    images: t.union([t.string, t.null]),
    /** Redis URL (redis:// or rediss://) of the scoring workers (`ll4al worker`); null scores on this machine. */
    scoreWorkers: t.union([t.string, t.null]),
    /** Pool ids per scoring job sent to the workers. */
    scoreShardSize: PositiveInt,
    /** No live worker (or a shard no worker can serve): score here with a warning ('local') or stop ('fail'). */
    scoreFallback: t.keyof({ local: null, fail: null }, 'local | fail'),
    /** How long the run waits for a live worker before it falls back. */
    scoreWorkerWaitMs: NonNegativeNumber,
  },
  'RunConfig',
);
export type RunConfig = t.TypeOf<typeof RunConfig>;

/** What a config file or the flags may give: any subset of the fields. */
export type RunConfigInput = { readonly [K in keyof RunConfig]?: unknown };

/** The defaults: the embedded data, three short cycles, a simulated oracle that never fails. */
export const defaultRunConfig: RunConfigInput = {
  task: 'classification',
  model: 'small-cnn',
  trainer: {},
  strategy: 'learning-loss',
  cycles: 3,
  initial: 200,
  budget: 200,
  subset: 2000,
  epochs: 2,
  seed: 0,
  data: 'embedded',
  dataKind: 'fashion-mnist',
  backend: 'auto',
  oracle: 'simulated',
  oracleDelayMs: 0,
  oracleFailureRate: 0,
  oracleTimeoutMs: 0,
  oracleRetries: 3,
  oracleBackoffMs: 50,
  scoreBatchSize: 256,
  stopWhen: 'none',
  maxLabels: 0,
  stopSetSize: 1000,
  stopKappa: 0.99,
  stopWindow: 3,
  stopLossFraction: 0.01,
  beta: 1,
  mcPasses: 10,
  diverseFactor: 10,
  dropout: null,
  imageSize: null,
  channels: 3,
  classes: null,
  skipBadImages: false,
  cacheDir: null,
  testData: null,
  images: null,
  scoreWorkers: null,
  scoreShardSize: 1024,
  scoreFallback: 'local',
  scoreWorkerWaitMs: 10_000,
};

/** The strategies that score with MC-dropout passes (their runs get dropout by default). */
export const MC_DROPOUT_STRATEGIES: ReadonlyArray<string> = ['bald', 'mc-entropy', 'power-bald'];

/** The default MC-dropout rate of those strategies' networks. */
export const DEFAULT_MC_DROPOUT = 0.5;

/**
 * The dropout rate a run's network gets: the configured one, else 0.5 for the MC strategies and 0 otherwise.
 * @param config the run configuration
 * @returns the rate
 */
export const dropoutOf = (config: Pick<RunConfig, 'dropout' | 'strategy'>): number =>
  config.dropout ?? (MC_DROPOUT_STRATEGIES.includes(config.strategy) ? DEFAULT_MC_DROPOUT : 0);

/** The flag of each field, for messages (`--oracle-delay-ms`). */
export const flagOf = (field: string): string => `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

const show = (value: unknown): string => {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  const json = JSON.stringify(value);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
};

/**
 * Decodes a run configuration: defaults, then `input` on top; unknown fields are errors.
 *
 * Use it for a config file, for flags, and for a run directory's config.json. The first
 * problem is thrown as ONE line in io-ts's PathReporter words, plus the flag:
 * `Invalid value -3 supplied to RunConfig/budget (--budget): expected PositiveInt`.
 * @param input the fields given (a parsed JSON object)
 * @param source where they came from, for messages (a file name, "flags")
 * @returns the complete configuration
 */
export const decodeRunConfig = (input: unknown, source = 'RunConfig'): RunConfig => {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InputError(`${source}: a run configuration must be a JSON object, got ${show(input)}`);
  }
  const known = new Set(Object.keys(RunConfig.props));
  for (const key of Object.keys(input)) {
    if (!known.has(key)) throw new InputError(`${source}: unknown field "${key}" (known: ${[...known].join(', ')})`);
  }
  const trainer = (input as { trainer?: unknown }).trainer;
  if (typeof trainer === 'object' && trainer !== null) {
    const knownTrainer = new Set(Object.keys(TrainerOverrides.props));
    for (const key of Object.keys(trainer)) {
      if (!knownTrainer.has(key)) throw new InputError(`${source}: unknown field "trainer.${key}" (known: ${[...knownTrainer].join(', ')})`);
    }
  }
  const merged: Record<string, unknown> = { ...defaultRunConfig };
  for (const [key, value] of Object.entries(input)) if (value !== undefined) merged[key] = value;
  const decoded = RunConfig.decode(merged);
  if (isLeft(decoded)) {
    const error = decoded.left[0]!;
    const path = error.context
      .map((c) => c.key)
      .filter((k) => k !== '')
      .join('/');
    const expected = error.context[error.context.length - 1]?.type.name ?? 'a valid value';
    const where = path.includes('/') ? `config field ${path.replace(/\//g, '.')}` : flagOf(path);
    throw new InputError(
      `Invalid value ${show(error.value)} supplied to ${source === 'RunConfig' ? '' : `${source} `}RunConfig/${path} (${where}): expected ${expected}`,
    );
  }
  return decoded.right;
};

/**
 * The checks that involve more than one field or the file system: a known strategy, a subset
 * at least the budget, stopping settings that can hold, and an existing data folder.
 *
 * Use it after {@link decodeRunConfig}, before any work starts.
 * @param config the decoded configuration
 * @param strategies the names of the known strategies
 * @throws InputError naming the field and value
 */
export const checkRunConfig = (config: RunConfig, strategies: ReadonlyArray<string>): void => {
  if (!strategies.includes(config.strategy)) {
    throw new InputError(`unknown strategy ${show(config.strategy)} (--strategy): expected one of ${strategies.join(', ')}`);
  }
  if (config.subset < config.budget) {
    throw new InputError(`subset ${config.subset} (--subset) is smaller than the budget ${config.budget} (--budget)`);
  }
  if (config.stopKappa > 1) throw new InputError(`stop kappa ${config.stopKappa} (--stop-kappa) is above 1, which Cohen's κ never reaches`);
  if (config.diverseFactor < 1) throw new InputError(`diverse factor ${config.diverseFactor} (--diverse-factor) is below 1: the shortlist must hold the budget`);
  if (config.dropout !== null && config.dropout >= 1) throw new InputError(`dropout ${config.dropout} (--dropout) must be below 1`);
  if (config.dropout !== null && config.dropout > 0 && config.task !== 'classification') {
    throw new InputError(`dropout ${config.dropout} (--dropout): only the classification networks have MC dropout`);
  }
  if (config.dropout === 0 && MC_DROPOUT_STRATEGIES.includes(config.strategy)) {
    throw new InputError(`strategy ${config.strategy} (--strategy) needs MC dropout: --dropout 0 turns it off (leave it unset for 0.5)`);
  }
  if (config.stopWhen !== 'none' && config.stopSetSize === 0) {
    throw new InputError(`--stop-when ${config.stopWhen} needs a stop set: --stop-set-size is 0`);
  }
  if (config.stopWhen === 'stable-predictions' && config.task === 'keypoints') {
    throw new InputError('--stop-when stable-predictions needs class predictions, which the keypoints task does not have: use loss-plateau or --max-labels');
  }
  if (config.maxLabels > 0 && config.maxLabels < config.initial) {
    throw new InputError(`max labels ${config.maxLabels} (--max-labels) is below the initial set of ${config.initial} (--initial)`);
  }
  if (config.scoreWorkers !== null) parseRedisUrl(config.scoreWorkers, '--score-workers');
  if (config.scoreWorkers !== null && MC_DROPOUT_STRATEGIES.includes(config.strategy)) {
    throw new InputError(`strategy ${config.strategy} (--strategy) scores MC-dropout passes on this machine only: leave out --score-workers`);
  }
  if (config.data !== 'embedded') {
    const file = /\.(csv|jsonl|json)$/i.test(config.data);
    if (!existsSync(config.data)) throw new InputError(`data ${file ? 'file' : 'directory'} ${show(config.data)} (--data) does not exist`);
    if (!file && !statSync(config.data).isDirectory()) throw new InputError(`data ${show(config.data)} (--data) is not a directory (nor a .csv/.jsonl manifest or a .json COCO file)`);
  }
  if (config.testData !== null && !existsSync(config.testData)) throw new InputError(`test data file ${show(config.testData)} (--test-data) does not exist`);
};

/**
 * The check that needs the pool: every label the run will ask for must exist.
 *
 * Use it once the data is loaded.
 * @param config the decoded configuration
 * @param poolSize the number of items in the training pool
 * @throws InputError when initial + (cycles − 1) × budget exceeds the pool
 */
export const checkRunConfigAgainstPool = (config: RunConfig, poolSize: number): void => {
  if (config.initial > poolSize) {
    throw new InputError(`initial ${config.initial} (--initial) is larger than the pool of ${poolSize} items`);
  }
  if (config.budget > poolSize - config.initial) {
    throw new InputError(`budget ${config.budget} (--budget) is larger than the pool of ${poolSize} items less the ${config.initial} initial labels`);
  }
  const total = config.initial + (config.cycles - 1) * config.budget;
  if (total > poolSize) {
    throw new InputError(
      `cycles ${config.cycles} (--cycles) × budget ${config.budget} + initial ${config.initial} = ${total} labels, more than the pool of ${poolSize} items`,
    );
  }
};
