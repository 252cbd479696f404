import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { comparisonGradConfigs, conv3dBackpropInputGradConfig } from './missingGradients.ts';
import { resizeBilinearGradKernel, resizeNearestGradKernel } from './resizeGradients.ts';

/**
 * The cpu kernels ll4al replaces: the resize gradients, wrong in tfjs-backend-cpu 4.22 for a
 * batch over 1 (nearest) and for non-square images (bilinear); see `resizeGradients.ts`.
 */
export const cpuKernels: ReadonlyArray<{ readonly kernelName: string; readonly kernelFunc: tf.KernelFunc }> = [
  { kernelName: 'ResizeNearestNeighborGrad', kernelFunc: resizeNearestGradKernel },
  { kernelName: 'ResizeBilinearGrad', kernelFunc: resizeBilinearGradKernel },
];

/** Gradients tfjs 4.22 lacks on every backend: conv3dTranspose's and the comparisons' (zero). */
export const missingGradients: ReadonlyArray<tf.GradConfig> = [conv3dBackpropInputGradConfig, ...comparisonGradConfigs];

let registered = false;

/**
 * Registers what lets every layer of docs/layers.md train on any backend, whichever one is
 * chosen: the gradients tfjs lacks and the cpu backend's repaired resize gradients. Called by
 * `initBackend` (and `registerWasmKernels`); calling it again does nothing.
 */
export const registerTrainingRepairs = (): void => {
  if (registered) return;
  for (const { kernelName, kernelFunc } of cpuKernels) {
    const stock = tf.getKernel(kernelName, 'cpu');
    if (stock !== undefined) tf.unregisterKernel(kernelName, 'cpu');
    tf.registerKernel({ ...(stock ?? {}), kernelName, backendName: 'cpu', kernelFunc });
  }
  for (const config of missingGradients) tf.registerGradient(config);
  registered = true;
};
