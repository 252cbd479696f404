import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.ts';
import { createClassificationLearner } from '../../src/tasks/classification.ts';
import { tinySplit } from '../tasks/tinySplit.ts';
import { expectSameScores, maxDifference } from '../support/sameScores.ts';
import { withWarnings } from '../support/warnings.ts';

const all = { outputs: ['probabilities', 'embeddings'] as const };

describe('classification scoring on worker threads', () => {
  it('should score as the main thread does, before and after a fit (the threads get the new weights), leaving no tensor behind', async () => {
    await initBackend('wasm');
    const data = tinySplit(600, 3, 5);
    const options = { data, model: 'small-cnn' as const, seed: 1, scoreBatchSize: 100, trainer: { augment: false, batchSize: 32 } };
    const single = createClassificationLearner({ ...options, scoreThreads: 1 });
    const parallel = createClassificationLearner({ ...options, scoreThreads: 2 });
    const before = tf.memory().numTensors;
    // ids out of order and repeated, more than one batch per thread
    const ids = Int32Array.from({ length: 517 }, (_, i) => (i * 37) % 600);
    try {
      const { warnings } = await withWarnings(async () => {
        expectSameScores(await parallel.score(ids, all), await single.score(ids, all), 1e-5);
        const labeled = Array.from({ length: 64 }, (_, i) => [i, data.train.labels[i]] as const);
        await single.fit(labeled, { epochs: 1, seed: 2 });
        await parallel.fit(labeled, { epochs: 1, seed: 2 });
        const after = await parallel.score(ids, all);
        expectSameScores(after, await single.score(ids, all), 1e-5);
        expect(after.probabilities!.width).toBe(data.train.classes);
        // the fit changed the scores, so equality above means the threads saw the new weights
        const untrained = createClassificationLearner({ ...options, scoreThreads: 1 });
        expect(maxDifference(after.predictedLoss, (await untrained.score(ids)).predictedLoss)).toBeGreaterThan(1e-4);
        untrained.dispose();
        // a call too small to split stays on the main thread and is still right
        expectSameScores(await parallel.score(ids.subarray(0, 5), all), await single.score(ids.subarray(0, 5), all), 1e-5);
        expect(tf.memory().numTensors).toBe(before);
      });
      // no fallback to the main thread happened
      expect(warnings.filter((w) => w.includes('worker threads failed'))).toEqual([]);
    } finally {
      single.dispose();
      parallel.dispose();
    }
  }, 120_000);

  it('should refuse a scoreThreads that is not a positive integer', () => {
    expect(() => createClassificationLearner({ data: tinySplit(), model: 'small-cnn', seed: 1, scoreThreads: 0 })).toThrow(/scoreThreads/);
  });
});
