import * as tf from '@tensorflow/tfjs-core';
import type { ConvGeometry } from '../convGeometry';
import { convGradWasmBase64 } from './convGradWasm';

/**
 * The convolution gradient kernels of `convGrad.c` (WebAssembly SIMD), run in place on the
 * tensors of a tfjs-backend-wasm instance.
 *
 * The module is instantiated once per wasm backend (so once per thread: every worker that
 * starts the wasm backend gets its own instance) with that backend's own `WebAssembly.Memory`
 * as its memory: inputs are read and outputs written where tfjs keeps them, no copies. This
 * is safe because the module owns no memory — no data segment, no globals, no shadow stack
 * (checked when it is built, and the data-segment part again when it is loaded) — and
 * allocates nothing: its output and scratch buffers come from tfjs's allocator
 * (`makeOutput`, `_malloc`). An allocation may grow the memory; the module then sees the
 * grown memory (it is the same object), and we hold no typed-array view across calls.
 *
 * Where the module cannot be used the TypeScript kernels run instead, unchanged: no
 * WebAssembly SIMD; tfjs-wasm's threaded build (its memory is shared, ours is declared
 * unshared, so instantiation fails); a browser's main thread (it refuses to compile modules
 * over 4 KB synchronously; workers may).
 */

/** The C functions (pointers and sizes in bytes/floats as documented in convGrad.c). */
interface ConvGradExports {
  filter_grad_scratch(...geometry: number[]): number;
  conv2d_filter_grad(x: number, dy: number, dw: number, scratch: number, ...geometry: number[]): void;
  input_grad_scratch(...geometry: number[]): number;
  conv2d_input_grad(dy: number, w: number, dx: number, scratch: number, ...geometry: number[]): void;
}

// The WebAssembly API of Node and browsers (the project's type libraries do not declare it).
interface WasmApi {
  Module: (new (bytes: Uint8Array) => object) & { imports(module: object): Array<{ module: string; name: string; kind: string }> };
  Memory: new (descriptor: { initial: number }) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
}

/** The parts of tfjs-backend-wasm's `BackendWasm` these kernels use (not in its public types). */
interface WasmBackendInternals {
  readonly wasm: {
    /** The emscripten module's exports (`asm` in tfjs-wasm 4.x; `wasmExports` in newer emscripten). */
    readonly asm?: { readonly memory?: unknown };
    readonly wasmExports?: { readonly memory?: unknown };
    _malloc(bytes: number): number;
    _free(offset: number): void;
  };
  readonly dataIdMap: { get(dataId: object): { memoryOffset: number | null } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
}

/**
 * Cache blocking of the filter gradient: output positions summed per pass over the tiles, and
 * output channels per pass. Measured on the small-CNN and ResNet-18 shapes (bench/convKernels.ts):
 * differences between 128–512 and 64–all channels were within this machine's noise except that
 * chunks of 512 were slower; 256 × 128 was never worse than the others.
 */
const filterChunk = 256;
const filterPanel = 128;

const wasmApi = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
let compiled: object | null | undefined;
const instances = new WeakMap<object, ConvGradExports | null>();

/** Which kernels ran natively, for tests and benchmarks (`resetConvGradCalls` sets them to 0). */
export const convGradCalls = { filter: 0, input: 0 };

/** Sets both call counters to 0. */
export const resetConvGradCalls = (): void => {
  convGradCalls.filter = 0;
  convGradCalls.input = 0;
};

const decodeBase64 = (text: string): Uint8Array => Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));

/**
 * Whether a wasm binary declares a data segment (section 11) or a data count (section 12):
 * one that does must never be instantiated on tfjs's memory, where it would overwrite the heap.
 */
export const hasDataSection = (bytes: Uint8Array): boolean => {
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at++];
    let size = 0;
    let shift = 0;
    for (;;) {
      const byte = bytes[at++];
      size += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if ((byte & 0x80) === 0) break;
    }
    if (id === 11 || id === 12) return true;
    at += size;
  }
  return false;
};

