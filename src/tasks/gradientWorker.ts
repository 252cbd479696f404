import type { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { spawnWorker } from '../backend/spawnWorker.ts';
import type { BackendRequest } from '../backend/initBackend.ts';
import type { JointModel } from './jointModel.ts';
import type { ObjectiveConfig, TrainingTarget } from './jointObjective.ts';
import type { LossSource } from './lossSource.ts';
import type { WireTensor } from './trainWorker.ts';

/** What a worker gives back for its half batch. */
export interface HalfGradients {
  /** One gradient per trainable variable, in `trainableVariables()` order (null: none reaches it). */
  readonly grads: Array<Float32Array | null>;
  /** Sum of the half's per-sample target losses. */
  readonly targetSum: number;
  /** The loss-module objective on the half (ranking pairs within the half). */
  readonly moduleLoss: number;
}

/** A worker thread holding a copy of the joint model, computing gradients of half batches. */
export interface GradientWorker {
  /**
   * Sends a half batch; resolves with its gradients at the weights last sent.
   * @param input - the half's input (read here; not disposed)
   * @param target - the half's target (read here; not disposed)
   * @param stopFeatureGradient - as in the joint step
   */
  gradients(input: tf.Tensor4D, target: TrainingTarget, stopFeatureGradient: boolean): Promise<HalfGradients>;
  /** Sends the current values of the model's trainable variables (applied before the next half). */
  sync(variables: ReadonlyArray<tf.Variable>): void;
  /** Stops the thread. */
  close(): Promise<void>;
}

const wire = (t: tf.Tensor): WireTensor => {
  if (t.dtype !== 'float32' && t.dtype !== 'int32') throw new Error(`trainThreads: a target of dtype ${t.dtype} cannot be sent to a worker`);
  const values = t.dataSync() as Float32Array | Int32Array;
  return { values: values.slice(), shape: [...t.shape], dtype: t.dtype };
};

/**
 * Starts one training worker with a copy of `model` (architecture and current weights). The
 * thread is referenced only while a half batch is in flight, so it never keeps Node alive.
 *
 * @param model - the joint model being trained
 * @param config - λ, margin and loss objective of the joint step
 * @param loss - where the worker finds the task's per-sample loss (it loads it with loadPerSampleLoss)
 * @param backend - the backend the thread starts (default 'wasm')
 */
export const startGradientWorker = async (
  model: JointModel,
  config: ObjectiveConfig,
  loss: LossSource,
  backend: BackendRequest = 'wasm',
): Promise<GradientWorker> => {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.inference.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const worker: Worker = await spawnWorker(import.meta.url, './trainWorker', {
    backend,
    loss: { module: loss.module, exportName: loss.exportName, preload: [...(loss.preload ?? [])] },
    artifacts,
    headCount: model.network.headCount,
    shapes: model.trainableVariables().map((v) => v.shape),
    objective: { lossObjective: config.lossObjective, margin: config.margin, lambda: config.lambda },
  });
  worker.unref();
  let failure: Error | null = null;
  let waiting: { resolve: (h: HalfGradients) => void; reject: (e: Error) => void } | null = null;
  let nextId = 0;
  const fail = (error: Error): void => {
    failure ??= error;
    waiting?.reject(error);
    waiting = null;
    worker.unref();
  };
  worker.on('message', (msg: { id: number; error?: string } & Partial<HalfGradients>) => {
    const job = waiting;
    if (job === null) return;
    waiting = null;
    worker.unref();
    if (msg.error !== undefined || msg.grads === undefined) job.reject(new Error(`training worker: ${msg.error ?? 'no gradients'}`));
    else job.resolve({ grads: msg.grads, targetSum: msg.targetSum ?? NaN, moduleLoss: msg.moduleLoss ?? NaN });
  });
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`training worker exited with code ${code}`)));
  return {
    gradients: (input, target, stopFeatureGradient) => {
      if (failure !== null) return Promise.reject(failure);
      const targets = Array.isArray(target) ? (target as ReadonlyArray<tf.Tensor>).map(wire) : [wire(target as tf.Tensor)];
      const pixels = (input.dataSync() as Float32Array).slice();
      return new Promise<HalfGradients>((resolve, reject) => {
        waiting = { resolve, reject };
        worker.ref();
        worker.postMessage(
          { id: nextId++, pixels, shape: [...input.shape], targets, targetIsArray: Array.isArray(target), stopFeatureGradient },
          [pixels.buffer as ArrayBuffer, ...targets.map((t) => t.values.buffer as ArrayBuffer)],
        );
      });
    },
    sync: (variables) => {
      if (failure !== null) return;
      const weights = variables.map((v) => (v.dataSync() as Float32Array).slice());
      worker.postMessage({ weights }, weights.map((w) => w.buffer as ArrayBuffer));
    },
    close: async () => {
      failure ??= new Error('training worker: used after close()');
      await worker.terminate();
    },
  };
};
