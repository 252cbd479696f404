/**
 * A task is a spec of one generic joint learner: the built-in tasks' capabilities, a user's own
 * network given as a tfjs-layers model with tap names, scores that carry only what was asked
 * for, save/load through a tfjs IO handler, and one-line errors for what cannot work.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.ts';
import { loadDataset } from '../../src/data/index.ts';
import type { DataSplit } from '../../src/data/imageSet.ts';
import { InputError } from '../../src/inputError.ts';
import {
  accuracyMetric,
  classificationPerSampleLoss,
  classLabelCodec,
  classTargets,
  createClassificationLearner,
  createJointLearner,
  defineTask,
  detectionTask,
  imageInputs,
  keypointsTask,
  loadPerSampleLoss,
  softmaxOutput,
  tapNetwork,
  taskProvides,
  testImages,
  workerModuleUrl,
  type PerSampleLoss,
  type TaskSpec,
} from '../../src/tasks/index.ts';
import { tinySplit } from './tinySplit.ts';

const data = tinySplit(96, 3, 4);
const ids = Int32Array.from({ length: 96 }, (_, i) => i);
const labeled = Array.from({ length: 64 }, (_, i) => [i, data.train.labels[i]!] as const);

/** A user's network: a sequential model; its layers are tapped by name. */
const userModel = (seed: number): tfl.Sequential => {
  const init = { kernelInitializer: tfl.initializers.glorotUniform({ seed }) };
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'c1', ...init }),
      tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool' }),
      tfl.layers.flatten({ name: 'flat' }),
      tfl.layers.dense({ units: 12, activation: 'relu', name: 'features', ...init }),
      tfl.layers.dense({ units: 3, name: 'logits', ...init }),
    ],
  });
};

const crossEntropy: PerSampleLoss = (heads, target) =>
  tf.tidy(() => tf.neg(tf.sum(tf.mul(tf.oneHot(target as tf.Tensor1D, 3), tf.logSoftmax(heads[0]!)), 1)) as tf.Tensor1D);

const userSpec = (overrides: Partial<TaskSpec<number>> = {}): TaskSpec<number> =>
  defineTask<number>({
    name: 'user-task',
    pool: imageInputs(data.train),
    test: testImages(data.test, (i) => data.test.labels[i]!),
    // the embedding is also a tap: tfjs-layers refuses an output listed twice, tapNetwork routes one copy through a linear activation
    network: (seed) => ({ model: userModel(seed), taps: ['c1', 'features'], embedding: 'features' }),
    labelCodec: classLabelCodec(3),
    targets: classTargets,
    perSampleLoss: crossEntropy,
    metric: accuracyMetric,
    outputs: {
      probabilities: softmaxOutput(),
      // room for more: S = 3 passes that need the model itself (MC dropout would run training-mode passes)
      mcSamples: {
        mainThreadOnly: true,
        tensors: ({ input, model }) => [tf.concat([0, 1, 2].map(() => tf.softmax(model!.forward(input!, { training: false }).heads[0]!)), 1)],
      },
    },
    ...overrides,
  });

