/**
 * `npx tsx bench/profileTrainStep.ts [wasm|cpu|tensorflow]`: the kernels that dominate one joint
 * training step (batch 128) and one scoring batch (256) of the small CNN + loss module, from
 * tf.profile. Nested kernels (those ll4al's gradient kernels run) are listed too, so times overlap.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type BackendRequest } from '../src/backend/index.ts';
import { buildSmallCnn, JointModel } from '../src/tasks/index.ts';
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
  const model = JointModel.create(buildSmallCnn({ seed: 1 }), { seed: 2 });
  const { step, dispose } = jointStep(model, 128);
  for (let i = 0; i < 2; i++) step();
  const t0 = performance.now();
  const profile = await tf.profile(step);
  console.log(`${info.name}: train step wall ${(performance.now() - t0).toFixed(0)} ms (profiled)`);
  summarize(profile.kernels, 25);
  const xs = tf.tensor4d(fillSyntheticPixels(new Float32Array(256 * 784), 2), [256, 28, 28, 1]);
  const score = () => tf.tidy(() => { const o = model.forward(xs, { training: false }); return [o.predictedLoss, tf.softmax(o.heads[0]), o.embedding]; });
  tf.dispose(score());
  const t1 = performance.now();
  const sp = await tf.profile(score);
  console.log(`score batch 256: wall ${(performance.now() - t1).toFixed(0)} ms (profiled)`);
  summarize(sp.kernels, 12);
};

void main();
