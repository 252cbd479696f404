import * as tf from '@tensorflow/tfjs-core';
import { kernelVariantCalls, loadedKernelVariants, preferredKernelVariant, type KernelVariant } from './kernelVariant.ts';
import { wasmApi } from './wasmApi.ts';

/**
 * Loading ll4al's C kernels (WebAssembly SIMD modules built by scripts/build-wasm-kernels.sh,
 * the convolution kernels in a plain and a relaxed-SIMD build: `kernelVariant.ts`) onto a
 * tfjs-backend-wasm instance, shared by `convGradKernels.ts`, `convForwardKernels.ts` and
 * `elementwiseKernels.ts`.
 *
 * A module is instantiated once per wasm backend (so once per thread: every worker that starts
 * the wasm backend gets its own instance) with that backend's own `WebAssembly.Memory` as its
 * memory: inputs are read and outputs written where tfjs keeps them, no copies. This is safe
 * because the modules own no memory — no data segment, no globals, no shadow stack (checked
 * when they are built, and the data segment and imports again here) — and allocate nothing:
 * outputs and scratch come from tfjs's allocator (`makeOutput`, `_malloc`). An allocation may
 * grow the memory; the module then sees the grown memory (it is the same object), and no
 * typed-array view is held across calls.
 *
 * Where a module cannot be used the callers' fallbacks run: no WebAssembly SIMD; tfjs-wasm's
 * threaded build (its memory is shared, ours is declared unshared, so instantiation fails); a
 * browser's main thread (it refuses to compile modules over 4 KB synchronously; workers may).
 */

/** The parts of tfjs-backend-wasm's `BackendWasm` the C kernels use (not in its public types). */
export interface WasmBackendInternals {
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

/** Whether `backend` is a tfjs-backend-wasm instance with the internals the C kernels use. */
export const isWasmBackend = (backend: unknown): backend is WasmBackendInternals => {
  const b = backend as Partial<WasmBackendInternals> | undefined;
  return b !== undefined && b !== null && typeof b.wasm === 'object' && b.dataIdMap !== undefined && typeof b.makeOutput === 'function';
};

/** Where a C module comes from: its name and, for the convolution kernels, its relaxed-SIMD build. */
export interface NativeModuleSource {
  /** The module's name in {@link loadedKernelVariants} ('convGrad', …). */
  readonly name: string;
  /** The relaxed-SIMD build's bytes, base64 (a generated `*RelaxedWasm.ts`), if there is one. */
  readonly relaxed?: string;
}

/** Exports whose functions count their calls in {@link kernelVariantCalls} under a variant. */
const counted = <E>(exports: Record<string, unknown>, variant: KernelVariant): E =>
  Object.fromEntries(
    Object.entries(exports).map(([key, value]) => [
      key,
      typeof value === 'function'
        ? (...args: unknown[]) => {
            kernelVariantCalls[variant]++;
            return (value as (...a: unknown[]) => unknown)(...args);
          }
        : value,
    ]),
  ) as E;

/**
 * One C module: compiled once per variant (lazily), instantiated once per wasm backend and
 * variant. The variant is {@link preferredKernelVariant}'s at each call (relaxed SIMD where the
 * engine has it and the module has such a build), falling back to the plain build where the
 * relaxed one does not compile; {@link loadedKernelVariants} records which one answered.
 *
 * @typeParam E - Its exported functions.
 * @param base64 - The module's plain-SIMD bytes, base64 (a generated `*Wasm.ts`).
 * @param source - Its name and its relaxed-SIMD build.
 * @returns A function giving the module's exports instantiated on a backend's memory, or null
 *   where that is not possible (memory not found, no WebAssembly SIMD, an unsafe binary).
 */
export const nativeModule = <E>(base64: string, source: NativeModuleSource): ((backend: WasmBackendInternals) => E | null) => {
  const builds: Record<KernelVariant, string | undefined> = { simd: base64, 'relaxed-simd': source.relaxed };
  const compiled: Partial<Record<KernelVariant, object | null>> = {};
  const instances = new WeakMap<object, Partial<Record<KernelVariant, E | null>>>();
  const compiledModule = (variant: KernelVariant): object | null => {
    const known = compiled[variant];
    if (known !== undefined) return known;
    compiled[variant] = null;
    const text = builds[variant];
    if (wasmApi === undefined || text === undefined) return null;
    const bytes = decodeBase64(text);
    if (hasDataSection(bytes)) return null;
    try {
      const module = new wasmApi.Module(bytes);
      const imports = wasmApi.Module.imports(module);
      // Its only import must be the memory (anything else would mean a libc call slipped in).
      if (imports.length === 1 && imports[0]?.kind === 'memory') compiled[variant] = module;
    } catch {
      // no (relaxed) SIMD in this engine: the plain build or the callers' fallbacks stay in use
    }
    return compiled[variant] ?? null;
  };
  const instantiate = (backend: WasmBackendInternals, variant: KernelVariant): E | null => {
    const module = backend.wasm;
    const perVariant = instances.get(module) ?? {};
    instances.set(module, perVariant);
    const known = perVariant[variant];
    if (known !== undefined) return known;
    let made: E | null = null;
    const memory = module.asm?.memory ?? module.wasmExports?.memory;
    const compiledNow = compiledModule(variant);
    if (compiledNow !== null && memory !== undefined && wasmApi !== undefined && memory instanceof wasmApi.Memory) {
      try {
        made = counted<E>(new wasmApi.Instance(compiledNow, { env: { memory } }).exports, variant);
      } catch {
        made = null;
      }
    }
    perVariant[variant] = made;
    return made;
  };
  return (backend) => {
    const preferred = source.relaxed === undefined ? 'simd' : preferredKernelVariant();
    const relaxed = preferred === 'relaxed-simd' ? instantiate(backend, 'relaxed-simd') : null;
    const made = relaxed ?? instantiate(backend, 'simd');
    if (made !== null) loadedKernelVariants[source.name] = relaxed !== null ? 'relaxed-simd' : 'simd';
    return made;
  };
};

/** The byte offset of a tensor in the wasm heap. */
export const offsetOf = (backend: WasmBackendInternals, info: tf.TensorInfo): number => {
  const offset = backend.dataIdMap.get(info.dataId)?.memoryOffset;
  if (offset === null || offset === undefined) throw new Error('ll4al native kernel: tensor has no wasm memory');
  return offset;
};

/**
 * Makes float32 output tensors of the given shapes, then runs `body` with `floats` floats of
 * scratch memory from tfjs's allocator (0 when none is asked for), freed afterwards; the
 * outputs are released if `body` (or an allocation) fails.
 */
export const computeInto = (
  backend: WasmBackendInternals,
  shapes: ReadonlyArray<number[]>,
  floats: number,
  body: (outs: tf.TensorInfo[], scratch: number) => void,
): tf.TensorInfo[] => {
  const outs: tf.TensorInfo[] = [];
  try {
    for (const shape of shapes) outs.push(backend.makeOutput(shape, 'float32'));
    if (floats === 0) {
      body(outs, 0);
    } else {
      const scratch = backend.wasm._malloc(floats * 4) >>> 0;
      if (scratch === 0) throw new Error(`ll4al native kernel: out of wasm memory (${floats * 4} bytes of scratch)`);
      try {
        body(outs, scratch);
      } finally {
        backend.wasm._free(scratch);
      }
    }
  } catch (error) {
    for (const out of outs) backend.disposeData(out.dataId, true);
    throw error;
  }
  return outs;
};
