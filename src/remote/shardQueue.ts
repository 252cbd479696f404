/**
 * The run's side of the BullMQ queue: publishes a cycle's weights (binary, with an expiry), adds
 * a pass's shards as jobs with deterministic ids, and reports each shard's outcome (its scores,
 * read back from Redis as binary, or the one-line reason it failed) as it finishes, in any order.
 */
import { Queue, QueueEvents } from 'bullmq';
import * as E from 'fp-ts/lib/Either.js';
import { Observable } from 'rxjs';
import { createRedis, redisOptions } from './redisClient.ts';
import type { RedisTarget } from './redisUrl.ts';
import { DEFAULT_SCORE_QUEUE, modelKey, ScoreJob, ScoreJobResult, scoreJobId } from './scoreJob.ts';
import { decodeShardScores, type ShardScores } from './scoreWire.ts';

/** Options of {@link connectShardQueue}. */
export interface ShardQueueOptions {
  readonly redis: RedisTarget;
  readonly queue?: string;
  /** How long published weights stay in Redis (default 3,600 s; republished every pass). */
  readonly modelTtlSeconds?: number;
}

/** What became of one shard. */
export type ShardOutcome =
  | { readonly shard: number; readonly jobId: string; readonly scores: ShardScores }
  | { readonly shard: number; readonly jobId: string; readonly failed: string };

/** The run's connection to its scoring workers. */
export interface ShardQueue {
  /** The Redis URL, without credentials, for messages. */
  readonly display: string;
  /** Stores weights under their hash with the expiry (again: the expiry restarts). */
  publishModel(hash: string, bytes: Buffer): Promise<void>;
  /** Restarts the expiry of published weights (a pass longer than the expiry keeps them). */
  keepModel(hash: string): Promise<void>;
  /** Workers connected to the queue now. */
  liveWorkers(): Promise<number>;
  /**
   * Adds the jobs (one already there with the same id is reused if it is waiting, running or
   * finished with its scores still in Redis; one that failed is replaced) and emits each one's
   * outcome once, in the order they finish; completes when every job has an outcome.
   */
  submit(jobs: ReadonlyArray<ScoreJob>): Observable<ShardOutcome>;
  /** Removes jobs still waiting (the run scores them itself). */
  withdraw(jobIds: ReadonlyArray<string>): Promise<void>;
  close(): Promise<void>;
}

/**
 * Connects the run to the queue its workers serve.
 * @param options Redis, queue name, weights' expiry
 * @returns the queue, ready
 */
export const connectShardQueue = async (options: ShardQueueOptions): Promise<ShardQueue> => {
  const name = options.queue ?? DEFAULT_SCORE_QUEUE;
  const ttl = options.modelTtlSeconds ?? 3600;
  const connection = redisOptions(options.redis);
  const queue = new Queue(name, { connection });
  const events = new QueueEvents(name, { connection });
  const redis = createRedis(options.redis);
  queue.on('error', () => undefined);
  // each awaited job (BullMQ's waitUntilFinished) holds a 'closing' listener until it finishes
  queue.setMaxListeners(0);
  events.on('error', () => undefined);
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);

  /** A job left by an earlier attempt at the same pass: kept when it can still give its scores. */
  const clearStale = async (jobId: string): Promise<void> => {
    const existing = await queue.getJob(jobId);
    if (existing === undefined) return;
    const state = await existing.getState();
    const parsed = ScoreJobResult.decode(existing.returnvalue);
    const usable = state !== 'failed' && (state !== 'completed' || (E.isRight(parsed) && (await redis.exists(parsed.right.key)) === 1));
    if (!usable) await existing.remove().catch(() => undefined);
  };

  const outcomeOf = async (shard: number, jobId: string, returned: unknown): Promise<ShardOutcome> => {
    const result = ScoreJobResult.decode(returned);
    if (E.isLeft(result)) return { shard, jobId, failed: `the worker returned ${JSON.stringify(returned)}, not a scores record` };
    const bytes = await redis.getBuffer(result.right.key);
    if (bytes === null) return { shard, jobId, failed: `its scores ${result.right.key} expired before the run read them` };
    // read once: the run holds them now (a resumed run scores a pass again)
    await redis.del(result.right.key);
    const scores = decodeShardScores(bytes);
    return E.isLeft(scores) ? { shard, jobId, failed: `its scores do not decode: ${scores.left}` } : { shard, jobId, scores: scores.right };
  };

  return {
    display: options.redis.display,
    publishModel: async (hash, bytes) => {
      await redis.set(modelKey(name, hash), bytes, 'EX', ttl);
    },
    keepModel: async (hash) => {
      await redis.expire(modelKey(name, hash), ttl);
    },
    liveWorkers: () => queue.getWorkersCount(),
    submit: (jobs) =>
      new Observable<ShardOutcome>((subscriber) => {
        let open = true;
        const ids = jobs.map(scoreJobId);
        void (async () => {
          for (const id of ids) await clearStale(id);
          const added = await queue.addBulk(
            jobs.map((job, k) => ({
              name: `score-${job.part}`,
              data: ScoreJob.encode(job),
              opts: {
                jobId: ids[k],
                attempts: 3,
                backoff: { type: 'fixed', delay: 500 },
                removeOnComplete: { age: 3600 },
                removeOnFail: { age: 3600 },
              },
            })),
          );
          await Promise.all(
            added.map(async (job, k) => {
              const shard = jobs[k]!.shard;
              let outcome: ShardOutcome;
              try {
                outcome = await outcomeOf(shard, ids[k]!, await job.waitUntilFinished(events));
              } catch (error) {
                outcome = { shard, jobId: ids[k]!, failed: (error instanceof Error ? error.message : String(error)).split('\n')[0]! };
              }
              if (open) subscriber.next(outcome);
            }),
          );
          if (open) subscriber.complete();
        })().catch((error: unknown) => {
          if (open) subscriber.error(error);
        });
        return () => {
          open = false;
        };
      }),
    withdraw: async (jobIds) => {
      for (const id of jobIds) {
        const job = await queue.getJob(id);
        if (job !== undefined && (await job.getState()) === 'waiting') await job.remove().catch(() => undefined);
      }
    },
    close: async () => {
      await events.close();
      await queue.close();
      redis.disconnect();
    },
  };
};
