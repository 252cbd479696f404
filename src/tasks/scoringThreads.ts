import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { createInferencePool, type InferencePool } from '../backend/inferencePool.ts';
import type { BackendRequest } from '../backend/initBackend.ts';
import { InputError } from '../inputError.ts';
import { customLayersUrl } from './customLayers.ts';

/** Below this many images per thread, a call is scored on this thread alone. */
const minImagesPerThread = 64;

/** The backend a scoring worker starts: the main thread's, or wasm for any other. */
const workerBackend = (): BackendRequest => {
  const name = tf.getBackend();
  return name === 'cpu' || name === 'tensorflow' ? name : 'wasm';
};

/**
 * The default number of scoring threads: the machine's cores on the wasm backend (each thread
 * runs its own single-threaded wasm), 1 on backends that use the cores themselves.
 */
export const defaultScoreThreads = (): number => (tf.getBackend() === 'wasm' ? os.cpus().length : 1);

/**
 * Checks a `scoreThreads` option.
 * @param threads - the option (undefined: {@link defaultScoreThreads})
 * @returns a positive integer
 * @throws InputError naming the value
 */
export const resolveScoreThreads = (threads: number | undefined): number => {
  const resolved = threads ?? defaultScoreThreads();
  if (!Number.isInteger(resolved) || resolved < 1) throw new InputError(`scoreThreads must be a positive integer, got ${resolved}`);
  return resolved;
};

/** Scores a contiguous part of a call on this thread; writes rows from `offset` of the call's output. */
export type ScoreHere = (ids: Int32Array, offset: number) => Promise<void>;
/**
 * Scores one batch on a worker: `pool.predict` gives the inference model's outputs
 * ([...heads, embedding, l̂], see JointModel.inference); writes rows from `offset`.
 */
export type ScoreThere = (pool: InferencePool, ids: Int32Array, offset: number) => Promise<void>;

/** This thread and `threads − 1` worker threads, each with a copy of a learner's model. */
export interface ScoringThreads {
  /**
   * Scores `ids`: they split into contiguous parts, one per thread; the workers' parts are sent
   * first, in batches of `batchSize`, then this thread scores its own part while they run. If a
   * worker fails, the workers are given up (with a warning) and this thread scores their part.
   */
  run(ids: Int32Array, batchSize: number, here: ScoreHere, there: ScoreThere): Promise<void>;
  /** The weights changed (a fit, a load): the workers get them before their next batch. */
  stale(): void;
  /** Stops the workers. */
  dispose(): void;
}

/**
 * Scoring threads for a learner whose current inference model is `model()`. Workers start on
 * first use (never for calls too small to split, nor with `threads` 1) and live until dispose.
 *
 * @param owner - names the learner in a warning ("classification learner")
 * @param threads - threads in all, this one included (see {@link resolveScoreThreads})
 * @param model - the current inference model (JointModel.inference)
 * @param preload - modules each worker imports before loading the model (default: ll4al's custom layers)
 * @example
 * const scoring = createScoringThreads('keypoints learner', 2, () => live().inference);
 * await scoring.run(ids, 256, scoreHere, scoreThere);
 */
export const createScoringThreads = (
  owner: string,
  threads: number,
  model: () => tfl.LayersModel,
  preload: ReadonlyArray<string> = [customLayersUrl],
): ScoringThreads => {
  let pool: Promise<InferencePool> | null = null;
  let failed = false;
  let stale = false;
  const abandon = (error: unknown): void => {
    failed = true;
    if (pool !== null) void pool.then((p) => p.close()).catch(() => undefined);
    pool = null;
    process.emitWarning(`${owner}: scoring on the main thread only (worker threads failed: ${error instanceof Error ? error.message : String(error)})`);
  };
  const workers = async (): Promise<InferencePool | null> => {
    if (failed) return null;
    try {
      if (pool === null) {
        pool = createInferencePool(model(), { threads: threads - 1, backend: workerBackend(), preload });
        stale = false;
      }
      const ready = await pool;
      if (stale) {
        stale = false;
        await ready.update(model());
      }
      return ready;
    } catch (error) {
      abandon(error);
      return null;
    }
  };
  return {
    async run(ids, batchSize, here, there) {
      const n = ids.length;
      const parts = Math.min(threads, Math.floor(n / minImagesPerThread));
      const pool = parts > 1 ? await workers() : null;
      const share = pool === null ? n : Math.ceil(n / Math.min(parts, pool.threads + 1));
      const remote: Array<Promise<void>> = [];
      if (pool !== null) {
        for (let start = share; start < n; start += batchSize) remote.push(there(pool, ids.subarray(start, Math.min(n, start + batchSize)), start));
      }
      // Handled now, so that a worker's failure while this thread computes is not unhandled.
      const remoteDone = Promise.all(remote).then(
        () => true,
        (error: unknown) => {
          abandon(error);
          return false;
        },
      );
      await here(ids.subarray(0, share), 0);
      // the workers' part again on this thread if they failed
      if (!(await remoteDone)) await here(ids.subarray(share), share);
    },
    stale: () => {
      stale = true;
    },
    dispose: () => {
      if (pool !== null) void pool.then((p) => p.close()).catch(() => undefined);
      pool = null;
    },
  };
};
