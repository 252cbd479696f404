/**
 * Scoring on BullMQ workers against a redis-server of the test's own: the selection equals
 * local scoring's with a worker SIGKILLed in the middle of a shard; no worker → fallback or
 * failure; jobs a worker cannot serve fail with a one-line reason; a password-protected Redis
 * and rediss:// work.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { firstValueFrom, lastValueFrom, of, tap, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/initBackend.ts';
import { setupTask } from '../../src/cli/taskSetup.ts';
import { decodeRunConfig, type RunConfig } from '../../src/config/runConfig.ts';
import type { DataSplit } from '../../src/data/imageSet.ts';
import { loadDataset } from '../../src/data/load.ts';
import { InputError } from '../../src/inputError.ts';
import { randomSubset } from '../../src/ops/random.ts';
import { simulatedOracle } from '../../src/oracles/simulatedOracle.ts';
import { checkRedis, redisOptions } from '../../src/remote/redisClient.ts';
import { parseRedisUrl } from '../../src/remote/redisUrl.ts';
import { scoringArithmetic, type LearnerSpec, type ScoreJob } from '../../src/remote/scoreJob.ts';
import { startScoringWorker, type ScoringWorker } from '../../src/remote/scoringWorker.ts';
import { connectShardQueue, type ShardQueue } from '../../src/remote/shardQueue.ts';
import { memoryJournal } from '../../src/store/labelJournal.ts';
import { activeLearning } from '../../src/streams/activeLearning.ts';
import type { AlEvent } from '../../src/streams/events.ts';
import { concatBatches, gatherScores, inIdOrder } from '../../src/streams/gatherScores.ts';
import { scoreInBatches } from '../../src/streams/scoreInBatches.ts';
import { scoreOnWorkers, type WorkerScoringOptions } from '../../src/streams/scoreOnWorkers.ts';
import type { ScoreStage } from '../../src/streams/scoreStage.ts';
import type { Learner, ScoredBatch } from '../../src/tasks/learner.ts';
import { requireRedisServer, skipWithoutRedis, startTestRedis, type TestRedis } from '../support/redisServer.ts';
import { startWorkerProcess, stopProcess, type CliProcess } from '../support/workerProcess.ts';

const config: RunConfig = decodeRunConfig({ seed: 5, scoreBatchSize: 128, trainer: { trainThreads: 1 } });
let data: DataSplit;
let redis: TestRedis;
const specOf = (c: RunConfig = config, arithmetic = scoringArithmetic()): LearnerSpec =>
  ({ config: c, lossObjective: 'ranking', poolSize: data.train.count, dataName: data.name, arithmetic }) as LearnerSpec;
const learnerOf = (): Learner<unknown> => setupTask(config, data, 'ranking', 1).learner;
const idsOf = (n: number, seed: number): Int32Array => Int32Array.from(randomSubset(n, seed)(Array.from({ length: data.train.count }, (_, i) => i)));
const scoreLocally = (learner: Learner<unknown>, ids: Int32Array): Promise<ScoredBatch> =>
  lastValueFrom(of(ids).pipe(scoreInBatches(learner, 128, ['probabilities', 'embeddings']), gatherScores()));

const options = (queue: ShardQueue, learner: Learner<unknown>, overrides: Partial<WorkerScoringOptions> = {}): WorkerScoringOptions => ({
  queue,
  learner,
  spec: specOf(),
  run: 'test-run',
  outputs: ['predictedLoss', 'probabilities', 'embeddings'],
  shardSize: 200,
  localBatchSize: 128,
  fallback: 'fail',
  workerWaitMs: 5000,
  pollMs: 50,
  ...overrides,
});

describe.skipIf(skipWithoutRedis())('scoring on BullMQ workers', () => {
  beforeAll(async () => {
    requireRedisServer();
    await initBackend('wasm');
    data = await loadDataset({ kind: 'embedded' });
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('should select what local scoring selects when one of two workers is SIGKILLed in the middle of a shard, counting each shard once', async () => {
    const run = async (stage?: (learner: Learner<unknown>) => ScoreStage): Promise<{ picks: ReadonlyArray<number>; events: AlEvent[] }> => {
      const learner = learnerOf();
      try {
        const events = await lastValueFrom(
          activeLearning({
            learner,
            strategy: 'learning-loss',
            oracle: simulatedOracle((id) => data.train.labels[id]),
            journal: memoryJournal(),
            cycles: 2,
            initial: 40,
            budget: 40,
            subset: 3000,
            epochs: 1,
            seed: 5,
            scoreBatchSize: 128,
            ...(stage === undefined ? {} : { scoreStage: stage(learner) }),
          }).pipe(toArray()),
        );
        const selected = events.find((e) => e.type === 'selected' && e.cycle === 1);
        return { picks: selected?.type === 'selected' ? selected.ids : [], events };
      } finally {
        learner.dispose();
      }
    };
    const local = await run();
    expect(local.picks).toHaveLength(40);

    const a = await startWorkerProcess(redis.url, 'wA');
    const b = await startWorkerProcess(redis.url, 'wB');
    const queue = await connectShardQueue({ redis: parseRedisUrl(redis.url, 'url') });
    try {
      // wA is killed as soon as it takes a job: its first job builds the learner and loads the weights first, so it is mid-shard
      const killed = a.waitFor(/^job \S+ started/).then((line) => {
        a.child.kill('SIGKILL');
        return line.split(' ')[1]!;
      });
      const shardBatches: number[][] = [];
      const remote = await run((learner) => (request) => (source) =>
        source.pipe(
          scoreOnWorkers(options(queue, learner, { shardSize: 500, outputs: ['predictedLoss'], run: 'killed-worker' }), request),
          tap((batch) => shardBatches.push(Array.from(batch.ids))),
        ),
      );
      const killedJob = await killed;
      await a.exited;
      expect(a.lines.some((l) => l.startsWith(`job ${killedJob} finished`))).toBe(false);
      expect(remote.picks).toEqual(local.picks);
      // six shards of 500, each emitted once, every id of the subset once
      expect(shardBatches).toHaveLength(6);
      const all = shardBatches.flat();
      expect(new Set(all).size).toBe(3000);
      expect(all).toHaveLength(3000);
      // the killed worker's job went back to the queue (stalled) and wB finished it
      const q = new Queue('ll4al-score', { connection: redisOptions(parseRedisUrl(redis.url, 'url')) });
      const job = await q.getJob(killedJob);
      expect(job?.finishedOn).toBeGreaterThan(0);
      expect(job?.processedBy).toBe('wB');
      expect(job?.stalledCounter).toBeGreaterThanOrEqual(1);
      await q.close();
    } finally {
      await queue.close();
      await stopProcess(a);
      await stopProcess(b);
    }
  });

  describe('with no worker', () => {
    it('should score here after the wait, with one warning, the same scores as local scoring (fallback local)', async () => {
      const learner = learnerOf();
      const queue = await connectShardQueue({ redis: parseRedisUrl(redis.url, 'url'), queue: 'nobody-local' });
      try {
        const ids = idsOf(600, 1);
        const warnings: string[] = [];
        const batches = await lastValueFrom(
          of(ids).pipe(scoreOnWorkers(options(queue, learner, { fallback: 'local', workerWaitMs: 300, onWarning: (m) => warnings.push(m) }), { cycle: 1, part: 'subset' }), toArray()),
        );
        const local = await scoreLocally(learner, ids);
        const remote = inIdOrder(ids)(concatBatches(batches));
        expect(Array.from(remote.predictedLoss)).toEqual(Array.from(local.predictedLoss));
        expect(Array.from(remote.probabilities!.values)).toEqual(Array.from(local.probabilities!.values));
        expect(warnings).toEqual([
          `no live scoring worker on ${redis.url} for 300 ms during cycle 1 (subset): scoring its 3 remaining shard(s) here (--score-fallback local)`,
        ]);
        const q = new Queue('nobody-local', { connection: redisOptions(parseRedisUrl(redis.url, 'url')) });
        expect(await q.getWaitingCount()).toBe(0); // withdrawn
        await q.close();
      } finally {
        await queue.close();
        learner.dispose();
      }
    });

    it('should stop with one line after the wait (fallback fail)', async () => {
      const learner = learnerOf();
      const queue = await connectShardQueue({ redis: parseRedisUrl(redis.url, 'url'), queue: 'nobody-fail' });
      try {
        const error = await lastValueFrom(of(idsOf(300, 2)).pipe(scoreOnWorkers(options(queue, learner, { workerWaitMs: 300 }), { cycle: 2, part: 'labeled' }))).catch((e: Error) => e);
        expect(error).toBeInstanceOf(Error);
        expect((error as Error).message).toBe(`no live scoring worker on ${redis.url} for 300 ms during cycle 2 (labeled) (--score-fallback fail)`);
      } finally {
        await queue.close();
        learner.dispose();
      }
    });
  });

  describe('jobs a worker cannot serve', () => {
    let worker: ScoringWorker;
    let queue: ShardQueue;
    const log: string[] = [];
    beforeAll(async () => {
      worker = await startScoringWorker({ redis: parseRedisUrl(redis.url, 'url'), queue: 'refuse', scoreThreads: 1, log: (l) => log.push(l) });
      queue = await connectShardQueue({ redis: parseRedisUrl(redis.url, 'url'), queue: 'refuse' });
    });
    afterAll(async () => {
      await queue?.close();
      await worker?.close();
    });

    it('should fail a malformed job at once with the io-ts path of its first bad field', async () => {
      const connection = redisOptions(parseRedisUrl(redis.url, 'url'));
      const q = new Queue('refuse', { connection });
      try {
        const job = await q.add('score-subset', { version: 1, run: 'r', cycle: -1 }, { attempts: 3 });
        // The job's state is polled: BullMQ's waitUntilFinished can miss a job that finishes
        // while its QueueEvents stream is still starting (taskforcesh/bullmq#161 and #383; its
        // maintainers advise against it). Here it hung for the whole test timeout in 2 of about
        // 12 runs on a loaded machine, this job failing within milliseconds.
        const deadline = Date.now() + 60_000;
        let state = await job.getState();
        while (state !== 'failed' && state !== 'completed' && Date.now() < deadline) {
          await sleep(25);
          state = await job.getState();
        }
        expect(state).toBe('failed');
        const failed = await q.getJob(job.id!);
        expect(failed?.failedReason).toMatch(/^malformed scoring job: Invalid value -1 supplied to ScoreJob\/cycle: expected NonNegativeInt$/);
        expect(failed?.attemptsMade).toBe(1); // not retried
        expect(log.some((line) => line.startsWith(`job ${job.id} refused: malformed`))).toBe(true);
      } finally {
        await q.close();
      }
    });

    it('should fail a job whose data the worker does not have, and the run reports the reason in one line', async () => {
      const learner = learnerOf();
      try {
        const elsewhere = decodeRunConfig({ ...config, data: '/nonexistent-ll4al-data' });
        const error = await lastValueFrom(of(idsOf(100, 3)).pipe(scoreOnWorkers(options(queue, learner, { spec: specOf(elsewhere) }), { cycle: 1, part: 'subset' }))).catch((e: Error) => e);
        expect((error as Error).message).toMatch(/^shard 0 of cycle 1 \(subset\) failed on the workers: .*\/nonexistent-ll4al-data.* \(--score-fallback fail\)$/);
        expect((error as Error).message).not.toContain('\n');
      } finally {
        learner.dispose();
      }
    });

    it('should fail a job of a run on another backend (its ranking would differ)', async () => {
      const learner = learnerOf();
      try {
        const onCpu = decodeRunConfig({ ...config, backend: 'cpu' });
        const error = await lastValueFrom(of(idsOf(100, 9)).pipe(scoreOnWorkers(options(queue, learner, { spec: specOf(onCpu), run: 'other-backend' }), { cycle: 1, part: 'subset' }))).catch((e: Error) => e);
        expect((error as Error).message).toBe(
          'shard 0 of cycle 1 (subset) failed on the workers: the run scores on the cpu backend, this worker on wasm: start it with --backend cpu (--score-fallback fail)',
        );
      } finally {
        learner.dispose();
      }
    });

    it('should fail a job of a run whose kernels round otherwise (relaxed SIMD fused on one CPU and not on the other, or plain SIMD)', async () => {
      const learner = learnerOf();
      try {
        const own = scoringArithmetic();
        expect(own).toMatch(/^wasm \((simd|relaxed-simd, fused|relaxed-simd, unfused)\)$/);
        const foreign = own === 'wasm (simd)' ? 'wasm (relaxed-simd, fused)' : 'wasm (simd)';
        const spec = specOf(config, foreign);
        const error = await lastValueFrom(of(idsOf(100, 10)).pipe(scoreOnWorkers(options(queue, learner, { spec, run: 'other-arithmetic' }), { cycle: 1, part: 'subset' }))).catch((e: Error) => e);
        expect((error as Error).message).toBe(
          `shard 0 of cycle 1 (subset) failed on the workers: the run scores with ${foreign}, this worker with ${own}: its scores would differ in the last bits (LL4AL_WASM_KERNELS=simd on both gives the same arithmetic on every CPU) (--score-fallback fail)`,
        );
      } finally {
        learner.dispose();
      }
    });

    it('should fail a job whose weights are no longer in Redis', async () => {
      const job: ScoreJob = {
        version: 1,
        run: 'expired',
        cycle: 1,
        part: 'subset',
        shard: 0,
        modelHash: '0'.repeat(24),
        learner: specOf(),
        ids: Int32Array.from([1, 2, 3]),
        outputs: ['predictedLoss'],
        resultTtlSeconds: 60,
      } as ScoreJob;
      const outcome = await firstValueFrom(queue.submit([job]));
      expect(outcome).toEqual({ shard: 0, jobId: `expired.c1.subset.${'0'.repeat(24)}.s0`, failed: `weights ${'0'.repeat(24)} are not in Redis (expired or never published)` });
    });

    it('should score a shard that failed on the workers here, with a warning (fallback local)', async () => {
      const learner = learnerOf();
      try {
        const ids = idsOf(100, 4);
        const warnings: string[] = [];
        const elsewhere = decodeRunConfig({ ...config, data: '/nonexistent-ll4al-data' });
        const batches = await lastValueFrom(
          of(ids).pipe(scoreOnWorkers(options(queue, learner, { spec: specOf(elsewhere), fallback: 'local', onWarning: (m) => warnings.push(m), run: 'refused-local' }), { cycle: 1, part: 'subset' }), toArray()),
        );
        expect(Array.from(inIdOrder(ids)(concatBatches(batches)).predictedLoss)).toEqual(Array.from((await scoreLocally(learner, ids)).predictedLoss));
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toMatch(/^shard 0 of cycle 1 \(subset\) failed on the workers: .*; scoring it here \(--score-fallback local\)$/);
      } finally {
        learner.dispose();
      }
    });
  });

  it('should use a Redis with a password, given in the URL or in LL4AL_REDIS_PASSWORD, and refuse a wrong one in one line (a worker of concurrency 2)', async () => {
    const secured = await startTestRedis({ password: 's3cret' });
    const withPassword = secured.url.replace('redis://', 'redis://:s3cret@');
    const learner = learnerOf();
    let worker: ScoringWorker | undefined;
    let queue: ShardQueue | undefined;
    try {
      const refused = await checkRedis(parseRedisUrl(secured.url, '--score-workers', {}), '--score-workers').catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(InputError);
      expect((refused as Error).message).toMatch(/^cannot use Redis at redis:\/\/127\.0\.0\.1:\d+ \(--score-workers\): NOAUTH.* \(give the password in the URL/);
      const wrong = await checkRedis(parseRedisUrl(secured.url.replace('redis://', 'redis://:nope@'), '--redis'), '--redis').catch((e: unknown) => e);
      expect((wrong as Error).message).toMatch(/WRONGPASS/);
      await checkRedis(parseRedisUrl(secured.url, '--redis', { LL4AL_REDIS_PASSWORD: 's3cret' }), '--redis');

      const log: string[] = [];
      worker = await startScoringWorker({ redis: parseRedisUrl(withPassword, '--redis'), scoreThreads: 1, concurrency: 2, log: (l) => log.push(l) });
      queue = await connectShardQueue({ redis: parseRedisUrl(secured.url, '--score-workers', { LL4AL_REDIS_PASSWORD: 's3cret' }) });
      const ids = idsOf(400, 5);
      const batches = await lastValueFrom(of(ids).pipe(scoreOnWorkers(options(queue, learner, { run: 'password' }), { cycle: 1, part: 'subset' }), toArray()));
      expect(batches).toHaveLength(2);
      expect(Array.from(inIdOrder(ids)(concatBatches(batches)).predictedLoss)).toEqual(Array.from((await scoreLocally(learner, ids)).predictedLoss));
      // --concurrency 2: both shards were taken before either finished (each slot has its own learner)
      const started = log.map((l, i) => (/ started /.test(l) ? i : -1)).filter((i) => i >= 0);
      const firstFinished = log.findIndex((l) => / finished /.test(l));
      expect(started).toHaveLength(2);
      expect(started[1]).toBeLessThan(firstFinished);
    } finally {
      await queue?.close();
      await worker?.close();
      learner.dispose();
      await secured.stop();
    }
  });

  it('should score through rediss:// (TLS, a CA of its own from LL4AL_REDIS_CA)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'll4al-tls-'));
    const file = (name: string): string => join(dir, name);
    const openssl = (...args: string[]): void => void execFileSync('openssl', args, { stdio: 'ignore' });
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=ll4al-test-ca', '-keyout', file('ca.key'), '-out', file('ca.crt'));
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', file('server.key'), '-out', file('server.csr'));
    const ext = file('ext.cnf');
    (await import('node:fs')).writeFileSync(ext, 'subjectAltName=IP:127.0.0.1\n');
    openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '1', '-extfile', ext, '-out', file('server.crt'));
    const tlsRedis = await startTestRedis({ tls: { cert: file('server.crt'), key: file('server.key'), ca: file('ca.crt') } });
    const target = parseRedisUrl(tlsRedis.url, '--redis', { LL4AL_REDIS_CA: file('ca.crt') });
    const learner = learnerOf();
    let worker: ScoringWorker | undefined;
    let queue: ShardQueue | undefined;
    try {
      expect(tlsRedis.url.startsWith('rediss://')).toBe(true);
      // without the CA the certificate is refused, in one line
      const refused = await checkRedis(parseRedisUrl(tlsRedis.url, '--redis', {}), '--redis').catch((e: Error) => e);
      expect((refused as Error).message).toMatch(/^cannot use Redis at rediss:\/\/127\.0\.0\.1:\d+ \(--redis\): /);
      await checkRedis(target, '--redis');
      worker = await startScoringWorker({ redis: target, scoreThreads: 1 });
      queue = await connectShardQueue({ redis: target });
      const ids = idsOf(200, 6);
      const batches = await lastValueFrom(of(ids).pipe(scoreOnWorkers(options(queue, learner, { run: 'tls' }), { cycle: 1, part: 'subset' }), toArray()));
      expect(Array.from(inIdOrder(ids)(concatBatches(batches)).predictedLoss)).toEqual(Array.from((await scoreLocally(learner, ids)).predictedLoss));
    } finally {
      await queue?.close();
      await worker?.close();
      learner.dispose();
      await tlsRedis.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('should leave no tensor behind after a remote pass (the worker keeps its model between passes)', async () => {
    const learner = learnerOf();
    const worker = await startScoringWorker({ redis: parseRedisUrl(redis.url, 'url'), queue: 'tensors', scoreThreads: 1 });
    const queue = await connectShardQueue({ redis: parseRedisUrl(redis.url, 'url'), queue: 'tensors' });
    try {
      // the first pass builds the (in-process) worker's learner; the second must add nothing
      await lastValueFrom(of(idsOf(300, 8)).pipe(scoreOnWorkers(options(queue, learner, { run: 'tensors' }), { cycle: 0, part: 'subset' }), toArray()));
      const before = tf.memory().numTensors;
      const batches = await lastValueFrom(of(idsOf(300, 7)).pipe(scoreOnWorkers(options(queue, learner, { run: 'tensors' }), { cycle: 1, part: 'subset' }), toArray()));
      expect(batches.length).toBe(2);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      await queue.close();
      await worker.close();
      learner.dispose();
    }
  });
});
