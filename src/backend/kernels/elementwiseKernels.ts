import * as tf from '@tensorflow/tfjs-core';
import { elementwiseWasmBase64 } from './elementwiseWasm.ts';
import { computeInto, isWasmBackend, nativeModule, offsetOf, type WasmBackendInternals } from './nativeModule.ts';

/**
 * ll4al's element-wise training kernels: ReLU's gradient (every backend: C on wasm, a loop on
 * cpu) and batch normalisation in training mode (wasm only, C), from `elementwise.c`
 * (WebAssembly SIMD on tfjs-wasm's own memory, see `nativeModule.ts`). Each replaces several
 * tfjs kernels, so several passes over an activation, by one or two.
 */

/** The C functions (pointers are byte offsets in tfjs-wasm's heap; sizes in floats). */
interface ElementwiseExports {
  relu_grad(dy: number, x: number, dx: number, n: number): void;
  bn_scratch_floats(channels: number): number;
  bn_forward(x: number, gamma: number, beta: number, y: number, mean: number, variance: number, rows: number, channels: number, epsilon: number, scratch: number, relu: number): void;
  bn_backward(
    dy: number, x: number, mean: number, variance: number, gamma: number, dx: number, dgamma: number, dbeta: number, rows: number, channels: number, epsilon: number,
    scratch: number, y: number,
  ): void;
  broadcast_middle(src: number, dst: number, outer: number, inner: number, channels: number): void;
}

const kernelsFor = nativeModule<ElementwiseExports>(elementwiseWasmBase64, { name: 'elementwise' });

/** Name of the ReLU-gradient kernel: inputs `dy`, `x` (float32, same shape); output dx = dy·step(x). */
export const reluGradKernelName = 'Ll4alReluGrad';
/**
 * Name of the training-mode batch-norm kernel (wasm): inputs `x` [..., C], `scale` γ [C],
 * `offset` β [C] (float32), attrs `epsilon` and `relu` (optional: y = max(y, 0), a ReLU after
 * the batch norm in the same pass); outputs y, the batch mean [C] and the biased batch variance
 * [C] over every axis but the last.
 */
export const batchNormTrainingKernelName = 'Ll4alBatchNormTraining';
/**
 * Name of its gradient kernel (wasm): inputs `dy`, `x`, `mean`, `variance` (the forward
 * kernel's outputs), `scale` γ, and `y` (the forward output) when the forward ran with `relu`
 * (dy is then the ReLU output's gradient, read as dy·step(y)); attr `epsilon`; outputs dx, dγ, dβ.
 */
export const batchNormTrainingGradKernelName = 'Ll4alBatchNormTrainingGrad';

/**
 * Name of the broadcast kernel (wasm): input `x` float32 of `outer · channels` values; attrs
 * `shape` (the output's), `outer`, `inner`, `channels`; output[o, i, c] = x[o, c] — x repeated
 * over a block of middle axes (the gradient of a sum or mean over them, reductionGradients.ts).
 */
export const broadcastMiddleKernelName = 'Ll4alBroadcastMiddle';

/** How many times each C kernel ran, for tests and benchmarks (`resetElementwiseCalls` zeroes them). */
export const elementwiseCalls = { reluGrad: 0, batchNorm: 0, batchNormGrad: 0, broadcast: 0 };

/** Sets every counter of {@link elementwiseCalls} to 0. */
export const resetElementwiseCalls = (): void => {
  elementwiseCalls.reluGrad = 0;
  elementwiseCalls.batchNorm = 0;
  elementwiseCalls.batchNormGrad = 0;
  elementwiseCalls.broadcast = 0;
};

const sizeOf = (shape: ReadonlyArray<number>): number => shape.reduce((p, d) => p * d, 1);

/** dy·step(x) with tfjs ops: tfjs's own Relu gradient, for the cases the kernels do not take. */
const stockReluGradient = (dy: tf.Tensor, x: tf.Tensor): tf.Tensor => tf.mul(dy, tf.cast(tf.step(x), 'float32'));

/** The C module on a kernel's backend; throws where it is missing (the callers check availability first). */
const nativeOn = (backend: unknown): [WasmBackendInternals, ElementwiseExports] => {
  const k = isWasmBackend(backend) ? kernelsFor(backend) : null;
  if (k === null || !isWasmBackend(backend)) throw new Error('ll4al batch norm kernels: the C module is not loaded on this backend');
  return [backend, k];
};