/** The compiled module, or null where WebAssembly (with SIMD) is missing or the binary is unsafe. */
const compiledModule = (): object | null => {
  if (compiled !== undefined) return compiled;
  compiled = null;
  if (wasmApi === undefined) return compiled;
  const bytes = decodeBase64(convGradWasmBase64);
  if (hasDataSection(bytes)) return compiled;
  try {
    const module = new wasmApi.Module(bytes);
    const imports = wasmApi.Module.imports(module);
    // Its only import must be the memory (anything else would mean a libc call slipped in).
    if (imports.length === 1 && imports[0]?.kind === 'memory') compiled = module;
  } catch {
    // no SIMD in this engine: the TypeScript kernels stay in use
  }
  return compiled;
};

const isWasmBackend = (backend: unknown): backend is WasmBackendInternals => {
  const b = backend as Partial<WasmBackendInternals> | undefined;
  return b !== undefined && typeof b.wasm === 'object' && b.dataIdMap !== undefined && typeof b.makeOutput === 'function';
};

/**
 * The kernels instantiated on this wasm backend's memory, or null when that is not possible
 * (not the wasm backend, its memory not found, no WebAssembly SIMD).
 */
const kernelsFor = (backend: WasmBackendInternals): ConvGradExports | null => {
  const module = backend.wasm;
  const known = instances.get(module);
  if (known !== undefined) return known;
  let made: ConvGradExports | null = null;
  const memory = module.asm?.memory ?? module.wasmExports?.memory;
  const compiledNow = compiledModule();
  const MemoryClass = (wasmApi as unknown as { Memory: abstract new (...args: never[]) => object } | undefined)?.Memory;
  if (compiledNow !== null && memory !== undefined && MemoryClass !== undefined && memory instanceof MemoryClass) {
    try {
      const instance = new wasmApi!.Instance(compiledNow, { env: { memory } });
      made = instance.exports as unknown as ConvGradExports;
    } catch {
      made = null;
    }
  }
  instances.set(module, made);
  return made;
};

/** The byte offset of a tensor in the wasm heap. */
const offsetOf = (backend: WasmBackendInternals, info: tf.TensorInfo): number => {
  const offset = backend.dataIdMap.get(info.dataId)?.memoryOffset;
  if (offset === null || offset === undefined) throw new Error('convGrad: tensor has no wasm memory');
  return offset;
};

/**
 * Makes the output tensor, then runs `body` with `floats` floats of scratch memory from
 * tfjs's allocator (none when 0), freed afterwards; the output is released if `body` fails.
 */
const computeInto = (
  backend: WasmBackendInternals,
  shape: number[],
  floats: number,
  body: (out: tf.TensorInfo, scratch: number) => void,
): tf.TensorInfo => {
  const out = backend.makeOutput(shape, 'float32');
  try {
    if (floats === 0) {
      body(out, 0);
    } else {
      const scratch = backend.wasm._malloc(floats * 4) >>> 0;
      if (scratch === 0) throw new Error(`convGrad: out of wasm memory (${floats * 4} bytes of scratch)`);
      try {
        body(out, scratch);
      } finally {
        backend.wasm._free(scratch);
      }
    }
  } catch (error) {
    backend.disposeData(out.dataId, true);
    throw error;
  }
  return out;
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
  const out = computeInto(backend, [g.filterHeight, g.filterWidth, g.inChannels, g.outChannels], scratchFloats, (dw, scratch) =>
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
  const out = computeInto(backend, [g.batch, g.inHeight, g.inWidth, g.inChannels], scratchFloats, (dx, scratch) =>
    k.conv2d_input_grad(offsetOf(backend, dy), offsetOf(backend, filter), offsetOf(backend, dx), scratch, ...geometry),
  );
  convGradCalls.input++;
  return out;
};
