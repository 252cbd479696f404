import * as tf from '@tensorflow/tfjs-core';
import type { ConvGeometry } from '../convGeometry.ts';
import { convGradRelaxedWasmBase64 } from './convGradRelaxedWasm.ts';
import { convGradWasmBase64 } from './convGradWasm.ts';
import { computeInto, isWasmBackend, nativeModule, offsetOf, type WasmBackendInternals } from './nativeModule.ts';

export { hasDataSection } from './nativeModule.ts';

/**
 * The convolution gradient kernels of `convGrad.c` (WebAssembly SIMD), run in place on the
 * tensors of a tfjs-backend-wasm instance.
 *
 * The module is instantiated once per wasm backend on that backend's own memory, zero copy
 * (see `nativeModule.ts` for how and why that is safe). Where it cannot be used the TypeScript
 * kernels run instead, unchanged.
 */

/** The C functions (pointers and sizes in bytes/floats as documented in convGrad.c). */
interface ConvGradExports {
  filter_grad_scratch(...geometry: number[]): number;
  conv2d_filter_grad(x: number, dy: number, dw: number, scratch: number, ...geometry: number[]): void;
  input_grad_scratch(...geometry: number[]): number;
  conv2d_input_grad(dy: number, w: number, dx: number, scratch: number, ...geometry: number[]): void;
}

/**
 * Cache blocking of the filter gradient: output positions summed per pass over the tiles, and
 * output channels per pass. Measured on the small-CNN and ResNet-18 shapes (bench/convKernels.ts):
 * on the earlier 2-core machine (no FMA in the kernels) 128–512 and 64–all channels were within
 * noise except that chunks of 512 were slower. On the current one (Xeon, 48 KB L1, relaxed-SIMD
 * FMA build, Node 24) chunks of 128 beat 256 on every shape: the small CNN's layers 2–4 by
 * 10–16% (6.56 → 5.88, 6.71 → 5.65, 9.17 → 7.90 ms at batch 128), ResNet-18's stem and stage 3
 * by 12–20%, the rest equal or within 3%; 96 was like 128, 64 slower on layer 2, and panels of
 * 64 channels no better than 128.
 */
const filterChunk = 128;
const filterPanel = 128;

/** The module's exports on a backend, or null where it cannot run there. */
const kernelsFor = nativeModule<ConvGradExports>(convGradWasmBase64, { name: 'convGrad', relaxed: convGradRelaxedWasmBase64 });

/** Which kernels ran natively, for tests and benchmarks (`resetConvGradCalls` sets them to 0). */
export const convGradCalls = { filter: 0, input: 0 };

/** Sets both call counters to 0. */
export const resetConvGradCalls = (): void => {
  convGradCalls.filter = 0;
  convGradCalls.input = 0;
};

/**
 * Whether the C kernels compute this case: the wasm backend with its memory reachable,
 * float32 NHWC tensors, no dilation, nothing empty.
 */
const nativeCase = (backend: unknown, g: ConvGeometry, infos: ReadonlyArray<tf.TensorInfo>): backend is WasmBackendInternals =>
  isWasmBackend(backend) &&
  g.dilationHeight === 1 &&
  g.dilationWidth === 1 &&
  g.batch > 0 &&
  g.inHeight > 0 &&
  g.inWidth > 0 &&
  g.inChannels > 0 &&
  g.outChannels > 0 &&
  g.outHeight > 0 &&
  g.outWidth > 0 &&
  infos.every((t) => t.dtype === 'float32') &&
  kernelsFor(backend) !== null;

/**
 * dW = ∂L/∂W of a forward convolution with geometry `g`, by `conv2d_filter_grad`:
 *   dW[kh, kw, ci, co] = Σ_{n, oh, ow} x[n, oh·sH − padTop + kh, ow·sW − padLeft + kw, ci] · dy[n, oh, ow, co]
 *
 * @param backend - The kernel's backend (tfjs-backend-wasm).
 * @param x - The forward input, NHWC float32 [batch, inHeight, inWidth, inChannels].
 * @param dy - The output gradient, NHWC float32 [batch, outHeight, outWidth, outChannels].
 * @param g - The resolved geometry (dilation 1).
 * @returns The filter gradient [filterHeight, filterWidth, inChannels, outChannels], or
 *   undefined when this case is not one the C kernel computes (the caller falls back).
 */
export const nativeFilterGradient = (
  backend: unknown,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  g: ConvGeometry,
): tf.TensorInfo | undefined => {
  if (!nativeCase(backend, g, [x, dy])) return undefined;
  const k = kernelsFor(backend)!;
  const scratchFloats = k.filter_grad_scratch(
    g.batch, g.inHeight, g.inWidth, g.inChannels, g.outHeight, g.outWidth,
    g.filterHeight, g.filterWidth, g.strideHeight, g.strideWidth, g.padTop, g.padLeft,
  ) >>> 0;
  // Offsets are read after the allocations (none moves a tensor; the memory may grow, and the
  // module sees the grown memory since it is the same object).
  const [out] = computeInto(backend, [[g.filterHeight, g.filterWidth, g.inChannels, g.outChannels]], scratchFloats, ([dw], scratch) =>
    k.conv2d_filter_grad(
      offsetOf(backend, x), offsetOf(backend, dy), offsetOf(backend, dw), scratch,
      g.batch, g.inHeight, g.inWidth, g.inChannels, g.outHeight, g.outWidth, g.outChannels,
      g.filterHeight, g.filterWidth, g.strideHeight, g.strideWidth, g.padTop, g.padLeft, filterChunk, filterPanel,
    ),
  );
  convGradCalls.filter++;
  return out;
};

/**
 * dx = ∂L/∂x of a forward convolution with geometry `g`, by `conv2d_input_grad`:
 *   dx[n, ih, iw, ci] = Σ dy[n, oh, ow, co] · W[kh, kw, ci, co] over oh·sH − padTop + kh = ih, ow·sW − padLeft + kw = iw
 *
 * @param backend - The kernel's backend (tfjs-backend-wasm).
 * @param dy - The output gradient, NHWC float32.
 * @param filter - The filter, [filterHeight, filterWidth, inChannels, outChannels] float32.
 * @param g - The resolved geometry (dilation 1).
 * @returns The input gradient [batch, inHeight, inWidth, inChannels], or undefined when this
 *   case is not one the C kernel computes (the caller falls back).
 */
export const nativeInputGradient = (
  backend: unknown,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  g: ConvGeometry,
): tf.TensorInfo | undefined => {
  if (!nativeCase(backend, g, [dy, filter])) return undefined;
  const k = kernelsFor(backend)!;
  const geometry = [
    g.batch, g.inHeight, g.inWidth, g.inChannels, g.outHeight, g.outWidth, g.outChannels,
    g.filterHeight, g.filterWidth, g.strideHeight, g.strideWidth, g.padTop, g.padLeft,
  ];
  const scratchFloats = k.input_grad_scratch(...geometry) >>> 0;
  const [out] = computeInto(backend, [[g.batch, g.inHeight, g.inWidth, g.inChannels]], scratchFloats, ([dx], scratch) =>
    k.conv2d_input_grad(offsetOf(backend, dy), offsetOf(backend, filter), offsetOf(backend, dx), scratch, ...geometry),
  );
  convGradCalls.input++;
  return out;
};
