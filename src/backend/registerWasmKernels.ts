import * as tf from '@tensorflow/tfjs-core';
import { fusedBatchNormGradConfig } from './batchNormGradient.ts';
import { batchNormKernel } from './batchNormKernel.ts';
import { conv2dBackpropFilterKernel } from './conv2dBackpropFilter.ts';
import { conv2dBackpropInputKernel } from './conv2dBackpropInput.ts';
import { depthwiseBackpropFilterKernel, depthwiseBackpropInputKernel } from './depthwiseConvGradients.ts';
import { cpuReferenceKernel } from './cpuReferenceKernel.ts';
import { maxPoolGradKernel } from './maxPoolGradient.ts';
import { resizeBilinearGradKernel, resizeNearestGradKernel } from './resizeGradients.ts';
import { registerTrainingRepairs } from './registerTrainingRepairs.ts';
import { unsortedSegmentSumKernel } from './unsortedSegmentSum.ts';
import { explicitSamePaddingKernel } from './explicitSamePadding.ts';
import { nativeForwardKernel } from './kernels/convForwardKernels.ts';
import { batchNormTrainingKernels, broadcastKernels, reluGradConfig, reluGradKernels } from './kernels/elementwiseKernels.ts';
import { meanGradConfig, sumGradConfig } from './reductionGradients.ts';
import { sharedCastKernel, sharedIdentityKernel } from './sharedDataKernels.ts';
import { blockReductionKernel } from './reductionKernels.ts';
import { wasmMatMulKernel } from './matMulKernel.ts';

/** A kernel ll4al registers for wasm, made from the stock kernel it replaces (if any). */
export interface WasmKernelPatch {
  readonly kernelName: string;
  readonly make: (stock: tf.KernelFunc | undefined) => tf.KernelFunc;
}

const needsStock = (name: string, stock: tf.KernelFunc | undefined): tf.KernelFunc => {
  if (stock === undefined) throw new Error(`tfjs-backend-wasm has no ${name} kernel to fall back to`);
  return stock;
};

/** The kernels ll4al adds to (or replaces in) tfjs-backend-wasm. */
export const wasmKernels: ReadonlyArray<WasmKernelPatch> = [
  { kernelName: 'Conv2D', make: (stock) => nativeForwardKernel(explicitSamePaddingKernel(needsStock('Conv2D', stock)), false) },
  { kernelName: 'FusedConv2D', make: (stock) => nativeForwardKernel(explicitSamePaddingKernel(needsStock('FusedConv2D', stock)), true) },
  { kernelName: 'Conv2DBackpropFilter', make: () => conv2dBackpropFilterKernel },
  { kernelName: 'Conv2DBackpropInput', make: () => conv2dBackpropInputKernel },
  { kernelName: 'DepthwiseConv2dNativeBackpropInput', make: () => depthwiseBackpropInputKernel },
  { kernelName: 'DepthwiseConv2dNativeBackpropFilter', make: () => depthwiseBackpropFilterKernel },
  { kernelName: 'MaxPoolGrad', make: () => maxPoolGradKernel },
  { kernelName: 'ResizeNearestNeighborGrad', make: () => resizeNearestGradKernel },
  { kernelName: 'ResizeBilinearGrad', make: () => resizeBilinearGradKernel },
  { kernelName: 'UnsortedSegmentSum', make: () => unsortedSegmentSumKernel },
  ...['MaxPool3D', 'MaxPool3DGrad', 'Conv3DBackpropFilterV2', 'Conv3DBackpropInputV2'].map((kernelName) => ({ kernelName, make: () => cpuReferenceKernel(kernelName) })),
  { kernelName: 'Sum', make: (stock) => blockReductionKernel(false, needsStock('Sum', stock)) },
  { kernelName: 'Mean', make: (stock) => blockReductionKernel(true, needsStock('Mean', stock)) },
  { kernelName: 'FusedBatchNorm', make: (stock) => batchNormKernel(needsStock('FusedBatchNorm', stock)) },
  { kernelName: 'BatchMatMul', make: (stock) => wasmMatMulKernel(needsStock('BatchMatMul', stock), false) },
  { kernelName: '_FusedMatMul', make: (stock) => wasmMatMulKernel(needsStock('_FusedMatMul', stock), true) },
  { kernelName: 'Identity', make: () => sharedIdentityKernel },
  { kernelName: 'Cast', make: (stock) => sharedCastKernel(needsStock('Cast', stock)) },
];

