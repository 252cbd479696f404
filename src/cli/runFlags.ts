/**
 * The flags and config file that `run` and `compare` share: which run-config fields are
 * flags, how a flag's text becomes a value, and how a `--config FILE.json` is read.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { RunConfig } from '../config/runConfig.ts';
import { InputError } from '../inputError.ts';
import { passwordOfRedisUrl, REDIS_PASSWORD_ENV, redactRedisUrl } from '../remote/redisUrl.ts';
import { strategyNames } from '../streams/strategies.ts';

/** Options as commander gives them (camel-cased names, strings or booleans). */
export type CommandFlags = Readonly<Record<string, string | boolean | undefined>>;

/** The run-config fields that are also flags, as commander camel-cases them. */
export const RUN_FLAG_FIELDS = [
  'task',
  'strategy',
  'cycles',
  'initial',
  'budget',
  'subset',
  'epochs',
  'seed',
  'data',
  'dataKind',
  'model',
  'backend',
  'oracle',
  'oracleDelayMs',
  'oracleFailureRate',
  'oracleTimeoutMs',
  'oracleRetries',
  'scoreBatchSize',
  'stopWhen',
  'maxLabels',
  'stopSetSize',
  'stopKappa',
  'stopWindow',
  'stopLossFraction',
  'beta',
  'mcPasses',
  'diverseFactor',
  'dropout',
  'imageSize',
  'channels',
  'classes',
  'skipBadImages',
  'cacheDir',
  'testData',
  'images',
  'scoreWorkers',
  'scoreShardSize',
  'scoreFallback',
  'scoreWorkerWaitMs',
] as const;

/**
 * Adds the flags of stopping and of the strategies' parameters (shared by `run` and `compare`).
 * @param command the command
 * @returns the command
 */
export const withStoppingAndStrategyFlags = <C extends { option(flags: string, description: string): C }>(command: C): C =>
  command
    .option('--stop-when <criterion>', "stop early: stable-predictions (Cohen's κ on the stop set) or loss-plateau (mean predicted loss) (default: none)")
    .option('--max-labels <n>', 'stop once the labeled set has this many labels (default 0: no cap)')
    .option('--stop-set-size <n>', 'items of the fixed stop set measured every cycle (default 1000; 0: none)')
    .option('--stop-kappa <k>', 'stable-predictions: κ threshold between consecutive cycles (default 0.99)')
    .option('--stop-window <n>', 'consecutive cycles a stopping criterion must hold (default 3)')
    .option('--stop-loss-fraction <f>', 'loss-plateau: a relative fall of the mean l̂ below this counts (default 0.01)')
    .option('--beta <b>', 'power-* strategies: sample ∝ score^β (default 1)')
    .option('--mc-passes <n>', 'bald, mc-entropy, power-bald: MC-dropout passes per candidate (default 10)')
    .option('--diverse-factor <a>', 'learning-loss-diverse: shortlist the top α·K by predicted loss (default 10)')
    .option('--dropout <rate>', 'MC dropout before the classifier (default: 0.5 for bald, mc-entropy, power-bald; none otherwise)');

/**
 * The options of the run-config flags, in one place: `run` takes them, `resume` takes them too
 * (to refuse a value that differs from the run's, or to change what may change on a resume).
 * A new run flag is a field of RunConfig, a name in {@link RUN_FLAG_FIELDS} and a line here.
 */
