import { fc, test } from '@fast-check/vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as E from 'fp-ts/lib/Either.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.ts';
import { marginRankingLoss, marginRankingLossGradient, mseLoss } from '../../src/ops/index.ts';
import { marginRankingLossTensor, mseLossTensor } from '../../src/tasks/rankingLoss.ts';
import { stopGradient } from '../../src/tasks/stopGradient.ts';

beforeAll(async () => {
  await initBackend('cpu');
});

const right = <A>(e: E.Either<string, A>): A => {
  if (E.isLeft(e)) throw new Error(e.left);
  return e.right;
};

/** True losses drawn from a few values (ties are frequent) or freely; float32 from the start. */
const lossValue = fc.oneof(
  fc.constantFrom(0, 0.5, 1, 2),
  fc.double({ min: 0, max: 10, noNaN: true, noDefaultInfinity: true }),
);
const batch = fc
  .array(fc.tuple(fc.double({ min: -5, max: 5, noNaN: true, noDefaultInfinity: true }), lossValue), { maxLength: 40 })
  .map((rows) => ({
    predicted: Float32Array.from(rows, (r) => r[0]),
    actual: Float32Array.from(rows, (r) => r[1]),
  }));
const margin = fc.constantFrom(0, 0.5, 1, 2);

const withTensors = <A>(predicted: Float32Array, actual: Float32Array, f: (p: tf.Tensor1D, a: tf.Tensor1D) => A): A => {
  const p = tf.tensor1d(predicted);
  const a = tf.tensor1d(actual);
  try {
    return f(p, a);
  } finally {
    tf.dispose([p, a]);
  }
};

describe('marginRankingLossTensor', () => {
  test.prop([batch, margin])('should equal the pure marginRankingLoss of src/ops on any batch, ties included', ({ predicted, actual }, xi) => {
    const before = tf.memory().numTensors;
    const value = withTensors(predicted, actual, (p, a) => tf.tidy(() => marginRankingLossTensor(p, a, xi).dataSync()[0]));
    expect(value).toBeCloseTo(right(marginRankingLoss(xi)(predicted, actual)), 4);
    expect(tf.memory().numTensors).toBe(before);
  });

  test.prop([batch, margin])('should have the gradient of src/ops with respect to the predicted loss', ({ predicted, actual }, xi) => {
    const before = tf.memory().numTensors;
    const grad = withTensors(predicted, actual, (p, a) =>
      tf.tidy(() => tf.grad((x: tf.Tensor) => marginRankingLossTensor(x as tf.Tensor1D, a, xi))(p).dataSync()),
    );
    const expected = right(marginRankingLossGradient(xi)(predicted, actual));
    const n = predicted.length;
    // Compare where the hinge is clearly on one side of its kink (float32 vs float64 arithmetic).
    for (let i = 0; i < Math.floor(n / 2); i++) {
      const j = n - 1 - i;
      const sign = actual[i] > actual[j] ? 1 : -1;
      const z = xi - sign * (predicted[i] - predicted[j]);
      if (Math.abs(z) < 1e-3) continue;
      expect(grad[i]).toBeCloseTo(expected[i], 5);
      expect(grad[j]).toBeCloseTo(expected[j], 5);
    }
    if (n % 2 === 1) expect(grad[(n - 1) / 2]).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
  });

  test.prop([batch, margin])('should have an exactly zero gradient with respect to the true loss', ({ predicted, actual }, xi) => {
    const before = tf.memory().numTensors;
    const grad = withTensors(predicted, actual, (p, a) =>
      tf.tidy(() => tf.grad((x: tf.Tensor) => marginRankingLossTensor(p, x as tf.Tensor1D, xi))(a).dataSync()),
    );
    expect(Array.from(grad)).toEqual(new Array(predicted.length).fill(0));
    expect(tf.memory().numTensors).toBe(before);
  });

  test.prop([batch, fc.double({ min: 0.01, max: 100, noNaN: true })])(
    'should be unchanged when every true loss is multiplied by a positive constant',
    ({ predicted, actual }, c) => {
      const scaled = actual.map((x) => x * c);
      // Scaling can merge or split float32 ties; only compare batches where the order survives.
      const n = actual.length;
      for (let i = 0; i < Math.floor(n / 2); i++) {
        if (actual[i] > actual[n - 1 - i] !== scaled[i] > scaled[n - 1 - i]) return;
      }
      const [a, b] = withTensors(predicted, actual, (p, l) =>
        tf.tidy(() => {
          const ls = tf.tensor1d(scaled);
          return [marginRankingLossTensor(p, l).dataSync()[0], marginRankingLossTensor(p, ls).dataSync()[0]];
        }),
      );
      // `+ 0` folds −0 into 0 (a batch without pairs can give either sign of zero: no difference in a loss).
      expect(b + 0).toBe(a + 0);
    },
  );

  it('lets gradients flow to variables behind the predicted loss but not behind the true loss', () => {
    const before = tf.memory().numTensors;
    const [wPred, wTrue] = tf.tidy(() => [tf.variable(tf.tensor1d([0.3, -0.2, 0.5, 0.1])), tf.variable(tf.tensor1d([1, 2, 0.5, 3]))]);
    const { value, grads } = tf.variableGrads(() =>
      tf.tidy(() => marginRankingLossTensor(tf.mul(wPred, 2) as tf.Tensor1D, tf.square(wTrue) as tf.Tensor1D, 1)),
    );
    expect(Array.from(grads[wTrue.name].dataSync())).toEqual([0, 0, 0, 0]);
    expect(Array.from(grads[wPred.name].dataSync()).some((g) => g !== 0)).toBe(true);
    tf.dispose([value, wPred, wTrue, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is 0 for a batch of fewer than two elements', () => {
    const value = withTensors(Float32Array.of(3), Float32Array.of(1), (p, a) => tf.tidy(() => marginRankingLossTensor(p, a).dataSync()[0]));
    expect(value).toBe(0);
  });
});

describe('mseLossTensor', () => {
  test.prop([batch.filter((b) => b.predicted.length > 0)])('should equal the pure mseLoss and have no gradient into the true loss', ({ predicted, actual }) => {
    const before = tf.memory().numTensors;
    const [value, gradTrue] = withTensors(predicted, actual, (p, a) =>
      tf.tidy(() => [
        mseLossTensor(p, a).dataSync()[0],
        Array.from(tf.grad((x: tf.Tensor) => mseLossTensor(p, x as tf.Tensor1D))(a).dataSync()),
      ] as const),
    );
    expect(value).toBeCloseTo(right(mseLoss(predicted, actual)), 3);
    expect(gradTrue).toEqual(new Array(predicted.length).fill(0));
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('stopGradient', () => {
  it('is the identity forward and has a zero gradient', () => {
    const x = tf.tensor1d([1, -2, 3]);
    const [y, g] = tf.tidy(() => [stopGradient(x).dataSync(), tf.grad((v: tf.Tensor) => tf.sum(tf.mul(stopGradient(v), v)))(x).dataSync()]);
    expect(Array.from(y)).toEqual([1, -2, 3]);
    // d/dv (stop(v)·v) = stop(v): only the unstopped factor carries gradient.
    expect(Array.from(g)).toEqual([1, -2, 3]);
    x.dispose();
  });
});