/** ReLU's gradient on wasm: `relu_grad` in C, one SIMD pass (the caller checked {@link reluGradKernelAvailable}). */
const wasmReluGrad: tf.KernelFunc = ({ inputs, backend }) => {
  const { dy, x } = inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
  const [b, k] = nativeOn(backend);
  const n = sizeOf(x.shape);
  const [dx] = computeInto(b, [x.shape.slice()], 0, ([out]) => {
    if (n > 0) k.relu_grad(offsetOf(b, dy), offsetOf(b, x), offsetOf(b, out), n);
  });
  elementwiseCalls.reluGrad++;
  return dx;
};

/** The parts of tfjs-backend-cpu's `MathBackendCPU` the cpu kernel uses. */
interface CpuBackendInternals {
  readSync(dataId: object): ArrayLike<number>;
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo;
}

/** ReLU's gradient on cpu: dx[i] = dy[i]·step(x[i]) in one loop (step of NaN is NaN, as tfjs's). */
const cpuReluGrad: tf.KernelFunc = ({ inputs, backend }) => {
  const { dy, x } = inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
  const cpu = backend as unknown as CpuBackendInternals;
  const dyValues = cpu.readSync(dy.dataId);
  const xValues = cpu.readSync(x.dataId);
  const out = new Float32Array(xValues.length);
  for (let i = 0; i < out.length; i++) {
    const v = xValues[i];
    out[i] = dyValues[i] * (v > 0 ? 1 : Number.isNaN(v) ? NaN : 0);
  }
  return cpu.makeTensorInfo(x.shape.slice(), 'float32', out);
};

/** The ReLU-gradient kernel for each backend that has one. */
export const reluGradKernels: ReadonlyArray<tf.KernelConfig> = [
  { kernelName: reluGradKernelName, backendName: 'wasm', kernelFunc: wasmReluGrad },
  { kernelName: reluGradKernelName, backendName: 'cpu', kernelFunc: cpuReluGrad },
];

/**
 * Whether the {@link reluGradKernelName} kernel runs on the active backend: cpu always, wasm
 * where the C module is loaded on it.
 */
export const reluGradKernelAvailable = (): boolean => {
  const name = tf.getBackend();
  if (tf.getKernel(reluGradKernelName, name) === undefined) return false;
  if (name !== 'wasm') return true;
  const backend = tf.backend();
  return isWasmBackend(backend) && kernelsFor(backend) !== null;
};

/**
 * ∂L/∂x of `Relu` (y = max(x, 0)): dy·step(x), with step(x) = 1 for x > 0, 0 for x ≤ 0 (so 0
 * at x = 0) and NaN for NaN — tfjs's own Relu gradient, value for value — by the
 * {@link reluGradKernelName} kernel where it runs (see {@link reluGradKernelAvailable}), by
 * tfjs's `mul(dy, cast(step(x)))` elsewhere and for tensors that are not float32.
 */
export const reluGradConfig: tf.GradConfig = {
  kernelName: 'Relu',
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved;
    const dyT = dy as tf.Tensor;
    const native = x.dtype === 'float32' && dyT.dtype === 'float32' && tf.util.arraysEqual(dyT.shape, x.shape) && reluGradKernelAvailable();
    return { x: () => (native ? (tf.engine().runKernel(reluGradKernelName, { dy: dyT, x }) as tf.Tensor) : stockReluGradient(dyT, x)) };
  },
};

/**
 * Whether the batch-norm kernels compute `x`'s training-mode batch norm on the active backend:
 * tfjs-wasm with the C module loaded, float32 x of rank ≥ 2 with at least one value,
 * γ and β float32 [C].
 */
export const nativeBatchNormAvailable = (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): boolean => {
  if (tf.getBackend() !== 'wasm' || tf.getKernel(batchNormTrainingKernelName, 'wasm') === undefined) return false;
  const c = x.shape[x.rank - 1];
  const perChannel = (t: tf.Tensor): boolean => t.dtype === 'float32' && t.rank === 1 && t.shape[0] === c;
  if (x.dtype !== 'float32' || x.rank < 2 || x.size === 0 || !perChannel(gamma) || !perChannel(beta)) return false;
  const backend = tf.backend();
  return isWasmBackend(backend) && kernelsFor(backend) !== null;
};

/** Rows M (values per channel) and channels C of a channels-last tensor. */
const rowsAndChannels = (shape: ReadonlyArray<number>): [number, number] => {
  const c = shape[shape.length - 1];
  return [sizeOf(shape) / c, c];
};

