export { initBackend, backendName, backendRequests } from './initBackend.ts';
export type { BackendInfo, BackendRequest } from './initBackend.ts';
export { registerWasmKernels, wasmKernels } from './registerWasmKernels.ts';
export { conv2dFilterGradient } from './conv2dBackpropFilter.ts';
export type { FilterGradientAttrs } from './conv2dBackpropFilter.ts';
export { conv2dInputGradient, insertZeros } from './conv2dBackpropInput.ts';
export type { InputGradientAttrs } from './conv2dBackpropInput.ts';
export { createInferencePool } from './inferencePool.ts';
export type { InferencePool, InferencePoolOptions } from './inferencePool.ts';