describe('task specs', () => {
  let source: DataSplit;
  beforeAll(async () => {
    await initBackend('wasm');
    source = await loadDataset({ kind: 'embedded' });
  });

  it("the built-in tasks' capabilities (what the CLI checks strategies against) are their learners' own", () => {
    const learners = {
      classification: createClassificationLearner({ data: tinySplit(), model: 'small-cnn', seed: 1, scoreThreads: 1 }),
      keypoints: keypointsTask(source, { seed: 1, trainCount: 16, testCount: 16, scoreThreads: 1 }).learner,
      detection: detectionTask(source, { seed: 1, trainCount: 16, testCount: 16, scoreThreads: 1 }).learner,
    };
    for (const [task, learner] of Object.entries(learners)) {
      expect([task, learner.provides]).toEqual([task, taskProvides[task as keyof typeof taskProvides]]);
      learner.dispose();
    }
  });

  it("a user's sequential model with named taps trains, evaluates and scores only what is asked, leaking no tensor", async () => {
    const learner = createJointLearner(userSpec(), { seed: 3, scoreThreads: 2, trainer: { batchSize: 16, augment: false, learningRate: 0.05 } });
    expect(learner.task).toBe('user-task');
    expect(learner.provides).toEqual(['probabilities', 'embeddings', 'mcSamples']);
    expect(learner.lossObjective).toBe('ranking');
    const before = tf.memory().numTensors;
    const untrained = await learner.evaluate();
    const reports = await learner.fit(labeled, { epochs: 4, seed: 1 });
    const trained = await learner.evaluate();
    expect(reports[3]!.targetLoss).toBeLessThan(reports[0]!.targetLoss);
    expect(trained.metricName).toBe('testAccuracy');
    expect(trained.meanTargetLoss).toBeLessThan(untrained.meanTargetLoss);
    const plain = await learner.score(ids);
    expect(Object.keys(plain).sort()).toEqual(['ids', 'predictedLoss']);
    const scored = await learner.score(ids, { outputs: ['embeddings', 'probabilities', 'mcSamples'] });
    expect(Array.from(scored.predictedLoss)).toEqual(Array.from(plain.predictedLoss));
    expect(scored.embeddings!.width).toBe(12);
    expect(scored.probabilities!.width).toBe(3);
    expect(scored.mcSamples!.width).toBe(9);
    expect(Array.from(scored.mcSamples!.values.subarray(0, 3))).toEqual(Array.from(scored.probabilities!.values.subarray(0, 3)));
    expect(tf.memory().numTensors).toBe(before);
    await expect(learner.score(ids, { outputs: ['gradientEmbeddings'] })).rejects.toThrow(
      'score: the user-task learner does not provide gradientEmbeddings (it provides: probabilities, embeddings, mcSamples)',
    );
    await expect(learner.fit([[0, 7]], { epochs: 1, seed: 1 })).rejects.toThrow('labeled[0]: label 7 of id 0 is not ClassLabel<3>');
    learner.dispose();
  });

  it('saves and loads through a tfjs IO handler as through a directory: the same scores', async () => {
    const a = createJointLearner(userSpec(), { seed: 3, scoreThreads: 1, trainer: { batchSize: 16, augment: false } });
    await a.fit(labeled, { epochs: 1, seed: 2 });
    let saved: tf.io.ModelArtifacts | undefined;
    await a.save(tf.io.withSaveHandler(async (artifacts) => ((saved = artifacts), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    const b = createJointLearner(userSpec(), { seed: 4, scoreThreads: 1 });
    const want = { outputs: ['embeddings'] as const };
    expect(Array.from((await b.score(ids, want)).predictedLoss)).not.toEqual(Array.from((await a.score(ids, want)).predictedLoss));
    await b.load(tf.io.fromMemory(saved!));
    const [sa, sb] = [await a.score(ids, want), await b.score(ids, want)];
    expect(Array.from(sb.predictedLoss)).toEqual(Array.from(sa.predictedLoss));
    expect(Array.from(sb.embeddings!.values)).toEqual(Array.from(sa.embeddings!.values));
    a.dispose();
    b.dispose();
  });

  it('says in one line what cannot work: a missing tap, a rank-4 embedding, two threads for a loss given as a function, mismatched inputs', () => {
    expect(() => tapNetwork({ model: userModel(1), taps: ['c9'] })).toThrow(/^tap 'c9': model .* has no layer of that name \(layers: c1, pool, flat, features, logits\)$/);
    expect(() => tapNetwork({ model: userModel(1), taps: ['c1'], embedding: 'pool' })).toThrow(/embedding of network .*: expected a rank-2 output \[batch, features\], got shape \[batch, 4, 4, 4\]/);
    expect(() => createJointLearner(userSpec(), { seed: 1, trainer: { trainThreads: 2 } })).toThrow(InputError);
    expect(() => createJointLearner(userSpec(), { seed: 1, trainer: { trainThreads: 2 } })).toThrow(/perSampleLoss is a function; give it as \{ module, exportName \}/);
    expect(() => userSpec({ test: testImages({ ...data.test, height: 9 }, () => 0) })).toThrow('task user-task: pool and test inputs differ in shape (8x8x1 vs 9x8x1)');
  });

  it("loads a loss source to the very function this thread imports (the training worker's loader)", async () => {
    const loss = await loadPerSampleLoss({ module: workerModuleUrl(new URL('../../src/tasks/classification.ts', import.meta.url).href, './crossEntropy'), exportName: 'classificationPerSampleLoss' });
    expect(loss).toBe(classificationPerSampleLoss);
    await expect(loadPerSampleLoss({ module: workerModuleUrl(new URL('../../src/tasks/classification.ts', import.meta.url).href, './crossEntropy'), exportName: 'nope' })).rejects.toThrow(/exports no function nope/);
  });
});
