import { existsSync, readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.ts';
import { convGradCalls } from '../../src/backend/kernels/convGradKernels.ts';
import { convForwardCalls } from '../../src/backend/kernels/convForwardKernels.ts';
import {
  kernelVariantCalls,
  loadedKernelVariants,
  preferredKernelVariant,
  relaxedMaddFuses,
  relaxedSimdSupported,
  useKernelVariant,
  type KernelVariant,
} from '../../src/backend/kernels/kernelVariant.ts';
import { convForwardRelaxedWasmBase64 } from '../../src/backend/kernels/convForwardRelaxedWasm.ts';
import { convForwardWasmBase64 } from '../../src/backend/kernels/convForwardWasm.ts';
import { convGradRelaxedWasmBase64 } from '../../src/backend/kernels/convGradRelaxedWasm.ts';
import { convGradWasmBase64 } from '../../src/backend/kernels/convGradWasm.ts';
import { hasDataSection } from '../../src/backend/kernels/nativeModule.ts';
import { InputError } from '../../src/inputError.ts';
import { relativeError } from './convCases.ts';
import { buildSmallCnn, JointModel } from '../../src/tasks/index.ts';

/**
 * max |wasm − cpu| / max(1, max |cpu|) for either build of the C convolution kernels. The
 * relaxed build fuses each multiply-add (one rounding instead of two), so it differs from the
 * cpu backend (and from the plain build) in the last bits; sums of a few hundred products stay
 * far inside this.
 */
const tolerance = 1e-4;

// tfjs treats a seed of 0 as "no seed": offset every seed by one.
const random = (shape: number[], seed: number): tf.Tensor => tf.randomNormal(shape, 0, 1, 'float32', seed + 1);

// The project's type libraries do not declare the WebAssembly API.
const wasmValidate = (bytes: Uint8Array): boolean => (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly.validate(bytes);

const nodeMajor = Number(process.versions.node.split('.')[0]);
const relaxedExpected = nodeMajor >= 22 || process.execArgv.includes('--experimental-wasm-relaxed-simd');
/** Whether V8 compiles f32x4.relaxed_madd to one fused instruction here (x86 with FMA3; arm64 always). */
const fmaExpected = process.arch === 'arm64' || (existsSync('/proc/cpuinfo') && /^flags\s*:.*\bfma\b/m.test(readFileSync('/proc/cpuinfo', 'utf8')));
const variants: ReadonlyArray<KernelVariant> = relaxedExpected ? ['simd', 'relaxed-simd'] : ['simd'];

/** Convolutions big enough for the C forward kernel (≥ 256 output pixels: batch ≥ 2, 12 × 12 or more). */
const caseArb = fc.record({
  batch: fc.integer({ min: 2, max: 3 }),
  size: fc.integer({ min: 14, max: 16 }),
  inChannels: fc.integer({ min: 1, max: 9 }),
  outChannels: fc.integer({ min: 1, max: 17 }),
  k: fc.integer({ min: 1, max: 3 }),
  stride: fc.constant<number>(1),
  pad: fc.constantFrom<'same' | 'valid'>('same', 'valid'),
  seed: fc.integer({ min: 0, max: 1_000_000 }),
});

type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

/** The convolution's output and both gradients of Σ out², on the active backend. */
const convAndGradients = async (c: Case, values: ReadonlyArray<Float32Array>): Promise<Float32Array[]> => {
  const before = tf.memory().numTensors;
  const x = tf.tensor4d(values[0] as Float32Array, [c.batch, c.size, c.size, c.inChannels]);
  const w = tf.tensor4d(values[1] as Float32Array, [c.k, c.k, c.inChannels, c.outChannels]);
  const conv = (a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad);
  const out = conv(x, w);
  // the gradients of Σ out², seeded with its dy (2·out) so that no other C module (Sum's gradient) runs
  const twice = tf.mul(out, 2);
  const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => conv(a, b))([x, w], twice);
  const result = (await Promise.all([out, ...grads].map((t) => t.data()))) as Float32Array[];
  tf.dispose([out, twice, ...grads, x, w]);
  expect(tf.memory().numTensors).toBe(before);
  return result;
};

describe('the two builds of the C convolution kernels (relaxed SIMD and plain SIMD)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  afterEach(() => {
    useKernelVariant('auto');
    delete process.env['LL4AL_WASM_KERNELS'];
  });

  it(`should detect relaxed SIMD exactly where the engine has it (Node ${process.versions.node}: ${relaxedExpected})`, () => {
    expect(relaxedSimdSupported()).toBe(relaxedExpected);
    expect(preferredKernelVariant()).toBe(relaxedExpected ? 'relaxed-simd' : 'simd');
  });

  it('should ship relaxed builds that use f32x4.relaxed_madd (0xfd 0x105) and, like the plain ones, own no data and validate only as relaxed SIMD', () => {
    const bytesOf = (base64: string) => Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0));
    const holdsRelaxedMadd = (bytes: Uint8Array) => bytes.some((b, i) => b === 0xfd && bytes[i + 1] === 0x85 && bytes[i + 2] === 0x02);
    for (const [plain, relaxed] of [
      [convForwardWasmBase64, convForwardRelaxedWasmBase64],
      [convGradWasmBase64, convGradRelaxedWasmBase64],
    ] as const) {
      const p = bytesOf(plain);
      const r = bytesOf(relaxed);
      expect(hasDataSection(p)).toBe(false);
      expect(hasDataSection(r)).toBe(false);
      expect(holdsRelaxedMadd(r)).toBe(true);
      expect(wasmValidate(p)).toBe(true);
      expect(wasmValidate(r)).toBe(relaxedExpected);
    }
  });

  it('should take LL4AL_WASM_KERNELS=simd, and refuse an unknown variant in one line', () => {
    process.env['LL4AL_WASM_KERNELS'] = 'simd';
    expect(preferredKernelVariant()).toBe('simd');
    process.env['LL4AL_WASM_KERNELS'] = 'fma';
    expect(() => preferredKernelVariant()).toThrow(InputError);
    expect(() => preferredKernelVariant()).toThrow("LL4AL_WASM_KERNELS: unknown kernel variant 'fma' (expected one of auto, relaxed-simd, simd)");
  });

  it.runIf(!relaxedExpected)('should run the plain build when the relaxed one is asked for but the engine cannot run it', async () => {
    useKernelVariant('relaxed-simd');
    const c = { batch: 2, size: 16, inChannels: 3, outChannels: 4, k: 3, stride: 1, pad: 'same' as const, seed: 1 };
    const values = tf.tidy(() => [random([2, 16, 16, 3], 1), random([3, 3, 3, 4], 2)].map((t) => t.dataSync() as Float32Array));
    const calls = { ...kernelVariantCalls };
    await convAndGradients(c, values);
    expect(kernelVariantCalls['relaxed-simd']).toBe(calls['relaxed-simd']);
    expect(kernelVariantCalls.simd).toBeGreaterThan(calls.simd);
    expect(loadedKernelVariants['convGrad']).toBe('simd');
    expect(loadedKernelVariants['convForward']).toBe('simd');
  });

  test.prop([caseArb], { numRuns: 25 })(
    `should give the forward convolution and both gradients the cpu backend's values within ${tolerance} relative error with each build this engine runs (${variants.join(', ')}), and count the build that ran`,
    async (c) => {
      await tf.setBackend('cpu');
      const values = tf.tidy(() =>
        [random([c.batch, c.size, c.size, c.inChannels], c.seed), random([c.k, c.k, c.inChannels, c.outChannels], c.seed + 1)].map(
          (t) => t.dataSync() as Float32Array,
        ),
      );
      const expected = await convAndGradients(c, values);
      await tf.setBackend('wasm');
      const results: Float32Array[][] = [];
      for (const variant of variants) {
        useKernelVariant(variant);
        const calls = { ...kernelVariantCalls };
        const native = { forward: convForwardCalls.count, filter: convGradCalls.filter, input: convGradCalls.input };
        const actual = await convAndGradients(c, values);
        // The C kernels ran (forward twice: the output and inside the gradient), in this build only.
        expect(convForwardCalls.count - native.forward).toBe(2);
        expect(convGradCalls.filter - native.filter).toBe(1);
        expect(convGradCalls.input - native.input).toBe(1);
        expect(kernelVariantCalls[variant]).toBeGreaterThan(calls[variant]);
        for (const other of variants.filter((v) => v !== variant)) expect(kernelVariantCalls[other]).toBe(calls[other]);
        expect(loadedKernelVariants['convGrad']).toBe(variant);
        expect(loadedKernelVariants['convForward']).toBe(variant);
        actual.forEach((a, i) => expect(relativeError(a, expected[i] as Float32Array)).toBeLessThan(tolerance));
        results.push(actual);
      }
      if (results.length === 2) {
        // The builds agree with each other as closely as each agrees with cpu.
        (results[0] as Float32Array[]).forEach((a, i) => expect(relativeError(a, (results[1] as Float32Array[])[i] as Float32Array)).toBeLessThan(tolerance));
      }
    },
  );
});

