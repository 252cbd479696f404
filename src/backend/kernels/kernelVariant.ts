import { InputError } from '../../inputError.ts';
import { wasmApi } from './wasmApi.ts';

/**
 * Which build of ll4al's C convolution kernels runs: `relaxed-simd` (f32x4.relaxed_madd, one
 * fused multiply-add where the CPU has FMA) or `simd` (plain WebAssembly SIMD: a multiply and an
 * add). scripts/build-wasm-kernels.sh builds both; the relaxed one is chosen where the engine
 * validates relaxed SIMD (on by default from Node 22 and in current browsers; Node 20 only with
 * --experimental-wasm-relaxed-simd), the plain one elsewhere.
 */
export type KernelVariant = 'relaxed-simd' | 'simd';

/** The variants, in order of preference. */
export const kernelVariants: ReadonlyArray<KernelVariant> = ['relaxed-simd', 'simd'];

// The smallest module that uses relaxed SIMD: (func (result v128) v128.const 0 ×3 f32x4.relaxed_madd).
const zeroVector = Array.from({ length: 16 }, () => 0);
const vectorConst = [0xfd, 0x0c, ...zeroVector];
const body = [0x00, ...vectorConst, ...vectorConst, ...vectorConst, 0xfd, 0x85, 0x02, 0x0b];
const relaxedProbe = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: () -> v128
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, body.length + 2, 0x01, body.length, ...body, // code section
]);


let relaxedSupported: boolean | undefined;

/**
 * Whether this engine validates relaxed SIMD (tested once, on an 82-byte module that computes
 * one f32x4.relaxed_madd).
 *
 * @returns true on Node 22+ and current browsers, false on Node 20 without its flag.
 */
export const relaxedSimdSupported = (): boolean => {
  if (relaxedSupported === undefined) {
    const api = wasmApi;
    try {
      relaxedSupported = api !== undefined && api.validate(relaxedProbe);
    } catch {
      relaxedSupported = false;
    }
  }
  return relaxedSupported;
};

let chosen: KernelVariant | 'auto' = 'auto';

const isVariant = (value: string): value is KernelVariant => (kernelVariants as ReadonlyArray<string>).includes(value);

/**
 * The variant the C convolution kernels load: the one {@link useKernelVariant} set, else the
 * `LL4AL_WASM_KERNELS` environment variable (`relaxed-simd` or `simd`), else `relaxed-simd`
 * where the engine validates it and `simd` elsewhere. A relaxed request the engine cannot run
 * gets `simd`.
 *
 * @returns The variant.
 * @throws InputError when LL4AL_WASM_KERNELS names no variant.
 */
export const preferredKernelVariant = (): KernelVariant => {
  let asked: KernelVariant | 'auto' = chosen;
  if (asked === 'auto') {
    const fromEnv = (typeof process === 'undefined' ? undefined : process.env['LL4AL_WASM_KERNELS'])?.trim();
    if (fromEnv !== undefined && fromEnv !== '' && fromEnv !== 'auto') {
      if (!isVariant(fromEnv)) throw new InputError(`LL4AL_WASM_KERNELS: unknown kernel variant '${fromEnv}' (expected one of auto, ${kernelVariants.join(', ')})`);
      asked = fromEnv;
    }
  }
  if (asked === 'simd') return 'simd';
  return relaxedSimdSupported() ? 'relaxed-simd' : 'simd';
};

// (func (param f32 f32) (result f32) lane 0 of f32x4.relaxed_madd(splat a, splat a, splat c)), exported as "f".
const maddBody = [0x00, 0x20, 0x00, 0xfd, 0x13, 0x20, 0x00, 0xfd, 0x13, 0x20, 0x01, 0xfd, 0x13, 0xfd, 0x85, 0x02, 0xfd, 0x1f, 0x00, 0x0b];
const maddProbe = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x07, 0x01, 0x60, 0x02, 0x7d, 0x7d, 0x01, 0x7d, // type section: (f32, f32) -> f32
  0x03, 0x02, 0x01, 0x00,
  0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00, // export "f"
  0x0a, maddBody.length + 2, 0x01, maddBody.length, ...maddBody,
]);

let fuses: boolean | null | undefined;

/**
 * Whether f32x4.relaxed_madd rounds once here (a fused multiply-add: the engine emits FMA on this
 * CPU) — (1 + 2⁻¹²)² − (1 + 2⁻¹¹) is 2⁻²⁴ fused and 0 when the product is rounded first. The
 * relaxed builds' results depend on it, so two machines rank alike only when it is the same.
 *
 * @returns null where the engine has no relaxed SIMD.
 */
export const relaxedMaddFuses = (): boolean | null => {
  if (fuses === undefined) {
    fuses = null;
    const api = wasmApi;
    if (api !== undefined && relaxedSimdSupported()) {
      try {
        const f = new api.Instance(new api.Module(maddProbe)).exports['f'] as (a: number, c: number) => number;
        fuses = f(1 + 2 ** -12, -(1 + 2 ** -11)) !== 0;
      } catch {
        fuses = null;
      }
    }
  }
  return fuses;
};

/**
 * How the C kernels will compute here, as one string that two processes compare before they
 * share scores: 'simd', 'relaxed-simd, fused' or 'relaxed-simd, unfused'. Plain SIMD is exact
 * IEEE arithmetic on every engine and CPU; relaxed SIMD fuses or not by CPU.
 */
export const kernelArithmetic = (): string => {
  if (preferredKernelVariant() === 'simd') return 'simd';
  return relaxedMaddFuses() === true ? 'relaxed-simd, fused' : 'relaxed-simd, unfused';
};

/**
 * Chooses the variant from now on (benchmarks and tests run both in one process); 'auto'
 * returns to {@link preferredKernelVariant}'s rule.
 *
 * @param variant - 'relaxed-simd', 'simd' or 'auto'.
 * @returns The choice it replaced.
 */
export const useKernelVariant = (variant: KernelVariant | 'auto'): KernelVariant | 'auto' => {
  const previous = chosen;
  chosen = variant;
  return previous;
};

/** Calls into the C modules, by the variant that ran them (tests and benchmarks read it). */
export const kernelVariantCalls: Record<KernelVariant, number> = { 'relaxed-simd': 0, simd: 0 };

/** What each C module loaded last, by module name ('convGrad', 'convForward', 'elementwise'). */
export const loadedKernelVariants: Record<string, KernelVariant> = {};
