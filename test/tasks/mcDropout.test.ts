import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.ts';
import { InputError } from '../../src/inputError.ts';
import { createClassificationLearner } from '../../src/tasks/classification.ts';
import { DEFAULT_MC_PASSES, mcDropoutSamples, SeededDropout } from '../../src/tasks/mcDropout.ts';
import { mutualInformation } from '../../src/ops/index.ts';
import { tinySplit } from './tinySplit.ts';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('SeededDropout', () => {
  it('drops and rescales in training only, with the same masks for the same seed', () => {
    const before = tf.memory().numTensors;
    const x = tf.ones([4, 50]);
    const a = new SeededDropout({ rate: 0.5, seed: 3 });
    const b = new SeededDropout({ rate: 0.5, seed: 3 });
    const [ya1, ya2, yb1, yEval] = [a.apply(x, { training: true }), a.apply(x, { training: true }), b.apply(x, { training: true }), a.apply(x, { training: false })] as tf.Tensor[];
    const v = (t: tf.Tensor) => Array.from(t.dataSync());
    // every unit is 0 or 1 / (1 − ½) = 2; about half dropped
    for (const value of v(ya1!)) expect([0, 2]).toContain(value);
    const kept = v(ya1!).filter((value) => value === 2).length;
    expect(kept).toBeGreaterThan(60);
    expect(kept).toBeLessThan(140);
    expect(v(yb1!)).toEqual(v(ya1!));
    expect(v(ya2!)).not.toEqual(v(ya1!));
    expect(v(yEval!)).toEqual(v(x));
    for (const t of [x, ya1!, ya2!, yb1!, yEval!]) t.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('MC dropout in the classification learner', () => {
  const data = tinySplit(64, 3);
  const labeled = Array.from({ length: 32 }, (_, i) => [i, data.train.labels[i]!] as const);

  it('adds T passes per id, each a probability vector, that disagree; the deterministic outputs are unchanged', async () => {
    const learner = createClassificationLearner({ data, model: 'small-cnn', seed: 1, dropout: 0.5, scoreThreads: 1, trainer: { augment: false, batchSize: 16, trainThreads: 1 } });
    await learner.fit(labeled, { epochs: 1, seed: 2 });
    const ids = Int32Array.from({ length: 20 }, (_, i) => 40 + i);
    const before = tf.memory().numTensors;
    const plain = await learner.score(ids);
    expect(learner.provides).toContain('mcSamples');
    const asked = { outputs: ['probabilities', 'mcSamples'] as const };
    const plainWithProbabilities = await learner.score(ids, { outputs: ['probabilities'] });
    const mc = await learner.score(ids, { ...asked, mcPasses: 4 });
    const again = await learner.score(ids, { ...asked, mcPasses: 4 });
    expect(tf.memory().numTensors).toBe(before);
    expect(plain.mcSamples).toBeUndefined();
    expect(mc.mcSamples!.width).toBe(4 * 3);
    expect(Array.from(mc.probabilities!.values)).toEqual(Array.from(plainWithProbabilities.probabilities!.values));
    expect(Array.from(mc.predictedLoss)).toEqual(Array.from(plain.predictedLoss));
    // each call draws new masks (a seeded sequence), so two calls' samples differ
    expect(Array.from(again.mcSamples!.values)).not.toEqual(Array.from(mc.mcSamples!.values));
    const samples = mc.mcSamples!.values;
    expect(samples).toHaveLength(20 * 4 * 3);
    for (let p = 0; p < 20 * 4; p++) expect(samples[p * 3]! + samples[p * 3 + 1]! + samples[p * 3 + 2]!).toBeCloseTo(1, 5);
    // the passes of a candidate differ: some positive mutual information
    const mi = Array.from({ length: 20 }, (_, i) => mutualInformation(4, 3)(samples.subarray(i * 12, (i + 1) * 12)));
    expect(Math.max(...mi)).toBeGreaterThan(0);
    learner.dispose();
  }, 120_000);

  it('refuses MC passes without dropout, in one line', async () => {
    const learner = createClassificationLearner({ data, model: 'small-cnn', seed: 1, scoreThreads: 1 });
    expect(learner.provides).not.toContain('mcSamples');
    await expect(learner.score(Int32Array.of(1, 2), { outputs: ['mcSamples'], mcPasses: 3 })).rejects.toThrow(InputError);
    await expect(learner.score(Int32Array.of(1, 2), { outputs: ['mcSamples'], mcPasses: 3 })).rejects.toThrow(/does not provide mcSamples/);
    learner.dispose();
    const dropped = createClassificationLearner({ data, model: 'small-cnn', seed: 1, dropout: 0.5, scoreThreads: 1 });
    await expect(dropped.score(Int32Array.of(1, 2), { outputs: ['mcSamples'], mcPasses: 0 })).rejects.toThrow('score: mcPasses must be an integer ≥ 1, got 0');
    dropped.dispose();
    expect(() => createClassificationLearner({ data, model: 'small-cnn', seed: 1, dropout: 1 })).toThrow('dropout must be in [0, 1), got 1');
  });

  it('scores the same MC samples for the same seed, and passes the default T when none is asked', async () => {
    const make = () => createClassificationLearner({ data, model: 'small-cnn', seed: 4, dropout: 0.5, scoreThreads: 1 });
    const [a, b] = [make(), make()];
    const ids = Int32Array.of(3, 9, 27);
    const [sa, sb] = [await a.score(ids, { outputs: ['mcSamples'], mcPasses: 3 }), await b.score(ids, { outputs: ['mcSamples'], mcPasses: 3 })];
    expect(Array.from(sb.mcSamples!.values)).toEqual(Array.from(sa.mcSamples!.values));
    expect((await a.score(ids, { outputs: ['mcSamples'] })).mcSamples!.width).toBe(DEFAULT_MC_PASSES * 3);
    a.dispose();
    b.dispose();
  });

  it('computes the passes as softmax(logits(mask ⊙ h / (1 − rate))), a mask per pass', () => {
    const layer = { apply: (x: tf.Tensor) => x } as unknown as Parameters<typeof mcDropoutSamples>[0];
    const out = tf.tidy(() => mcDropoutSamples(layer, tf.tensor2d([[1, 1]]), 0.5, 3, 9));
    const v = Array.from(out.dataSync());
    out.dispose();
    // logits = the dropped embedding (0 or 2 per unit): each pass is softmax of (0,0) or (2,2) → (½, ½), (2,0) or (0,2)
    const allowed = [
      [0.5, 0.5],
      [Math.exp(2) / (1 + Math.exp(2)), 1 / (1 + Math.exp(2))],
      [1 / (1 + Math.exp(2)), Math.exp(2) / (1 + Math.exp(2))],
    ];
    for (let t = 0; t < 3; t++) expect(allowed.some((a) => Math.abs(a[0]! - v[2 * t]!) < 1e-5 && Math.abs(a[1]! - v[2 * t + 1]!) < 1e-5)).toBe(true);
  });
});
