import * as tf from '@tensorflow/tfjs-core';
import { convGeometry, spatialWindow, type ConvGeometry, type ConvPad } from './convGeometry.ts';
import { asTensor, pairOf } from './kernelTensors.ts';
import { nativeInputGradient } from './kernels/convGradKernels.ts';

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
 * The filter of the phase-split input gradient: for stride (sH, sW), the sH·sW sub-filters
 * W[rh + m·sH, rw + n·sW] (taps past the filter's edge are zero), each flipped in m and n,
 * with in and out channels swapped, stacked along the output channels in (rh, rw, ci) order.
 * Shape [⌈kH/sH⌉, ⌈kW/sW⌉, outChannels, sH·sW·inChannels].
 */
export const phaseFilter = (filter: tf.Tensor4D, strideHeight: number, strideWidth: number): tf.Tensor4D =>
  tf.tidy(() => {
    const [kh, kw, ci, co] = filter.shape;
    const mh = Math.ceil(kh / strideHeight);
    const mw = Math.ceil(kw / strideWidth);
    const padded = tf.pad(filter, [
      [0, mh * strideHeight - kh],
      [0, mw * strideWidth - kw],
      [0, 0],
      [0, 0],
    ]);
    // [m, rh, n, rw·ci, co]: rows of taps grouped by phase.
    const grouped = tf.reshape(padded, [mh, strideHeight, mw, strideWidth * ci, co]);
    const flipped = tf.reverse(grouped, [0, 2]);
    // → [m, n, co, rh, rw·ci]
    const arranged = tf.transpose(flipped, [0, 2, 4, 1, 3]);
    return tf.reshape(arranged, [mh, mw, co, strideHeight * strideWidth * ci]);
  });

/**
 * The gradient of a 2-D convolution with respect to its input, computed as forward
 * convolutions (fast on wasm, where XNNPACK runs them).
 *
 *   dx[b, h, w, ci] = Σ_{oh·sH − padTop + kh·dH = h, ow·sW − padLeft + kw·dW = w} dy[b, oh, ow, co] · W[kh, kw, ci, co]
 *
 * Without dilation the stride is split into phases (sub-pixel form): the rows h with
 * (h + padTop) mod sH = rh receive only the taps kh ≡ rh (mod sH), so one convolution of
 * the unspread output gradient with all sH·sW phase filters stacked along its channels
 * yields every phase at once; a reshape and a transpose interleave them. No zeros are
 * inserted and no multiply by a known zero is done beyond the padding of short phases.
 * With a dilation, the output gradient is spread by the stride (zeros between its pixels)
 * and convolved with the flipped filter.
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
    const dilated = g.dilationHeight > 1 || g.dilationWidth > 1;
    const dx = dilated ? spreadInputGradient(dys, filter, g) : phaseInputGradient(dys, filter, g);
    return channelsFirst ? tf.transpose(dx, [0, 3, 1, 2]) : dx;
  });

/** The input gradient for dilation 1, in sub-pixel (phase) form; see `conv2dInputGradient`. */
const phaseInputGradient = (dy: tf.Tensor4D, filter: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D => {
  const { strideHeight: sh, strideWidth: sw } = g;
  const mh = Math.ceil(g.filterHeight / sh);
  const mw = Math.ceil(g.filterWidth / sw);
  // Phase rows q ∈ [q0, q1) cover padded rows t = q·sH + rh ∈ [q0·sH, q1·sH) ⊇ [padTop, padTop + inHeight).
  const q0h = Math.floor(g.padTop / sh);
  const q0w = Math.floor(g.padLeft / sw);
  const qh = Math.ceil((g.padTop + g.inHeight) / sh) - q0h;
  const qw = Math.ceil((g.padLeft + g.inWidth) / sw) - q0w;
  const window = spatialWindow(dy, q0h + 1 - mh, q0w + 1 - mw, qh + mh - 1, qw + mw - 1);
  const phases = tf.conv2d(window, phaseFilter(filter, sh, sw), 1, 'valid');
  const ci = g.inChannels;
  const b = g.batch;
  const interleaved =
    sh === 1 && sw === 1
      ? phases
      : tf.reshape(
          tf.transpose(tf.reshape(phases, [b * qh, qw, sh, sw * ci]), [0, 2, 1, 3]),
          [b, qh * sh, qw * sw, ci],
        );
  return spatialWindow(interleaved as tf.Tensor4D, g.padTop - q0h * sh, g.padLeft - q0w * sw, g.inHeight, g.inWidth);
};

/** The input gradient with dilation: zeros spread between the output gradient's pixels. */
const spreadInputGradient = (dy: tf.Tensor4D, filter: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D => {
  const spread = insertZeros(dy, g.strideHeight, g.strideWidth);
  const reachHeight = (g.filterHeight - 1) * g.dilationHeight;
  const reachWidth = (g.filterWidth - 1) * g.dilationWidth;
  const window = spatialWindow(
    spread,
    g.padTop - reachHeight,
    g.padLeft - reachWidth,
    g.inHeight + reachHeight,
    g.inWidth + reachWidth,
  );
  const flipped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
  return tf.conv2d(window, flipped, 1, 'valid', 'NHWC', [g.dilationHeight, g.dilationWidth]);
};

/**
 * Kernel function for `Conv2DBackpropInput` on wasm: the C kernel (`kernels/convGrad.c`,
 * WebAssembly SIMD on the backend's own memory) for float32 NHWC without dilation, else
 * `conv2dInputGradient` (forward convolutions through XNNPACK).
 */
export const conv2dBackpropInputKernel: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const dy = inputs['dy'] as tf.TensorInfo;
  const filter = inputs['filter'] as tf.TensorInfo;
  const a = attrs as unknown as InputGradientAttrs;
  if (a.dataFormat !== 'NCHW') {
    const g = convGeometry(a.inputShape, filter.shape as [number, number, number, number], a.strides, pairOf(a.dilations), a.pad, a.dimRoundingMode);
    const native = nativeInputGradient(backend, dy, filter, g);
    if (native !== undefined) return native;
  }
  return tf.tidy(() => conv2dInputGradient(asTensor<tf.Rank.R4>(dy), asTensor<tf.Rank.R4>(filter), a));
};
