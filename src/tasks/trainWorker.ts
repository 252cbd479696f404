/**
 * The body of a data-parallel training worker (see `startGradientWorker`): starts its own tfjs
 * backend, loads the joint model from artifacts, rebuilds a {@link JointModel} around it (same
 * trainable variables in the same order), then answers
 * - `{ weights }` (new values of every trainable variable, in order) with nothing;
 * - `{ id, pixels, shape, targets, ... }` with `{ id, grads, targetSum, moduleLoss }` (a null
 *   gradient for a variable the objective does not reach): the
 *   gradients of the joint objective on that half batch, transferred back without copies.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import { initBackend, type BackendRequest } from '../backend/initBackend.ts';
import { JointModel } from './jointModel.ts';
import { jointObjective, type ObjectiveConfig } from './jointObjective.ts';
import type { LossPredictionModule } from './lossPredictionModule.ts';
import { loadPerSampleLoss, type LossSource } from './lossSource.ts';

interface WorkerInit {
  readonly backend: BackendRequest;
  readonly loss: LossSource;
  readonly artifacts: tf.io.ModelArtifacts;
  readonly headCount: number;
  readonly shapes: ReadonlyArray<ReadonlyArray<number>>;
  readonly objective: ObjectiveConfig;
}

/** A target tensor sent as its values. */
export interface WireTensor {
  readonly values: Float32Array | Int32Array;
  readonly shape: number[];
  readonly dtype: 'float32' | 'int32';
}

interface Job {
  readonly id?: number;
  readonly weights?: Float32Array[];
  readonly pixels?: Float32Array;
  readonly shape?: [number, number, number, number];
  readonly targets?: WireTensor[];
  readonly targetIsArray?: boolean;
  readonly stopFeatureGradient?: boolean;
}

const start = async (): Promise<void> => {
  const init = workerData as WorkerInit;
  await initBackend(init.backend);
  const perSampleLoss = await loadPerSampleLoss(init.loss);
  const joint = await tfl.loadLayersModel(tf.io.fromMemory(init.artifacts));
  // The joint model's last output is the loss module's; its inputs are the network's taps.
  const lossLayer = joint.outputs[joint.outputs.length - 1].sourceLayer as unknown as LossPredictionModule;
  // one tap makes the layer's input a single tensor, several an array
  const input = lossLayer.input as SymbolicTensor | SymbolicTensor[];
  const taps = Array.isArray(input) ? input : [input];
  const network = tfl.model({ inputs: joint.inputs, outputs: [...joint.outputs.slice(0, init.headCount + 1), ...taps] });
  const model = new JointModel({ name: 'worker', model: network, headCount: init.headCount, tapCount: taps.length, embeddingDim: 0 }, lossLayer);
  const variables = model.trainableVariables();
  const mismatch =
    variables.length !== init.shapes.length || variables.some((v, i) => v.shape.join('x') !== init.shapes[i].join('x'));
  if (mismatch) throw new Error('trainWorker: the rebuilt model has different trainable variables');
  const objective = jointObjective(model, perSampleLoss, init.objective);
  const port = parentPort;
  if (port === null) throw new Error('trainWorker must run in a worker thread');
  port.on('message', async (job: Job) => {
    try {
      if (job.weights !== undefined) {
        const weights = job.weights;
        tf.tidy(() => variables.forEach((v, i) => v.assign(tf.tensor(weights[i], v.shape))));
        return;
      }
      if (job.pixels === undefined || job.shape === undefined || job.targets === undefined) throw new Error('trainWorker: a job needs pixels, shape and targets');
      const input = tf.tensor4d(job.pixels, job.shape);
      const targetTensors = job.targets.map((t) => tf.tensor(t.values, t.shape, t.dtype));
      const target = job.targetIsArray ? targetTensors : targetTensors[0];
      const outs = tf.tidy(() => {
        let sum: tf.Scalar | null = null;
        let lm: tf.Scalar | null = null;
        const { grads } = tf.variableGrads(() => {
          const loss = objective(input, target, job.stopFeatureGradient === true);
          lm = tf.keep(loss.moduleLoss);
          sum = tf.keep(loss.targetSum);
          return loss.objective;
        }, variables);
        // A variable the objective does not reach has no gradient (null), as on the main thread.
        return { grads: variables.map((v) => grads[v.name] ?? null), sum: sum as unknown as tf.Scalar, lm: lm as unknown as tf.Scalar };
      });
      tf.dispose([input, ...targetTensors]);
      const own = (a: Float32Array): Float32Array => (a.byteOffset === 0 && a.buffer.byteLength === a.byteLength ? a : a.slice());
      const grads = outs.grads.map((t) => (t === null ? null : own(t.dataSync() as Float32Array)));
      const targetSum = outs.sum.dataSync()[0];
      const moduleLossValue = outs.lm.dataSync()[0];
      tf.dispose([...outs.grads.filter((t): t is tf.Tensor => t !== null), outs.sum, outs.lm]);
      port.postMessage(
        { id: job.id, grads, targetSum, moduleLoss: moduleLossValue },
        grads.filter((a): a is Float32Array => a !== null).map((a) => a.buffer as ArrayBuffer),
      );
    } catch (error) {
      port.postMessage({ id: job.id, error: error instanceof Error ? error.message : String(error) });
    }
  });
  port.postMessage({ ready: true });
};

void start();
