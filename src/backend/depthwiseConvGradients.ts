import * as tf from '@tensorflow/tfjs-core';
import { convGeometry, spatialWindow, type ConvPad } from './convGeometry.ts';
import { insertZeros } from './conv2dBackpropInput.ts';
import { asTensor, pairOf } from './kernelTensors.ts';

/** Attributes shared by the two depthwise-convolution gradient kernels. */
interface DepthwiseAttrs {
  readonly strides: number | readonly [number, number];
  readonly pad: ConvPad;
  readonly dimRoundingMode?: 'floor' | 'round' | 'ceil';
  readonly dilations?: number | readonly [number, number];
}

/** Attributes of `DepthwiseConv2dNativeBackpropInput`. */
export interface DepthwiseInputGradientAttrs extends DepthwiseAttrs {
  readonly inputShape: readonly [number, number, number, number];
}

/** Attributes of `DepthwiseConv2dNativeBackpropFilter`. */
export interface DepthwiseFilterGradientAttrs extends DepthwiseAttrs {
  readonly filterShape: readonly [number, number, number, number];
}

/**
 * The gradient of a depthwise convolution with respect to its input, as one forward depthwise
 * convolution (XNNPACK on wasm). With channel multiplier m, output channel c·m + j is input
 * channel c convolved with W[:, :, c, j], so
 *
 *   dx[b, h, w, c] = Σ_j Σ_{oh·sH − padTop + kh·dH = h, ow·sW − padLeft + kw·dW = w} dy[b, oh, ow, c·m + j] · W[kh, kw, c, j]
 *
 * The output gradient is spread by the stride (zeros between its pixels), convolved channel by
 * channel (all c·m of them, multiplier 1) with the spatially flipped filter at the forward
 * dilation, and the m channels of each input channel are summed.
 *
 * @param dy - The gradient of the output, NHWC [batch, outHeight, outWidth, inChannels·m].
 * @param filter - The forward filter, [filterHeight, filterWidth, inChannels, m].
 * @param attrs - Strides, padding, rounding and dilations of the forward convolution, and its input shape.
 * @returns dx, shape `inputShape`.
 *
 * @example
 * const dx = depthwiseInputGradient(dy, w, { strides: 2, pad: 'same', inputShape: [8, 28, 28, 16] });
 */
export const depthwiseInputGradient = (dy: tf.Tensor4D, filter: tf.Tensor4D, attrs: DepthwiseInputGradientAttrs): tf.Tensor4D =>
  tf.tidy(() => {
    const [kh, kw, c, m] = filter.shape;
    const g = convGeometry(attrs.inputShape, filter.shape, attrs.strides, pairOf(attrs.dilations), attrs.pad, attrs.dimRoundingMode);
    const spread = insertZeros(dy, g.strideHeight, g.strideWidth);
    const reachHeight = (kh - 1) * g.dilationHeight;
    const reachWidth = (kw - 1) * g.dilationWidth;
    const window = spatialWindow(spread, g.padTop - reachHeight, g.padLeft - reachWidth, g.inHeight + reachHeight, g.inWidth + reachWidth);
    const flipped = tf.reshape(tf.reverse(filter, [0, 1]), [kh, kw, c * m, 1]) as tf.Tensor4D;
    const perOutput = tf.depthwiseConv2d(window, flipped, 1, 'valid', 'NHWC', [g.dilationHeight, g.dilationWidth]);
    if (m === 1) return perOutput;
    return tf.sum(tf.reshape(perOutput, [g.batch, g.inHeight, g.inWidth, c, m]), 4) as tf.Tensor4D;
  });

