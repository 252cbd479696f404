/**
 * `npx tsx bench/simdPeak.ts`: the multiply-adds per second one core can do in WebAssembly's
 * 128-bit SIMD, with a multiply and an add (plain SIMD) and with f32x4.relaxed_madd (fused where
 * the CPU has FMA), so that a kernel's GMAC/s can be read against what this engine and CPU allow.
 *
 * The module is assembled here (no compiler needed): a loop of 10 independent accumulators,
 * acc_i ← acc_i + a_i · b, then b ← b + d, so the products are not loop-invariant and no
 * accumulator waits on another. All values start at 0 (passed in, so nothing folds), which keeps
 * them 0: no denormals, no infinities. 10 chains cover 2 ports × 4 cycles of FMA latency.
 */
import { pathToFileURL } from 'node:url';
import { wasmApi } from '../src/backend/kernels/wasmApi.ts';

const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
};
const section = (id: number, bytes: number[]): number[] => [id, ...uleb(bytes.length), ...bytes];

const SIMD = 0xfd;
const F32X4_SPLAT = [SIMD, 0x13];
const F32X4_ADD = [SIMD, ...uleb(228)];
const F32X4_MUL = [SIMD, ...uleb(230)];
const F32X4_RELAXED_MADD = [SIMD, ...uleb(261)];
const F32X4_EXTRACT_LANE_0 = [SIMD, 0x1f, 0x00];
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const LOCAL_TEE = 0x22;

/** Accumulators in the loop. */
export const peakChains = 10;

/** The module's bytes: export `peak(n: i32, s: f32) → f32`, n iterations of `peakChains` vector multiply-adds. */
export const peakModule = (fused: boolean): Uint8Array => {
  // locals: 0 n, 1 s; v128: 2 … 11 accumulators, 12 and 13 a, 14 b, 15 d
  const acc = (i: number): number => 2 + i;
  const body: number[] = [0x01, 14, 0x7b];
  body.push(LOCAL_GET, 1, ...F32X4_SPLAT, LOCAL_TEE, 12, LOCAL_TEE, 13, LOCAL_TEE, 14, LOCAL_SET, 15);
  body.push(0x03, 0x40); // loop
  for (let i = 0; i < peakChains; i++) {
    const a = 12 + (i % 2);
    if (fused) body.push(LOCAL_GET, a, LOCAL_GET, 14, LOCAL_GET, acc(i), ...F32X4_RELAXED_MADD, LOCAL_SET, acc(i));
    else body.push(LOCAL_GET, acc(i), LOCAL_GET, a, LOCAL_GET, 14, ...F32X4_MUL, ...F32X4_ADD, LOCAL_SET, acc(i));
  }
  body.push(LOCAL_GET, 14, LOCAL_GET, 15, ...F32X4_ADD, LOCAL_SET, 14);
  body.push(LOCAL_GET, 0, 0x41, 0x01, 0x6b, LOCAL_TEE, 0, 0x0d, 0x00); // n ← n − 1; br_if n ≠ 0
  body.push(0x0b); // end loop
  body.push(LOCAL_GET, acc(0));
  for (let i = 1; i < peakChains; i++) body.push(LOCAL_GET, acc(i), ...F32X4_ADD);
  body.push(...F32X4_EXTRACT_LANE_0, 0x0b);
  const name = [...'peak'].map((c) => c.charCodeAt(0));
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [0x01, 0x60, 0x02, 0x7f, 0x7d, 0x01, 0x7d]), // (i32, f32) → f32
    ...section(3, [0x01, 0x00]),
    ...section(7, [0x01, name.length, ...name, 0x00, 0x00]),
    ...section(10, [0x01, ...uleb(body.length), ...body]),
  ]);
};

export interface SimdPeak {
  /** GMAC/s on one core with f32x4.mul + f32x4.add. */
  readonly plain: number;
  /** GMAC/s on one core with f32x4.relaxed_madd, or undefined where the engine has no relaxed SIMD. */
  readonly fused: number | undefined;
}

const timeGmac = (fused: boolean): number | undefined => {
  const api = wasmApi;
  const bytes = peakModule(fused);
  if (api === undefined || !api.validate(bytes)) return undefined;
  const peak = new api.Instance(new api.Module(bytes)).exports['peak'] as (n: number, s: number) => number;
  peak(2_000_000, 0); // compile with the optimizing tier
  const n = 40_000_000;
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const t0 = performance.now();
    const out = peak(n, 0);
    const ms = performance.now() - t0;
    if (out !== 0) throw new Error(`simd peak loop returned ${out}, expected 0`);
    best = Math.min(best, ms);
  }
  return (n * peakChains * 4) / (best / 1000) / 1e9;
};

/** Measures both (about a second in all), best of 3 on this thread. */
export const measureSimdPeak = (): SimdPeak => ({ plain: timeGmac(false) ?? 0, fused: timeGmac(true) });

export const simdPeakLine = (p: SimdPeak): string =>
  `one core, 128-bit wasm SIMD: ${p.plain.toFixed(1)} GMAC/s with multiply + add, ${p.fused === undefined ? 'no relaxed SIMD' : `${p.fused.toFixed(1)} GMAC/s fused (f32x4.relaxed_madd)`}`;

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) console.log(simdPeakLine(measureSimdPeak()));
