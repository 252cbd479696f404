/**
 * `npx tsx bench/elementwiseKernels.ts [reps]`: ll4al's element-wise C kernels (kernels/elementwise.c)
 * against the tfjs-op paths they replace, on wasm, at the small CNN's activation shapes
 * (batch 64 and 128): ReLU's gradient (tfjs: mul(dy, cast(step(x)))), batchNormTraining's
 * forward pass, and its forward + backward pass (tf.grads with a given dy). The tfjs-op path is
 * measured by unregistering the batch-norm kernels for a moment (batchNormTraining then falls
 * back). Runs are interleaved; medians in ms.
 *
 * `npx tsx bench/elementwiseKernels.ts step [steps] [batch]`: the small CNN's joint training step
 * (as bench/profileTrainStep.ts, unprofiled), alternately with the element-wise kernels
 * registered and unregistered (ReLU's gradient then takes tfjs's dy·step(x), batch norm its
 * tfjs ops): median and minimum wall time of each, in one process.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend/index.ts';
import { batchNormTrainingKernels, reluGradKernelName, reluGradKernels } from '../src/backend/kernels/elementwiseKernels.ts';
import { buildSmallCnn, JointModel } from '../src/tasks/index.ts';
import { jointStep } from './jointStep.ts';
import { median } from './benchShapes.ts';
import { batchNormTraining } from '../src/tasks/batchNorm.ts';


const time = (f: () => tf.TensorContainer): number => {
  const t0 = performance.now();
  const out = f();
  tf.dispose(out);
  return performance.now() - t0;
};

const setNative = (on: boolean, kernels: ReadonlyArray<tf.KernelConfig> = batchNormTrainingKernels): void => {
  for (const k of kernels) {
    if (tf.getKernel(k.kernelName, k.backendName) !== undefined) tf.unregisterKernel(k.kernelName, k.backendName);
    if (on) tf.registerKernel(k);
  }
};

/** The training step with and without the kernels, interleaved. */
const trainStep = (steps: number, batch: number): void => {
  const model = JointModel.create(buildSmallCnn({ seed: 1 }), { seed: 2 });
  const { step, dispose } = jointStep(model, batch);
  const all = [...batchNormTrainingKernels, ...reluGradKernels.filter((k) => k.backendName === 'wasm')];
  const t = { off: [] as number[], on: [] as number[] };
  for (let i = 0; i < steps + 2; i++) {
    for (const on of [false, true]) {
      setNative(on, all);
      const t0 = performance.now();
      step();
      if (i >= 2) t[on ? 'on' : 'off'].push(performance.now() - t0);
    }
  }
  const show = (xs: number[]) => `median ${median(xs).toFixed(1)} ms, min ${Math.min(...xs).toFixed(1)} ms`;
  console.log(`train step, batch ${batch}, ${steps} each: tfjs ops ${show(t.off)} | C kernels ${show(t.on)}`);
};

const main = async (): Promise<void> => {
  await initBackend('wasm');
  if (process.argv[2] === 'step') {
    trainStep(Number(process.argv[3] ?? 20), Number(process.argv[4] ?? 128));
    return;
  }
  const reps = Number(process.argv[2] ?? 15);
  console.log('shape               relu∂ tfjs  relu∂ C | bn fwd tfjs  bn fwd C | bn fwd+bwd tfjs  fwd+bwd C   (ms, median of ' + reps + ')');
  for (const batch of [64, 128]) {
    for (const [h, c] of [[28, 16], [14, 32], [7, 64], [4, 128]] as const) {
      const shape = [batch, h, h, c];
      const x = tf.randomNormal(shape, 0.5, 2, 'float32', 1);
      const dy = tf.randomNormal(shape, 0, 1, 'float32', 2);
      const g = tf.randomNormal([c], 1, 0.3, 'float32', 3) as tf.Tensor1D;
      const b = tf.randomNormal([c], 0, 0.3, 'float32', 4) as tf.Tensor1D;
      const reluOld = () => tf.mul(dy, tf.cast(tf.step(x), 'float32'));
      const reluNew = () => tf.engine().runKernel(reluGradKernelName, { dy, x }) as tf.Tensor;
      const fwd = () => {
        const r = batchNormTraining(x, g, b, 1e-5);
        return [r.y, r.mean, r.variance];
      };
      const both = () =>
        tf.grads((xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) => {
          const r = batchNormTraining(xi, gi as tf.Tensor1D, bi as tf.Tensor1D, 1e-5);
          tf.dispose([r.mean, r.variance]);
          return r.y;
        })([x, g, b], dy);
      const t: Record<string, number[]> = { ro: [], rn: [], fo: [], fn: [], bo: [], bn: [] };
      for (let i = 0; i < reps + 2; i++) {
        const keep = i >= 2; // two warm-up rounds
        const push = (k: string, ms: number) => keep && t[k].push(ms);
        push('ro', time(reluOld));
        push('rn', time(reluNew));
        setNative(false);
        push('fo', time(fwd));
        push('bo', time(both));
        setNative(true);
        push('fn', time(fwd));
        push('bn', time(both));
      }
      const f = (k: string) => median(t[k]).toFixed(2).padStart(9);
      console.log(`[${shape.join(',')}]`.padEnd(18), f('ro'), f('rn'), ' |', f('fo'), f('fn'), ' |', f('bo').padStart(14), f('bn'));
      tf.dispose([x, dy, g, b]);
    }
  }
};

void main();
