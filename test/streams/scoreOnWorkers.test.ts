/**
 * scoreOnWorkers against a queue of the test's own (no Redis): what it does with outcomes that
 * come in any order, twice, failed, or not at all.
 */
import { concat, delay, EMPTY, lastValueFrom, NEVER, Observable, of, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { decodeRunConfig } from '../../src/config/runConfig.ts';
import type { LearnerSpec, ScoreJob } from '../../src/remote/scoreJob.ts';
import { shardScoresOf } from '../../src/remote/scoreWire.ts';
import type { ShardOutcome, ShardQueue } from '../../src/remote/shardQueue.ts';
import { concatBatches, inIdOrder } from '../../src/streams/gatherScores.ts';
import { scoreOnWorkers, type WorkerScoringOptions } from '../../src/streams/scoreOnWorkers.ts';
import type { ScoredBatch } from '../../src/tasks/learner.ts';
import { createFakeLearner } from '../support/fakeLearner.ts';

const spec = { config: decodeRunConfig({}), lossObjective: 'ranking', poolSize: 1000, dataName: 'fake', arithmetic: 'wasm (simd)' } as LearnerSpec;

/** A queue whose workers are `answer(jobs)`; counts what it was asked. */
const fakeQueue = (answer: (jobs: ReadonlyArray<ScoreJob>) => Observable<ShardOutcome>, live = 1) => {
  const seen = { published: [] as string[], submitted: [] as ScoreJob[], withdrawn: [] as string[] };
  const queue: ShardQueue = {
    display: 'redis://fake:1',
    publishModel: async (hash) => void seen.published.push(hash),
    keepModel: async () => undefined,
    liveWorkers: async () => live,
    submit: (jobs) => {
      seen.submitted.push(...jobs);
      return answer(jobs);
    },
    withdraw: async (ids) => void seen.withdrawn.push(...ids),
    close: async () => undefined,
  };
  return { queue, seen };
};

const learner = createFakeLearner({ poolSize: 1000 });
const ids = Int32Array.from({ length: 50 }, (_, i) => (i * 37) % 1000);
const options = (queue: ShardQueue, overrides: Partial<WorkerScoringOptions> = {}): WorkerScoringOptions => ({
  queue,
  learner,
  spec,
  run: 'fake',
  outputs: ['predictedLoss', 'probabilities', 'embeddings'],
  shardSize: 10,
  localBatchSize: 8,
  fallback: 'fail',
  workerWaitMs: 200,
  pollMs: 10,
  ...overrides,
});
const done = async (job: ScoreJob): Promise<ShardOutcome> => ({
  shard: job.shard,
  jobId: `j${job.shard}`,
  scores: shardScoresOf(await learner.score(job.ids, { outputs: all }), job.outputs),
});
/** Emits the outcomes of `shards` of `jobs`, one after the other; completes unless told not to. */
const answers = (jobs: ReadonlyArray<ScoreJob>, shards: ReadonlyArray<number>, complete = true): Observable<ShardOutcome> =>
  new Observable<ShardOutcome>((subscriber) => {
    void (async () => {
      for (const shard of shards) subscriber.next(await done(jobs[shard]!));
      if (complete) subscriber.complete();
    })();
  });
const all = ['probabilities', 'embeddings'] as const;
const rows = (b: ScoredBatch) => [Array.from(b.ids), Array.from(b.predictedLoss), Array.from(b.probabilities?.values ?? []), Array.from(b.embeddings?.values ?? [])];

describe('scoreOnWorkers', () => {
  it('should emit each shard once when the workers finish some twice, in any order, and give the local rows back in order', async () => {
    const { queue, seen } = fakeQueue((jobs) => answers(jobs, [3, 0, 4, 0, 1, 3, 2, 2]));
    const batches = await lastValueFrom(of(ids).pipe(scoreOnWorkers(options(queue), { cycle: 2, part: 'subset' }), toArray()));
    expect(batches.map((b) => b.ids[0])).toEqual([3, 0, 4, 1, 2].map((s) => ids[s * 10]));
    expect(rows(inIdOrder(ids)(concatBatches(batches)))).toEqual(rows(await learner.score(ids, { outputs: all })));
    // one job per shard of 10, deterministic ids from run, cycle, part, hash and shard
    expect(seen.submitted.map((j) => [j.run, j.cycle, j.part, j.shard, j.modelHash])).toEqual([0, 1, 2, 3, 4].map((s) => ['fake', 2, 'subset', s, seen.published[0]]));
    expect(seen.submitted.every((j) => j.ids.length === 10)).toBe(true);
  });

  it('should stop listening once every shard is counted, even if the queue never completes', async () => {
    const { queue } = fakeQueue((jobs) => concat(answers(jobs, [0, 1, 2, 3, 4]), NEVER));
    const batches = await lastValueFrom(of(ids).pipe(scoreOnWorkers(options(queue), { cycle: 1, part: 'subset' }), toArray()));
    expect(batches).toHaveLength(5);
  });

  it('should score the shards that are left here when the workers go away in the middle (fallback local)', async () => {
    let live = 1;
    // the only worker finishes shard 1 and dies with the rest
    const { queue, seen } = fakeQueue((jobs) => answers(jobs, [1], false));
    setTimeout(() => (live = 0), 30);
    queue.liveWorkers = async () => live;
    const warnings: string[] = [];
    const batches = await lastValueFrom(
      of(ids).pipe(scoreOnWorkers(options(queue, { fallback: 'local', onWarning: (m) => warnings.push(m) }), { cycle: 3, part: 'labeled' }), toArray()),
    );
    expect(batches).toHaveLength(5);
    expect(rows(inIdOrder(ids)(concatBatches(batches)))).toEqual(rows(await learner.score(ids, { outputs: all })));
    expect(warnings).toEqual(['no live scoring worker on redis://fake:1 for 200 ms during cycle 3 (labeled): scoring its 4 remaining shard(s) here (--score-fallback local)']);
    expect(seen.withdrawn).toHaveLength(4);
  });

  it('should score everything here when Redis stops answering, even while the weights are being published (fallback local)', async () => {
    const { queue } = fakeQueue(() => NEVER, 1);
    queue.publishModel = () => new Promise(() => undefined); // never answers
    queue.liveWorkers = () => new Promise(() => undefined);
    queue.withdraw = () => new Promise(() => undefined);
    const warnings: string[] = [];
    const batches = await lastValueFrom(
      of(ids).pipe(scoreOnWorkers(options(queue, { fallback: 'local', pollMs: 10, workerWaitMs: 100, onWarning: (m) => warnings.push(m) }), { cycle: 1, part: 'subset' }), toArray()),
    );
    expect(rows(inIdOrder(ids)(concatBatches(batches)))).toEqual(rows(await learner.score(ids, { outputs: all })));
    expect(warnings).toEqual(['no live scoring worker on redis://fake:1 for 100 ms during cycle 1 (subset): scoring its 5 remaining shard(s) here (--score-fallback local)']);
  });

  it('should fall back, or stop in one line, when Redis refuses the jobs', async () => {
    const refusing = () => {
      const { queue } = fakeQueue(() => new Observable<ShardOutcome>((sub) => sub.error(new Error('OOM command not allowed when used memory > maxmemory.\nmore'))));
      return queue;
    };
    const warnings: string[] = [];
    const batches = await lastValueFrom(
      of(ids).pipe(scoreOnWorkers(options(refusing(), { fallback: 'local', onWarning: (m) => warnings.push(m) }), { cycle: 1, part: 'subset' }), toArray()),
    );
    expect(rows(inIdOrder(ids)(concatBatches(batches)))).toEqual(rows(await learner.score(ids, { outputs: all })));
    expect(warnings).toEqual([
      'scoring on the workers of redis://fake:1 failed during cycle 1 (subset): OOM command not allowed when used memory > maxmemory.; scoring its 5 remaining shard(s) here (--score-fallback local)',
    ]);
    const error = await lastValueFrom(of(ids).pipe(scoreOnWorkers(options(refusing()), { cycle: 1, part: 'subset' }))).catch((e: Error) => e);
    expect((error as Error).message).toBe('scoring on the workers of redis://fake:1 failed during cycle 1 (subset): OOM command not allowed when used memory > maxmemory. (--score-fallback fail)');
  });

  it('should emit nothing and ask nothing for no ids', async () => {
    const { queue, seen } = fakeQueue(() => EMPTY);
    expect(await lastValueFrom(of(new Int32Array(0)).pipe(scoreOnWorkers(options(queue), { cycle: 1, part: 'subset' }), toArray()))).toEqual([]);
    expect(seen.submitted).toEqual([]);
  });

  it('should fail with the shard, the cycle and the worker\'s reason in one line (fallback fail)', async () => {
    const { queue } = fakeQueue(() => of<ShardOutcome>({ shard: 2, jobId: 'j2', failed: 'data mismatch: the run\'s pool is a, this worker\'s b' }).pipe(delay(1)));
    const error = await lastValueFrom(of(ids).pipe(scoreOnWorkers(options(queue), { cycle: 1, part: 'subset' }))).catch((e: Error) => e);
    expect((error as Error).message).toBe("shard 2 of cycle 1 (subset) failed on the workers: data mismatch: the run's pool is a, this worker's b (--score-fallback fail)");
  });
});
