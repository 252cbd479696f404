import * as tf from '@tensorflow/tfjs-core';
import { convGeometry, spatialWindow, type ConvPad } from './convGeometry.ts';
import { asTensor, pairOf } from './kernelTensors.ts';
import { nativeFilterGradient } from './kernels/convGradKernels.ts';

/** Attributes of the Conv2DBackpropFilter kernel; `dilations` is an ll4al extension (default 1). */
export interface FilterGradientAttrs {
  readonly strides: number | readonly [number, number];
  readonly pad: ConvPad;
  readonly dataFormat?: 'NHWC' | 'NCHW';
  readonly dimRoundingMode?: 'floor' | 'round' | 'ceil';
  readonly filterShape: readonly [number, number, number, number];
  readonly dilations?: number | readonly [number, number];
}

/**
 * The gradient of a 2-D convolution with respect to its filter, computed as a forward
 * convolution (fast on wasm, where XNNPACK runs it): the input, transposed so that its
 * channels are the batch and its batch the channels, convolved with the output gradient
 * transposed into a filter. The forward stride becomes the dilation and the forward
 * dilation the stride.
 *
 *   dW[kh, kw, ci, co] = Σ_{b, oh, ow} x[b, oh·sH − padTop + kh·dH, ow·sW − padLeft + kw·dW, ci] · dy[b, oh, ow, co]
 *
 * Use it through `tf.conv2d`'s gradient once `registerWasmKernels()` has run.
 *
 * @param x - The convolution's input, NHWC (or NCHW with `dataFormat`).
 * @param dy - The gradient of the convolution's output, same layout.
 * @param attrs - Strides, padding, rounding and dilations of the forward convolution, and the filter shape.
 * @returns dW, shape `filterShape` ([filterHeight, filterWidth, inChannels, outChannels]).
 *
 * @example
 * const dw = conv2dFilterGradient(x, dy, { strides: 2, pad: 'same', filterShape: [3, 3, 16, 32] });
 */
export const conv2dFilterGradient = (x: tf.Tensor4D, dy: tf.Tensor4D, attrs: FilterGradientAttrs): tf.Tensor4D =>
  tf.tidy(() => {
    const channelsFirst = attrs.dataFormat === 'NCHW';
    const xs = channelsFirst ? tf.transpose(x, [0, 2, 3, 1]) : x;
    const dys = channelsFirst ? tf.transpose(dy, [0, 2, 3, 1]) : dy;
    const g = convGeometry(xs.shape, attrs.filterShape, attrs.strides, pairOf(attrs.dilations), attrs.pad, attrs.dimRoundingMode);
    const spanHeight = (g.outHeight - 1) * g.strideHeight + (g.filterHeight - 1) * g.dilationHeight + 1;
    const spanWidth = (g.outWidth - 1) * g.strideWidth + (g.filterWidth - 1) * g.dilationWidth + 1;
    const window = spatialWindow(xs, -g.padTop, -g.padLeft, spanHeight, spanWidth);
    // [inChannels, spanH, spanW, batch] ⊛ [outH, outW, batch, outChannels]
    const xT = tf.transpose(window, [3, 1, 2, 0]);
    const dyT = tf.transpose(dys, [1, 2, 0, 3]);
    const strided = g.strideHeight > 1 || g.strideWidth > 1;
    const dilated = g.dilationHeight > 1 || g.dilationWidth > 1;
    let taps: tf.Tensor4D;
    if (strided && dilated) {
      // tfjs forbids stride and dilation together: take every dilation-th tap of the stride-1 result.
      const dense = tf.conv2d(xT, dyT, 1, 'valid', 'NHWC', [g.strideHeight, g.strideWidth]);
      taps = tf.stridedSlice(
        dense,
        [0, 0, 0, 0],
        [g.inChannels, dense.shape[1], dense.shape[2], g.outChannels],
        [1, g.dilationHeight, g.dilationWidth, 1],
      ) as tf.Tensor4D;
    } else {
      taps = tf.conv2d(
        xT,
        dyT,
        [g.dilationHeight, g.dilationWidth],
        'valid',
        'NHWC',
        [g.strideHeight, g.strideWidth],
      );
    }
    return tf.transpose(taps, [1, 2, 0, 3]);
  });

/**
 * Kernel function for `Conv2DBackpropFilter` on wasm: the C kernel (`kernels/convGrad.c`,
 * WebAssembly SIMD on the backend's own memory) for float32 NHWC without dilation, else
 * `conv2dFilterGradient` (forward convolutions through XNNPACK).
 */
export const conv2dBackpropFilterKernel: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const x = inputs['x'] as tf.TensorInfo;
  const dy = inputs['dy'] as tf.TensorInfo;
  const a = attrs as unknown as FilterGradientAttrs;
  if (a.dataFormat !== 'NCHW') {
    const g = convGeometry(x.shape as [number, number, number, number], a.filterShape, a.strides, pairOf(a.dilations), a.pad, a.dimRoundingMode);
    const native = nativeFilterGradient(backend, x, dy, g);
    if (native !== undefined) return native;
  }
  return tf.tidy(() => conv2dFilterGradient(asTensor<tf.Rank.R4>(x), asTensor<tf.Rank.R4>(dy), a));
};