describe('scores do not depend on how candidates are batched', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  // The relaxed forward build rounds otherwise than XNNPACK, so it computes every call, small ones too
  // (convForwardKernels.ts, usesNativeForward); without that rule this fails for the relaxed build.
  it.each(variants)('should give each image the same predicted loss and logits, bit for bit, scored alone or in a batch of 24 (forward build: %s)', async (variant) => {
    useKernelVariant(variant);
    const model = JointModel.create(buildSmallCnn({ seed: 3 }), { seed: 4 });
    try {
      const images = tf.tidy(() => tf.randomUniform([24, 28, 28, 1], 0, 1, 'float32', 7).dataSync() as Float32Array);
      const outputsOf = async (start: number, count: number): Promise<Float32Array[]> => {
        const outs = tf.tidy(() => {
          const o = model.forward(tf.tensor4d(images.subarray(start * 784, (start + count) * 784), [count, 28, 28, 1]), { training: false });
          return [o.predictedLoss, o.heads[0]!];
        });
        const values = (await Promise.all(outs.map((t) => t.data()))) as Float32Array[];
        tf.dispose(outs);
        return values;
      };
      const calls = kernelVariantCalls[variant];
      const [lossAll, logitsAll] = await outputsOf(0, 24);
      for (const i of [0, 11, 23]) {
        const [loss, logits] = await outputsOf(i, 1);
        expect(loss![0]).toBe(lossAll![i]);
        expect(Array.from(logits!)).toEqual(Array.from(logitsAll!.subarray(i * 10, (i + 1) * 10)));
      }
      expect(loadedKernelVariants['convForward']).toBe(variant);
      expect(kernelVariantCalls[variant]).toBeGreaterThan(calls);
    } finally {
      useKernelVariant('auto');
      model.dispose();
    }
  });

  it(`should load the relaxed forward build by default exactly where the engine has relaxed SIMD (${relaxedExpected})`, async () => {
    useKernelVariant('auto');
    const model = JointModel.create(buildSmallCnn({ seed: 3 }), { seed: 4 });
    tf.dispose(tf.tidy(() => model.forward(tf.zeros([2, 28, 28, 1]), { training: false }).predictedLoss));
    model.dispose();
    expect(loadedKernelVariants['convForward']).toBe(relaxedExpected ? 'relaxed-simd' : 'simd');
    expect(relaxedMaddFuses()).toBe(relaxedExpected ? fmaExpected : null);
  });
});
