import * as tf from '@tensorflow/tfjs-core';
import { convGeometry, spatialWindow, type ConvPad } from './convGeometry';
import { asTensor, pairOf } from './kernelTensors';

/** Attributes of the Conv2DBackpropInput kernel; `dilations` is an ll4al extension (default 1). */
export interface InputGradientAttrs {
  readonly strides: number | readonly [number, number];
  readonly pad: ConvPad;
  readonly dataFormat?: 'NHWC' | 'NCHW';
  readonly dimRoundingMode?: 'floor' | 'round' | 'ceil';
  readonly inputShape: readonly [number, number, number, number];
  readonly dilations?: number | readonly [number, number];
}

/**
 * Spreads an NHWC tensor's pixels `strideH`/`strideW` apart with zeros between them
 * (the transposed-convolution "zero insertion"), by padding a reshaped view: no gathers.
 * The result has (h−1)·sH+1 rows and (w−1)·sW+1 columns.
 */
export const insertZeros = (x: tf.Tensor4D, strideHeight: number, strideWidth: number): tf.Tensor4D => {
  if (strideHeight === 1 && strideWidth === 1) return x;
  const [b, h, w, c] = x.shape;
  const rows = tf.reshape(x, [b * h, 1, w, c]);
  const spread = tf.pad(rows, [
    [0, 0],
    [0, strideHeight - 1],
    [0, 0],
    [0, (strideWidth - 1) * c],
  ]);
  const full = tf.reshape(spread, [b, h * strideHeight, w * strideWidth, c]);
  return tf.slice(full, [0, 0, 0, 0], [-1, (h - 1) * strideHeight + 1, (w - 1) * strideWidth + 1, -1]) as tf.Tensor4D;
};

/**
 * The gradient of a 2-D convolution with respect to its input, computed as a forward
 * convolution (fast on wasm, where XNNPACK runs it): the output gradient, spread by the
 * stride and padded, convolved with the spatially flipped filter whose in and out channels
 * are swapped.
 *
 *   dx[b, h, w, ci] = Σ_{oh·sH − padTop + kh·dH = h, ow·sW − padLeft + kw·dW = w} dy[b, oh, ow, co] · W[kh, kw, ci, co]
 *
 * Use it through `tf.conv2d`'s gradient once `registerWasmKernels()` has run.
 *
 * @param dy - The gradient of the convolution's output, NHWC (or NCHW with `dataFormat`).
 * @param filter - The convolution's filter, [filterHeight, filterWidth, inChannels, outChannels].
 * @param attrs - Strides, padding, rounding and dilations of the forward convolution, and its input shape.
 * @returns dx, shape `inputShape`.
 *
 * @example
 * const dx = conv2dInputGradient(dy, w, { strides: 2, pad: 'same', inputShape: [8, 28, 28, 16] });
 */
export const conv2dInputGradient = (dy: tf.Tensor4D, filter: tf.Tensor4D, attrs: InputGradientAttrs): tf.Tensor4D =>
  tf.tidy(() => {
    const channelsFirst = attrs.dataFormat === 'NCHW';
    const [n, d1, d2, d3] = attrs.inputShape;
    const inShape: [number, number, number, number] = channelsFirst ? [n, d2, d3, d1] : [n, d1, d2, d3];
    const dys = channelsFirst ? tf.transpose(dy, [0, 2, 3, 1]) : dy;
    const g = convGeometry(inShape, filter.shape, attrs.strides, pairOf(attrs.dilations), attrs.pad, attrs.dimRoundingMode);
    const spread = insertZeros(dys, g.strideHeight, g.strideWidth);
    const reachHeight = (g.filterHeight - 1) * g.dilationHeight;
    const reachWidth = (g.filterWidth - 1) * g.dilationWidth;
    const window = spatialWindow(
      spread,
      g.padTop - reachHeight,
      g.padLeft - reachWidth,
      g.inHeight + reachHeight,
      g.inWidth + reachWidth,
    );
    const flipped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]);
    const dx = tf.conv2d(window, flipped as tf.Tensor4D, 1, 'valid', 'NHWC', [g.dilationHeight, g.dilationWidth]);
    return channelsFirst ? tf.transpose(dx, [0, 3, 1, 2]) : dx;
  });

/** Kernel function for `Conv2DBackpropInput` on wasm (see `conv2dInputGradient`). */
export const conv2dBackpropInputKernel: tf.KernelFunc = ({ inputs, attrs }) =>
  tf.tidy(() =>
    conv2dInputGradient(
      asTensor<tf.Rank.R4>(inputs['dy'] as tf.TensorInfo),
      asTensor<tf.Rank.R4>(inputs['filter'] as tf.TensorInfo),
      attrs as unknown as InputGradientAttrs,
    ),
  );