/**
 * Kernels ll4al adds under its own names (`kernels/elementwiseKernels.ts`): ReLU's gradient for
 * wasm and cpu, training-mode batch norm and its gradient for wasm (`batchNormTraining`), and
 * the broadcast that Sum's and Mean's gradients use on wasm.
 */
export const addedKernels: ReadonlyArray<tf.KernelConfig> = [...reluGradKernels, ...batchNormTrainingKernels, ...broadcastKernels];

/**
 * The gradients ll4al replaces (for every backend: they compute the same values, faster on
 * wasm). Relu's runs ll4al's ReLU-gradient kernel where the backend has it (wasm, cpu) and
 * tfjs's formula elsewhere.
 */
export const gradientOverrides: ReadonlyArray<tf.GradConfig> = [
  fusedBatchNormGradConfig,
  meanGradConfig,
  sumGradConfig,
  reluGradConfig,
];

let registered = false;

/**
 * Registers ll4al's training kernels for the `wasm` backend: forward convolutions in C
 * (`kernels/convForward.c`, float32 NHWC without dilation, bias and ReLU fused, from 256
 * output pixels per call: faster than XNNPACK on every task shape in `bench/convForward.ts`)
 * and otherwise tfjs-wasm's XNNPACK kernels with 'same' padding made explicit (wasm's own
 * 'same' is wrong for some geometries), the filter gradient
 * that tfjs-backend-wasm lacks and a fast convolution input gradient (both in C, WebAssembly
 * SIMD — `kernels/convGrad.c` — for float32 NHWC without dilation, faster than the TypeScript
 * forms on every shape measured by `bench/convKernels.ts`; the TypeScript forms for the
 * rest), reductions over a block of
 * axes as average pooling, batch norm as a depthwise
 * 1×1 convolution, gradients for batch norm, Sum and Mean that broadcast instead of
 * tiling, matrix products with a transposed operand as a transpose and XNNPACK's product
 * (wasm's own transposed products are ~10× slower) and a fused product's bias added by the
 * right index in a batch of products (wasm's is wrong), and (in C, `kernels/elementwise.c`) ReLU's
 * gradient in one pass (cpu gets a loop) and training-mode batch norm with its gradient. For the layers a user's network may hold
 * (docs/layers.md): the depthwise-convolution gradients wasm lacks and `UnsortedSegmentSum`
 * (embeddings), TypeScript forms of the gradient kernels wasm gets wrong (`MaxPoolGrad`, the
 * resize gradients), the cpu backend's kernel for the 3-D ones (`cpuReferenceKernel.ts`),
 * and {@link registerTrainingRepairs}. Called by `initBackend` when it picks wasm; calling it again does nothing.
 *
 * @returns The names of the kernels registered for wasm.
 */
export const registerWasmKernels = (): ReadonlyArray<string> => {
  if (!registered) {
    for (const { kernelName, make } of wasmKernels) {
      const stock = tf.getKernel(kernelName, 'wasm');
      if (stock !== undefined) tf.unregisterKernel(kernelName, 'wasm');
      tf.registerKernel({ ...(stock ?? {}), kernelName, backendName: 'wasm', kernelFunc: make(stock?.kernelFunc) });
    }
    for (const config of addedKernels) {
      if (tf.getKernel(config.kernelName, config.backendName) === undefined) tf.registerKernel(config);
    }
    for (const config of gradientOverrides) tf.registerGradient(config);
    registerTrainingRepairs();
    registered = true;
  }
  return [...wasmKernels.map((k) => k.kernelName), ...addedKernels.filter((k) => k.backendName === 'wasm').map((k) => k.kernelName)];
};
