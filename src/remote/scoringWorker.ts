/**
 * The body of `ll4al worker`: a BullMQ worker that takes scoring jobs from Redis, builds the
 * run's learner with the same code the run uses (setupTask over the same data), loads the
 * cycle's weights once per content hash, scores its shard with the same scoring stage as local
 * scoring, and writes the outputs the strategy asked for to Redis as binary typed arrays.
 *
 * A job it cannot serve (malformed, data it does not have or that differs from the run's, a
 * backend other than the run's, weights no longer in Redis) fails at once, without retries,
 * with a one-line reason the run reports. A worker killed in the middle of a shard loses its
 * lock after `lockDurationMs`; another worker's stalled-job check (every `stalledIntervalMs`)
 * puts the job back in the queue.
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import * as E from 'fp-ts/lib/Either.js';
import { lastValueFrom, of } from 'rxjs';
import { openRunData, type RunData } from '../cli/dataSource.ts';
import type { RunConfig } from '../config/runConfig.ts';
import { InputError } from '../inputError.ts';
import { gatherScores } from '../streams/gatherScores.ts';
import { scoreInBatches } from '../streams/scoreInBatches.ts';
import type { Capability, Learner } from '../tasks/learner.ts';
import { loadModelBlob } from './modelBlob.ts';
import { createRedis, redisOptions } from './redisClient.ts';
import type { RedisTarget } from './redisUrl.ts';
import { DEFAULT_SCORE_QUEUE, decodeScoreJob, modelKey, scoresKey, scoringArithmetic, type LearnerSpec, type ScoreJob, type ScoreJobResult } from './scoreJob.ts';
import { encodeShardScores, shardScoresOf } from './scoreWire.ts';

/** Options of {@link startScoringWorker}. */
export interface ScoringWorkerOptions {
  readonly redis: RedisTarget;
  /** Shards scored at once, each with its own copy of the model (default 1). */
  readonly concurrency?: number;
  /** Threads each shard is scored with (default: the cores shared among the shards on wasm, 1 elsewhere). */
  readonly scoreThreads?: number;
  readonly queue?: string;
  /** Shown in Redis's client list and in job records (default `HOST-PID`). */
  readonly name?: string;
  /** A job whose worker stops renewing its lock for this long counts as stalled (default 10,000 ms). */
  readonly lockDurationMs?: number;
  /** How often this worker looks for stalled jobs (default 5,000 ms). */
  readonly stalledIntervalMs?: number;
  /** Receives one line per event (job started, finished, failed). */
  readonly log?: (line: string) => void;
}

/** A running worker. */
export interface ScoringWorker {
  readonly name: string;
  /** Jobs finished so far. */
  readonly finished: () => number;
  /** Stops taking jobs, waits for those in flight, frees the models. */
  close(): Promise<void>;
}

/** One concurrency slot: a learner (built for one run configuration) and the hash it holds. */
interface Slot {
  key: string;
  learner: Learner<unknown> | null;
  hash: string | null;
}

/** The part of a run configuration that decides the learner and its data. */
const learnerKey = (spec: LearnerSpec): string => {
  const c: RunConfig = spec.config;
  return JSON.stringify([c.task, c.model, c.trainer, c.seed, dataKey(c), c.scoreBatchSize, spec.lossObjective]);
};

/** The part of a run configuration that decides its data (the user's images: how they are decoded too). */
const dataKey = (config: RunConfig): string =>
  JSON.stringify([config.data, config.dataKind, config.task, config.imageSize, config.channels, config.classes, config.skipBadImages, config.testData, config.images]);

/**
 * Starts a scoring worker on `options.redis`; it runs until `close()`.
 * @param options Redis, concurrency, queue, lock timings
 * @returns the worker
 * @example
 * const worker = await startScoringWorker({ redis: parseRedisUrl('redis://10.0.0.5:6379', 'url'), concurrency: 2 });
 */
