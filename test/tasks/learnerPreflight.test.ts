/**
 * A network the backend cannot train is refused by the learner's first fit with one line naming
 * the layer and why — before any training step, so nothing is half trained and no stack trace
 * reaches the user (checkTrainableOnBackend, run once per learner).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.ts';
import { InputError } from '../../src/inputError.ts';
import { accuracyMetric, classLabelCodec, classTargets, createJointLearner, defineTask, imageInputs, testImages, type PerSampleLoss } from '../../src/tasks/index.ts';
import { tinySplit } from './tinySplit.ts';

const data = tinySplit(48, 3, 5);
const labeled = Array.from({ length: 32 }, (_, i) => [i, data.train.labels[i]!] as const);
const crossEntropy: PerSampleLoss = (heads, target) =>
  tf.tidy(() => tf.neg(tf.sum(tf.mul(tf.oneHot(target as tf.Tensor1D, 3), tf.logSoftmax(heads[0]!)), 1)) as tf.Tensor1D);

/** A small network whose second convolution is dilated: tfjs has no gradient for that on any backend. */
const specWith = (dilationRate: number) =>
  defineTask<number>({
    name: 'dilated-task',
    pool: imageInputs(data.train),
    test: testImages(data.test, (i) => data.test.labels[i]!),
    network: (seed) => ({
      model: tfl.sequential({
        layers: [
          tfl.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'c1', kernelInitializer: tfl.initializers.glorotUniform({ seed }) }),
          tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', dilationRate, activation: 'relu', name: 'dilated', kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }) }),
          tfl.layers.globalAveragePooling2d({ name: 'gap' }),
          tfl.layers.dense({ units: 3, name: 'logits', kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 2 }) }),
        ],
      }),
      taps: ['c1', 'dilated'],
      embedding: 'gap',
    }),
    labelCodec: classLabelCodec(3),
    targets: classTargets,
    perSampleLoss: crossEntropy,
    metric: accuracyMetric,
  });

describe('the learner checks the network can train before its first step', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('refuses a dilated convolution in one line naming the layer, and trains no step', async () => {
    const learner = createJointLearner(specWith(2), { seed: 1, trainer: { batchSize: 8, augment: false, trainThreads: 1 } });
    const before = tf.memory().numTensors;
    let epochs = 0;
    const error: unknown = await learner.fit(labeled, { epochs: 1, seed: 1, onEpoch: () => void epochs++ }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InputError);
    const message = (error as InputError).message;
    expect(message).toMatch(/^layer 'dilated' \(Conv2D\) cannot train on backend 'wasm'/);
    expect(message.split('\n')).toHaveLength(1);
    expect(epochs).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    learner.dispose();
  });

  it('lets the same network without dilation train', async () => {
    const learner = createJointLearner(specWith(1), { seed: 1, trainer: { batchSize: 8, augment: false, trainThreads: 1 } });
    const reports = await learner.fit(labeled, { epochs: 1, seed: 1 });
    expect(reports).toHaveLength(1);
    expect(Number.isFinite(reports[0]!.targetLoss)).toBe(true);
    learner.dispose();
  });
});
