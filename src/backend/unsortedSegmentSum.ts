import * as tf from '@tensorflow/tfjs-core';
import { asTensor } from './kernelTensors.ts';

/**
 * `UnsortedSegmentSum` for wasm (which has none; the gradient of `tf.gather`, so of an
 * embedding layer, needs it): out[s, …] = Σ_{i: ids[i] = s} x[i, …], as one matrix product of
 * the ids' one-hot rows with x. An id outside [0, numSegments) contributes nothing (TensorFlow's
 * rule). Not fast for large vocabularies (numSegments × rows × features multiply-adds).
 */
export const unsortedSegmentSumKernel: tf.KernelFunc = ({ inputs, attrs }) =>
  tf.tidy(() => {
    const x = asTensor(inputs['x'] as tf.TensorInfo);
    const ids = asTensor(inputs['segmentIds'] as tf.TensorInfo);
    const numSegments = (attrs as unknown as { numSegments: number }).numSegments;
    const rows = ids.size;
    const rest = x.shape.slice(ids.rank);
    const features = rest.reduce((p, d) => p * d, 1);
    // [rows, numSegments]: row i is 1 at ids[i] (tf.oneHot refuses a depth of 1).
    const oneHot = tf.equal(tf.reshape(tf.cast(ids, 'int32'), [rows, 1]), tf.reshape(tf.range(0, numSegments, 1, 'int32'), [1, numSegments]));
    const values = tf.reshape(tf.cast(x, 'float32'), [rows, features]);
    const sums = tf.reshape(tf.matMul(tf.cast(oneHot, 'float32'), values, true, false), [numSegments, ...rest]);
    return x.dtype === 'float32' ? sums : tf.cast(sums, x.dtype);
  });
