import { beforeAll, describe, expect, it } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.ts';
import { convGeometry } from '../../src/backend/convGeometry.ts';
import { convForwardCalls, nativeConvForward, nativeForwardMinPixels, prefersNativeForward, usesNativeForward } from '../../src/backend/kernels/convForwardKernels.ts';
import { loadedKernelVariants, relaxedSimdSupported, useKernelVariant, type KernelVariant } from '../../src/backend/kernels/kernelVariant.ts';
import { convForwardWasmBase64 } from '../../src/backend/kernels/convForwardWasm.ts';
import { hasDataSection } from '../../src/backend/kernels/nativeModule.ts';
import { relativeError } from './convCases.ts';

/** One forward convolution: shapes, strides, padding (no numeric pad: tfjs mis-sizes it on wasm), bias and activation. */
interface ForwardCase {
  readonly inShape: [number, number, number, number];
  readonly filterShape: [number, number, number, number];
  readonly strides: [number, number];
  readonly pad: 'same' | 'valid' | tf.backend_util.ExplicitPadding;
  readonly fused: boolean;
  readonly bias: boolean;
  readonly activation: 'linear' | 'relu' | 'leakyrelu' | 'prelu';
  readonly seed: number;
}

// tfjs treats a seed of 0 as "no seed": offset every seed by one.
const random = (shape: number[], seed: number): tf.Tensor => tf.randomNormal(shape, 0, 1, 'float32', seed + 1);

const padArb = fc.oneof(
  fc.constant<'same'>('same'),
  fc.constant<'valid'>('valid'),
  fc
    .tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }))
    .map(([t, b, l, r]): tf.backend_util.ExplicitPadding => [[0, 0], [t, b], [l, r], [0, 0]]),
);

/**
 * Random forward convolutions: batch 1–`maxBatch`, sizes 1–`maxSide`, channels 1–20 (1, past
 * one vector, not multiples of 4 or 8), filters 1–4, strides 1–2, 'same' / 'valid' / explicit
 * padding, Conv2D or FusedConv2D with or without bias and ReLU; inputs grown so the output is not empty.
 */
const forwardCaseArb = (maxBatch: number, maxSide: number): fc.Arbitrary<ForwardCase> =>
  fc
    .record({
      batch: fc.integer({ min: 1, max: maxBatch }),
      height: fc.integer({ min: 1, max: maxSide }),
      width: fc.integer({ min: 1, max: maxSide }),
      inChannels: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 20 })),
      outChannels: fc.integer({ min: 1, max: 20 }),
      fh: fc.integer({ min: 1, max: 4 }),
      fw: fc.integer({ min: 1, max: 4 }),
      sh: fc.integer({ min: 1, max: 2 }),
      sw: fc.integer({ min: 1, max: 2 }),
      pad: padArb,
      fused: fc.boolean(),
      bias: fc.boolean(),
      relu: fc.boolean(),
      seed: fc.integer({ min: 0, max: 1_000_000 }),
    })
    .map((r) => {
      const padH = r.pad === 'same' ? r.fh : r.pad === 'valid' ? 0 : r.pad[1][0] + r.pad[1][1];
      const padW = r.pad === 'same' ? r.fw : r.pad === 'valid' ? 0 : r.pad[2][0] + r.pad[2][1];
      return {
        inShape: [r.batch, Math.max(r.height, r.fh - Math.min(padH, r.fh)), Math.max(r.width, r.fw - Math.min(padW, r.fw)), r.inChannels],
        filterShape: [r.fh, r.fw, r.inChannels, r.outChannels],
        strides: [r.sh, r.sw],
        pad: r.pad,
        fused: r.fused,
        bias: r.fused && r.bias,
        activation: r.fused && r.relu ? 'relu' : 'linear',
        seed: r.seed,
      } satisfies ForwardCase as ForwardCase;
    });

const geometryOf = (c: ForwardCase) => convGeometry(c.inShape, c.filterShape, c.strides, 1, c.pad);

/** The inputs of a case, made on the cpu backend from its seed (the same values on every backend). */
const valuesOf = async (c: ForwardCase): Promise<Float32Array[]> => {
  await tf.setBackend('cpu');
  const made = tf.tidy(() => [random(c.inShape, c.seed), random(c.filterShape, c.seed + 1), random([c.filterShape[3]], c.seed + 2), tf.scalar(0.3)]);
  const values = (await Promise.all(made.map((t) => t.data()))) as Float32Array[];
  tf.dispose(made);
  return values;
};

/** A case's Conv2D / FusedConv2D kernel on one backend; checks that exactly one tensor is left (the output). */
const forwardOn = async (backend: 'cpu' | 'wasm', c: ForwardCase, values: Float32Array[]): Promise<Float32Array> => {
  await tf.setBackend(backend);
  const [xv, wv, bv, alpha] = values;
  const x = tf.tensor4d(xv!, c.inShape);
  const filter = tf.tensor4d(wv!, c.filterShape);
  const bias = tf.tensor1d(bv!);
  const prelu = tf.tensor1d(new Float32Array(c.filterShape[3]).fill(alpha![0]!));
  const before = tf.memory().numTensors;
  const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dilations: [1, 1] };
  const y = (
    c.fused
      ? tf.engine().runKernel(
          'FusedConv2D',
          { x, filter, ...(c.bias ? { bias } : {}), ...(c.activation === 'prelu' ? { preluActivationWeights: prelu } : {}) },
          { ...attrs, activation: c.activation, leakyreluAlpha: alpha![0] },
        )
      : tf.engine().runKernel('Conv2D', { x, filter }, attrs)
  ) as tf.Tensor;
  expect(tf.memory().numTensors - before).toBe(1);
  const g = geometryOf(c);
  expect(y.shape).toEqual([g.batch, g.outHeight, g.outWidth, g.outChannels]);
  const out = (await y.data()) as Float32Array;
  tf.dispose([x, filter, bias, prelu, y]);
  return out;
};

