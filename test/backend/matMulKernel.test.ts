import { beforeAll, describe, expect, it } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.ts';
import { transposedMatMulCalls } from '../../src/backend/matMulKernel.ts';
import { relativeError } from './convCases.ts';

// tfjs treats a seed of 0 as "no seed": offset every seed by one.
const random = (shape: number[], seed: number): Float32Array => tf.tidy(() => tf.randomNormal(shape, 0, 1, 'float32', seed + 1).dataSync() as Float32Array);

const caseArb = fc.record({
  batch: fc.constantFrom<number | null>(null, 1, 3),
  m: fc.integer({ min: 1, max: 40 }),
  k: fc.integer({ min: 1, max: 40 }),
  n: fc.integer({ min: 1, max: 40 }),
  transposeA: fc.boolean(),
  transposeB: fc.boolean(),
  fused: fc.constantFrom<'none' | 'bias' | 'bias+relu' | 'prelu'>('none', 'bias', 'bias+relu', 'prelu'),
  seed: fc.integer({ min: 0, max: 1_000_000 }),
});
type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

const shapes = (c: Case): { a: number[]; b: number[] } => {
  const lead = c.batch === null ? [] : [c.batch];
  return { a: [...lead, ...(c.transposeA ? [c.k, c.m] : [c.m, c.k])], b: [...lead, ...(c.transposeB ? [c.n, c.k] : [c.k, c.n])] };
};

/** The product (tf.matMul, or tf.fused.matMul with a bias and an activation) on the active backend. */
const product = async (c: Case, values: { a: Float32Array; b: Float32Array; bias: Float32Array }): Promise<Float32Array> => {
  const s = shapes(c);
  const out = tf.tidy(() => {
    const a = tf.tensor(values.a, s.a);
    const b = tf.tensor(values.b, s.b);
    if (c.fused === 'none') return tf.matMul(a, b, c.transposeA, c.transposeB);
    if (c.fused === 'prelu') return tf.fused.matMul({ a, b, transposeA: c.transposeA, transposeB: c.transposeB, activation: 'prelu', preluActivationWeights: tf.tensor1d(values.bias) });
    return tf.fused.matMul({ a, b, transposeA: c.transposeA, transposeB: c.transposeB, bias: tf.tensor1d(values.bias), activation: c.fused === 'bias+relu' ? 'relu' : 'linear' });
  });
  const data = (await out.data()) as Float32Array;
  out.dispose();
  return data;
};

describe('matrix products on wasm: transposed operands (transpose, then the untransposed product) and fused products in a batch', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  test.prop([caseArb], { numRuns: 60 })("should give the cpu backend's values within 1e-5, leave no buffer behind, and run exactly when an operand is transposed", async (c) => {
    const s = shapes(c);
    const values = { a: random(s.a, c.seed), b: random(s.b, c.seed + 1), bias: random([c.n], c.seed + 2) };
    await tf.setBackend('cpu');
    const expected = await product(c, values);
    await tf.setBackend('wasm');
    const buffers = tf.backend().numDataIds();
    const tensors = tf.memory().numTensors;
    const calls = transposedMatMulCalls.count;
    const actual = await product(c, values);
    expect(transposedMatMulCalls.count - calls).toBe(c.transposeA || c.transposeB ? 1 : 0);
    expect(tf.backend().numDataIds()).toBe(buffers);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(actual.length).toBe(expected.length);
    expect(relativeError(actual, expected)).toBeLessThan(1e-5);
  });

  it("should add a fused product's bias by output column in a batch of products (stock wasm adds it by the wrong index)", async () => {
    const run = async (backend: string): Promise<number[]> => {
      await tf.setBackend(backend);
      const out = tf.tidy(() =>
        tf.fused.matMul({ a: tf.tensor([1, 2, 3, 4, 5, 6], [3, 2, 1]), b: tf.tensor([1, -1, 2, -2, 3, -3], [3, 1, 2]), bias: tf.tensor1d([0.5, -0.5]), activation: 'relu' }),
      );
      const values = Array.from(await out.data());
      out.dispose();
      return values;
    };
    expect(await run('cpu')).toEqual([1.5, 0, 2.5, 0, 6.5, 0, 8.5, 0, 15.5, 0, 18.5, 0]);
    expect(await run('wasm')).toEqual([1.5, 0, 2.5, 0, 6.5, 0, 8.5, 0, 15.5, 0, 18.5, 0]);
  });

  it("should give a dense layer's gradients the cpu backend's values (dx = dy·Wᵀ and dW = xᵀ·dy run transposed)", async () => {
    const x = random([16, 24], 3);
    const w = random([24, 8], 4);
    const gradsOn = async (backend: string): Promise<Float32Array[]> => {
      await tf.setBackend(backend);
      const grads = tf.tidy(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.matMul(a, b))))([tf.tensor2d(x, [16, 24]), tf.tensor2d(w, [24, 8])]));
      const out = (await Promise.all(grads.map((g) => g.data()))) as Float32Array[];
      tf.dispose(grads);
      return out;
    };
    const expected = await gradsOn('cpu');
    const calls = transposedMatMulCalls.count;
    const actual = await gradsOn('wasm');
    expect(transposedMatMulCalls.count - calls).toBe(2);
    actual.forEach((g, i) => expect(relativeError(g, expected[i] as Float32Array)).toBeLessThan(1e-5));
  });
});
