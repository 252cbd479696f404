import * as tf from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterKernel } from './conv2dBackpropFilter';
import { conv2dBackpropInputKernel } from './conv2dBackpropInput';

/** The kernels ll4al adds to (or replaces in) tfjs-backend-wasm, by kernel name. */
export const wasmKernels: ReadonlyArray<{ readonly kernelName: string; readonly kernelFunc: tf.KernelFunc }> = [
  { kernelName: 'Conv2DBackpropFilter', kernelFunc: conv2dBackpropFilterKernel },
  { kernelName: 'Conv2DBackpropInput', kernelFunc: conv2dBackpropInputKernel },
];

let registered = false;

/**
 * Registers ll4al's training kernels for the `wasm` backend: the convolution filter gradient
 * that tfjs-backend-wasm lacks and a fast input gradient in place of its slow one. Called by
 * `initBackend` when it picks wasm; calling it again does nothing.
 *
 * @returns The names of the kernels registered for wasm.
 */
export const registerWasmKernels = (): ReadonlyArray<string> => {
  if (!registered) {
    for (const { kernelName, kernelFunc } of wasmKernels) {
      if (tf.getKernel(kernelName, 'wasm') !== undefined) tf.unregisterKernel(kernelName, 'wasm');
      tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
    }
    registered = true;
  }
  return wasmKernels.map((k) => k.kernelName);
};
