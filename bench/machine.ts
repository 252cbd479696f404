/**
 * The machine a benchmark ran on, printed beside its figures: the CPU model and the SIMD flags
 * that matter for these kernels (from /proc/cpuinfo), the cores, the Node version, and whether
 * this runtime's WebAssembly has relaxed SIMD (fused multiply-add where the CPU has it).
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';

export interface MachineInfo {
  readonly cpu: string;
  /** Of avx2, avx512f, avx512bw, avx512vl, fma, f16c: those the CPU reports. */
  readonly simdFlags: ReadonlyArray<string>;
  readonly cores: number;
  readonly node: string;
  /** WebAssembly.validate of a module with one f32x4.relaxed_madd. */
  readonly wasmRelaxedSimd: boolean;
}

const interesting = ['avx2', 'avx512f', 'avx512bw', 'avx512vl', 'fma', 'f16c'];

// (module (func (param v128 v128 v128) (result v128) local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd))
const relaxedMaddModule = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00,
  0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b,
]);

/** Whether this runtime's WebAssembly accepts relaxed SIMD (Node ≥ 22 by default). */
export const hasRelaxedSimd = (): boolean => {
  try {
    // The project's type libraries do not declare the WebAssembly API of Node and browsers.
    const wasm = (globalThis as unknown as { WebAssembly?: { validate(bytes: Uint8Array): boolean } }).WebAssembly;
    return wasm?.validate(relaxedMaddModule) ?? false;
  } catch {
    return false;
  }
};

export const describeMachine = (): MachineInfo => {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const flagsLine = /^flags\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? '';
  const flags = new Set(flagsLine.split(/\s+/));
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    simdFlags: interesting.filter((f) => flags.has(f)),
    cores: os.cpus().length,
    node: process.version,
    wasmRelaxedSimd: hasRelaxedSimd(),
  };
};

/** One line: "AMD EPYC 9B14 (avx2 avx512f fma), 2 cores, Node v24.1.0, wasm relaxed SIMD yes". */
export const machineLine = (m: MachineInfo): string =>
  `${m.cpu} (${m.simdFlags.join(' ') || 'no AVX flags'}), ${m.cores} cores, Node ${m.node}, wasm relaxed SIMD ${m.wasmRelaxedSimd ? 'yes' : 'no'}`;
