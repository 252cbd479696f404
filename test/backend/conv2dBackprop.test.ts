import { describe, expect, beforeAll } from 'vitest';
import { test } from '@fast-check/vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.ts';
import { convGradCalls } from '../../src/backend/kernels/convGradKernels.ts';
import { convCaseArb, inflateFilter, outShapeOf, relativeError, type ConvCase } from './convCases.ts';

// tfjs treats a seed of 0 as "no seed": offset every seed by one.
const random = (shape: number[], seed: number): tf.Tensor => tf.randomNormal(shape, 0, 1, 'float32', seed + 1);

/** The cpu backend's Conv2DBackpropFilter / Conv2DBackpropInput for a case (dilation through an inflated filter). */
const cpuReference = async (c: ConvCase, x: Float32Array, dy: Float32Array, w: Float32Array) => {
  await tf.setBackend('cpu');
  const [dh, dw] = c.dilations;
  const out = outShapeOf(c);
  const result = tf.tidy(() => {
    const xt = tf.tensor4d(x, c.inShape);
    const dyt = tf.tensor4d(dy, out);
    const wt = inflateFilter(tf.tensor4d(w, c.filterShape), dh, dw);
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC' };
    const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy: dyt, filter: wt }, { ...attrs, inputShape: c.inShape }) as tf.Tensor;
    const dwFull = tf.engine().runKernel('Conv2DBackpropFilter', { x: xt, dy: dyt }, { ...attrs, filterShape: wt.shape }) as tf.Tensor4D;
    // Keep only the taps of the dilated filter.
    const dwTaps = tf.stridedSlice(dwFull, [0, 0, 0, 0], wt.shape, [dh, dw, 1, 1]);
    return [dx, dwTaps];
  });
  const [dxValues, dwValues] = await Promise.all(result.map((t) => t.data()));
  result.forEach((t) => t.dispose());
  return { dx: dxValues as Float32Array, dw: dwValues as Float32Array };
};

describe('wasm convolution gradient kernels', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  test.prop([convCaseArb], { numRuns: 80 })(
    'should match the cpu backend within 1e-4 relative error and leave no tensor behind, for any shape, stride, padding and dilation',
    async (c) => {
      await tf.setBackend('cpu');
      const data = tf.tidy(() => [random(c.inShape, c.seed), random(outShapeOf(c), c.seed + 1), random(c.filterShape, c.seed + 2)]);
      const [x, dy, w] = (await Promise.all(data.map((t) => t.data()))) as Float32Array[];
      data.forEach((t) => t.dispose());
      const expected = await cpuReference(c, x, dy, w);

      await tf.setBackend('wasm');
      const xt = tf.tensor4d(x, c.inShape);
      const dyt = tf.tensor4d(dy, outShapeOf(c));
      const wt = tf.tensor4d(w, c.filterShape);
      const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dilations: c.dilations };
      const before = tf.memory().numTensors;
      const nativeBefore = { ...convGradCalls };
      const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy: dyt, filter: wt }, { ...attrs, inputShape: c.inShape }) as tf.Tensor;
      const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x: xt, dy: dyt }, { ...attrs, filterShape: c.filterShape }) as tf.Tensor;
      expect(tf.memory().numTensors - before).toBe(2);
      // Without dilation both gradients run the C kernels (kernels/convGrad.c); with it, the TypeScript ones.
      const native = c.dilations[0] === 1 && c.dilations[1] === 1 ? 1 : 0;
      expect(convGradCalls.input - nativeBefore.input).toBe(native);
      expect(convGradCalls.filter - nativeBefore.filter).toBe(native);
      expect(dx.shape).toEqual(c.inShape);
      expect(dw.shape).toEqual(c.filterShape);
      const [dxValues, dwValues] = await Promise.all([dx.data(), dw.data()]);
      tf.dispose([dx, dw, xt, dyt, wt]);
      expect(relativeError(dxValues, expected.dx)).toBeLessThan(1e-4);
      expect(relativeError(dwValues, expected.dw)).toBeLessThan(1e-4);
    },
  );

  test.prop([convCaseArb.filter((c) => c.dilations[0] === 1 && c.dilations[1] === 1)], { numRuns: 20 })(
    'should give tf.grads of a convolution on wasm the values it has on cpu, with no leaked tensor',
    async (c) => {
      const loss = (...args: tf.Tensor[]) => tf.sum(tf.square(tf.conv2d(args[0] as tf.Tensor4D, args[1] as tf.Tensor4D, c.strides, c.pad)));
      const gradsOn = async (backend: string) => {
        await tf.setBackend(backend);
        const xs = random(c.inShape, c.seed) as tf.Tensor4D;
        const ws = random(c.filterShape, c.seed + 2) as tf.Tensor4D;
        const before = tf.memory().numTensors;
        const grads = tf.grads(loss)([xs, ws]);
        expect(tf.memory().numTensors - before).toBe(2);
        const values = await Promise.all(grads.map((g) => g.data()));
        tf.dispose([...grads, xs, ws]);
        return values;
      };
      const [cpuDx, cpuDw] = await gradsOn('cpu');
      const [wasmDx, wasmDw] = await gradsOn('wasm');
      expect(relativeError(wasmDx, cpuDx)).toBeLessThan(1e-4);
      expect(relativeError(wasmDw, cpuDw)).toBeLessThan(1e-4);
    },
  );

  test.prop([convCaseArb.filter((c) => c.strides.every((v) => v === 1) || c.dilations.every((v) => v === 1))], { numRuns: 80 })(
    "should compute forward convolutions (plain and fused) as the cpu backend does, 'same' padding included",
    async (c) => {
      await tf.setBackend('cpu');
      const made = tf.tidy(() => [random(c.inShape, c.seed), random(c.filterShape, c.seed + 2)]);
      const [x, w] = (await Promise.all(made.map((t) => t.data()))) as Float32Array[];
      const expected = tf.conv2d(made[0] as tf.Tensor4D, made[1] as tf.Tensor4D, c.strides, c.pad, 'NHWC', c.dilations);
      const expectedValues = (await expected.data()) as Float32Array;
      tf.dispose([...made, expected]);
      await tf.setBackend('wasm');
      const xt = tf.tensor4d(x, c.inShape);
      const wt = tf.tensor4d(w, c.filterShape);
      const plain = tf.conv2d(xt, wt, c.strides, c.pad, 'NHWC', c.dilations);
      const fused = tf.fused.conv2d({ x: xt, filter: wt, strides: c.strides, pad: c.pad, dilations: c.dilations });
      const [p, f] = (await Promise.all([plain.data(), fused.data()])) as Float32Array[];
      tf.dispose([xt, wt, plain, fused]);
      expect(relativeError(p, expectedValues)).toBeLessThan(1e-4);
      expect(relativeError(f, expectedValues)).toBeLessThan(1e-4);
    },
  );
});
