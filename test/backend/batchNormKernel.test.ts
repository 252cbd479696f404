import { describe, expect, beforeAll } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.ts';
import { relativeError } from './convCases.ts';

const caseArb = fc.record({
  shape: fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 4 }),
  withScale: fc.boolean(),
  withOffset: fc.boolean(),
  epsilon: fc.constantFrom(1e-5, 1e-3, 0.1),
  seed: fc.integer({ min: 1, max: 10_000 }),
});

describe('wasm FusedBatchNorm kernel (depthwise 1×1 convolution)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  test.prop([caseArb], { numRuns: 80 })(
    'should match the cpu backend within 1e-4 for any rank, channel count and optional scale/offset, with no leaked tensor',
    async ({ shape, withScale, withOffset, epsilon, seed }) => {
      const channels = shape[shape.length - 1];
      await tf.setBackend('cpu');
      const made = tf.tidy(() => [
        tf.randomNormal(shape, 1, 3, 'float32', seed),
        tf.randomNormal([channels], 0, 1, 'float32', seed + 1),
        tf.add(tf.abs(tf.randomNormal([channels], 0, 1, 'float32', seed + 2)), 0.01),
        tf.randomNormal([channels], 1, 0.5, 'float32', seed + 3),
        tf.randomNormal([channels], 0, 1, 'float32', seed + 4),
      ]);
      const arrays = (await Promise.all(made.map((t) => t.data()))) as Float32Array[];
      const inputsOn = (ts: tf.Tensor[]) => ({
        x: ts[0],
        mean: ts[1],
        variance: ts[2],
        ...(withScale ? { scale: ts[3] } : {}),
        ...(withOffset ? { offset: ts[4] } : {}),
      });
      const expected = tf.engine().runKernel('FusedBatchNorm', inputsOn(made), { varianceEpsilon: epsilon }) as tf.Tensor;
      const expectedValues = (await expected.data()) as Float32Array;
      tf.dispose([...made, expected]);

      await tf.setBackend('wasm');
      const onWasm = arrays.map((a, i) => tf.tensor(a, i === 0 ? shape : [channels]));
      const before = tf.memory().numTensors;
      const got = tf.engine().runKernel('FusedBatchNorm', inputsOn(onWasm), { varianceEpsilon: epsilon }) as tf.Tensor;
      expect(tf.memory().numTensors - before).toBe(1);
      expect(got.shape).toEqual(shape);
      const values = (await got.data()) as Float32Array;
      tf.dispose([...onWasm, got]);
      expect(relativeError(values, expectedValues)).toBeLessThan(1e-4);
    },
  );
});
