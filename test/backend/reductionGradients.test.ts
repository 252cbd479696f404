import { beforeAll, describe, expect, it } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.ts';
import { broadcastMiddleKernelName, elementwiseCalls } from '../../src/backend/kernels/elementwiseKernels.ts';
import { reductionCase } from './reductionCases.ts';

// at least one reduced axis (none would reduce nothing)
const reduction = reductionCase(9).map((c) => ({ ...c, axes: c.axes.length === 0 ? [c.shape.length - 1] : c.axes }));

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

  it('should refuse sizes that do not fit its input or output, in one line, before the C loop runs', () => {
    const x = tf.zeros([2, 1, 3]);
    try {
      const calls = elementwiseCalls.broadcast;
      expect(() => tf.engine().runKernel(broadcastMiddleKernelName, { x }, { shape: [2, 4, 3], outer: 2, inner: 5, channels: 3 } as unknown as tf.NamedAttrMap)).toThrow(
        'Ll4alBroadcastMiddle: x [2, 1, 3] float32 does not repeat to [2, 4, 3] as 2 × 5 × 3',
      );
      expect(elementwiseCalls.broadcast).toBe(calls);
    } finally {
      x.dispose();
    }
  });
});
