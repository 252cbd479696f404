import * as tf from '@tensorflow/tfjs-core';
import { asTensor } from './kernelTensors';
import { axisBlock } from './reduceByMatMul';

/**
 * Makes a `Sum` or `Mean` kernel for wasm that reduces a leading block of axes (batch norm's
 * moments over N, H, W) as one matrix product with a row of ones, which XNNPACK runs several
 * times faster than wasm's transpose-then-reduce. Every other case goes to `fallback`, the
 * kernel it replaces.
 *
 * @param mean - true for Mean (divides by the count), false for Sum.
 * @param fallback - The stock kernel, for the cases not handled here.
 */
export const leadingReductionKernel =
  (mean: boolean, fallback: tf.KernelFunc): tf.KernelFunc =>
  (args) => {
    const x = args.inputs['x'] as tf.TensorInfo;
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const axes = tf.util.parseAxisParam(axis, x.shape);
    const block = axisBlock(x.shape, axes);
    const innermost = axes.includes(x.shape.length - 1);
    if (x.dtype !== 'float32' || block === undefined || block.outer !== 1 || innermost || block.reduced === 0) {
      return fallback(args);
    }
    const outShape = keepDims
      ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
      : x.shape.filter((_, i) => !axes.includes(i));
    return tf.tidy(() => {
      const ones = tf.fill([1, block.reduced], mean ? 1 / block.reduced : 1);
      const view = tf.reshape(asTensor(x), [block.reduced, block.inner]);
      return tf.reshape(tf.matMul(ones, view), outShape);
    });
  };
