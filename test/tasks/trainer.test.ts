import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fc, test } from '@fast-check/vitest';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.ts';
import { InputError } from '../../src/inputError.ts';
import { planBatches } from '../../src/tasks/batchPlan.ts';
import { createClassificationLearner } from '../../src/tasks/classification.ts';
import type { Labeled } from '../../src/tasks/learner.ts';
import { SgdMomentum } from '../../src/tasks/sgdMomentum.ts';
import { featureGradientStoppedAt, learningRateAt, resolveTrainerConfig, type TrainerConfig } from '../../src/tasks/trainer.ts';
import { tinySplit } from './tinySplit.ts';

beforeAll(async () => {
  await initBackend('wasm');
});

const data = tinySplit();
const labeledOf = (n: number): Labeled<number>[] => Array.from({ length: n }, (_, i) => [i, data.train.labels[i]] as const);
const tiny = (trainer: Partial<TrainerConfig> = {}, seed = 5) =>
  createClassificationLearner({ data, model: 'small-cnn', seed, scoreBatchSize: 16, trainer: { batchSize: 16, ...trainer } });
const allIds = Int32Array.from({ length: data.train.count }, (_, i) => i);

describe('planBatches', () => {
  test.prop([fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1, max: 40 }).map((h) => 2 * h), fc.integer({ min: 0, max: 1000 })])(
    'should cut any set into even, disjoint batches leaving out at most one example',
    (n, batchSize, seed) => {
      const batches = planBatches(n, batchSize, seed);
      const seen = new Set<number>();
      for (const b of batches) {
        expect(b.length % 2).toBe(0);
        expect(b.length).toBeGreaterThanOrEqual(2);
        expect(b.length).toBeLessThanOrEqual(batchSize);
        for (const i of b) {
          expect(seen.has(i)).toBe(false);
          seen.add(i);
        }
      }
      expect(n - seen.size).toBe((n % batchSize) % 2);
    },
  );

  it('refuses an odd batch size', () => {
    expect(() => planBatches(10, 5, 1)).toThrow(InputError);
  });
});

describe('trainer configuration', () => {
  it('defaults to the paper recipe and to λ = 0.1 for the MSE ablation', () => {
    const c = resolveTrainerConfig();
    expect([c.batchSize, c.learningRate, c.momentum, c.weightDecay, c.lambda, c.margin, c.stopLossGradientAfter]).toEqual([128, 0.1, 0.9, 5e-4, 1, 1, 0.6]);
    expect(resolveTrainerConfig({ lossObjective: 'mse' }).lambda).toBe(0.1);
    expect(resolveTrainerConfig({ lossObjective: 'mse', lambda: 2 }).lambda).toBe(2);
    expect(() => resolveTrainerConfig({ batchSize: 7 })).toThrow(/batchSize.*7/);
    expect(() => resolveTrainerConfig({ stopLossGradientAfter: 1.5 })).toThrow(/stopLossGradientAfter/);
  });

  it('decays the learning rate at epoch 160 of 200 and stops the feature gradient from epoch 120', () => {
    const c = resolveTrainerConfig();
    expect(learningRateAt(c, 159, 200)).toBe(0.1);
    expect(learningRateAt(c, 160, 200)).toBeCloseTo(0.01, 12);
    expect(featureGradientStoppedAt(c, 119, 200)).toBe(false);
    expect(featureGradientStoppedAt(c, 120, 200)).toBe(true);
    expect(featureGradientStoppedAt({ ...c, stopLossGradientAfter: null }, 199, 200)).toBe(false);
  });
});

