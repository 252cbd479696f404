/**
 * `npx tsx bench/kernelVariants.ts [--reps N] [--only small|resnet]` (Node 22+ for the relaxed build):
 * the two builds of the C convolution kernels on wasm, per shape and kernel — plain SIMD
 * (f32x4 multiply, then add) against relaxed SIMD (f32x4.relaxed_madd: one FMA where the CPU
 * has it) — for the forward convolution and both gradients. Needs an engine with relaxed SIMD
 * (Node 22+; on Node 20 only the plain build runs and the bench says so). The builds alternate
 * (the machine is shared and noisy); medians of N runs (default 7) after three warm-up runs each.
 * GMAC/s = N·OH·OW·KH·KW·CI·CO / time. Then one whole training step of the small CNN + loss
 * module (batch 128) in each build, alternating. Prints the machine it ran on.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend/index.ts';
import { convGeometry } from '../src/backend/convGeometry.ts';
import { convForwardCalls, nativeConvForward } from '../src/backend/kernels/convForwardKernels.ts';
import { kernelVariantCalls, loadedKernelVariants, relaxedSimdSupported, useKernelVariant, type KernelVariant } from '../src/backend/kernels/kernelVariant.ts';
import { buildSmallCnn, JointModel } from '../src/tasks/index.ts';
import { argValue, interleavedTimes, median, resnet18Shapes, smallCnnShapes } from './benchShapes.ts';
import { jointStep } from './jointStep.ts';
import { describeMachine, machineLine } from './machine.ts';

const main = async (): Promise<void> => {
  await initBackend('wasm');
  const reps = Number(argValue('--reps') ?? 7);
  const only = argValue('--only');
  const shapes = [...(only === 'resnet' ? [] : smallCnnShapes(128)), ...(only === 'small' ? [] : resnet18Shapes)];
  console.log(`${machineLine(describeMachine())}${relaxedSimdSupported() ? '' : ' (plain build only)'}`);
  const variants: KernelVariant[] = relaxedSimdSupported() ? ['simd', 'relaxed-simd'] : ['simd'];
  console.log(`wasm C kernels, median of ${reps} (builds alternating); GMAC/s = forward multiply-adds / time`);
  console.log(`${'shape'.padEnd(13)} ${'kernel'.padEnd(7)} ${'simd ms'.padStart(8)} ${'GMAC/s'.padStart(7)} ${'relaxed'.padStart(8)} ${'GMAC/s'.padStart(7)} ${'speed-up'.padStart(8)}`);
  const backend = tf.backend();
  const ratios: number[] = [];
  for (const shape of shapes) {
    const [n, , , ci] = shape.x;
    const filterShape: [number, number, number, number] = [shape.k, shape.k, ci, shape.co];
    const g = convGeometry(shape.x, filterShape, shape.s, 1, 'same');
    const x = tf.randomNormal(shape.x) as tf.Tensor4D;
    const dy = tf.randomNormal([n, g.outHeight, g.outWidth, shape.co]) as tf.Tensor4D;
    const filter = tf.randomNormal(filterShape) as tf.Tensor4D;
    const attrs = { strides: shape.s, pad: 'same' as const, dataFormat: 'NHWC' as const, dilations: 1, activation: 'linear' };
    const macs = n * g.outHeight * g.outWidth * shape.k * shape.k * ci * shape.co;
    const kernels: Record<string, () => tf.TensorInfo> = {
      forward: () => nativeConvForward(backend, x, filter, undefined, attrs as never, true)!,
      filter: () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape }) as tf.Tensor,
      input: () => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, { ...attrs, inputShape: shape.x }) as tf.Tensor,
    };
    for (const [kernel, run] of Object.entries(kernels)) {
      const timeIn = (variant: KernelVariant) => (): number => {
        useKernelVariant(variant);
        const calls = kernelVariantCalls[variant];
        const t0 = performance.now();
        const out = run();
        const ms = performance.now() - t0;
        backend.disposeData(out.dataId, true);
        if (kernelVariantCalls[variant] === calls) throw new Error(`the ${variant} build did not run ${kernel}`);
        return ms;
      };
      const forwardCalls = convForwardCalls.count;
      // Warm-up: V8 compiles wasm functions first with its baseline compiler and tiers hot ones up.
      for (let w = 0; w < 3; w++) for (const v of variants) timeIn(v)();
      if (kernel === 'forward' && convForwardCalls.count !== forwardCalls + 3 * variants.length) throw new Error('the C forward kernel did not run');
      const [plain, relaxed] =
        variants.length === 2 ? interleavedTimes(timeIn('simd'), timeIn('relaxed-simd'), reps) : [Array.from({ length: reps }, timeIn('simd')), []];
      const pMs = median(plain);
      const rMs = relaxed.length > 0 ? median(relaxed) : Number.NaN;
      if (relaxed.length > 0) ratios.push(pMs / rMs);
      console.log(
        `${shape.name.padEnd(13)} ${kernel.padEnd(7)} ${pMs.toFixed(2).padStart(8)} ${(macs / pMs / 1e6).toFixed(1).padStart(7)} ${rMs.toFixed(2).padStart(8)} ${(macs / rMs / 1e6).toFixed(1).padStart(7)} ${`${(pMs / rMs).toFixed(2)}×`.padStart(8)}`,
      );
    }
    tf.dispose([x, dy, filter]);
  }
  if (variants.length === 2) {
    // A whole training step of the small CNN + loss module (batch 128), builds alternating.
    const model = JointModel.create(buildSmallCnn({ seed: 1 }), { seed: 2 });
    const { step, dispose } = jointStep(model, 128);
    const stepIn = (variant: KernelVariant) => (): number => {
      useKernelVariant(variant);
      const t0 = performance.now();
      step();
      return performance.now() - t0;
    };
    for (let w = 0; w < 3; w++) for (const v of variants) stepIn(v)();
    const [plain, relaxed] = interleavedTimes(stepIn('simd'), stepIn('relaxed-simd'), reps);
    const pMs = median(plain);
    const rMs = median(relaxed);
    console.log(`training step, small CNN + loss module, batch 128: simd ${pMs.toFixed(1)} ms (${(128000 / pMs).toFixed(0)} img/s), relaxed ${rMs.toFixed(1)} ms (${(128000 / rMs).toFixed(0)} img/s): ${(pMs / rMs).toFixed(2)}×`);
    dispose();
    model.dispose();
  }
  useKernelVariant('auto');
  if (ratios.length > 0) {
    const geo = Math.exp(ratios.reduce((s, r) => s + Math.log(r), 0) / ratios.length);
    console.log(`geometric mean speed-up of relaxed over plain: ${geo.toFixed(2)}× over ${ratios.length} kernel shapes`);
  }
  console.log(`loaded: ${JSON.stringify(loadedKernelVariants)}; calls by build: ${JSON.stringify(kernelVariantCalls)}`);
};

void main();
