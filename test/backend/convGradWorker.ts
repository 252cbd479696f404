/**
 * Worker thread for convGradKernels.test.ts: starts the wasm backend in this thread (its own
 * tfjs-wasm instance and memory), then on each message { x, dy, w, c } answers with both
 * convolution gradients and how many of them the C kernels computed here.
 */
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.ts';
import { convGradCalls } from '../../src/backend/kernels/convGradKernels.ts';
import { outShapeOf, type ConvCase } from './convCases.ts';

interface Job {
  readonly x: Float32Array;
  readonly dy: Float32Array;
  readonly w: Float32Array;
  readonly c: ConvCase;
}

const port = parentPort;
if (port === null) throw new Error('convGradWorker runs as a worker thread');
await initBackend('wasm');
port.on('message', (job: Job) => {
  const { c } = job;
  const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC' };
  const [dx, dw] = tf.tidy(() => {
    const x = tf.tensor4d(job.x, c.inShape);
    const dy = tf.tensor4d(job.dy, outShapeOf(c));
    const w = tf.tensor4d(job.w, c.filterShape);
    return [
      tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: c.inShape }) as tf.Tensor,
      tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: c.filterShape }) as tf.Tensor,
    ];
  });
  port.postMessage({ dx: dx.dataSync(), dw: dw.dataSync(), calls: { ...convGradCalls }, tensors: tf.memory().numTensors - 2 });
  tf.dispose([dx, dw]);
});
port.postMessage('ready');
