/**
 * `npx tsx bench/convForward.ts [--reps N] [--only small|resnet|keypoints|detection|edge] [--fused]`:
 * the forward convolution on wasm, per shape — tfjs-wasm's stock kernel (XNNPACK, 'same'
 * made explicit as ll4al always does) against the C kernel of `src/backend/kernels/convForward.c`
 * (forced, whatever the registration rule says). `--fused` times FusedConv2D with a bias and
 * ReLU instead of Conv2D. Shapes: the small CNN's four layers at batch 128 and 256 (training
 * batch, scoring batch), the ResNet-18 (CIFAR) convolutions at batch 32, the keypoints
 * hourglass (48×48×1, width 32) and the SSD backbone and heads (64×64×1) at batch 32, and
 * `edge` cases (few channels or pixels) that set the rule's bounds.
 * The two alternate (the machine is shared and noisy); medians of N runs (default 9) after one
 * warm-up each. GMAC/s = N·OH·OW·KH·KW·CI·CO / time. The last column is the rule's choice
 * (`prefersNativeForward`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend/index.ts';
import { convGeometry } from '../src/backend/convGeometry.ts';
import { convForwardCalls, nativeConvForward, prefersNativeForward, stockForwardKernels } from '../src/backend/kernels/convForwardKernels.ts';
import { argValue, interleavedTimes, median, resnet18Shapes, smallCnnShapes, type ConvShape } from './benchShapes.ts';

const small = (batch: number): ConvShape[] => smallCnnShapes(batch, ` b${batch}`);

// buildStackedHourglass defaults: 48×48×1, width 32, hourglass depth 2.
const keypoints: ReadonlyArray<ConvShape> = [
  { name: 'hg stem1', x: [32, 48, 48, 1], k: 3, co: 16, s: 2 },
  { name: 'hg stem2', x: [32, 24, 24, 16], k: 3, co: 32, s: 2 },
  { name: 'hg 12²', x: [32, 12, 12, 32], k: 3, co: 32, s: 1 },
  { name: 'hg 6²', x: [32, 6, 6, 32], k: 3, co: 32, s: 1 },
  { name: 'hg 3²', x: [32, 3, 3, 32], k: 3, co: 32, s: 1 },
  { name: 'hg 1×1 32', x: [32, 12, 12, 32], k: 1, co: 32, s: 1 },
  { name: 'hg 1×1 5', x: [32, 12, 12, 32], k: 1, co: 5, s: 1 },
];

// buildSsd defaults: 64×64×1, widths 16, 32, 48, 64, 64; heads on the 8², 4², 2² maps
// (4 boxes per cell assumed here: 11·4 class scores, 4·4 offsets).
const detection: ReadonlyArray<ConvShape> = [
  { name: 'ssd stage1', x: [32, 64, 64, 1], k: 3, co: 16, s: 2 },
  { name: 'ssd stage2', x: [32, 32, 32, 16], k: 3, co: 32, s: 2 },
  { name: 'ssd stage3', x: [32, 16, 16, 32], k: 3, co: 48, s: 2 },
  { name: 'ssd stage4', x: [32, 8, 8, 48], k: 3, co: 64, s: 2 },
  { name: 'ssd stage5', x: [32, 4, 4, 64], k: 3, co: 64, s: 2 },
  { name: 'ssd head 8² cls', x: [32, 8, 8, 48], k: 3, co: 44, s: 1 },
  { name: 'ssd head 8² box', x: [32, 8, 8, 48], k: 3, co: 16, s: 1 },
  { name: 'ssd head 4² cls', x: [32, 4, 4, 64], k: 3, co: 44, s: 1 },
];

// Shapes outside the tasks, to find where the rule should stop: few output channels, few
// pixels per call (batch 1: the weights are packed on every call), 1×1 and 5×5 filters.
const edge: ReadonlyArray<ConvShape> = [
  { name: 'co1', x: [32, 28, 28, 16], k: 3, co: 1, s: 1 },
  { name: 'co3', x: [32, 28, 28, 16], k: 3, co: 3, s: 1 },
  { name: 'co4', x: [32, 28, 28, 16], k: 3, co: 4, s: 1 },
  { name: '1×1 64→64', x: [32, 32, 32, 64], k: 1, co: 64, s: 1 },
  { name: '5×5 3→32', x: [32, 32, 32, 3], k: 5, co: 32, s: 1 },
  { name: 'b1 small L2', x: [1, 28, 28, 16], k: 3, co: 32, s: 2 },
  { name: 'b1 small L4', x: [1, 7, 7, 64], k: 3, co: 128, s: 2 },
  { name: 'b4 small L4', x: [4, 7, 7, 64], k: 3, co: 128, s: 2 },
  { name: 'b16 small L4', x: [16, 7, 7, 64], k: 3, co: 128, s: 2 },
  { name: 'b1 r18 s4', x: [1, 4, 4, 512], k: 3, co: 512, s: 1 },
  { name: 'b4 r18 s4', x: [4, 4, 4, 512], k: 3, co: 512, s: 1 },
  { name: 'b1 r18 s1', x: [1, 32, 32, 64], k: 3, co: 64, s: 1 },
  { name: 'b1 r18 s3', x: [1, 8, 8, 256], k: 3, co: 256, s: 1 },
];

const main = async (): Promise<void> => {
  await initBackend('wasm');
  const reps = Number(argValue('--reps') ?? 9);
  const only = argValue('--only');
  const fused = process.argv.includes('--fused');
  const groups: Record<string, ReadonlyArray<ConvShape>> = { small: [...small(128), ...small(256)], resnet: resnet18Shapes, keypoints, detection, edge };
  const shapes = Object.entries(groups).flatMap(([name, list]) => (only === undefined || only === name ? list : []));
  const backend = tf.backend();
  const kernelName = fused ? 'FusedConv2D' : 'Conv2D';
  const stock = stockForwardKernels[kernelName];
  if (stock === undefined) throw new Error(`no stock ${kernelName} captured`);
  console.log(`wasm ${kernelName}${fused ? ' (bias, relu)' : ''}, median of ${reps} (alternating); GMAC/s = multiply-adds / time`);
  console.log(
    `${'shape'.padEnd(16)} ${'x → y'.padEnd(36)} ${'xnn ms'.padStart(8)} ${'GMAC/s'.padStart(7)} ${'C ms'.padStart(8)} ${'GMAC/s'.padStart(7)} ${'speed-up'.padStart(8)}  rule`,
  );
  for (const shape of shapes) {
    const [n, h, w, ci] = shape.x;
    const x = tf.randomNormal(shape.x);
    const filter = tf.randomNormal([shape.k, shape.k, ci, shape.co]);
    const bias = tf.randomNormal([shape.co]);
    const attrs = { strides: shape.s, pad: 'same', dataFormat: 'NHWC', dilations: 1, activation: fused ? 'relu' : 'linear' };
    const inputs = fused ? { x, filter, bias } : { x, filter };
    const g = convGeometry(shape.x, [shape.k, shape.k, ci, shape.co], shape.s, 1, 'same');
    const macs = n * g.outHeight * g.outWidth * shape.k * shape.k * ci * shape.co;
    const runs = {
      xnn: () => stock({ inputs, attrs, backend } as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo,
      c: () => nativeConvForward(backend, x, filter, fused ? bias : undefined, attrs as never, true)!,
    };
    const time = (run: () => tf.TensorInfo): number => {
      const t0 = performance.now();
      const out = run();
      const ms = performance.now() - t0;
      backend.disposeData(out.dataId, true);
      return ms;
    };
    const calls = convForwardCalls.count;
    time(runs.xnn);
    time(runs.c);
    if (convForwardCalls.count !== calls + 1) throw new Error('the C kernel did not run');
    const [xnn, c] = interleavedTimes(() => time(runs.xnn), () => time(runs.c), reps);
    const xMs = median(xnn);
    const cMs = median(c);
    const dims = `${shape.x.join('×')} → ${[n, g.outHeight, g.outWidth, shape.co].join('×')}`;
    console.log(
      `${shape.name.padEnd(16)} ${`${dims} k${shape.k}s${shape.s}`.padEnd(36)} ${xMs.toFixed(2).padStart(8)} ${(macs / xMs / 1e6).toFixed(1).padStart(7)} ${cMs.toFixed(2).padStart(8)} ${(macs / cMs / 1e6).toFixed(1).padStart(7)} ${`${(xMs / cMs).toFixed(2)}×`.padStart(8)}  ${prefersNativeForward(g) ? 'C' : 'xnn'}`,
    );
    tf.dispose([x, filter, bias]);
  }
};

void main();