/** Training-mode batch norm on wasm by `bn_forward` (three passes over x: Σx, Σ(x − μ)², y). */
const wasmBatchNormTraining: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, scale, offset } = inputs as { x: tf.TensorInfo; scale: tf.TensorInfo; offset: tf.TensorInfo };
  const { epsilon, relu } = attrs as unknown as { epsilon: number; relu?: boolean };
  const [b, k] = nativeOn(backend);
  const [rows, channels] = rowsAndChannels(x.shape);
  const outs = computeInto(b, [x.shape.slice(), [channels], [channels]], k.bn_scratch_floats(channels) >>> 0, ([y, mean, variance], scratch) =>
    k.bn_forward(
      offsetOf(b, x), offsetOf(b, scale), offsetOf(b, offset), offsetOf(b, y), offsetOf(b, mean), offsetOf(b, variance),
      rows, channels, epsilon, scratch, relu === true ? 1 : 0,
    ),
  );
  elementwiseCalls.batchNorm++;
  return outs;
};

/** Its gradient on wasm by `bn_backward` (two passes: Σdy and Σdy·(x − μ), then dx). */
const wasmBatchNormTrainingGrad: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, x, mean, variance, scale } = inputs as Record<'dy' | 'x' | 'mean' | 'variance' | 'scale', tf.TensorInfo>;
  const y = (inputs as Record<string, tf.TensorInfo | undefined>)['y'];
  if (y !== undefined && !tf.util.arraysEqual(y.shape, x.shape)) throw new Error(`${batchNormTrainingGradKernelName}: y [${y.shape.join(', ')}] must have x's shape [${x.shape.join(', ')}]`);
  const { epsilon } = attrs as unknown as { epsilon: number };
  const [b, k] = nativeOn(backend);
  const [rows, channels] = rowsAndChannels(x.shape);
  const outs = computeInto(b, [x.shape.slice(), [channels], [channels]], k.bn_scratch_floats(channels) >>> 0, ([dx, dgamma, dbeta], scratch) =>
    k.bn_backward(
      offsetOf(b, dy), offsetOf(b, x), offsetOf(b, mean), offsetOf(b, variance), offsetOf(b, scale),
      offsetOf(b, dx), offsetOf(b, dgamma), offsetOf(b, dbeta), rows, channels, epsilon, scratch, y === undefined ? 0 : offsetOf(b, y),
    ),
  );
  elementwiseCalls.batchNormGrad++;
  return outs;
};

/** The batch-norm kernels (wasm only; other backends keep `batchNormTraining`'s tfjs ops). */
export const batchNormTrainingKernels: ReadonlyArray<tf.KernelConfig> = [
  { kernelName: batchNormTrainingKernelName, backendName: 'wasm', kernelFunc: wasmBatchNormTraining },
  { kernelName: batchNormTrainingGradKernelName, backendName: 'wasm', kernelFunc: wasmBatchNormTrainingGrad },
];

/** x repeated over a block of middle axes by `broadcast_middle` (one pass over the output). */
const wasmBroadcastMiddle: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x } = inputs as { x: tf.TensorInfo };
  const { shape, outer, inner, channels } = attrs as unknown as { shape: number[]; outer: number; inner: number; channels: number };
  // The C loop trusts these sizes: a mismatch would read or write past the tensors in tfjs's heap.
  if (x.dtype !== 'float32' || sizeOf(x.shape) !== outer * channels || sizeOf(shape) !== outer * inner * channels) {
    throw new Error(`${broadcastMiddleKernelName}: x [${x.shape.join(', ')}] ${x.dtype} does not repeat to [${shape.join(', ')}] as ${outer} × ${inner} × ${channels}`);
  }
  const [b, k] = nativeOn(backend);
  const [out] = computeInto(b, [shape.slice()], 0, ([y]) => {
    if (outer * inner * channels > 0) k.broadcast_middle(offsetOf(b, x), offsetOf(b, y), outer, inner, channels);
  });
  elementwiseCalls.broadcast++;
  return out;
};

/** The broadcast kernel (wasm only). */
export const broadcastKernels: ReadonlyArray<tf.KernelConfig> = [{ kernelName: broadcastMiddleKernelName, backendName: 'wasm', kernelFunc: wasmBroadcastMiddle }];

/** Whether the {@link broadcastMiddleKernelName} kernel runs on the active backend (wasm with the C module loaded). */
export const broadcastMiddleAvailable = (): boolean => {
  if (tf.getBackend() !== 'wasm' || tf.getKernel(broadcastMiddleKernelName, 'wasm') === undefined) return false;
  const backend = tf.backend();
  return isWasmBackend(backend) && kernelsFor(backend) !== null;
};
