import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.ts';
import { loadDataset } from '../../src/data/index.ts';
import type { DataSplit } from '../../src/data/imageSet.ts';
import { detectionTask } from '../../src/tasks/detection/index.ts';
import { keypointsTask } from '../../src/tasks/keypoints/index.ts';
import type { Learner } from '../../src/tasks/learner.ts';
import { expectSameScores, maxDifference } from '../support/sameScores.ts';
import { withWarnings } from '../support/warnings.ts';

/** Scores with 2 threads equal scores with 1, before and after a fit; no tensor left, no fallback. */
const checkParallelScoring = async <L>(make: (scoreThreads: number) => { learner: Learner<L>; truth: (id: number) => L }): Promise<void> => {
  const single = make(1);
  const parallel = make(2);
  const before = tf.memory().numTensors;
  // out of order, more than one batch per thread
  const ids = Int32Array.from({ length: 300 }, (_, i) => (i * 37) % 300);
  try {
    const { warnings } = await withWarnings(async () => {
      // every output the learner provides (detection: NMS on the workers' logits too)
      const all = { outputs: parallel.learner.provides };
      const untrained = await parallel.learner.score(ids, all);
      expectSameScores(untrained, await single.learner.score(ids, all), 1e-4);
      const labeled = Array.from({ length: 32 }, (_, id) => [id, single.truth(id)] as const);
      await single.learner.fit(labeled, { epochs: 1, seed: 2 });
      await parallel.learner.fit(labeled, { epochs: 1, seed: 2 });
      const trained = await parallel.learner.score(ids, all);
      expectSameScores(trained, await single.learner.score(ids, all), 1e-4);
      expect(trained.embeddings).toBeDefined();
      // the fit changed the scores: equal scores after it mean the workers got the new weights
      expect(maxDifference(trained.predictedLoss, untrained.predictedLoss)).toBeGreaterThan(1e-4);
      expect(tf.memory().numTensors).toBe(before);
    });
    expect(warnings.filter((w) => w.includes('worker threads failed'))).toEqual([]);
  } finally {
    single.learner.dispose();
    parallel.learner.dispose();
  }
};

describe('keypoints and detection scoring on worker threads', () => {
  let source: DataSplit;
  beforeAll(async () => {
    await initBackend('wasm');
    source = await loadDataset({ kind: 'embedded' });
  });

  it('keypoints: scores as one thread does, before and after a fit', async () => {
    await checkParallelScoring((scoreThreads) => keypointsTask(source, { seed: 3, trainCount: 300, testCount: 16, scoreBatchSize: 64, scoreThreads, trainer: { batchSize: 16 } }));
  }, 120_000);

  it('detection: scores as one thread does (softmax of the workers’ logits, the same uncertain anchor), before and after a fit', async () => {
    await checkParallelScoring((scoreThreads) => detectionTask(source, { seed: 3, trainCount: 300, testCount: 16, scoreBatchSize: 64, scoreThreads, trainer: { batchSize: 16 } }));
  }, 120_000);
});
