import * as tf from '@tensorflow/tfjs-core';

const expandedDy = (dy: tf.Tensor, x: tf.Tensor, axis: number | number[]): tf.Tensor => {
  const axes = tf.util.parseAxisParam(axis, x.shape);
  const shape = x.shape.slice();
  for (const a of axes) shape[a] = 1;
  return tf.reshape(dy, shape);
};

const reducedSize = (x: tf.Tensor, axis: number | number[]): number =>
  tf.util.parseAxisParam(axis, x.shape).reduce((n, a) => n * x.shape[a], 1);

/**
 * The gradient of `Sum`: dy repeated over the reduced axes, by broadcasting against a
 * wasm-filled tensor of ones. (tfjs's own builds the ones in JavaScript and uploads them,
 * which costs milliseconds per megabyte on wasm.) Values are identical to tfjs's.
 */
export const sumGradConfig: tf.GradConfig = {
  kernelName: 'Sum',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as tf.Tensor[];
    const { axis } = attrs as unknown as { axis: number | number[] };
    return { x: () => tf.mul(expandedDy(dy as tf.Tensor, x, axis), tf.fill(x.shape, 1)) };
  },
};

/**
 * The gradient of `Mean`: dy / n repeated over the reduced axes, broadcast against a
 * wasm-filled tensor of ones, the division done on the small tensor. Values are identical
 * to tfjs's.
 */
export const meanGradConfig: tf.GradConfig = {
  kernelName: 'Mean',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as tf.Tensor[];
    const { axis } = attrs as unknown as { axis: number | number[] };
    const n = reducedSize(x, axis);
    return { x: () => tf.mul(tf.div(expandedDy(dy as tf.Tensor, x, axis), n), tf.fill(x.shape, 1)) };
  },
};