/**
 * The gradient of a depthwise convolution with respect to its filter, as one forward depthwise
 * convolution (XNNPACK on wasm):
 *
 *   dW[kh, kw, c, j] = Σ_{b, oh, ow} x[b, oh·sH − padTop + kh·dH, ow·sW − padLeft + kw·dW, c] · dy[b, oh, ow, c·m + j]
 *
 * The (padded) input becomes one image whose channels are the pairs (c, b); the output gradient
 * becomes a filter of outHeight × outWidth taps with those channels and multiplier m; their
 * depthwise convolution (the forward stride as its dilation, the forward dilation as its stride)
 * gives every (c, b, j) tap at once, and the batch is summed.
 *
 * @param x - The forward input, NHWC [batch, height, width, inChannels].
 * @param dy - The gradient of the output, [batch, outHeight, outWidth, inChannels·m].
 * @param attrs - Strides, padding, rounding and dilations of the forward convolution, and the filter shape.
 * @returns dW, shape `filterShape` ([filterHeight, filterWidth, inChannels, m]).
 *
 * @example
 * const dw = depthwiseFilterGradient(x, dy, { strides: 1, pad: 'same', filterShape: [3, 3, 16, 1] });
 */
export const depthwiseFilterGradient = (x: tf.Tensor4D, dy: tf.Tensor4D, attrs: DepthwiseFilterGradientAttrs): tf.Tensor4D =>
  tf.tidy(() => {
    const [kh, kw, c, m] = attrs.filterShape;
    const g = convGeometry(x.shape, attrs.filterShape, attrs.strides, pairOf(attrs.dilations), attrs.pad, attrs.dimRoundingMode);
    const b = g.batch;
    const spanHeight = (g.outHeight - 1) * g.strideHeight + (kh - 1) * g.dilationHeight + 1;
    const spanWidth = (g.outWidth - 1) * g.strideWidth + (kw - 1) * g.dilationWidth + 1;
    const window = spatialWindow(x, -g.padTop, -g.padLeft, spanHeight, spanWidth);
    // [1, spanH, spanW, c·b] ⊛ [outH, outW, c·b, m]
    const image = tf.reshape(tf.transpose(window, [1, 2, 3, 0]), [1, spanHeight, spanWidth, c * b]) as tf.Tensor4D;
    const taps = tf.reshape(tf.transpose(tf.reshape(dy, [b, g.outHeight, g.outWidth, c, m]), [1, 2, 3, 0, 4]), [g.outHeight, g.outWidth, c * b, m]) as tf.Tensor4D;
    const strided = g.strideHeight > 1 || g.strideWidth > 1;
    const dilated = g.dilationHeight > 1 || g.dilationWidth > 1;
    let perSample: tf.Tensor4D;
    if (strided && dilated) {
      // tfjs forbids stride and dilation together: take every dilation-th tap of the stride-1 result.
      const dense = tf.depthwiseConv2d(image, taps, 1, 'valid', 'NHWC', [g.strideHeight, g.strideWidth]);
      perSample = tf.stridedSlice(dense, [0, 0, 0, 0], dense.shape, [1, g.dilationHeight, g.dilationWidth, 1]) as tf.Tensor4D;
    } else {
      perSample = tf.depthwiseConv2d(image, taps, [g.dilationHeight, g.dilationWidth], 'valid', 'NHWC', [g.strideHeight, g.strideWidth]);
    }
    return tf.sum(tf.reshape(perSample, [kh, kw, c, b, m]), 3) as tf.Tensor4D;
  });

/** Kernel function of `DepthwiseConv2dNativeBackpropInput` for wasm (which has none): {@link depthwiseInputGradient}. */
export const depthwiseBackpropInputKernel: tf.KernelFunc = ({ inputs, attrs }) =>
  tf.tidy(() =>
    depthwiseInputGradient(
      asTensor<tf.Rank.R4>(inputs['dy'] as tf.TensorInfo),
      asTensor<tf.Rank.R4>(inputs['filter'] as tf.TensorInfo),
      attrs as unknown as DepthwiseInputGradientAttrs,
    ),
  );

/** Kernel function of `DepthwiseConv2dNativeBackpropFilter` for wasm (which has none): {@link depthwiseFilterGradient}. */
export const depthwiseBackpropFilterKernel: tf.KernelFunc = ({ inputs, attrs }) =>
  tf.tidy(() =>
    depthwiseFilterGradient(
      asTensor<tf.Rank.R4>(inputs['x'] as tf.TensorInfo),
      asTensor<tf.Rank.R4>(inputs['dy'] as tf.TensorInfo),
      attrs as unknown as DepthwiseFilterGradientAttrs,
    ),
  );
