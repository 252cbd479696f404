/**
 * `ll4al worker --redis URL [--concurrency N]`: a scoring worker. Runs on any machine that
 * reaches the Redis and the run's data (the embedded data, or the same data folder), takes the
 * scoring jobs of any `ll4al run --score-workers URL`, and prints one line per job. SIGINT or
 * SIGTERM stops it after the jobs in flight.
 */
import type { Command } from 'commander';
import { initBackend, type BackendRequest } from '../backend/initBackend.ts';
import { InputError } from '../inputError.ts';
import { checkRedis } from '../remote/redisClient.ts';
import { parseRedisUrl } from '../remote/redisUrl.ts';
import { DEFAULT_SCORE_QUEUE } from '../remote/scoreJob.ts';
import { startScoringWorker } from '../remote/scoringWorker.ts';
import { flagValue } from './runFlags.ts';

type WorkerFlags = Readonly<Record<string, string | boolean | undefined>>;

const positive = (flags: WorkerFlags, field: string, flag: string): number | undefined => {
  if (flags[field] === undefined) return undefined;
  const n = flagValue(flags[field]);
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new InputError(`Invalid value ${JSON.stringify(flags[field])} supplied to ${flag}: expected an integer ≥ 1`);
  return n;
};

/**
 * Runs a worker until a signal.
 * @param flags commander's options of `worker`
 */
export const runWorker = async (flags: WorkerFlags): Promise<void> => {
  if (typeof flags['redis'] !== 'string') throw new InputError('ll4al worker needs --redis URL (redis://HOST:PORT or rediss://HOST:PORT)');
  const redis = parseRedisUrl(flags['redis'], '--redis');
  const concurrency = positive(flags, 'concurrency', '--concurrency') ?? 1;
  const scoreThreads = positive(flags, 'scoreThreads', '--score-threads');
  const lockDurationMs = positive(flags, 'lockDurationMs', '--lock-duration-ms');
  const stalledIntervalMs = positive(flags, 'stalledIntervalMs', '--stalled-interval-ms');
  const backendFlag = flags['backend'];
  if (backendFlag !== undefined && !['tensorflow', 'wasm', 'cpu'].includes(String(backendFlag))) {
    throw new InputError(`Invalid value ${JSON.stringify(backendFlag)} supplied to --backend: expected tensorflow, wasm or cpu`);
  }
  await checkRedis(redis, '--redis');
  const backend = await initBackend(backendFlag === undefined ? undefined : (backendFlag as BackendRequest));
  const write = (line: string): void => void process.stdout.write(`${line}\n`);
  const worker = await startScoringWorker({
    redis,
    concurrency,
    ...(scoreThreads === undefined ? {} : { scoreThreads }),
    ...(lockDurationMs === undefined ? {} : { lockDurationMs }),
    ...(stalledIntervalMs === undefined ? {} : { stalledIntervalMs }),
    ...(typeof flags['queue'] === 'string' ? { queue: flags['queue'] } : {}),
    ...(typeof flags['name'] === 'string' ? { name: flags['name'] } : {}),
    log: write,
  });
  write(`worker ${worker.name}: scoring jobs of ${redis.display} (queue ${typeof flags['queue'] === 'string' ? flags['queue'] : DEFAULT_SCORE_QUEUE}), ${concurrency} at a time, backend ${backend.name}`);
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      write(`worker ${worker.name}: stopping (${signal}) after the jobs in flight`);
      void worker.close().then(resolve, resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  write(`worker ${worker.name}: stopped after ${worker.finished()} job(s)`);
  process.exit(0);
};

/**
 * Registers `ll4al worker` on the program.
 * @param program the commander program
 */
export const register = (program: Command): void => {
  program
    .command('worker')
    .description('score the pool for runs started with --score-workers: take scoring jobs from Redis (BullMQ) until stopped')
    .option('--redis <url>', 'the Redis the runs use (redis://[:PASSWORD@]HOST:PORT[/DB] or rediss://; the password may come from LL4AL_REDIS_PASSWORD)')
    .option('--concurrency <n>', 'shards scored at once, each with its own model copy and a share of the cores (default 1)')
    .option('--score-threads <n>', 'threads per shard (default: the cores shared among the shards on wasm)')
    .option('--backend <name>', 'tensorflow, wasm or cpu (default: the fastest present; the run\'s backend, for the same ranking)')
    .option('--queue <name>', `BullMQ queue (default ${DEFAULT_SCORE_QUEUE})`)
    .option('--name <name>', 'this worker\'s name in Redis (default HOST-PID)')
    .option('--lock-duration-ms <ms>', 'a job not renewed for this long counts as stalled and goes to another worker (default 10000)')
    .option('--stalled-interval-ms <ms>', 'how often to look for stalled jobs (default 5000)')
    .action(async (flags: WorkerFlags) => {
      await runWorker(flags);
    });
};
