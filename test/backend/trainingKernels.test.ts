import { beforeAll, describe, expect } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.ts';
import { cpuReferenceCalls } from '../../src/backend/cpuReferenceKernel.ts';
import { resizeBilinearGradient, resizeNearestGradient } from '../../src/backend/resizeGradients.ts';
import { convCaseArb, inflateFilter, outShapeOf, relativeError, type ConvCase } from './convCases.ts';

// tfjs treats a seed of 0 as "no seed": offset every seed by one.
const random = (shape: number[], seed: number): tf.Tensor => tf.randomNormal(shape, 0, 1, 'float32', seed + 1);

/** Values of a few tensors made on cpu (so that both backends see the same numbers). */
const valuesOf = async (make: () => tf.Tensor[]): Promise<Float32Array[]> => {
  await tf.setBackend('cpu');
  const ts = tf.tidy(make);
  const values = (await Promise.all(ts.map((t) => t.data()))) as Float32Array[];
  tf.dispose(ts);
  return values;
};

/** Runs `f` on a backend with the given values as tensors; its results' values, no tensor left. */
const runOn = async (backend: string, values: ReadonlyArray<Float32Array>, shapes: ReadonlyArray<number[]>, f: (xs: tf.Tensor[]) => tf.Tensor[]) => {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const xs = values.map((v, i) => tf.tensor(v, shapes[i]));
  const out = f(xs);
  const result = (await Promise.all(out.map((t) => t.data()))) as Float32Array[];
  tf.dispose([...out, ...xs]);
  expect(tf.memory().numTensors).toBe(before);
  return result;
};

/** A depthwise case: the conv case's outChannels is the channel multiplier. */
const depthwiseOutShape = (c: ConvCase): [number, number, number, number] => {
  const [b, oh, ow] = outShapeOf(c);
  return [b, oh, ow, c.filterShape[2] * c.filterShape[3]];
};

