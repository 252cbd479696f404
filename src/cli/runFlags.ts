/**
 * The flags and config file that `run` and `compare` share: which run-config fields are
 * flags, how a flag's text becomes a value, and how a `--config FILE.json` is read.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { RunConfig } from '../config/runConfig.ts';
import { InputError } from '../inputError.ts';
import { passwordOfRedisUrl, REDIS_PASSWORD_ENV, redactRedisUrl } from '../remote/redisUrl.ts';

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
