import { describe, expect, beforeAll } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, registerWasmKernels } from '../../src/backend/index.ts';
import { relativeError } from './convCases.ts';

// tfjs's own gradients, captured before ll4al replaces them.
const stock = {
  FusedBatchNorm: tf.getGradient('FusedBatchNorm'),
  Mean: tf.getGradient('Mean'),
  Sum: tf.getGradient('Sum'),
};

const values = async (ts: tf.Tensor[]): Promise<Float32Array[]> => (await Promise.all(ts.map((t) => t.data()))) as Float32Array[];

/** Evaluates a gradient config's input gradients for the named inputs, on the active backend. */
const evaluate = (config: tf.GradConfig, dy: tf.Tensor, saved: tf.Tensor[], attrs: object, names: string[]): tf.Tensor[] =>
  tf.tidy(() => {
    const grads = config.gradFunc(dy, saved, attrs as tf.NamedAttrMap);
    return names.map((name) => grads[name]());
  });

const shape4 = fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 5 }));

describe.each(['wasm', 'cpu'] as const)('replaced gradients on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
    registerWasmKernels();
  });

  test.prop([shape4, fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 10_000 })])(
    "should equal tfjs's batch-norm gradient for every input, with per-channel or full-shape statistics",
    async ([b, h, w, c], perChannel, withScale, seed) => {
      const before = tf.memory().numTensors;
      const statShape = perChannel ? [c] : [b, h, w, c];
      const [x, dy, mean, variance, scale] = tf.tidy(() => [
        tf.randomNormal([b, h, w, c], 0, 1, 'float32', seed),
        tf.randomNormal([b, h, w, c], 0, 1, 'float32', seed + 1),
        tf.randomNormal(statShape, 0, 1, 'float32', seed + 2),
        tf.add(tf.abs(tf.randomNormal(statShape, 0, 1, 'float32', seed + 3)), 0.1),
        tf.randomNormal(statShape, 1, 0.5, 'float32', seed + 4),
      ]);
      const saved = withScale ? [x, mean, variance, scale] : [x, mean, variance];
      const names = withScale ? ['x', 'mean', 'variance', 'scale', 'offset'] : ['x', 'mean', 'variance', 'offset'];
      const attrs = { varianceEpsilon: 1e-3 };
      const ours = evaluate(registered('FusedBatchNorm'), dy, saved, attrs, names);
      const theirs = evaluate(stock.FusedBatchNorm, dy, saved, attrs, names);
      ours.forEach((t, i) => expect(t.shape).toEqual(theirs[i].shape));
      const [a, e] = [await values(ours), await values(theirs)];
      tf.dispose([...ours, ...theirs, x, dy, mean, variance, scale]);
      expect(tf.memory().numTensors).toBe(before);
      a.forEach((got, i) => expect(relativeError(got, e[i])).toBeLessThan(1e-4));
    },
  );

  const reduction = fc
    .record({
      shape: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 4 }),
      seed: fc.integer({ min: 1, max: 10_000 }),
      mask: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
    })
    .map(({ shape, seed, mask }) => {
      const axes = shape.map((_, i) => i).filter((i) => mask[i]);
      return { shape, seed, axes: axes.length > 0 ? axes : [0] };
    });

  test.prop([reduction, fc.constantFrom('Mean' as const, 'Sum' as const)])(
    "should equal tfjs's gradient of Mean and Sum over any axes",
    async ({ shape, seed, axes }, kernel) => {
      const before = tf.memory().numTensors;
      const x = tf.randomNormal(shape, 0, 1, 'float32', seed);
      const reducedShape = shape.filter((_, i) => !axes.includes(i));
      const dy = tf.randomNormal(reducedShape, 0, 1, 'float32', seed + 1);
      const attrs = { axis: axes, keepDims: false };
      const ours = evaluate(registered(kernel), dy, [x], attrs, ['x']);
      const theirs = evaluate(stock[kernel], dy, [x], attrs, ['x']);
      expect(ours[0].shape).toEqual(shape);
      const [a, e] = [await values(ours), await values(theirs)];
      tf.dispose([...ours, ...theirs, x, dy]);
      expect(tf.memory().numTensors).toBe(before);
      expect(relativeError(a[0], e[0])).toBeLessThan(1e-6);
    },
  );
});

const registered = (kernelName: string): tf.GradConfig => {
  const config = tf.getGradient(kernelName);
  if (config === stock[kernelName as keyof typeof stock]) throw new Error(`${kernelName}: gradient not replaced`);
  return config;
};