export const startScoringWorker = async (options: ScoringWorkerOptions): Promise<ScoringWorker> => {
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new InputError(`--concurrency must be a positive integer, got ${concurrency}`);
  const queue = options.queue ?? DEFAULT_SCORE_QUEUE;
  const name = options.name ?? `${os.hostname()}-${process.pid}`;
  const log = options.log ?? (() => undefined);
  const backend = tf.getBackend();
  const arithmetic = scoringArithmetic();
  const scoreThreads = options.scoreThreads ?? (backend === 'wasm' ? Math.max(1, Math.floor(os.cpus().length / concurrency)) : 1);
  const redis = createRedis(options.redis);
  const datasets = new Map<string, Promise<RunData>>();
  const free: Slot[] = Array.from({ length: concurrency }, () => ({ key: '', learner: null, hash: null }));
  let finished = 0;

  const dataFor = (config: RunConfig): Promise<RunData> => {
    const key = dataKey(config);
    let data = datasets.get(key);
    if (data === undefined) {
      // The same data choice as the run's (built-in data, or the user's images from the same path, decoded here once).
      data = openRunData(config);
      datasets.set(key, data);
      data.catch(() => datasets.delete(key));
    }
    return data;
  };

  const learnerFor = async (slot: Slot, spec: LearnerSpec): Promise<Learner<unknown>> => {
    const key = learnerKey(spec);
    if (slot.learner !== null && slot.key === key) return slot.learner;
    const data = await dataFor(spec.config);
    if (data.poolSize !== spec.poolSize || data.split.name !== spec.dataName) {
      throw new InputError(
        `data mismatch: the run's pool is ${spec.dataName} with ${spec.poolSize} items, this worker's ${spec.config.data} is ${data.split.name} with ${data.poolSize}`,
      );
    }
    slot.learner?.dispose();
    slot.learner = null;
    slot.learner = data.setup(spec.lossObjective, scoreThreads).learner;
    slot.key = key;
    slot.hash = null;
    return slot.learner;
  };

  const serve = async (job: ScoreJob, slot: Slot, jobId: string): Promise<{ result: ScoreJobResult; scoreSeconds: number }> => {
    if (job.learner.config.backend !== 'auto' && job.learner.config.backend !== backend) {
      throw new InputError(`the run scores on the ${job.learner.config.backend} backend, this worker on ${backend}: start it with --backend ${job.learner.config.backend}`);
    }
    if (job.learner.arithmetic !== arithmetic) {
      throw new InputError(
        `the run scores with ${job.learner.arithmetic}, this worker with ${arithmetic}: its scores would differ in the last bits (LL4AL_WASM_KERNELS=simd on both gives the same arithmetic on every CPU)`,
      );
    }
    const learner = await learnerFor(slot, job.learner);
    if (slot.hash !== job.modelHash) {
      const bytes = await redis.getBuffer(modelKey(queue, job.modelHash));
      if (bytes === null) throw new InputError(`weights ${job.modelHash} are not in Redis (expired or never published)`);
      slot.hash = null;
      await loadModelBlob(learner, bytes);
      slot.hash = job.modelHash;
    }
    const scoring = performance.now();
    const optional = job.outputs.filter((name): name is Capability => name !== 'predictedLoss');
    const scored = await lastValueFrom(of(job.ids).pipe(scoreInBatches(learner, job.learner.config.scoreBatchSize, optional), gatherScores()));
    const scoreSeconds = (performance.now() - scoring) / 1000;
    const bytes = encodeShardScores(shardScoresOf(scored, job.outputs));
    const key = scoresKey(queue, jobId);
    await redis.set(key, bytes, 'EX', job.resultTtlSeconds);
    return { result: { key, rows: scored.ids.length, bytes: bytes.length } as ScoreJobResult, scoreSeconds };
  };

  const worker = new Worker<unknown, ScoreJobResult>(
    queue,
    async (job: Job<unknown, ScoreJobResult>) => {
      const jobId = job.id ?? '?';
      const decoded = decodeScoreJob(job.data);
      if (E.isLeft(decoded)) {
        log(`job ${jobId} refused: malformed (${decoded.left})`);
        throw new UnrecoverableError(`malformed scoring job: ${decoded.left}`);
      }
      const slot = free.pop();
      if (slot === undefined) throw new Error('scoring worker: more jobs at once than its concurrency');
      const start = performance.now();
      log(`job ${jobId} started (${decoded.right.ids.length} ids)`);
      try {
        const { result, scoreSeconds } = await serve(decoded.right, slot, jobId);
        finished++;
        log(`job ${jobId} finished (${result.rows} rows, ${result.bytes} bytes, ${((performance.now() - start) / 1000).toFixed(3)} s, scoring ${scoreSeconds.toFixed(3)} s)`);
        return result;
      } catch (error) {
        const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
        log(`job ${jobId} failed: ${message}`);
        // Retrying cannot help a job this worker cannot serve; anything else BullMQ may retry.
        throw error instanceof InputError ? new UnrecoverableError(message) : error;
      } finally {
        free.push(slot);
      }
    },
    {
      connection: redisOptions(options.redis),
      concurrency,
      name,
      lockDuration: options.lockDurationMs ?? 10_000,
      stalledInterval: options.stalledIntervalMs ?? 5_000,
      maxStalledCount: 3,
      autorun: true,
    },
  );
  worker.on('error', (error) => log(`worker error: ${error.message.split('\n')[0]}`));
  await worker.waitUntilReady();

  return {
    name,
    finished: () => finished,
    close: async () => {
      await worker.close();
      for (const slot of free) slot.learner?.dispose();
      for (const data of datasets.values()) await data.then((d) => d.close(), () => undefined);
      redis.disconnect();
    },
  };
};
