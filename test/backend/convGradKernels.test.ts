import { describe, expect, it, beforeAll } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.ts';
import { spawnWorker } from '../../src/backend/spawnWorker.ts';
import { convGradCalls, hasDataSection } from '../../src/backend/kernels/convGradKernels.ts';
import { convGradWasmBase64 } from '../../src/backend/kernels/convGradWasm.ts';
import { outShapeOf, relativeError, type ConvCase } from './convCases.ts';

// tfjs treats a seed of 0 as "no seed": offset every seed by one.
const random = (shape: number[], seed: number): tf.Tensor => tf.randomNormal(shape, 0, 1, 'float32', seed + 1);

interface Gradients {
  readonly dx: Float32Array;
  readonly dw: Float32Array;
}

/** Both gradient kernels of one case on one backend, from the same seeded inputs; checks the tensor count. */
const gradientsOn = async (backend: 'cpu' | 'wasm', c: ConvCase): Promise<Gradients> => {
  await tf.setBackend('cpu');
  const made = tf.tidy(() => [random(c.inShape, c.seed), random(outShapeOf(c), c.seed + 1), random(c.filterShape, c.seed + 2)]);
  const [x, dy, w] = (await Promise.all(made.map((t) => t.data()))) as Float32Array[];
  tf.dispose(made);
  await tf.setBackend(backend);
  const xt = tf.tensor4d(x, c.inShape);
  const dyt = tf.tensor4d(dy, outShapeOf(c));
  const wt = tf.tensor4d(w, c.filterShape);
  const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC' };
  const before = tf.memory().numTensors;
  const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy: dyt, filter: wt }, { ...attrs, inputShape: c.inShape }) as tf.Tensor;
  const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x: xt, dy: dyt }, { ...attrs, filterShape: c.filterShape }) as tf.Tensor;
  expect(tf.memory().numTensors - before).toBe(2);
  expect(dx.shape).toEqual(c.inShape);
  expect(dw.shape).toEqual(c.filterShape);
  const [dxValues, dwValues] = (await Promise.all([dx.data(), dw.data()])) as Float32Array[];
  tf.dispose([dx, dw, xt, dyt, wt]);
  return { dx: dxValues, dw: dwValues };
};

/** Runs a case on wasm and cpu, checks that the C kernels ran and that the values agree within 1e-4. */
const expectNativeMatchesCpu = async (c: ConvCase): Promise<void> => {
  const expected = await gradientsOn('cpu', c);
  const calls = { ...convGradCalls };
  const actual = await gradientsOn('wasm', c);
  expect(convGradCalls.input - calls.input).toBe(1);
  expect(convGradCalls.filter - calls.filter).toBe(1);
  expect(relativeError(actual.dx, expected.dx)).toBeLessThan(1e-4);
  expect(relativeError(actual.dw, expected.dw)).toBeLessThan(1e-4);
};

const caseOf = (
  inShape: [number, number, number, number],
  filter: [number, number],
  outChannels: number,
  strides: [number, number],
  pad: ConvCase['pad'],
  seed = 7,
): ConvCase => ({
  inShape,
  filterShape: [filter[0], filter[1], inShape[3], outChannels],
  strides,
  dilations: [1, 1],
  pad,
  seed,
});

/** Cases of the sizes the C tiles are made for: channels past one SIMD tile (1–20), sizes 1–12, strides 1–3. */
const wideCaseArb: fc.Arbitrary<ConvCase> = fc
  .record({
    batch: fc.integer({ min: 1, max: 3 }),
    height: fc.integer({ min: 1, max: 12 }),
    width: fc.integer({ min: 1, max: 12 }),
    inChannels: fc.integer({ min: 1, max: 20 }),
    outChannels: fc.integer({ min: 1, max: 20 }),
    fh: fc.integer({ min: 1, max: 4 }),
    fw: fc.integer({ min: 1, max: 4 }),
    sh: fc.integer({ min: 1, max: 3 }),
    sw: fc.integer({ min: 1, max: 3 }),
    pad: fc.oneof(
      fc.constant<'same'>('same'),
      fc.constant<'valid'>('valid'),
      fc
        .tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2))
        .map(([t, b, l, r]): tf.backend_util.ExplicitPadding => [[0, 0], [t, b], [l, r], [0, 0]]),
    ),
    seed: fc.integer({ min: 0, max: 1_000_000 }),
  })
  .map((r) => {
    const padH = r.pad === 'same' ? r.fh : r.pad === 'valid' ? 0 : r.pad[1][0] + r.pad[1][1];
    const padW = r.pad === 'same' ? r.fw : r.pad === 'valid' ? 0 : r.pad[2][0] + r.pad[2][1];
    return caseOf(
      [r.batch, Math.max(r.height, r.fh - Math.min(padH, r.fh)), Math.max(r.width, r.fw - Math.min(padW, r.fw)), r.inChannels],
      [r.fh, r.fw],
      r.outChannels,
      [r.sh, r.sw],
      r.pad,
      r.seed,
    );
  });

