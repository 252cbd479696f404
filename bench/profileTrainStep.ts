/**
 * `npx tsx bench/profileTrainStep.ts [wasm|cpu|tensorflow] [small|resnet18]`: the kernels that
 * dominate one joint training step and one scoring batch of the small CNN + loss module (batch
 * 128, scoring 256) or of ResNet-18 on CIFAR shapes (batch 32, scoring 64: a step takes seconds),
 * from tf.profile, on one thread. Nested kernels (those ll4al's gradient kernels run) are listed
 * too, so times overlap.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type BackendRequest } from '../src/backend/index.ts';
import { buildResNet18, buildSmallCnn, JointModel } from '../src/tasks/index.ts';
import { jointStep } from './jointStep.ts';
import { fillSyntheticPixels } from './syntheticImages.ts';

const summarize = (kernels: ReadonlyArray<{ name: string; kernelTimeMs: unknown; inputShapes: unknown }>, top: number): void => {
  const byKernel = new Map<string, { ms: number; n: number }>();
  for (const k of kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const e = byKernel.get(k.name) ?? { ms: 0, n: 0 };
    byKernel.set(k.name, { ms: e.ms + ms, n: e.n + 1 });
  }
  for (const [name, { ms, n }] of [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, top)) {
    console.log(`  ${name.padEnd(28)} ${ms.toFixed(1).padStart(8)} ms  x${n}`);
  }
};

const main = async (): Promise<void> => {
  const info = await initBackend((process.argv[2] as BackendRequest | undefined) ?? 'wasm');
  const resnet = process.argv[3] === 'resnet18';
  const shape: [number, number, number] = resnet ? [32, 32, 3] : [28, 28, 1];
  const [trainBatch, scoreBatch] = resnet ? [32, 64] : [128, 256];
  const model = JointModel.create(resnet ? buildResNet18({ seed: 1 }) : buildSmallCnn({ seed: 1 }), { seed: 2 });
  const { step, dispose } = jointStep(model, trainBatch, shape);
  for (let i = 0; i < 2; i++) step();
  const t0 = performance.now();
  const profile = await tf.profile(step);
  console.log(`${info.name}: ${resnet ? 'ResNet-18' : 'small CNN'} train step of ${trainBatch}, wall ${(performance.now() - t0).toFixed(0)} ms (profiled)`);
  summarize(profile.kernels, 25);
  const xs = tf.tensor4d(fillSyntheticPixels(new Float32Array(scoreBatch * shape[0] * shape[1] * shape[2]), 2), [scoreBatch, ...shape]);
  const score = () => tf.tidy(() => { const o = model.forward(xs, { training: false }); return [o.predictedLoss, tf.softmax(o.heads[0]), o.embedding]; });
  tf.dispose(score());
  const t1 = performance.now();
  const sp = await tf.profile(score);
  console.log(`score batch ${scoreBatch}: wall ${(performance.now() - t1).toFixed(0)} ms (profiled)`);
  summarize(sp.kernels, 12);
};

void main();