describe('C forward convolution (wasm)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
    await initBackend('wasm');
  });

  it('is a module without data segment', () => {
    expect(hasDataSection(Uint8Array.from(atob(convForwardWasmBase64), (ch) => ch.charCodeAt(0)))).toBe(false);
  });

  // The C kernel called directly (the rule bypassed), on small random cases: the same values as the cpu backend.
  test.prop([forwardCaseArb(3, 12)], { numRuns: 120 })('matches the cpu backend on any geometry (called directly)', async (c) => {
    const values = await valuesOf(c);
    const expected = await forwardOn('cpu', c, values);
    await tf.setBackend('wasm');
    const x = tf.tensor4d(values[0]!, c.inShape);
    const filter = tf.tensor4d(values[1]!, c.filterShape);
    const bias = c.bias ? tf.tensor1d(values[2]!) : undefined;
    const before = tf.memory().numTensors;
    const calls = convForwardCalls.count;
    const info = nativeConvForward(tf.backend(), x, filter, bias, { strides: c.strides, pad: c.pad, activation: c.activation }, true);
    expect(info).toBeDefined();
    expect(convForwardCalls.count - calls).toBe(1);
    const y = tf.engine().makeTensorFromTensorInfo(info!);
    expect(tf.memory().numTensors - before).toBe(1);
    const actual = (await y.data()) as Float32Array;
    tf.dispose([x, filter, y, ...(bias ? [bias] : [])]);
    expect(relativeError(actual, expected)).toBeLessThan(1e-4);
  });

  // Through the registered kernels: the C kernel runs exactly where the rule says (the plain build:
  // from nativeForwardMinPixels output pixels; the relaxed build: always), and the values match either way.
  const variants: ReadonlyArray<KernelVariant> = relaxedSimdSupported() ? ['simd', 'relaxed-simd'] : ['simd'];
  test.prop([forwardCaseArb(4, 20)], { numRuns: 80 })(`Conv2D / FusedConv2D run it where the rule says, and match the cpu backend (${variants.join(', ')})`, async (c) => {
    const values = await valuesOf(c);
    const expected = await forwardOn('cpu', c, values);
    try {
      for (const variant of variants) {
        useKernelVariant(variant);
        const calls = convForwardCalls.count;
        const actual = await forwardOn('wasm', c, values);
        expect(loadedKernelVariants['convForward']).toBe(variant);
        expect(convForwardCalls.count - calls).toBe(variant === 'relaxed-simd' || prefersNativeForward(geometryOf(c)) ? 1 : 0);
        expect(usesNativeForward(geometryOf(c), variant)).toBe(convForwardCalls.count - calls === 1);
        expect(relativeError(actual, expected)).toBeLessThan(1e-4);
      }
    } finally {
      useKernelVariant('auto');
    }
  });

  const base: ForwardCase = {
    inShape: [2, 16, 16, 5],
    filterShape: [3, 3, 5, 12],
    strides: [1, 1],
    pad: 'same',
    fused: true,
    bias: true,
    activation: 'relu',
    seed: 3,
  };

  /** Case c through the registered kernels with one forward build: the C kernel's calls, and the relative error against cpu. */
  const withBuild = async (variant: KernelVariant, c: ForwardCase): Promise<{ calls: number; error: number }> => {
    const values = await valuesOf(c);
    const expected = await forwardOn('cpu', c, values);
    useKernelVariant(variant);
    try {
      const before = convForwardCalls.count;
      const actual = await forwardOn('wasm', c, values);
      return { calls: convForwardCalls.count - before, error: relativeError(actual, expected) };
    } finally {
      useKernelVariant('auto');
    }
  };

  it.each([
    ['the small CNN first layer (1 input channel)', { ...base, inShape: [2, 28, 28, 1], filterShape: [3, 3, 1, 16], fused: false } as ForwardCase, true],
    ['a stride-2 layer, bias and ReLU', { ...base, inShape: [8, 14, 14, 32], filterShape: [3, 3, 32, 64], strides: [2, 2] } as ForwardCase, true],
    ['leaky ReLU (falls back)', { ...base, activation: 'leakyrelu' } as ForwardCase, false],
    ['PReLU (falls back)', { ...base, activation: 'prelu' } as ForwardCase, false],
    [`fewer than ${nativeForwardMinPixels} output pixels (plain build: falls back)`, { ...base, inShape: [1, 15, 15, 5] } as ForwardCase, false],
  ])('%s', async (_name, c, native) => {
    const { calls, error } = await withBuild('simd', c);
    expect(calls).toBe(native ? 1 : 0);
    expect(error).toBeLessThan(1e-4);
  });

  it.runIf(relaxedSimdSupported())(`computes calls of fewer than ${nativeForwardMinPixels} output pixels too with the relaxed build`, async () => {
    const { calls, error } = await withBuild('relaxed-simd', { ...base, inShape: [1, 4, 4, 5] });
    expect(calls).toBe(1);
    expect(error).toBeLessThan(1e-4);
  });

  it('is not used on the cpu backend', async () => {
    const c: ForwardCase = { ...base, inShape: [4, 16, 16, 5] };
    const values = await valuesOf(c);
    const calls = convForwardCalls.count;
    await forwardOn('cpu', c, values);
    expect(convForwardCalls.count).toBe(calls);
  });
});
