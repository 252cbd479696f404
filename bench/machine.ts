/**
 * The machine a benchmark ran on, printed beside its figures: the CPU model and the SIMD flags
 * that matter for these kernels (from /proc/cpuinfo), the cores, the Node version, and whether
 * this runtime's WebAssembly has relaxed SIMD (fused multiply-add where the CPU has it).
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { relaxedSimdSupported } from '../src/backend/kernels/kernelVariant.ts';

export interface MachineInfo {
  readonly cpu: string;
  /** Of avx2, avx512f, avx512bw, avx512vl, fma, f16c: those the CPU reports. */
  readonly simdFlags: ReadonlyArray<string>;
  readonly cores: number;
  readonly node: string;
  /** Whether this runtime's WebAssembly has relaxed SIMD (src/backend/kernels/kernelVariant.ts). */
  readonly wasmRelaxedSimd: boolean;
}

const interesting = ['avx2', 'avx512f', 'avx512bw', 'avx512vl', 'fma', 'f16c'];

export const describeMachine = (): MachineInfo => {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const flagsLine = /^flags\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? '';
  const flags = new Set(flagsLine.split(/\s+/));
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    simdFlags: interesting.filter((f) => flags.has(f)),
    cores: os.cpus().length,
    node: process.version,
    wasmRelaxedSimd: relaxedSimdSupported(),
  };
};

/** One line: "AMD EPYC 9B14 (avx2 avx512f fma), 2 cores, Node v24.1.0, wasm relaxed SIMD yes". */
export const machineLine = (m: MachineInfo): string =>
  `${m.cpu} (${m.simdFlags.join(' ') || 'no AVX flags'}), ${m.cores} cores, Node ${m.node}, wasm relaxed SIMD ${m.wasmRelaxedSimd ? 'yes' : 'no'}`;
