/**
 * `npx tsx bench/convKernels.ts [--reps N] [--only small|resnet]`: the convolution gradient
 * kernels on wasm, per shape — the TypeScript kernels (forward convolutions through XNNPACK,
 * `conv2dFilterGradient` / `conv2dInputGradient`) against the C kernels (`src/backend/kernels/convGrad.c`,
 * what `Conv2DBackpropFilter` / `Conv2DBackpropInput` run now). Shapes: the small CNN's four
 * layers at batch 128 and the ResNet-18 (CIFAR) convolutions at batch 32. Old and new runs
 * alternate (the machine is shared and noisy); medians of N runs (default 7) after one warm-up.
 * GMAC/s counts the forward convolution's multiply-adds, N·OH·OW·KH·KW·CI·CO, for both.
 */
import * as tf from '@tensorflow/tfjs-core';
import { conv2dFilterGradient, conv2dInputGradient, initBackend } from '../src/backend/index.ts';
import { convGradCalls } from '../src/backend/kernels/convGradKernels.ts';
import { argValue, interleavedTimes, median, resnet18Shapes, smallCnnShapes } from './benchShapes.ts';


/** Milliseconds of one synchronous call (wasm kernels run synchronously), its result disposed. */
const timeOnce = (run: () => tf.Tensor): number => {
  const t0 = performance.now();
  const out = run();
  const ms = performance.now() - t0;
  out.dispose();
  return ms;
};

const main = async (): Promise<void> => {
  await initBackend('wasm');
  const reps = Number(argValue('--reps') ?? 7);
  const only = argValue('--only');
  const shapes = [...(only === 'resnet' ? [] : smallCnnShapes(128)), ...(only === 'small' ? [] : resnet18Shapes)];
  console.log(`wasm, median of ${reps} (old and new alternating); GMAC/s = forward multiply-adds / time`);
  console.log(
    `${'shape'.padEnd(13)} ${'x → dy'.padEnd(34)} ${'kernel'.padEnd(7)} ${'old ms'.padStart(8)} ${'GMAC/s'.padStart(7)} ${'new ms'.padStart(8)} ${'GMAC/s'.padStart(7)} ${'speed-up'.padStart(8)}`,
  );
  for (const shape of shapes) {
    const [n, h, w, ci] = shape.x;
    const filterShape: [number, number, number, number] = [shape.k, shape.k, ci, shape.co];
    const oh = Math.ceil(h / shape.s);
    const ow = Math.ceil(w / shape.s);
    const x = tf.randomNormal(shape.x) as tf.Tensor4D;
    const dy = tf.randomNormal([n, oh, ow, shape.co]) as tf.Tensor4D;
    const filter = tf.randomNormal(filterShape) as tf.Tensor4D;
    const attrs = { strides: shape.s, pad: 'same' as const, dataFormat: 'NHWC' as const };
    const macs = n * oh * ow * shape.k * shape.k * ci * shape.co;
    const kernels = {
      filter: {
        old: () => conv2dFilterGradient(x, dy, { ...attrs, filterShape }),
        new: () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape }) as tf.Tensor,
      },
      input: {
        old: () => conv2dInputGradient(dy, filter, { ...attrs, inputShape: shape.x }),
        new: () => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, { ...attrs, inputShape: shape.x }) as tf.Tensor,
      },
    };
    for (const [kernel, impl] of Object.entries(kernels)) {
      const calls = convGradCalls.filter + convGradCalls.input;
      timeOnce(impl.old);
      timeOnce(impl.new);
      if (convGradCalls.filter + convGradCalls.input !== calls + 1) throw new Error('the C kernel did not run');
      const [old, now] = interleavedTimes(() => timeOnce(impl.old), () => timeOnce(impl.new), reps);
      const oldMs = median(old);
      const newMs = median(now);
      const dims = `${shape.x.join('×')} → ${[n, oh, ow, shape.co].join('×')}`;
      console.log(
        `${shape.name.padEnd(13)} ${`${dims} k${shape.k}s${shape.s}`.padEnd(34)} ${kernel.padEnd(7)} ${oldMs.toFixed(2).padStart(8)} ${(macs / oldMs / 1e6).toFixed(1).padStart(7)} ${newMs.toFixed(2).padStart(8)} ${(macs / newMs / 1e6).toFixed(1).padStart(7)} ${`${(oldMs / newMs).toFixed(2)}×`.padStart(8)}`,
      );
    }
    tf.dispose([x, dy, filter]);
  }
};

void main();