export const RUN_OPTIONS: ReadonlyArray<readonly [flags: string, description: string]> = [
  ['--strategy <name>', `selection strategy: ${strategyNames.join(', ')} (default learning-loss)`],
  ['--cycles <n>', 'cycles of training (the last one does not query; default 3)'],
  ['--initial <n>', 'size of the initial random labeled set (default 200)'],
  ['--budget <n>', 'labels queried per cycle (default 200)'],
  ['--subset <n>', 'random subset of the unlabeled pool scored per cycle (default 2000)'],
  ['--epochs <n>', 'training epochs per cycle (default 2)'],
  ['--seed <n>', 'seed of every random choice (default 0)'],
  ['--data <path>', 'IDX or CIFAR-10 folder, image folder (train/<class>/, test/<class>/, unlabeled/), .csv/.jsonl manifest or COCO .json (default: the embedded subset)'],
  ['--data-kind <kind>', 'what --data holds: fashion-mnist, mnist, cifar10, images or coco (default: recognised from --data)'],
  ['--image-size <n>', "your images: side they are resized to (default: the task's input, 32 / 48 / 64)"],
  ['--channels <n>', 'your images: 1 (grey) or 3 (RGB) (default 3)'],
  ['--classes <list>', 'your images: comma-separated class names in label order (needed when no image has a label)'],
  ['--skip-bad-images', 'your images: leave out (and list) files that cannot be decoded instead of stopping'],
  ['--cache-dir <dir>', 'your images: folder of the decoded cache (default: .ll4al-cache beside the data)'],
  ['--test-data <file>', "COCO data: the test set's COCO file (without it, metrics are off)"],
  ['--images <dir>', "COCO data: folder the file_names are relative to (default: the COCO file's folder)"],
  ['--task <name>', 'classification, keypoints or detection (default classification)'],
  ['--model <name>', 'target network: small-cnn or resnet18-cifar (default small-cnn)'],
  ['--backend <name>', 'tensorflow, wasm or cpu (default: the fastest present)'],
  ['--oracle <kind>', 'simulated (from the held-back labels), file (DIR/queries.jsonl, answers in DIR/answers.jsonl) or browser (people label in a web page)'],
  ['--oracle-delay-ms <ms>', 'simulated oracle: time per answer (default 0)'],
  ['--oracle-failure-rate <p>', 'simulated oracle: probability of a failed answer, in [0, 1) (default 0)'],
  ['--oracle-timeout-ms <ms>', 'a query without an answer after this long is retried (default 0: wait)'],
  ['--oracle-retries <n>', 'retries of a failed query before it is replaced (default 3)'],
  ['--score-batch-size <n>', 'images per forward pass when scoring (default 256)'],
  ['--score-workers <url>', 'score on `ll4al worker` processes through this Redis (redis://HOST:PORT or rediss://); training stays here'],
  ['--score-shard-size <n>', 'pool ids per scoring job sent to the workers (default 1024)'],
  ['--score-fallback <mode>', 'no live worker, or a shard no worker can serve: local (score here, warn) or fail (default local)'],
  ['--score-worker-wait-ms <ms>', 'how long to wait for a live worker before the fallback (default 10000)'],
];

/** commander's camel-cased field of a flag (`--oracle-delay-ms <ms>` → `oracleDelayMs`). */
const fieldOfFlag = (flags: string): string => flags.split(' ')[0]!.slice(2).replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

/**
 * Adds {@link RUN_OPTIONS} to a command.
 * @param command a commander command
 * @param resume for `resume`: the fields a resume may change; the others must match the run's
 * @returns the command
 */
export const addRunOptions = (command: Command, resume?: { readonly mayChange: ReadonlyArray<string> }): Command => {
  for (const [flags, description] of RUN_OPTIONS) {
    if (resume === undefined) command.option(flags, description);
    else {
      const what = description.replace(/ \(default[^)]*\)$/, '').replace(/; default [^)]*\)$/, ')');
      command.option(flags, `${what} (${resume.mayChange.includes(fieldOfFlag(flags)) ? 'may differ from the run\'s' : 'must match the run\'s'})`);
    }
  }
  return command;
};

/** A flag's text as a number when it reads as one, else as given (the codec then names it). */
export const flagValue = (value: string | boolean | undefined): unknown =>
  typeof value === 'string' && /^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(value.trim()) ? Number(value) : value;

/**
 * The run-config fields set by flags.
 * @param flags commander's options
 * @param fields which fields to take (default: every run flag)
 * @returns field → value, for the fields given
 */
export const runInputFromFlags = (flags: CommandFlags, fields: ReadonlyArray<string> = RUN_FLAG_FIELDS): Record<string, unknown> => {
  const input: Record<string, unknown> = {};
  for (const field of fields) if (flags[field] !== undefined) input[field] = flagValue(flags[field]);
  // --classes a,b,c: a list of names (never numbers, even when they read as digits).
  if (fields.includes('classes') && typeof flags['classes'] === 'string') input['classes'] = flags['classes'].split(',').map((c) => c.trim()).filter((c) => c !== '');
  return input;
};

/**
 * Reads a `--config FILE.json`: it must exist and hold a JSON object.
 * @param file the path given to --config
 * @returns the object (decoded with the run config codec by the caller)
 * @throws InputError naming the file and the problem
 */
export const readConfigFile = (file: string): Readonly<Record<string, unknown>> => {
  if (!existsSync(file)) throw new InputError(`config file ${file} (--config) does not exist`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new InputError(`config file ${file} (--config) is not valid JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new InputError(`config file ${file} (--config) must hold a JSON object`);
  return json as Record<string, unknown>;
};

/**
 * Keeps a Redis password out of what a run writes to disk: a password in `--score-workers`
 * moves to LL4AL_REDIS_PASSWORD of this process (inherited by the runs `compare` starts) and
 * the configuration keeps the URL without it. `ll4al resume` then needs the variable again.
 * @param config a decoded configuration
 * @returns the configuration with the password removed from scoreWorkers
 */
export const withoutRedisPassword = (config: RunConfig): RunConfig => {
  if (config.scoreWorkers === null) return config;
  const password = passwordOfRedisUrl(config.scoreWorkers);
  if (password === undefined) return config;
  process.env[REDIS_PASSWORD_ENV] = password;
  return { ...config, scoreWorkers: redactRedisUrl(config.scoreWorkers) };
};
