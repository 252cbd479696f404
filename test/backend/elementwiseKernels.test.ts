import { describe, expect, beforeAll, it } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.ts';
import { batchNormTrainingGradKernelName, batchNormTrainingKernelName, elementwiseCalls, reluGradKernelName } from '../../src/backend/kernels/elementwiseKernels.ts';
import { elementwiseWasmBase64 } from '../../src/backend/kernels/elementwiseWasm.ts';
import { hasDataSection } from '../../src/backend/kernels/nativeModule.ts';

/** Values a ReLU sees, with exact zeros (both signs), infinities and NaN mixed in. */
const special = [0, -0, Infinity, -Infinity, NaN, 1e-38, -1e-38];
const valuesOf = (n: number, seed: number, withSpecials: boolean): Float32Array => {
  let state = seed * 2654435761 + 1;
  const next = (): number => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  return Float32Array.from({ length: n }, () => {
    const u = next();
    if (withSpecials && u < 0.15) return special[Math.floor(next() * special.length)];
    return (next() - 0.5) * 8;
  });
};

/** tfjs's stock Relu gradient, dy·step(x), on cpu. */
const stockGradient = (dy: Float32Array, x: Float32Array, shape: number[]): Float32Array =>
  tf.tidy(() => tf.mul(tf.tensor(dy, shape), tf.cast(tf.step(tf.tensor(x, shape)), 'float32')).dataSync() as Float32Array);

/** Whether a and b are the same floats bit for bit up to NaN payloads (Object.is: −0 ≠ 0, NaN = NaN). */
const sameFloats = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
};

const shapes = fc.oneof(
  fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 37 })).map(([b, c]) => [b, c]),
  fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 19 })).map((s) => [...s]),
);

describe('the elementwise C module', () => {
  it('has no data section (it runs on tfjs-wasm’s memory)', () => {
    expect(hasDataSection(Uint8Array.from(atob(elementwiseWasmBase64), (ch) => ch.charCodeAt(0)))).toBe(false);
  });
});

describe.each(['cpu', 'wasm'] as const)('ReLU gradient on %s', (backend) => {
  beforeAll(async () => {
    await initBackend('wasm'); // registers the kernels and the gradient override
    await tf.setBackend(backend);
  });

  test.prop([shapes, fc.nat(10000), fc.boolean()], { numRuns: 40 })(
    "is tfjs's dy·step(x) exactly (x = 0 → 0, NaN → NaN, −0 and ∞·0 too) through tf.relu's gradient, and leaks nothing",
    async (shape, seed, withSpecials) => {
      const n = shape.reduce((p, d) => p * d, 1);
      const x = valuesOf(n, seed, withSpecials);
      const dy = valuesOf(n, seed + 7, withSpecials);
      await tf.setBackend('cpu');
      const expected = stockGradient(dy, x, shape);
      await tf.setBackend(backend);
      const xt = tf.tensor(x, shape);
      const dyt = tf.tensor(dy, shape);
      const before = tf.memory().numTensors;
      const calls = elementwiseCalls.reluGrad;
      const dx = tf.grad((t: tf.Tensor) => tf.relu(t))(xt, dyt);
      const values = await dx.data();
      if (backend === 'wasm') expect(elementwiseCalls.reluGrad).toBe(calls + 1);
      dx.dispose();
      expect(tf.memory().numTensors).toBe(before);
      expect(sameFloats(values, expected)).toBe(true);
      tf.dispose([xt, dyt]);
    },
  );

  it('runs as the Relu gradient of every backend that has the kernel, and the stock formula for int32', async () => {
    expect(tf.getKernel(reluGradKernelName, backend)).toBeDefined();
    const xf = tf.tensor([-2, 0, 3]);
    const profile = await tf.profile(() => tf.grad((t: tf.Tensor) => tf.relu(t))(xf, tf.tensor([5, 6, 7])));
    const names = profile.kernels.map((k) => k.name);
    expect(names).toContain(reluGradKernelName);
    expect(names).not.toContain('Step');
    tf.dispose([xf, profile.result as tf.Tensor]);
    const x = tf.tensor([-2, 0, 3], [3], 'int32');
    const dx = tf.grad((t: tf.Tensor) => tf.relu(t))(x, tf.tensor([5, 6, 7]));
    expect(Array.from(await dx.data())).toEqual([0, 0, 7]);
    tf.dispose([x, dx]);
  });
});

describe('batch-norm kernels on wasm, large activations', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it.each([
    [[32, 28, 28, 16], 100],
    [[16, 7, 7, 67], -30],
  ])('compute μ, σ² and y of %j (mean %d) within 1e-5 of float64 sums over the same floats', async (shape, offset) => {
    const c = shape[shape.length - 1];
    const n = shape.reduce((p, d) => p * d, 1);
    const rows = n / c;
    const xv = valuesOf(n, 3, false).map((v) => v / 4 + offset + (v > 0 ? 0.5 : 0));
    const gv = valuesOf(c, 4, false);
    const bv = valuesOf(c, 5, false);
    const mean = new Float64Array(c);
    const variance = new Float64Array(c);
    for (let i = 0; i < n; i++) mean[i % c] += xv[i] / rows;
    for (let i = 0; i < n; i++) variance[i % c] += (xv[i] - mean[i % c]) ** 2 / rows;
    const x = tf.tensor(xv, shape);
    const g = tf.tensor1d(gv);
    const b = tf.tensor1d(bv);
    const calls = elementwiseCalls.batchNorm;
    const [y, m, v] = tf.engine().runKernel(batchNormTrainingKernelName, { x, scale: g, offset: b }, { epsilon: 1e-5 }) as tf.Tensor[];
    expect(elementwiseCalls.batchNorm).toBe(calls + 1);
    const [yv, mv, vv] = [y, m, v].map((t) => t.dataSync());
    for (let k = 0; k < c; k++) {
      expect(Math.abs(mv[k] - mean[k])).toBeLessThan(1e-5 * Math.abs(mean[k]) + 1e-6);
      expect(Math.abs(vv[k] - variance[k])).toBeLessThan(1e-5 * variance[k]);
    }
    let err = 0;
    for (let i = 0; i < n; i++) {
      const k = i % c;
      const expected = ((xv[i] - mean[k]) * gv[k]) / Math.sqrt(variance[k] + 1e-5) + bv[k];
      err = Math.max(err, Math.abs(yv[i] - expected));
    }
    // y ~ γ·N(0, 1) + β: |x − μ|/σ rounds at ~|μ|/σ·2⁻²⁴ (x is float32)
    expect(err).toBeLessThan(1e-4);
    tf.dispose([x, g, b, y, m, v]);
  });

  it("refuses a ReLU mask y that does not have x's shape, in one line, before the C loop runs", () => {
    const x = tf.ones([4, 3]);
    const c = tf.ones([3]);
    const y = tf.ones([2, 3]);
    try {
      const calls = elementwiseCalls.batchNormGrad;
      const inputs = { dy: x, x, mean: c, variance: c, scale: c, y };
      expect(() => tf.engine().runKernel(batchNormTrainingGradKernelName, inputs, { epsilon: 1e-5 })).toThrow("Ll4alBatchNormTrainingGrad: y [2, 3] must have x's shape [4, 3]");
      expect(elementwiseCalls.batchNormGrad).toBe(calls);
    } finally {
      tf.dispose([x, c, y]);
    }
  });
});