describe('C convolution gradient kernels (kernels/convGrad.c)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('should keep computing right after tfjs grows the wasm memory (the module shares it)', async () => {
    const c = caseOf([2, 9, 9, 12], [3, 3], 20, [2, 2], 'same', 11);
    await expectNativeMatchesCpu(c); // instantiated on the memory as it is now
    await tf.setBackend('wasm');
    const memory = (tf.backend() as unknown as { wasm: { asm: { memory: { buffer: ArrayBuffer } } } }).wasm.asm.memory;
    const before = memory.buffer.byteLength;
    // a tensor larger than the whole heap forces a grow
    const big = tf.zeros([before / 4 + (1 << 20)]);
    expect(memory.buffer.byteLength).toBeGreaterThan(before);
    await expectNativeMatchesCpu(c);
    await tf.setBackend('wasm');
    big.dispose();
  });

  it('should run in a worker thread that starts its own wasm backend', async () => {
    const c = caseOf([2, 10, 10, 8], [3, 3], 12, [2, 2], 'same', 5);
    await tf.setBackend('cpu');
    const made = tf.tidy(() => [random(c.inShape, c.seed), random(outShapeOf(c), c.seed + 1), random(c.filterShape, c.seed + 2)]);
    const [x, dy, w] = (await Promise.all(made.map((t) => t.data()))) as Float32Array[];
    tf.dispose(made);
    const expected = await gradientsOn('cpu', c);
    const worker = await spawnWorker(import.meta.url, './convGradWorker', null);
    try {
      const answer = await new Promise<{ dx: Float32Array; dw: Float32Array; calls: { filter: number; input: number }; tensors: number }>(
        (resolve, reject) => {
          worker.once('message', resolve);
          worker.once('error', reject);
          worker.postMessage({ x, dy, w, c });
        },
      );
      expect(answer.calls).toEqual({ filter: 1, input: 1 });
      expect(answer.tensors).toBe(0);
      expect(relativeError(answer.dx, expected.dx)).toBeLessThan(1e-4);
      expect(relativeError(answer.dw, expected.dw)).toBeLessThan(1e-4);
    } finally {
      await worker.terminate();
    }
    await tf.setBackend('wasm');
  });

  it('should ship a module with no data segment (it runs on tfjs-wasm memory)', () => {
    const bytes = Uint8Array.from(atob(convGradWasmBase64), (ch) => ch.charCodeAt(0));
    expect(hasDataSection(bytes)).toBe(false);
    // a module with an (empty) data section is recognised
    expect(hasDataSection(Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 11, 1, 0]))).toBe(true);
  });

  test.prop([wideCaseArb], { numRuns: 60 })(
    'should match the cpu backend within 1e-4 for channels 1–20, any stride and padding, with no tensor left behind',
    expectNativeMatchesCpu,
  );

  it.each([
    ['one input channel, 16 out, stride 1 same (first layer)', caseOf([2, 28, 28, 1], [3, 3], 16, [1, 1], 'same')],
    ['out channels not a multiple of 4', caseOf([2, 7, 9, 8], [3, 3], 6, [1, 1], 'same')],
    ['in channels not a multiple of 4', caseOf([2, 8, 8, 13], [3, 3], 8, [2, 2], 'same')],
    ['odd sizes, stride 2, same', caseOf([3, 9, 7, 5], [3, 3], 7, [2, 2], 'same')],
    ['stride 2 same on an even size (asymmetric padding)', caseOf([2, 14, 14, 16], [3, 3], 32, [2, 2], 'same')],
    ['batch 1', caseOf([1, 7, 7, 64], [3, 3], 128, [2, 2], 'same')],
    ['1×1 filter, stride 2 (phases without taps)', caseOf([2, 8, 8, 12], [1, 1], 24, [2, 2], 'same')],
    ['valid padding with unread rows', caseOf([2, 10, 9, 4], [3, 3], 8, [2, 2], 'valid')],
    ['filter larger than the stride, stride 3', caseOf([2, 11, 10, 6], [4, 4], 5, [3, 3], 'same')],
    ['filter smaller than the stride', caseOf([2, 11, 10, 6], [2, 2], 5, [3, 3], 'valid')],
    ['non-square filter and stride', caseOf([2, 9, 12, 5], [1, 3], 9, [1, 2], [[0, 0], [2, 0], [0, 1], [0, 0]])],
    ['padding larger than the filter reach', caseOf([1, 4, 4, 3], [2, 2], 4, [1, 1], [[0, 0], [2, 2], [2, 2], [0, 0]])],
    ['one pixel in, one pixel out', caseOf([2, 1, 1, 3], [1, 1], 2, [1, 1], 'valid')],
  ])('should match the cpu backend: %s', async (_name, c) => {
    await expectNativeMatchesCpu(c);
  });

  it('should compute tf.grads of a training-size convolution (batch 16, 14×14×32 → 7×7×64) as the cpu backend does, leaking nothing', async () => {
    const x0 = random([16, 14, 14, 32], 3);
    const w0 = random([3, 3, 32, 64], 4);
    const [xv, wv] = (await Promise.all([x0.data(), w0.data()])) as Float32Array[];
    tf.dispose([x0, w0]);
    const gradsOn = async (backend: string): Promise<Float32Array[]> => {
      await tf.setBackend(backend);
      const x = tf.tensor4d(xv, [16, 14, 14, 32]);
      const w = tf.tensor4d(wv, [3, 3, 32, 64]);
      const before = tf.memory().numTensors;
      const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'))))([x, w]);
      expect(tf.memory().numTensors - before).toBe(2);
      const values = (await Promise.all(grads.map((g) => g.data()))) as Float32Array[];
      tf.dispose([...grads, x, w]);
      return values;
    };
    const cpu = await gradsOn('cpu');
    const wasm = await gradsOn('wasm');
    expect(relativeError(wasm[0], cpu[0])).toBeLessThan(1e-4);
    expect(relativeError(wasm[1], cpu[1])).toBeLessThan(1e-4);
  });
});
