export { initBackend, backendName, backendRequests } from './initBackend';
export type { BackendInfo, BackendRequest } from './initBackend';
export { registerWasmKernels, wasmKernels } from './registerWasmKernels';
export { conv2dFilterGradient } from './conv2dBackpropFilter';
export type { FilterGradientAttrs } from './conv2dBackpropFilter';
export { conv2dInputGradient, insertZeros } from './conv2dBackpropInput';
export type { InputGradientAttrs } from './conv2dBackpropInput';
export { createInferencePool } from './inferencePool';
export type { InferencePool, InferencePoolOptions } from './inferencePool';
