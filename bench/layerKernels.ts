/**
 * `npx tsx bench/layerKernels.ts [--reps N]`: the gradient kernels ll4al adds to wasm for the
 * layers of docs/layers.md (depthwise convolution, max pooling, nearest upsampling), on
 * MobileNet- and hourglass-like shapes, against the cpu backend's kernels of the same name
 * (what a user without them would train on). The two alternate (the machine is shared and
 * noisy); medians of N runs (default 5) after one warm-up. GMAC/s for the depthwise kernels
 * counts the forward multiply-adds, N·OH·OW·KH·KW·C·M.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend/index.ts';
import { argValue, median } from './benchShapes.ts';

interface Case {
  readonly name: string;
  readonly kernel: string;
  /** Input shapes by kernel input name. */
  readonly inputs: Record<string, number[]>;
  readonly attrs: Record<string, unknown>;
  readonly macs?: number;
}

const depthwise = (n: number, h: number, c: number, s: number): Case[] => {
  const oh = Math.ceil(h / s);
  const attrs = { strides: s, pad: 'same', dilations: 1 };
  const macs = n * oh * oh * 9 * c;
  return [
    { name: `dw 3×3 s${s} [${n},${h},${h},${c}]`, kernel: 'DepthwiseConv2dNativeBackpropInput', inputs: { dy: [n, oh, oh, c], filter: [3, 3, c, 1] }, attrs: { ...attrs, inputShape: [n, h, h, c] }, macs },
    { name: `dw 3×3 s${s} [${n},${h},${h},${c}]`, kernel: 'DepthwiseConv2dNativeBackpropFilter', inputs: { x: [n, h, h, c], dy: [n, oh, oh, c] }, attrs: { ...attrs, filterShape: [3, 3, c, 1] }, macs },
  ];
};

const cases: ReadonlyArray<Case> = [
  ...depthwise(32, 32, 32, 1),
  ...depthwise(32, 16, 64, 2),
  ...depthwise(32, 8, 128, 1),
  { name: 'maxPool 2×2 s2 [32,32,32,64]', kernel: 'MaxPoolGrad', inputs: { dy: [32, 16, 16, 64], input: [32, 32, 32, 64], output: [32, 16, 16, 64] }, attrs: { filterSize: 2, strides: 2, pad: 'valid' } },
  { name: 'maxPool 3×3 s2 [32,32,32,64]', kernel: 'MaxPoolGrad', inputs: { dy: [32, 16, 16, 64], input: [32, 32, 32, 64], output: [32, 16, 16, 64] }, attrs: { filterSize: 3, strides: 2, pad: 'same' } },
  { name: 'upsample ×2 [32,16,16,64]', kernel: 'ResizeNearestNeighborGrad', inputs: { images: [32, 16, 16, 64], dy: [32, 32, 32, 64] }, attrs: { alignCorners: false, halfPixelCenters: false } },
];

const main = async (): Promise<void> => {
  await initBackend('wasm');
  const reps = Number(argValue('--reps') ?? 5);
  console.log(`wasm (ll4al's kernels) against cpu (tfjs's), median of ${reps}, alternating`);
  console.log(`${'case'.padEnd(30)} ${'kernel'.padEnd(36)} ${'cpu ms'.padStart(8)} ${'wasm ms'.padStart(8)} ${'GMAC/s'.padStart(7)} ${'speed-up'.padStart(8)}`);
  for (const c of cases) {
    const on = async (backend: string) => {
      await tf.setBackend(backend);
      // MaxPoolGrad's output must be the pooled input: make it so (values matter for its masks).
      const inputs: Record<string, tf.Tensor> = {};
      for (const [name, shape] of Object.entries(c.inputs)) inputs[name] = tf.randomNormal(shape, 0, 1, 'float32', 3);
      if (c.kernel === 'MaxPoolGrad') {
        inputs['output']!.dispose();
        const a = c.attrs as { filterSize: number; strides: number; pad: 'valid' | 'same' };
        inputs['output'] = tf.maxPool(inputs['input'] as tf.Tensor4D, a.filterSize, a.strides, a.pad);
      }
      const time = (): number => {
        const t0 = performance.now();
        const out = tf.engine().runKernel(c.kernel, inputs, c.attrs as tf.NamedAttrMap) as tf.Tensor;
        out.dataSync();
        const ms = performance.now() - t0;
        out.dispose();
        return ms;
      };
      return { time, dispose: () => tf.dispose(Object.values(inputs)) };
    };
    const cpu = await on('cpu');
    const wasm = await on('wasm');
    // Each run switches to its backend first (both are started, so the switch is cheap).
    const switchTo = (backend: string): Promise<boolean> => tf.setBackend(backend);
    await switchTo('cpu');
    cpu.time();
    await switchTo('wasm');
    wasm.time();
    const cpuTimes: number[] = [];
    const wasmTimes: number[] = [];
    for (let r = 0; r < reps; r++) {
      await switchTo('cpu');
      cpuTimes.push(cpu.time());
      await switchTo('wasm');
      wasmTimes.push(wasm.time());
    }
    const cpuMs = median(cpuTimes);
    const wasmMs = median(wasmTimes);
    const gmacs = c.macs === undefined ? '' : (c.macs / wasmMs / 1e6).toFixed(2);
    console.log(`${c.name.padEnd(30)} ${c.kernel.padEnd(36)} ${cpuMs.toFixed(1).padStart(8)} ${wasmMs.toFixed(1).padStart(8)} ${gmacs.padStart(7)} ${(cpuMs / wasmMs).toFixed(1).padStart(7)}×`);
    await switchTo('cpu');
    cpu.dispose();
    await switchTo('wasm');
    wasm.dispose();
  }
};

await main();
