import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
// tfjs-layers registers every op's gradient when it loads; ll4al's own gradients override some after it.
import '@tensorflow/tfjs-layers';
import { InputError } from '../inputError.ts';
import { registerTrainingRepairs } from './registerTrainingRepairs.ts';
import { registerWasmKernels } from './registerWasmKernels.ts';

/** A backend the user may ask for: native TensorFlow, embedded wasm, or pure-JS cpu. */
export type BackendRequest = 'tensorflow' | 'wasm' | 'cpu';

/** The backends a user may name, in the order `auto` tries them. */
export const backendRequests: ReadonlyArray<BackendRequest> = ['tensorflow', 'wasm', 'cpu'];

/** What `initBackend` chose; recorded in every result. */
export interface BackendInfo {
  /** The active tfjs backend, as `tf.getBackend()` names it. */
  readonly name: string;
  /** What was asked for (option or LL4AL_BACKEND); absent when chosen automatically. */
  readonly requested?: string;
  /** Whether the wasm backend runs its SIMD build (wasm only). */
  readonly simd?: boolean;
  /** How many threads the backend computes on, where known. */
  readonly threads?: number;
}

// The native packages are optional peers: a specifier held in a variable keeps tsc and
// bundlers from resolving them when they are absent.
const nativePackages: ReadonlyArray<string> = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];

let current: BackendInfo | undefined;

const isBackendRequest = (value: string): value is BackendRequest =>
  (backendRequests as ReadonlyArray<string>).includes(value);

/** Loads the first installed native TensorFlow package; true when one registered 'tensorflow'. */
const loadNative = async (): Promise<boolean> => {
  if (tf.findBackendFactory('tensorflow') != null) return true;
  for (const specifier of nativePackages) {
    try {
      await import(specifier);
    } catch {
      continue;
    }
    if (tf.findBackendFactory('tensorflow') != null) return true;
  }
  return false;
};

const activate = async (name: BackendRequest): Promise<boolean> => {
  if (name === 'tensorflow' && !(await loadNative())) return false;
  registerTrainingRepairs();
  if (name === 'wasm') registerWasmKernels();
  try {
    const ok = await tf.setBackend(name);
    if (ok) await tf.ready();
    return ok && tf.getBackend() === name;
  } catch {
    return false;
  }
};

const describe = (requested: string | undefined): BackendInfo => {
  const name = tf.getBackend();
  const base = requested === undefined ? { name } : { name, requested };
  if (name === 'wasm') {
    const threaded = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
    return { ...base, simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'), threads: threaded ? undefined : 1 };
  }
  if (name === 'cpu') return { ...base, threads: 1 };
  return base;
};

const installHint: Record<BackendRequest, string> = {
  tensorflow: "backend 'tensorflow' is not installed: npm install @tensorflow/tfjs-node (or @tensorflow/tfjs-node-gpu for CUDA)",
  wasm: "backend 'wasm' failed to start: reinstall @tensorflow/tfjs-backend-wasm (npm install @tensorflow/tfjs-backend-wasm)",
  cpu: "backend 'cpu' failed to start: reinstall @tensorflow/tfjs-backend-cpu (npm install @tensorflow/tfjs-backend-cpu)",
};

/**
 * Chooses and starts the tfjs backend. Call once at start-up, before building models.
 *
 * The backend is the `requested` one, else the `LL4AL_BACKEND` environment variable, else
 * the fastest available: native `tensorflow` (from `@tensorflow/tfjs-node-gpu` or
 * `@tensorflow/tfjs-node`, optional peers), then the embedded `wasm` (with ll4al's
 * training kernels registered), then `cpu`. Calling it again is harmless.
 *
 * @param requested - 'tensorflow', 'wasm' or 'cpu'; omit to use LL4AL_BACKEND or choose automatically.
 * @returns The active backend's name and, for wasm, its SIMD and thread facts.
 * @throws InputError when the name is unknown or the requested backend cannot start.
 *
 * @example
 * const info = await initBackend();          // e.g. { name: 'wasm', simd: true, threads: 1 }
 * const forced = await initBackend('cpu');   // { name: 'cpu', requested: 'cpu', threads: 1 }
 */
export const initBackend = async (requested?: BackendRequest): Promise<BackendInfo> => {
  const fromEnv = process.env['LL4AL_BACKEND'];
  const asked = requested ?? (fromEnv !== undefined && fromEnv.trim() !== '' ? fromEnv.trim() : undefined);
  if (asked !== undefined && !isBackendRequest(asked)) {
    const source = requested !== undefined ? 'backend' : 'LL4AL_BACKEND';
    throw new InputError(`${source}: unknown backend '${asked}' (expected one of ${backendRequests.join(', ')})`);
  }
  if (current !== undefined && current.requested === asked && tf.getBackend() === current.name) {
    return current;
  }
  if (asked !== undefined) {
    if (!(await activate(asked))) throw new InputError(installHint[asked]);
  } else {
    let started = false;
    for (const candidate of backendRequests) {
      if (await activate(candidate)) {
        started = true;
        break;
      }
    }
    if (!started) throw new InputError(installHint.cpu);
  }
  current = describe(asked);
  return current;
};

/**
 * The name of the active tfjs backend ('tensorflow', 'wasm', 'cpu', …), for recording in results.
 *
 * @returns `tf.getBackend()`.
 */
export const backendName = (): string => tf.getBackend();
