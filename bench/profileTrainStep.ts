import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type BackendRequest } from '../src/backend';
import { buildBenchModel, benchTrainStep, benchScore } from './benchModel';

/** Prints the kernels that dominate one training step and one scoring batch (tf.profile). */
const main = async (): Promise<void> => {
  const info = await initBackend((process.argv[2] as BackendRequest | undefined) ?? 'wasm');
  const model = buildBenchModel(1);
  const optimizer = tf.train.momentum(0.01, 0.9);
  const x = tf.randomNormal([128, 28, 28, 1], 0, 1, 'float32', 2) as tf.Tensor4D;
  const labels = tf.oneHot(tf.randomUniform([128], 0, 10, 'int32', 3) as tf.Tensor1D, 10) as tf.Tensor2D;
  for (let i = 0; i < 2; i++) benchTrainStep(model, optimizer, x, labels);
  const t0 = performance.now();
  const profile = await tf.profile(() => benchTrainStep(model, optimizer, x, labels));
  const wall = performance.now() - t0;
  const byKernel = new Map<string, { ms: number; n: number }>();
  for (const k of profile.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const e = byKernel.get(k.name) ?? { ms: 0, n: 0 };
    byKernel.set(k.name, { ms: e.ms + ms, n: e.n + 1 });
  }
  const rows = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25);
  console.log(`${info.name}: train step wall ${wall.toFixed(0)} ms (profiled)`);
  for (const [name, { ms, n }] of rows) console.log(`  ${name.padEnd(28)} ${ms.toFixed(1).padStart(8)} ms  x${n}`);
  const xs = tf.randomNormal([256, 28, 28, 1], 0, 1, 'float32', 4) as tf.Tensor4D;
  await benchScore(model, xs);
  const sp = await tf.profile(() => { const o = model.predict(xs) as tf.Tensor[]; return o; });
  const sk = new Map<string, number>();
  for (const k of sp.kernels) sk.set(k.name, (sk.get(k.name) ?? 0) + (typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0));
  console.log('score batch 256:');
  for (const [name, ms] of [...sk.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`  ${name.padEnd(28)} ${ms.toFixed(1).padStart(8)} ms`);
};

void main();
