import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.ts';
import { loadDataset } from '../../src/data/index.ts';
import { createClassificationLearner } from '../../src/tasks/classification.ts';
import { keypointsTask } from '../../src/tasks/keypoints/index.ts';
import { detectionTask } from '../../src/tasks/detection/index.ts';
import { crossEntropyPerSample } from '../../src/tasks/crossEntropy.ts';
import { JointModel } from '../../src/tasks/jointModel.ts';
import type { Labeled } from '../../src/tasks/learner.ts';
import { lossModuleObjective } from '../../src/tasks/rankingLoss.ts';
import { SgdMomentum } from '../../src/tasks/sgdMomentum.ts';
import { buildSmallCnn } from '../../src/tasks/smallCnn.ts';
import { resolveTrainerConfig, resolveTrainThreads, trainJoint, type JointTask, type TrainerConfig } from '../../src/tasks/trainer.ts';
import * as tfl from '@tensorflow/tfjs-layers';
import { InputError } from '../../src/inputError.ts';
import type { TappedNetwork } from '../../src/tasks/tappedNetwork.ts';
import { tinySplit } from './tinySplit.ts';
import { withWarnings } from '../support/warnings.ts';

beforeAll(async () => {
  await initBackend('wasm');
});

const data = tinySplit();
const labeledOf = (n: number): Labeled<number>[] => Array.from({ length: n }, (_, i) => [i, data.train.labels[i]] as const);
const src = (name: string): string => new URL(`../../src/tasks/${name}.ts`, import.meta.url).href;

/** One classification batch of the first `batchSize` 8×8 tiny-split images, with a per-sample loss the worker can load too. */
const tinyTask = (batchSize: number): JointTask => {
  const pixels = Float32Array.from(data.train.pixels.subarray(0, batchSize * 64), (p) => p / 255);
  const labels = Int32Array.from(data.train.labels.subarray(0, batchSize));
  return {
    exampleCount: batchSize,
    batch: () => ({ input: tf.tensor4d(pixels, [batchSize, 8, 8, 1]), target: tf.tensor1d(labels, 'int32') }),
    perSampleLoss: (heads, target) => crossEntropyPerSample(heads[0] as tf.Tensor2D, target as tf.Tensor1D),
    workerLoss: { preload: [src('customLayers')], module: src('crossEntropy'), exportName: 'classificationPerSampleLoss' },
  };
};

const glorot = (seed: number) => tfl.initializers.glorotUniform({ seed });

/** `work`'s result and the warnings of a training worker that failed (the trainer then falls back to one thread). */
const withWorkerWarnings = async <T>(work: () => Promise<T>): Promise<{ result: T; workerFailures: string[] }> => {
  const { result, warnings } = await withWarnings(work);
  return { result, workerFailures: warnings.filter((m) => m.includes('training worker failed')) };
};

