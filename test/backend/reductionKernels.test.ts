import { describe, expect, beforeAll } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.ts';
import { relativeError } from './convCases.ts';
import { reductionCase } from './reductionCases.ts';

const reduction = reductionCase(12);

describe('wasm Sum and Mean kernels (a block of axes as average pooling)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  test.prop([reduction, fc.constantFrom('Sum', 'Mean')], { numRuns: 100 })(
    'should match the cpu backend within 1e-4 for any shape, axes and keepDims, with no leaked tensor',
    async ({ shape, axes, keepDims, seed }, kernel) => {
      const attrs = { axis: axes, keepDims };
      await tf.setBackend('cpu');
      const xCpu = tf.randomNormal(shape, 0, 1, 'float32', seed);
      const data = (await xCpu.data()) as Float32Array;
      const expected = tf.engine().runKernel(kernel, { x: xCpu }, attrs) as tf.Tensor;
      const expectedValues = (await expected.data()) as Float32Array;
      const expectedShape = expected.shape;
      tf.dispose([xCpu, expected]);

      await tf.setBackend('wasm');
      const x = tf.tensor(data, shape);
      const before = tf.memory().numTensors;
      const got = tf.engine().runKernel(kernel, { x }, attrs) as tf.Tensor;
      expect(tf.memory().numTensors - before).toBe(1);
      expect(got.shape).toEqual(expectedShape);
      const gotValues = (await got.data()) as Float32Array;
      tf.dispose([x, got]);
      expect(relativeError(gotValues, expectedValues)).toBeLessThan(1e-4);
    },
  );

  test('should reduce batch-norm moments of a [64, 7, 7, 16] activation like cpu does', async () => {
    await tf.setBackend('cpu');
    const data = Float32Array.from({ length: 64 * 7 * 7 * 16 }, (_, i) => 0.5 + 2 * Math.sin(i * 12.9898));
    const xCpu = tf.tensor4d(data, [64, 7, 7, 16]);
    const expected = (await tf.mean(xCpu, [0, 1, 2]).data()) as Float32Array;
    xCpu.dispose();
    await tf.setBackend('wasm');
    const x = tf.tensor4d(data, [64, 7, 7, 16]);
    const got = tf.mean(x, [0, 1, 2]);
    const values = (await got.data()) as Float32Array;
    tf.dispose([x, got]);
    expect(relativeError(values, expected)).toBeLessThan(1e-4);
  });
});
