import * as tf from '@tensorflow/tfjs-core';
import { asTensor } from './kernelTensors.ts';

/**
 * Makes a `FusedBatchNorm` kernel for wasm that computes the normalisation as one XNNPACK
 * 1×1 depthwise convolution with bias: y = x·a + b per channel, with a = γ/√(σ²+ε) and
 * b = β − μ·a folded on the small per-channel tensors. wasm's own kernel is about ten times
 * slower on a CNN's activations. Statistics that are not one value per channel (the last
 * axis) go to `fallback`, the kernel it replaces.
 *
 * @param fallback - The stock kernel.
 */
export const batchNormKernel =
  (fallback: tf.KernelFunc): tf.KernelFunc =>
  (args) => {
    const { x, mean, variance, scale, offset } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    if (x === undefined || mean === undefined || variance === undefined) return fallback(args);
    const channels = x.shape[x.shape.length - 1];
    const perChannel = (t: tf.TensorInfo | undefined): boolean => t === undefined || (t.shape.length === 1 && t.shape[0] === channels);
    const stats = [mean, variance, scale, offset];
    if (x.dtype !== 'float32' || x.shape.length < 1 || !stats.every(perChannel) || stats.some((t) => t !== undefined && t.dtype !== 'float32')) {
      return fallback(args);
    }
    const { varianceEpsilon } = args.attrs as unknown as { varianceEpsilon: number };
    return tf.tidy(() => {
      const invStd = tf.rsqrt(tf.add(asTensor(variance), varianceEpsilon));
      const gain = scale === undefined ? invStd : tf.mul(asTensor(scale), invStd);
      const shift = tf.neg(tf.mul(asTensor(mean), gain));
      const bias = offset === undefined ? shift : tf.add(asTensor(offset), shift);
      const size = x.shape.reduce((p, d) => p * d, 1);
      const view = tf.reshape(asTensor(x), [1, 1, size / channels, channels]) as tf.Tensor4D;
      const y = tf.fused.depthwiseConv2d({
        x: view,
        filter: tf.reshape(gain, [1, 1, channels, 1]) as tf.Tensor4D,
        strides: 1,
        pad: 'valid',
        bias,
      });
      return tf.reshape(y, x.shape);
    });
  };
