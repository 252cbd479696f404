/**
 * The body of one inference worker (see `createInferencePool`): starts its own tfjs backend,
 * loads the model from the artifacts it is given, then answers `{ id, pixels, shape }` with
 * `{ id, outputs }`, one Float32Array per model output, transferred back without copies, and
 * `{ id, weights }` (new values of every weight, in `getWeights()` order) with `{ id, outputs: [] }`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend, type BackendRequest } from './initBackend.ts';

interface WorkerInit {
  readonly backend: BackendRequest;
  readonly preload: ReadonlyArray<string>;
  readonly artifacts: tf.io.ModelArtifacts;
}

/** A batch to run, or (with `weights`) new values for every weight of the model, in order. */
interface Job {
  readonly id: number;
  readonly pixels?: Float32Array;
  readonly shape?: [number, number, number, number];
  readonly weights?: Float32Array[];
}

const start = async (): Promise<void> => {
  const init = workerData as WorkerInit;
  await initBackend(init.backend);
  for (const url of init.preload) await import(url);
  const model = await tfl.loadLayersModel(tf.io.fromMemory(init.artifacts));
  const port = parentPort;
  if (port === null) throw new Error('inferenceWorker must run in a worker thread');
  port.on('message', async (job: Job) => {
    try {
      if (job.weights !== undefined) {
        const current = model.getWeights();
        const values = job.weights.map((w, i) => tf.tensor(w, current[i].shape, current[i].dtype));
        model.setWeights(values);
        tf.dispose(values);
        port.postMessage({ id: job.id, outputs: [] });
        return;
      }
      if (job.pixels === undefined || job.shape === undefined) throw new Error('inferenceWorker: a job needs pixels and shape, or weights');
      const shape = job.shape;
      const input = tf.tensor4d(job.pixels, shape);
      const outs = tf.tidy(() => {
        const o = model.predict(input, { batchSize: shape[0] });
        return Array.isArray(o) ? o : [o];
      });
      input.dispose();
      const outputs = (await Promise.all(outs.map((t) => t.data()))) as Float32Array[];
      tf.dispose(outs);
      port.postMessage({ id: job.id, outputs }, outputs.map((a) => a.buffer as ArrayBuffer));
    } catch (error) {
      port.postMessage({ id: job.id, error: error instanceof Error ? error.message : String(error) });
    }
  });
  port.postMessage({ ready: true });
};

void start();
