import * as tf from '@tensorflow/tfjs-core';

/**
 * A kernel input as a tensor of known rank. Kernels receive `TensorInfo`s; when one comes as
 * a bare info (not a `Tensor`) it is wrapped, and the wrapper belongs to the enclosing tidy.
 */
export const asTensor = <R extends tf.Rank>(info: tf.TensorInfo): tf.Tensor<R> =>
  info instanceof tf.Tensor ? (info as tf.Tensor<R>) : (tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor<R>);

/** A stride or dilation attribute as a [height, width] pair. */
export const pairOf = (value: number | readonly number[] | undefined, fallback = 1): [number, number] => {
  if (value === undefined) return [fallback, fallback];
  if (typeof value === 'number') return [value, value];
  return [value[0] ?? fallback, value[1] ?? value[0] ?? fallback];
};
