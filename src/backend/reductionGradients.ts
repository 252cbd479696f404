import * as tf from '@tensorflow/tfjs-core';
import { broadcastMiddleAvailable, broadcastMiddleKernelName } from './kernels/elementwiseKernels.ts';

const expandedDy = (dy: tf.Tensor, x: tf.Tensor, axis: number | number[]): tf.Tensor => {
  const axes = tf.util.parseAxisParam(axis, x.shape);
  const shape = x.shape.slice();
  for (const a of axes) shape[a] = 1;
  return tf.reshape(dy, shape);
};

const reducedSize = (x: tf.Tensor, axis: number | number[]): number =>
  tf.util.parseAxisParam(axis, x.shape).reduce((n, a) => n * x.shape[a], 1);

const product = (dims: ReadonlyArray<number>): number => dims.reduce((n, d) => n * d, 1);

/**
 * `small` (x's shape with 1 on the reduced axes) repeated over those axes to x's shape: where
 * they are one block of consecutive axes and the broadcast kernel runs (wasm), a single copy in
 * C (`broadcast_middle`); elsewhere a broadcasting multiply by a wasm-filled tensor of ones.
 * The values are the same either way (a copy, and a product with 1).
 */
const repeated = (small: tf.Tensor, x: tf.Tensor, axis: number | number[]): tf.Tensor => {
  const axes = [...tf.util.parseAxisParam(axis, x.shape)].sort((a, b) => a - b);
  const first = axes[0];
  const last = axes[axes.length - 1];
  const block = first !== undefined && last !== undefined && last - first === axes.length - 1;
  if (block && small.dtype === 'float32' && broadcastMiddleAvailable()) {
    const attrs = { shape: x.shape, outer: product(x.shape.slice(0, first)), inner: product(x.shape.slice(first, last + 1)), channels: product(x.shape.slice(last + 1)) };
    return tf.engine().runKernel(broadcastMiddleKernelName, { x: small }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
  }
  return tf.mul(small, tf.fill(x.shape, 1));
};

/**
 * The gradient of `Sum`: dy repeated over the reduced axes ({@link repeated}). (tfjs's own builds
 * a tensor of ones in JavaScript and uploads it, which costs milliseconds per megabyte on wasm.)
 * Values are identical to tfjs's.
 */
export const sumGradConfig: tf.GradConfig = {
  kernelName: 'Sum',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as tf.Tensor[];
    const { axis } = attrs as unknown as { axis: number | number[] };
    return { x: () => repeated(expandedDy(dy as tf.Tensor, x, axis), x, axis) };
  },
};

/**
 * The gradient of `Mean`: dy / n repeated over the reduced axes ({@link repeated}), the
 * division done on the small tensor. Values are identical to tfjs's.
 */
export const meanGradConfig: tf.GradConfig = {
  kernelName: 'Mean',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as tf.Tensor[];
    const { axis } = attrs as unknown as { axis: number | number[] };
    const n = reducedSize(x, axis);
    return { x: () => repeated(tf.div(expandedDy(dy as tf.Tensor, x, axis), n), x, axis) };
  },
};
