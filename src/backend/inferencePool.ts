import type { Worker } from 'node:worker_threads';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { BackendRequest } from './initBackend.ts';
import { spawnWorker } from './spawnWorker.ts';

/** Inference on worker threads, one model copy per thread. */
export interface InferencePool {
  /** How many worker threads score. */
  readonly threads: number;
  /**
   * Runs the model on one NHWC batch; batches given at once run on different threads.
   * @param pixels - the batch, row-major (transferred to the worker: do not reuse it)
   * @param shape - [batch, height, width, channels]
   * @returns one Float32Array per model output
   */
  predict(pixels: Float32Array, shape: readonly [number, number, number, number]): Promise<Float32Array[]>;
  /**
   * Copies the current weights of `model` (same architecture as the pool's) into every thread,
   * e.g. after training; resolves when every thread holds them.
   * @param model - the model the pool was made from, or one of the same architecture
   */
  update(model: tfl.LayersModel): Promise<void>;
  /** Stops the threads. */
  close(): Promise<void>;
}

/** Options of `createInferencePool`. */
export interface InferencePoolOptions {
  /** Worker threads (default: the machine's cores). */
  readonly threads?: number;
  /** Backend each thread starts (default 'wasm'). */
  readonly backend?: BackendRequest;
  /** Module URLs to import in each thread before loading, e.g. those registering custom layers. */
  readonly preload?: ReadonlyArray<string>;
}

interface Pending {
  readonly resolve: (outputs: Float32Array[]) => void;
  readonly reject: (error: Error) => void;
}

/**
 * Starts worker threads that each hold a copy of `model` and run its `predict` on the batches
 * sent to them: scoring a pool is embarrassingly parallel, and tfjs-wasm computes on one core
 * per thread, so this is how scoring uses every core. The weights are copied at start; a
 * later change to `model` is seen by the pool only after `update(model)`. Idle threads do not
 * keep the process alive (they are referenced only while a request is in flight).
 *
 * @param model - a tfjs-layers model (for ll4al, `JointModel.inference`)
 * @param options - threads, backend, modules to preload (custom layer classes)
 * @returns the pool, ready to predict
 *
 * @example
 * const pool = await createInferencePool(joint.inference, { preload: [lossModuleUrl] });
 * const [logits, embedding, predicted] = await pool.predict(pixels, [256, 28, 28, 1]);
 * await pool.close();
 */
export const createInferencePool = async (model: tfl.LayersModel, options: InferencePoolOptions = {}): Promise<InferencePool> => {
  const threads = options.threads ?? os.cpus().length;
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const workerData = { backend: options.backend ?? 'wasm', preload: options.preload ?? [], artifacts };
  const workers: Worker[] = await Promise.all(Array.from({ length: threads }, () => spawnWorker(import.meta.url, './inferenceWorker', workerData)));
  const pending = new Map<number, Pending>();
  const load = workers.map(() => 0);
  let nextId = 0;
  let closed = false;
  // Referenced while a request is in flight (so awaiting it keeps Node running), unreferenced
  // when idle (so a pool nobody closed does not keep the process alive).
  const setReferenced = (on: boolean): void => workers.forEach((worker) => (on ? worker.ref() : worker.unref()));
  setReferenced(false);
  workers.forEach((worker, w) => {
    worker.on('message', (msg: { id: number; outputs?: Float32Array[]; error?: string }) => {
      const job = pending.get(msg.id);
      if (job === undefined) return;
      pending.delete(msg.id);
      if (pending.size === 0) setReferenced(false);
      load[w]--;
      if (msg.error !== undefined || msg.outputs === undefined) job.reject(new Error(msg.error ?? 'inference failed'));
      else job.resolve(msg.outputs);
    });
    // A thread that dies fails every request in flight (they may have been sent to it).
    const fail = (error: Error): void => {
      closed = true;
      for (const job of pending.values()) job.reject(error);
      pending.clear();
      setReferenced(false);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (!closed) fail(new Error(`inference pool: thread ${w} exited with code ${code}`));
    });
  });
  const send = (w: number, message: object, transfer: ArrayBuffer[]): Promise<Float32Array[]> => {
    if (closed) return Promise.reject(new Error('inference pool: used after close()'));
    load[w]++;
    const id = nextId++;
    return new Promise((resolve, reject) => {
      if (pending.size === 0) setReferenced(true);
      pending.set(id, { resolve, reject });
      workers[w].postMessage({ id, ...message }, transfer);
    });
  };
  return {
    threads,
    predict: (pixels, shape) => {
      const w = load.indexOf(Math.min(...load));
      return send(w, { pixels, shape: [...shape] }, [pixels.buffer as ArrayBuffer]);
    },
    update: async (source) => {
      const weights = (await Promise.all(source.getWeights().map((t) => t.data()))) as Float32Array[];
      await Promise.all(workers.map((_, w) => send(w, { weights }, [])));
    },
    close: async () => {
      closed = true;
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
};
