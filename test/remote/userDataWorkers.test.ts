/**
 * A scoring worker on the user's images: it opens the run's image folder through the same data
 * choice as the run (decoding it once into its own cache, or finding it) and scores exactly what
 * the run scores locally.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { lastValueFrom, of, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/initBackend.ts';
import { openRunData } from '../../src/cli/dataSource.ts';
import { decodeRunConfig } from '../../src/config/runConfig.ts';
import { loadDataset } from '../../src/data/load.ts';
import { parseRedisUrl } from '../../src/remote/redisUrl.ts';
import { scoringArithmetic, type LearnerSpec } from '../../src/remote/scoreJob.ts';
import { startScoringWorker } from '../../src/remote/scoringWorker.ts';
import { connectShardQueue } from '../../src/remote/shardQueue.ts';
import { concatBatches, gatherScores, inIdOrder } from '../../src/streams/gatherScores.ts';
import { scoreInBatches } from '../../src/streams/scoreInBatches.ts';
import { scoreOnWorkers } from '../../src/streams/scoreOnWorkers.ts';
import { tempDir, writeImageFolder } from '../support/imageFiles.ts';
import { requireRedisServer, skipWithoutRedis, startTestRedis, type TestRedis } from '../support/redisServer.ts';

const work = tempDir('worker-images');
let redis: TestRedis;

describe.skipIf(skipWithoutRedis())('a scoring worker on an image folder', () => {
  beforeAll(async () => {
    requireRedisServer();
    await initBackend('wasm');
    const { train } = await loadDataset({ kind: 'embedded' });
    await writeImageFolder(train, Array.from({ length: 40 }, (_, k) => k), join(work, 'photos'), 'unlabeled');
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await redis?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('should score the pool of the run\'s folder exactly as the run does locally', async () => {
    const config = decodeRunConfig({ data: join(work, 'photos'), classes: ['a', 'b', 'c'], channels: 1, imageSize: 28, oracle: 'file', seed: 3, scoreBatchSize: 16, trainer: { trainThreads: 1 } });
    const data = await openRunData(config);
    const learner = data.setup('ranking', 1).learner;
    const worker = await startScoringWorker({ redis: parseRedisUrl(redis.url, 'url'), queue: 'images', scoreThreads: 1 });
    const queue = await connectShardQueue({ redis: parseRedisUrl(redis.url, 'url'), queue: 'images' });
    try {
      const spec = { config, lossObjective: 'ranking', poolSize: data.poolSize, dataName: data.split.name, arithmetic: scoringArithmetic() } as LearnerSpec;
      const ids = Int32Array.from([39, 0, 17, 5, 22, 31, 8, 12, 3, 26]);
      const batches = await lastValueFrom(
        of(ids).pipe(
          scoreOnWorkers(
            { queue, learner, spec, run: 'images', outputs: ['predictedLoss', 'embeddings'], shardSize: 4, localBatchSize: 16, fallback: 'fail', workerWaitMs: 5000, pollMs: 50 },
            { cycle: 1, part: 'subset' },
          ),
          toArray(),
        ),
      );
      expect(batches).toHaveLength(3);
      const remote = inIdOrder(ids)(concatBatches(batches));
      const local = await lastValueFrom(of(ids).pipe(scoreInBatches(learner, 16, ['embeddings']), gatherScores()));
      expect(Array.from(remote.predictedLoss)).toEqual(Array.from(local.predictedLoss));
      expect(Array.from(remote.embeddings!.values)).toEqual(Array.from(local.embeddings!.values));
    } finally {
      await queue.close();
      await worker.close();
      learner.dispose();
      data.close();
    }
  });
});