describe('data-parallel training (trainThreads 2)', () => {
  it("accepts 1, 2 or 'auto' threads and defaults to 'auto': 2 on wasm for a task with a worker loss, else 1", () => {
    expect(resolveTrainerConfig().trainThreads).toBe('auto');
    expect(() => resolveTrainerConfig({ trainThreads: 3 as 1 })).toThrow(InputError);
    expect(() => resolveTrainerConfig({ trainThreads: 0 as 1 })).toThrow(InputError);
    expect(resolveTrainThreads('auto', 'wasm', true)).toBe(2);
    expect(resolveTrainThreads('auto', 'wasm', false)).toBe(1);
    expect(resolveTrainThreads('auto', 'cpu', true)).toBe(1);
    expect(resolveTrainThreads('auto', 'tensorflow', true)).toBe(1);
    expect(resolveTrainThreads(1, 'wasm', true)).toBe(1);
    expect(resolveTrainThreads(2, 'cpu', true)).toBe(2);
  });

  it('lowers the loss, reaches the accuracy of one thread, is deterministic and leaks no tensor', async () => {
    const run = async (trainThreads: 1 | 2) => {
      const learner = createClassificationLearner({ data, model: 'small-cnn', seed: 5, scoreBatchSize: 16, trainer: { batchSize: 16, trainThreads } });
      const before = tf.memory().numTensors;
      const reports = await learner.fit(labeledOf(64), { epochs: 6, seed: 1 });
      expect(tf.memory().numTensors).toBe(before);
      const evaluation = await learner.evaluate();
      learner.dispose();
      return { losses: reports.map((r) => r.targetLoss), moduleLosses: reports.map((r) => r.lossModuleLoss), accuracy: evaluation.metric };
    };
    const one = await run(1);
    const { result: two, workerFailures } = await withWorkerWarnings(() => run(2));
    // The worker ran: no fallback warning, and the halves' own batch statistics make two
    // threads' losses differ from one thread's (a silent fallback to one thread gives one's).
    expect(workerFailures).toEqual([]);
    expect(two.losses).not.toEqual(one.losses);
    expect(two.losses.every(Number.isFinite) && two.moduleLosses.every(Number.isFinite)).toBe(true);
    expect(Math.min(...two.losses.slice(1))).toBeLessThan(two.losses[0]);
    expect(two.accuracy).toBeGreaterThanOrEqual(one.accuracy - 0.1);
    expect(await run(2)).toEqual(two);
  }, 60_000);

  it('applies the average of the two halves’ gradients (each half with its own batch statistics)', async () => {
    const batchSize = 16;
    const half = batchSize / 2;
    const pixels = Float32Array.from(data.train.pixels.subarray(0, batchSize * 64), (p) => p / 255);
    const labels = Int32Array.from(data.train.labels.subarray(0, batchSize));
    const build = () => JointModel.create(buildSmallCnn({ height: 8, width: 8, channels: 1, classes: 3, seed: 1 }), { seed: 2 });
    const config: TrainerConfig = resolveTrainerConfig({ batchSize, learningRate: 0.05, augment: false, stopLossGradientAfter: null, trainThreads: 2 });
    const task = tinyTask(batchSize);
    // task.batch ignores the plan's order: one batch of examples 0…15, halves 0…7 and 8…15.

    const parallel = build();
    const before = tf.memory().numTensors;
    await trainJoint(parallel, task, config, { epochs: 1, seed: 3 });
    expect(tf.memory().numTensors).toBe(before);

    const reference = build();
    const variables = reference.trainableVariables();
    const optimizer = new SgdMomentum(variables, config.momentum, config.weightDecay);
    const moduleLoss = lossModuleObjective(config.lossObjective, config.margin);
    tf.tidy(() => {
      const rows = (k: number) => Int32Array.from({ length: half }, (_, i) => k * half + i);
      const x = tf.tensor4d(pixels, [batchSize, 8, 8, 1]);
      const y = tf.tensor1d(labels, 'int32');
      const halves = [0, 1].map((k) => {
        const idx = tf.tensor1d(rows(k), 'int32');
        return tf.variableGrads(() => {
          const out = reference.forward(tf.gather(x, idx) as tf.Tensor4D, { training: true });
          const perSample = crossEntropyPerSample(out.heads[0] as tf.Tensor2D, tf.gather(y, idx) as tf.Tensor1D);
          return tf.add(tf.mean(perSample), tf.mul(moduleLoss(out.predictedLoss, perSample), config.lambda)) as tf.Scalar;
        }, variables).grads;
      });
      const averaged: tf.NamedTensorMap = {};
      for (const v of variables) averaged[v.name] = tf.mul(tf.add(halves[0][v.name], halves[1][v.name]), 0.5);
      optimizer.apply(averaged, config.learningRate);
    });
    optimizer.dispose();
    const a = parallel.trainableVariables().map((v) => Array.from(v.dataSync()));
    const b = variables.map((v) => Array.from(v.dataSync()));
    const initial = build();
    const c = initial.trainableVariables().map((v) => Array.from(v.dataSync()));
    let maxDiff = 0;
    let maxStep = 0;
    a.forEach((w, i) => w.forEach((x, j) => {
      maxDiff = Math.max(maxDiff, Math.abs(x - b[i][j]));
      maxStep = Math.max(maxStep, Math.abs(b[i][j] - c[i][j]));
    }));
    expect(maxStep).toBeGreaterThan(1e-3);
    expect(maxDiff).toBeLessThan(1e-5);
    [parallel, reference, initial].forEach((m) => m.dispose());
  }, 60_000);

  it('equals one full-batch step when the model has no batch norm and λ = 0 (the mean of the halves is the full-batch mean)', async () => {
    const batchSize = 16;
    // A network without batch norm: conv → ReLU → flatten → dense(16) → dense(3); taps: the conv and the hidden layer.
    const build = (): JointModel => {
      const input = tfl.input({ shape: [8, 8, 1] });
      const conv = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: glorot(1) }).apply(input) as tfl.SymbolicTensor;
      const hidden = tfl.layers.dense({ units: 16, activation: 'relu', kernelInitializer: glorot(2) }).apply(tfl.layers.flatten().apply(conv)) as tfl.SymbolicTensor;
      const logits = tfl.layers.dense({ units: 3, kernelInitializer: glorot(3) }).apply(hidden) as tfl.SymbolicTensor;
      const embedding = tfl.layers.globalAveragePooling2d({}).apply(conv) as tfl.SymbolicTensor;
      const network: TappedNetwork = { name: 'no_bn', model: tfl.model({ inputs: input, outputs: [logits, embedding, conv, hidden] }), headCount: 1, tapCount: 2, embeddingDim: 4 };
      return JointModel.create(network, { seed: 4 });
    };
    const task = tinyTask(batchSize);
    const step = async (trainThreads: 1 | 2): Promise<number[][]> => {
      const model = build();
      const config = resolveTrainerConfig({ batchSize, learningRate: 0.1, lambda: 0, augment: false, stopLossGradientAfter: null, trainThreads });
      await trainJoint(model, task, config, { epochs: 1, seed: 3 });
      const weights = model.trainableVariables().map((v) => Array.from(v.dataSync()));
      model.dispose();
      return weights;
    };
    const before = tf.memory().numTensors;
    const { result: [full, parallel], workerFailures } = await withWorkerWarnings(async () => [await step(1), await step(2)] as const);
    expect(workerFailures).toEqual([]);
    const initial = build();
    const start = initial.trainableVariables().map((v) => Array.from(v.dataSync()));
    initial.dispose();
    expect(tf.memory().numTensors).toBe(before);
    let maxDiff = 0;
    let maxStep = 0;
    full.forEach((w, i) => w.forEach((x, j) => {
      maxDiff = Math.max(maxDiff, Math.abs(x - parallel[i][j]));
      maxStep = Math.max(maxStep, Math.abs(x - start[i][j]));
    }));
    expect(maxStep).toBeGreaterThan(1e-3);
    expect(maxDiff).toBeLessThan(1e-5);
  }, 60_000);

  it('leaves a variable the objective does not reach untouched on two threads, as on one (a second head the loss ignores)', async () => {
    const batchSize = 16;
    const build = (): JointModel => {
      const input = tfl.input({ shape: [8, 8, 1] });
      const conv = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: glorot(1) }).apply(input) as tfl.SymbolicTensor;
      const embedding = tfl.layers.globalAveragePooling2d({}).apply(conv) as tfl.SymbolicTensor;
      const logits = tfl.layers.dense({ units: 3, kernelInitializer: glorot(2) }).apply(embedding) as tfl.SymbolicTensor;
      const unused = tfl.layers.dense({ units: 2, kernelInitializer: glorot(3), name: 'unused_head' }).apply(embedding) as tfl.SymbolicTensor;
      const network: TappedNetwork = { name: 'two_heads', model: tfl.model({ inputs: input, outputs: [logits, unused, embedding, conv] }), headCount: 2, tapCount: 1, embeddingDim: 4 };
      return JointModel.create(network, { seed: 4 });
    };
    const task = tinyTask(batchSize);
    const before = tf.memory().numTensors;
    const { workerFailures } = await withWorkerWarnings(async () => {
      for (const trainThreads of [1, 2] as const) {
        const model = build();
        const start = model.trainableVariables().map((v) => Array.from(v.dataSync()));
        const config = resolveTrainerConfig({ batchSize, learningRate: 0.1, augment: false, stopLossGradientAfter: null, trainThreads });
        const reports = await trainJoint(model, task, config, { epochs: 2, seed: 3 });
        expect(reports.every((r) => Number.isFinite(r.targetLoss))).toBe(true);
        const variables = model.trainableVariables();
        const after = variables.map((v) => Array.from(v.dataSync()));
        variables.forEach((v, i) => {
          const moved = after[i]!.some((x, j) => x !== start[i]![j]);
          // the unused head keeps its weights (no gradient: no update, no weight decay); the rest trains
          expect([v.name, moved]).toEqual([v.name, !v.name.includes('unused_head')]);
        });
        model.dispose();
      }
    });
    expect(workerFailures).toEqual([]);
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);

  it('trains the keypoints task on two threads too: the heatmap loss falls, no fallback, no leak', async () => {
    const source = await loadDataset({ kind: 'embedded' });
    const before = tf.memory().numTensors;
    const { learner, truth } = keypointsTask(source, { seed: 5, trainCount: 128, testCount: 32, trainer: { trainThreads: 2 } });
    const { result: reports, workerFailures } = await withWorkerWarnings(() => learner.fit(Array.from({ length: 128 }, (_, id) => [id, truth(id)] as const), { epochs: 3, seed: 1 }));
    learner.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(workerFailures).toEqual([]);
    expect(reports[reports.length - 1]!.targetLoss).toBeLessThan(reports[0]!.targetLoss);
  }, 60_000);

  it('trains the detection task on two threads too (two heads, two targets of two dtypes): the multibox loss falls, no fallback, no leak', async () => {
    const source = await loadDataset({ kind: 'embedded' });
    const before = tf.memory().numTensors;
    const { learner, truth } = detectionTask(source, { seed: 5, trainCount: 128, testCount: 32, trainer: { trainThreads: 2, batchSize: 32 } });
    const { result: reports, workerFailures } = await withWorkerWarnings(() => learner.fit(Array.from({ length: 128 }, (_, id) => [id, truth(id)] as const), { epochs: 3, seed: 1 }));
    learner.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(workerFailures).toEqual([]);
    expect(reports.every((r) => Number.isFinite(r.targetLoss))).toBe(true);
    expect(reports[reports.length - 1]!.targetLoss).toBeLessThan(reports[0]!.targetLoss);
  }, 90_000);
});
