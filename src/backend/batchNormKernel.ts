import * as tf from '@tensorflow/tfjs-core';
import { asTensor } from './kernelTensors.ts';

/**
 * Inference-mode batch norm over the last axis as one 1×1 depthwise convolution with bias,
 * y = act(x·a + b) per channel with a = γ/√(σ²+ε) and b = β − μ·a folded on the small
 * per-channel tensors: on wasm one XNNPACK pass, the activation ('relu') in the same pass.
 * Tensors in, tensor out (call it inside a tidy, or dispose what it returns).
 *
 * @param x - float32, channels last
 * @param mean - μ [C]
 * @param variance - σ² [C]
 * @param offset - β [C], or undefined for 0
 * @param scale - γ [C], or undefined for 1
 * @param epsilon - ε
 * @param activation - 'linear' or 'relu'
 */
export const foldedBatchNorm = (
  x: tf.Tensor,
  mean: tf.Tensor,
  variance: tf.Tensor,
  offset: tf.Tensor | undefined,
  scale: tf.Tensor | undefined,
  epsilon: number,
  activation: 'linear' | 'relu',
): tf.Tensor =>
  tf.tidy(() => {
    const channels = x.shape[x.shape.length - 1] as number;
    const invStd = tf.rsqrt(tf.add(variance, epsilon));
    const gain = scale === undefined ? invStd : tf.mul(scale, invStd);
    const shift = tf.neg(tf.mul(mean, gain));
    const bias = offset === undefined ? shift : tf.add(offset, shift);
    const view = tf.reshape(x, [1, 1, x.size / channels, channels]) as tf.Tensor4D;
    const y = tf.fused.depthwiseConv2d({
      x: view,
      filter: tf.reshape(gain, [1, 1, channels, 1]) as tf.Tensor4D,
      strides: 1,
      pad: 'valid',
      bias,
      activation,
    });
    return tf.reshape(y, x.shape);
  });

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
    const optional = (t: tf.TensorInfo | undefined): tf.Tensor | undefined => (t === undefined ? undefined : asTensor(t));
    return tf.tidy(() => foldedBatchNorm(asTensor(x), asTensor(mean), asTensor(variance), optional(offset), optional(scale), varianceEpsilon, 'linear'));
  };
