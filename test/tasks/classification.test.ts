import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.ts';
import { loadDataset, subsetOf } from '../../src/data/index.ts';
import type { DataSplit } from '../../src/data/imageSet.ts';
import { randomSubset } from '../../src/ops/random.ts';
import { createClassificationLearner } from '../../src/tasks/classification.ts';
import { createLearner, taskNames } from '../../src/tasks/index.ts';
import { InputError } from '../../src/inputError.ts';

let data: DataSplit;

beforeAll(async () => {
  await initBackend('wasm');
  const full = await loadDataset({ kind: 'embedded' });
  // Evaluate on the first 1,000 test images (the embedded test split is stratified).
  data = { ...full, test: subsetOf(full.test, Array.from({ length: 1000 }, (_, i) => i)) };
});

describe('classification learner (small CNN, embedded Fashion-MNIST, wasm)', () => {
  it('reaches > 70% test accuracy and a loss-ranking accuracy > 0.6 from 1,000 labeled samples', async () => {
    const learner = createClassificationLearner({ data, model: 'small-cnn', seed: 1, trainer: { augment: false, batchSize: 64 } });
    const ids = randomSubset(1000, 7)(Array.from({ length: data.train.count }, (_, i) => i));
    const labeled = ids.map((id) => [id, data.train.labels[id]] as const);
    const before = tf.memory().numTensors;
    const started = performance.now();
    const reports = await learner.fit(labeled, { epochs: 6, seed: 3 });
    const fitSeconds = (performance.now() - started) / 1000;
    const evaluation = await learner.evaluate();
    expect(tf.memory().numTensors).toBe(before);
    console.log(
      `small-cnn, 1000 samples, batch 64, 6 epochs: fit ${fitSeconds.toFixed(1)} s; ` +
        `test accuracy ${evaluation.metric.toFixed(3)}, ranking accuracy ${evaluation.rankingAccuracy.toFixed(3)}, ` +
        `mean CE ${evaluation.meanTargetLoss.toFixed(3)}; epoch losses ${reports.map((r) => r.targetLoss.toFixed(2)).join(' ')}`,
    );
    expect(evaluation.metricName).toBe('testAccuracy');
    expect(evaluation.metric).toBeGreaterThan(0.7);
    expect(evaluation.rankingAccuracy).toBeGreaterThan(0.6);
    expect(reports[reports.length - 1].targetLoss).toBeLessThan(reports[0].targetLoss);
    learner.dispose();
  }, 600_000);

  it('is created by task name, and an unknown task is an InputError', () => {
    expect(taskNames).toContain('classification');
    const learner = createLearner('classification', { data, model: 'small-cnn', seed: 1 });
    expect(learner.task).toBe('classification');
    expect(learner.poolSize).toBe(data.train.count);
    learner.dispose();
    expect(() => createLearner('segmentation' as 'classification', { data, model: 'small-cnn', seed: 1 })).toThrow(/segmentation/);
    expect(() => createClassificationLearner({ data, model: 'vgg' as 'small-cnn', seed: 1 })).toThrow(InputError);
  });
});
