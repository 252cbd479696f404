import { fc, test } from '@fast-check/vitest';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.ts';
import { hardNegativeMask, multiboxLossPerSample, smoothL1 } from '../../src/tasks/detection/index.ts';

beforeAll(async () => {
  await initBackend('wasm');
});

const values = async (t: tf.Tensor): Promise<number[]> => {
  const out = Array.from(await t.data());
  t.dispose();
  return out;
};

describe('smooth L1', () => {
  it('is 0.5·x² inside ±1 and |x| − 0.5 outside, with gradient clip(x, −1, 1)', async () => {
    const before = tf.memory().numTensors;
    const x = tf.tensor1d([0.5, -3, 0, 1, -0.25]);
    (await values(smoothL1(x))).forEach((v, i) => expect(v).toBeCloseTo([0.125, 2.5, 0, 0.5, 0.03125][i]!, 6));
    (await values(tf.grad((t: tf.Tensor) => tf.sum(smoothL1(t)))(x))).forEach((v, i) => expect(v).toBeCloseTo([0.5, -1, 0, 1, -0.25][i]!, 6));
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('hard negative mining', () => {
  it('keeps the ratio·positives background anchors of highest loss', async () => {
    const before = tf.memory().numTensors;
    const losses = tf.tensor2d([
      [0.1, 5, 0.3, 2, 9],
      [4, 3, 2, 1, 0.5],
      [1, 2, 3, 4, 5],
    ]);
    const positive = tf.tensor2d([
      [0, 0, 0, 0, 1],
      [1, 1, 0, 0, 0],
      [0, 0, 0, 0, 0],
    ]);
    // row 0: 1 positive → the 2 worst negatives (5 and 2); row 1: 2 positives → 4 wanted, only 3 negatives;
    // row 2: no positive → no negative
    expect(await values(hardNegativeMask(losses, positive, 2))).toEqual([0, 1, 0, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0]);
    tf.dispose([losses, positive]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('passes no gradient through the selection', async () => {
    const losses = tf.tensor2d([[0.1, 5, 0.3, 2, 9]]);
    const positive = tf.tensor2d([[0, 0, 0, 0, 1]]);
    // d/dl Σ mask(l)·l = mask: the mask itself contributes nothing
    const grad = tf.grad((l: tf.Tensor) => tf.sum(tf.mul(hardNegativeMask(l as tf.Tensor2D, positive, 2), l)))(losses);
    expect(await values(grad)).toEqual([0, 1, 0, 1, 0]);
    tf.dispose([losses, positive]);
  });

  test.prop([fc.array(fc.boolean(), { minLength: 2, maxLength: 40 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 1000 })], { numRuns: 30 })(
    'should select min(ratio · positives, negatives) negatives, never a positive, none below an unselected one',
    async (isPositive, ratio, seed) => {
      const n = isPositive.length;
      // distinct losses, seed-permuted
      const losses = Array.from({ length: n }, (_, i) => ((i * 7919 + seed) % n) / n + i * 1e-6);
      const l = tf.tensor2d([losses]);
      const p = tf.tensor2d([isPositive.map((b) => (b ? 1 : 0))]);
      const mask = await values(hardNegativeMask(l, p, ratio));
      tf.dispose([l, p]);
      const positives = isPositive.filter(Boolean).length;
      expect(mask.reduce((a, b) => a + b, 0)).toBe(Math.min(ratio * positives, n - positives));
      mask.forEach((m, i) => {
        if (isPositive[i]) expect(m).toBe(0);
        if (m === 1) isPositive.forEach((pos, j) => !pos && mask[j] === 0 && expect(losses[j]!).toBeLessThan(losses[i]!));
      });
    },
  );
});

describe('multibox loss', () => {
  it('is (cross-entropy over positives and hard negatives + smooth L1 over positives) / positives, per image', async () => {
    const before = tf.memory().numTensors;
    // 2 images, 3 anchors, 1 class (+ background): zero logits give ln 2 at every anchor.
    const logits = tf.zeros([2, 3, 2]) as tf.Tensor3D;
    const offsets = tf.zeros([2, 3, 4]) as tf.Tensor3D;
    const classes = tf.tensor2d([[1, 0, 0], [0, 0, 0]], [2, 3], 'int32');
    const targets = tf.tensor3d([[[1, 0, 0, -2], [0, 0, 0, 0], [0, 0, 0, 0]], [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]]);
    const loss = await values(multiboxLossPerSample(logits, offsets, classes, targets));
    // image 1: 1 positive, both negatives mined (3 wanted): 3 ln 2 + smooth L1 (0.5 + 1.5); image 2: nothing
    expect(loss[0]).toBeCloseTo(3 * Math.LN2 + 2, 5);
    expect(loss[1]).toBe(0);
    tf.dispose([logits, offsets, classes, targets]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gives no gradient to the background anchors that were not mined', async () => {
    const before = tf.memory().numTensors;
    // 1 positive, ratio 1: of the two negatives only the one with the higher object score (anchor 2) is mined
    const logits = tf.tensor3d([[[0, 1], [0, -1], [0, 2]]]);
    const offsets = tf.zeros([1, 3, 4]) as tf.Tensor3D;
    const classes = tf.tensor2d([[1, 0, 0]], [1, 3], 'int32');
    const targets = tf.zeros([1, 3, 4]) as tf.Tensor3D;
    const grad = tf.grad((l: tf.Tensor) => tf.sum(multiboxLossPerSample(l as tf.Tensor3D, offsets, classes, targets, 1)))(logits);
    const g = await values(grad);
    expect(Math.abs(g[2]!)).toBe(0);
    expect(Math.abs(g[3]!)).toBe(0);
    expect(Math.abs(g[4]!)).toBeGreaterThan(0.1);
    expect(Math.abs(g[0]!)).toBeGreaterThan(0.1);
    tf.dispose([logits, offsets, classes, targets]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
