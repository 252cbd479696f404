import { beforeAll, describe, expect } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.ts';
import { elementwiseCalls } from '../../src/backend/kernels/elementwiseKernels.ts';

const reduction = fc
  .record({
    shape: fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 4 }),
    mask: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
    keepDims: fc.boolean(),
    seed: fc.integer({ min: 1, max: 10_000 }),
  })
  .map(({ shape, mask, keepDims, seed }) => {
    const axes = shape.map((_, i) => i).filter((i) => mask[i]);
    return { shape, keepDims, seed, axes: axes.length === 0 ? [shape.length - 1] : axes };
  });

/** Whether the axes are one block of consecutive axes. */
const isBlock = (axes: ReadonlyArray<number>): boolean => axes.every((a, i) => i === 0 || a === (axes[i - 1] as number) + 1);

describe("Sum's and Mean's gradients (dy repeated over the reduced axes)", () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  test.prop([reduction, fc.constantFrom('sum', 'mean')], { numRuns: 80 })(
    "should give the cpu backend's values bit for bit, by the C broadcast exactly where the reduced axes are one block",
    async ({ shape, axes, keepDims, seed }, op) => {
      const gradientOn = async (backend: string): Promise<Float32Array> => {
        await tf.setBackend(backend);
        const before = tf.memory().numTensors;
        const g = tf.tidy(() => {
          const x = tf.randomNormal(shape, 0, 1, 'float32', seed);
          const reduce = (t: tf.Tensor): tf.Tensor => (op === 'sum' ? tf.sum(t, axes, keepDims) : tf.mean(t, axes, keepDims));
          // dy of its own for each output of the reduction
          const dy = tf.randomNormal(reduce(x).shape, 0, 1, 'float32', seed + 1);
          return tf.grad(reduce)(x, dy);
        });
        const values = (await g.data()) as Float32Array;
        g.dispose();
        expect(tf.memory().numTensors).toBe(before);
        return values;
      };
      const expected = await gradientOn('cpu');
      const calls = elementwiseCalls.broadcast;
      const actual = await gradientOn('wasm');
      expect(elementwiseCalls.broadcast - calls).toBe(isBlock(axes) ? 1 : 0);
      expect(Array.from(actual)).toEqual(Array.from(expected));
    },
  );
});
