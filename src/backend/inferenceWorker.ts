/**
 * The body of one inference worker (see `createInferencePool`): starts its own tfjs backend,
 * loads the model from the artifacts it is given, then answers `{ id, pixels, shape }` with
 * `{ id, outputs }`, one Float32Array per model output, transferred back without copies.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend, type BackendRequest } from './initBackend';

interface WorkerInit {
  readonly backend: BackendRequest;
  readonly preload: ReadonlyArray<string>;
  readonly artifacts: tf.io.ModelArtifacts;
}

interface Job {
  readonly id: number;
  readonly pixels: Float32Array;
  readonly shape: [number, number, number, number];
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
      const input = tf.tensor4d(job.pixels, job.shape);
      const outs = tf.tidy(() => {
        const o = model.predict(input, { batchSize: job.shape[0] });
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
