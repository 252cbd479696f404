import * as tf from '@tensorflow/tfjs-core';
import { asTensor } from './kernelTensors.ts';
import { axisBlock } from './axisBlock.ts';

/**
 * Makes a `Sum` or `Mean` kernel for wasm that avoids wasm's transpose-then-reduce when the
 * reduced axes are one contiguous block that is not innermost (batch norm's moments over
 * N, H, W; global average pooling over H, W): one XNNPACK average pooling over an
 * [outer, reduced, 1, inner] view, five to ten times faster. Every other case goes to
 * `fallback`, the kernel it replaces.
 *
 * @param mean - true for Mean (divides by the count), false for Sum.
 * @param fallback - The stock kernel, for the cases not handled here.
 */
export const blockReductionKernel =
  (mean: boolean, fallback: tf.KernelFunc): tf.KernelFunc =>
  (args) => {
    const x = args.inputs['x'] as tf.TensorInfo;
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const axes = tf.util.parseAxisParam(axis, x.shape);
    const block = axisBlock(x.shape, axes);
    const innermost = axes.includes(x.shape.length - 1);
    if (x.dtype !== 'float32' || block === undefined || innermost || block.reduced <= 1) {
      return fallback(args);
    }
    const outShape = keepDims
      ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
      : x.shape.filter((_, i) => !axes.includes(i));
    return tf.tidy(() => {
      const view = tf.reshape(asTensor(x), [block.outer, block.reduced, 1, block.inner]) as tf.Tensor4D;
      const averaged = tf.avgPool(view, [block.reduced, 1], 1, 'valid');
      return tf.reshape(mean ? averaged : tf.mul(averaged, block.reduced), outShape);
    });
  };