describe('SgdMomentum', () => {
  it('follows PyTorch: g += wd·w; v = μv + g; w −= lr·v', () => {
    const before = tf.memory().numTensors;
    const w = tf.tidy(() => tf.variable(tf.tensor1d([1, -2]), true, 'sgd_w'));
    const opt = new SgdMomentum([w], 0.9, 0.1);
    let ref = [1, -2];
    let v = [0, 0];
    for (const g of [[0.5, 0.25], [-1, 2]]) {
      const grad = tf.tensor1d(g);
      opt.apply({ [w.name]: grad }, 0.5);
      grad.dispose();
      const gd = g.map((x, i) => x + 0.1 * ref[i]);
      v = v.map((x, i) => 0.9 * x + gd[i]);
      ref = ref.map((x, i) => x - 0.5 * v[i]);
    }
    Array.from(w.dataSync()).forEach((x, i) => expect(x).toBeCloseTo(ref[i], 6));
    opt.dispose();
    w.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('joint training', () => {
  it('leaks no tensor across training epochs, a scoring pass and an evaluation', async () => {
    const learner = tiny();
    const before = tf.memory().numTensors;
    const reports = await learner.fit(labeledOf(50), { epochs: 2, seed: 1 });
    expect(reports.map((r) => r.epoch)).toEqual([1, 2]);
    expect(reports.every((r) => Number.isFinite(r.targetLoss) && Number.isFinite(r.lossModuleLoss))).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    const scored = await learner.score(allIds, { outputs: ['probabilities', 'embeddings'] });
    expect(scored.predictedLoss.length).toBe(64);
    expect(scored.probabilities!.values.length).toBe(64 * 3);
    expect(scored.embeddings!.values.length).toBe(64 * 128);
    for (let i = 0; i < 64; i++) {
      const row = scored.probabilities!.values.subarray(i * 3, i * 3 + 3);
      expect(row[0] + row[1] + row[2]).toBeCloseTo(1, 5);
    }
    await learner.evaluate();
    expect(tf.memory().numTensors).toBe(before);
    learner.dispose();
  });

  it('gives the same weights for the same seeds, and re-initialises from the seed when warmStart is false', async () => {
    const weights = async (warmStart: boolean, fits: number, seed = 5) => {
      const learner = tiny({ warmStart }, seed);
      for (let k = 0; k < fits; k++) await learner.fit(labeledOf(40), { epochs: 1, seed: 9 });
      const scored = await learner.score(allIds, { outputs: ['probabilities'] });
      learner.dispose();
      return Array.from(scored.predictedLoss).concat(Array.from(scored.probabilities!.values));
    };
    const once = await weights(true, 1);
    expect(await weights(true, 1)).toEqual(once);
    expect(await weights(false, 2)).toEqual(once);
    expect(await weights(true, 2)).not.toEqual(once);
    expect(await weights(true, 1, 6)).not.toEqual(once);
  });

  it('trains the target alone when the loss module gradient into its features is stopped', async () => {
    const target = async (trainer: Partial<TrainerConfig>) => {
      const learner = tiny({ ...trainer, augment: false });
      await learner.fit(labeledOf(32), { epochs: 1, seed: 2 });
      const scored = await learner.score(allIds, { outputs: ['probabilities'] });
      learner.dispose();
      return Array.from(scored.probabilities!.values);
    };
    const stopped = await target({ lambda: 5, stopLossGradientAfter: 0 });
    expect(stopped).toEqual(await target({ lambda: 0 }));
    expect(await target({ lambda: 5, stopLossGradientAfter: null })).not.toEqual(stopped);
  });

  it('trains with the MSE ablation, whose loss-module loss differs from the ranking loss', async () => {
    const losses = async (lossObjective: 'ranking' | 'mse') => {
      const learner = tiny({ lossObjective, augment: false });
      const reports = await learner.fit(labeledOf(32), { epochs: 2, seed: 4 });
      learner.dispose();
      return reports.map((r) => r.lossModuleLoss);
    };
    const mse = await losses('mse');
    expect(mse.every(Number.isFinite)).toBe(true);
    expect(mse).not.toEqual(await losses('ranking'));
  });

  it('rejects with an AbortError when aborted, and InputError on a bad label or id', async () => {
    const learner = tiny();
    const controller = new AbortController();
    controller.abort();
    await expect(learner.fit(labeledOf(20), { epochs: 1, seed: 1, signal: controller.signal })).rejects.toThrow(
      expect.objectContaining({ name: 'AbortError' }),
    );
    await expect(learner.fit([[0, 3], [1, 0]], { epochs: 1, seed: 1 })).rejects.toThrow(InputError);
    await expect(learner.fit([[0, 1], [99, 0]], { epochs: 1, seed: 1 })).rejects.toThrow(/99/);
    await expect(learner.score(Int32Array.of(64))).rejects.toThrow(InputError);
    expect(learner.labelCodec.is(2)).toBe(true);
    expect(learner.labelCodec.is(3)).toBe(false);
    learner.dispose();
  });

  it('stops with one line naming the epoch and the learning rate when training diverges, leaking no tensor', async () => {
    const before = tf.memory().numTensors;
    const learner = tiny({ learningRate: 1e30, weightDecay: 0 });
    await expect(learner.fit(labeledOf(32), { epochs: 3, seed: 1 })).rejects.toThrow(/^training diverged at epoch \d of 3: the (target|loss-module) loss is .*learningRate, now 1e\+30/);
    learner.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const sane = tiny();
    await expect(sane.fit(labeledOf(32), { epochs: 1, seed: 1 })).resolves.toHaveLength(1);
    sane.dispose();
  });

  it('saves and loads: a fresh learner scores identically after load', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'll4al-learner-'));
    try {
      const a = tiny({}, 1);
      await a.fit(labeledOf(32), { epochs: 1, seed: 3 });
      await a.save(dir);
      const b = tiny({}, 2);
      const before = tf.memory().numTensors;
      await b.load(dir);
      expect(tf.memory().numTensors).toBe(before);
      const [sa, sb] = [await a.score(allIds, { outputs: ['embeddings'] }), await b.score(allIds, { outputs: ['embeddings'] })];
      expect(Array.from(sb.predictedLoss)).toEqual(Array.from(sa.predictedLoss));
      expect(Array.from(sb.embeddings!.values)).toEqual(Array.from(sa.embeddings!.values));
      a.dispose();
      b.dispose();
      const other = createClassificationLearner({ data, model: 'resnet18-cifar', seed: 1 });
      await expect(other.load(dir)).rejects.toThrow(InputError);
      other.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