describe('wasm training kernels ll4al adds or replaces', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  test.prop([convCaseArb], { numRuns: 60 })(
    "should give wasm's depthwise convolution gradients the cpu backend's values within 1e-4 relative error, for any shape, multiplier, stride, padding and dilation",
    async (c) => {
      const dyShape = depthwiseOutShape(c);
      const [x, dy, w] = await valuesOf(() => [random(c.inShape, c.seed), random(dyShape, c.seed + 1), random(c.filterShape, c.seed + 2)]);
      const shapes = [c.inShape, dyShape, c.filterShape];
      const attrs = { strides: c.strides, pad: c.pad };
      // The cpu kernels ignore dilation: the reference convolves with the filter inflated by it.
      const expected = await runOn('cpu', [x!, dy!, w!], shapes, ([xt, dyt, wt]) => {
        const [dh, dw] = c.dilations;
        const inflated = inflateFilter(wt as tf.Tensor4D, dh, dw);
        const dx = tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy: dyt!, filter: inflated }, { ...attrs, dilations: 1, inputShape: c.inShape }) as tf.Tensor;
        const dwFull = tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x: xt!, dy: dyt! }, { ...attrs, dilations: 1, filterShape: inflated.shape }) as tf.Tensor4D;
        const taps = tf.stridedSlice(dwFull, [0, 0, 0, 0], inflated.shape, [dh, dw, 1, 1]);
        tf.dispose([inflated, dwFull]);
        return [dx, taps];
      });
      const actual = await runOn('wasm', [x!, dy!, w!], shapes, ([xt, dyt, wt]) => [
        tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy: dyt!, filter: wt! }, { ...attrs, dilations: c.dilations, inputShape: c.inShape }) as tf.Tensor,
        tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x: xt!, dy: dyt! }, { ...attrs, dilations: c.dilations, filterShape: c.filterShape }) as tf.Tensor,
      ]);
      expect(relativeError(actual[0]!, expected[0]!)).toBeLessThan(1e-4);
      expect(relativeError(actual[1]!, expected[1]!)).toBeLessThan(1e-4);
    },
  );

  const poolCaseArb = fc.record({
    batch: fc.integer({ min: 1, max: 3 }),
    height: fc.integer({ min: 1, max: 9 }),
    width: fc.integer({ min: 1, max: 9 }),
    channels: fc.integer({ min: 1, max: 3 }),
    fh: fc.integer({ min: 1, max: 4 }),
    fw: fc.integer({ min: 1, max: 4 }),
    sh: fc.integer({ min: 1, max: 3 }),
    sw: fc.integer({ min: 1, max: 3 }),
    pad: fc.constantFrom<'valid' | 'same'>('valid', 'same'),
    // After a ReLU most windows tie at 0: the gradient must go where the cpu kernel sends it.
    relu: fc.boolean(),
    seed: fc.integer({ min: 0, max: 1_000_000 }),
  }).map((r) => ({ ...r, height: Math.max(r.height, r.fh), width: Math.max(r.width, r.fw) }));

  test.prop([poolCaseArb], { numRuns: 80 })(
    "should give wasm's MaxPoolGrad the cpu backend's values within 1e-6 relative error, ties after a ReLU included, for any window, stride and padding",
    async (p) => {
      const shape = [p.batch, p.height, p.width, p.channels];
      const [x] = await valuesOf(() => [p.relu ? tf.relu(random(shape, p.seed)) : random(shape, p.seed)]);
      const grad = ([xt]: tf.Tensor[]) => {
        const f = (a: tf.Tensor4D) => tf.maxPool(a, [p.fh, p.fw], [p.sh, p.sw], p.pad);
        const weights = tf.tidy(() => random(f(xt as tf.Tensor4D).shape, p.seed + 1));
        const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(f(a as tf.Tensor4D), weights)))(xt as tf.Tensor4D);
        weights.dispose();
        return [g];
      };
      const expected = await runOn('cpu', [x!], [shape], grad);
      const actual = await runOn('wasm', [x!], [shape], grad);
      // Overlapping windows add in another order than the cpu kernel's; a misplaced tie is an error of order 1.
      expect(relativeError(actual[0]!, expected[0]!)).toBeLessThan(1e-6);
    },
  );

  const resizeCaseArb = fc.record({
    batch: fc.integer({ min: 1, max: 3 }),
    height: fc.integer({ min: 1, max: 7 }),
    width: fc.integer({ min: 1, max: 7 }),
    outHeight: fc.integer({ min: 1, max: 12 }),
    outWidth: fc.integer({ min: 1, max: 12 }),
    channels: fc.integer({ min: 1, max: 3 }),
    flags: fc.constantFrom([false, false], [true, false], [false, true]),
    bilinear: fc.boolean(),
    seed: fc.integer({ min: 0, max: 1_000_000 }),
  });

  test.prop([resizeCaseArb], { numRuns: 80 })(
    'should make the resize gradient the adjoint of the forward resize on wasm and cpu (⟨resize(x), dy⟩ = ⟨x, grad(dy)⟩), for any sizes, batch and flags',
    async (r) => {
      const xShape = [r.batch, r.height, r.width, r.channels];
      const dyShape = [r.batch, r.outHeight, r.outWidth, r.channels];
      const [x, dy] = await valuesOf(() => [random(xShape, r.seed), random(dyShape, r.seed + 1)]);
      const [alignCorners, halfPixelCenters] = r.flags as [boolean, boolean];
      for (const backend of ['cpu', 'wasm']) {
        const [forward, backward] = await runOn(backend, [x!, dy!], [xShape, dyShape], ([xt, dyt]) => {
          const size: [number, number] = [r.outHeight, r.outWidth];
          const resize = (a: tf.Tensor4D) =>
            r.bilinear ? tf.image.resizeBilinear(a, size, alignCorners, halfPixelCenters) : tf.image.resizeNearestNeighbor(a, size, alignCorners, halfPixelCenters);
          const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(resize(a as tf.Tensor4D), dyt as tf.Tensor4D)))(xt as tf.Tensor4D);
          return [tf.tidy(() => tf.sum(tf.mul(resize(xt as tf.Tensor4D), dyt as tf.Tensor4D))), tf.tidy(() => tf.sum(tf.mul(xt as tf.Tensor, g))), g];
        });
        expect(Math.abs(forward![0]! - backward![0]!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(forward![0]!)));
      }
    },
  );

  test.prop([resizeCaseArb], { numRuns: 30 })(
    'should give the resize gradients the same values on wasm as on cpu, for any sizes, batch and flags',
    async (r) => {
      const dyShape = [r.batch, r.outHeight, r.outWidth, r.channels];
      const [dy] = await valuesOf(() => [random(dyShape, r.seed)]);
      const [alignCorners, halfPixelCenters] = r.flags as [boolean, boolean];
      const gradient = r.bilinear ? resizeBilinearGradient : resizeNearestGradient;
      const run = ([dyt]: tf.Tensor[]) => [gradient(dyt as tf.Tensor4D, [r.batch, r.height, r.width, r.channels], { alignCorners, halfPixelCenters })];
      const expected = await runOn('cpu', [dy!], [dyShape], run);
      const actual = await runOn('wasm', [dy!], [dyShape], run);
      expect(relativeError(actual[0]!, expected[0]!)).toBeLessThan(1e-5);
    },
  );

  test.prop(
    [
      fc.record({
        rows: fc.integer({ min: 1, max: 12 }),
        features: fc.integer({ min: 1, max: 5 }),
        segments: fc.integer({ min: 1, max: 6 }),
        seed: fc.integer({ min: 0, max: 1_000_000 }),
      }),
    ],
    { numRuns: 40 },
  )("should give wasm's UnsortedSegmentSum the cpu backend's sums, repeated ids included", async (s) => {
    const [x, ids] = await valuesOf(() => [random([s.rows, s.features], s.seed), tf.floor(tf.randomUniform([s.rows], 0, s.segments, 'float32', s.seed + 1))]);
    const run = ([xt, idt]: tf.Tensor[]) => [tf.tidy(() => tf.unsortedSegmentSum(xt!, tf.cast(idt!, 'int32') as tf.Tensor1D, s.segments))];
    const expected = await runOn('cpu', [x!, ids!], [[s.rows, s.features], [s.rows]], run);
    const actual = await runOn('wasm', [x!, ids!], [[s.rows, s.features], [s.rows]], run);
    expect(relativeError(actual[0]!, expected[0]!)).toBeLessThan(1e-6);
  });

  test.prop([fc.integer({ min: 1, max: 3 }), fc.constantFrom<'valid' | 'same'>('valid', 'same'), fc.integer({ min: 0, max: 1_000_000 })], { numRuns: 10 })(
    "should run 3-D max pooling and its gradient on wasm through the cpu backend's kernels, with the cpu backend's values",
    async (batch, pad, seed) => {
      const shape = [batch, 5, 4, 6, 2];
      const [x] = await valuesOf(() => [random(shape, seed)]);
      const run = ([xt]: tf.Tensor[]) => {
        const f = (a: tf.Tensor) => tf.sum(tf.square(tf.maxPool3d(a as tf.Tensor5D, 2, 2, pad)));
        return [tf.maxPool3d(xt as tf.Tensor5D, 2, 2, pad), tf.grad(f)(xt as tf.Tensor5D)];
      };
      const expected = await runOn('cpu', [x!], [shape], run);
      const calls = { forward: cpuReferenceCalls['MaxPool3D'] ?? 0, backward: cpuReferenceCalls['MaxPool3DGrad'] ?? 0 };
      const actual = await runOn('wasm', [x!], [shape], run);
      // Forward twice (the result and inside the gradient), the gradient once.
      expect((cpuReferenceCalls['MaxPool3D'] ?? 0) - calls.forward).toBe(2);
      expect((cpuReferenceCalls['MaxPool3DGrad'] ?? 0) - calls.backward).toBe(1);
      expect(Array.from(actual[0]!)).toEqual(Array.from(expected[0]!));
      expect(Array.from(actual[1]!)).toEqual(Array.from(expected[1]!));
    },
  );
});
