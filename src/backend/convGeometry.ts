import * as tf from '@tensorflow/tfjs-core';

/** Strides, dilations, paddings and sizes of one NHWC 2-D convolution, resolved to numbers. */
export interface ConvGeometry {
  readonly batch: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly inChannels: number;
  readonly outHeight: number;
  readonly outWidth: number;
  readonly outChannels: number;
  readonly filterHeight: number;
  readonly filterWidth: number;
  readonly strideHeight: number;
  readonly strideWidth: number;
  readonly dilationHeight: number;
  readonly dilationWidth: number;
  readonly padTop: number;
  readonly padLeft: number;
}

/** The padding forms tfjs convolutions accept. */
export type ConvPad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

/**
 * Resolves a convolution's attributes exactly as tfjs's own kernels do (`computeConv2DInfo`),
 * so that a gradient kernel sees the same output size and padding as the forward pass.
 *
 * @param inShape - NHWC input shape.
 * @param filterShape - [filterHeight, filterWidth, inChannels, outChannels].
 * @returns The resolved geometry.
 */
export const convGeometry = (
  inShape: readonly [number, number, number, number],
  filterShape: readonly [number, number, number, number],
  strides: number | readonly [number, number],
  dilations: number | readonly [number, number],
  pad: ConvPad,
  roundingMode?: 'floor' | 'round' | 'ceil',
): ConvGeometry => {
  const info = tf.backend_util.computeConv2DInfo(
    [...inShape] as [number, number, number, number],
    [...filterShape] as [number, number, number, number],
    typeof strides === 'number' ? strides : [strides[0], strides[1]],
    typeof dilations === 'number' ? dilations : [dilations[0], dilations[1]],
    pad,
    roundingMode,
  );
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    dilationHeight: info.dilationHeight,
    dilationWidth: info.dilationWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
};

/**
 * A spatial window of an NHWC tensor that may reach outside it: rows [top, top + height) and
 * columns [left, left + width), zero outside the tensor. Crops where the window is inside,
 * pads where it is outside, and returns the tensor itself when they coincide.
 *
 * @example
 * spatialWindow(x, -1, -1, x.shape[1] + 2, x.shape[2] + 2) // zero-pads x by one pixel all round
 */
export const spatialWindow = (x: tf.Tensor4D, top: number, left: number, height: number, width: number): tf.Tensor4D => {
  const [, h, w] = x.shape;
  const rowStart = Math.max(0, top);
  const rowEnd = Math.min(h, top + height);
  const colStart = Math.max(0, left);
  const colEnd = Math.min(w, left + width);
  if (rowEnd <= rowStart || colEnd <= colStart) {
    return tf.zeros([x.shape[0], height, width, x.shape[3]]);
  }
  const inner =
    rowStart === 0 && rowEnd === h && colStart === 0 && colEnd === w
      ? x
      : tf.slice(x, [0, rowStart, colStart, 0], [-1, rowEnd - rowStart, colEnd - colStart, -1]);
  const padTop = rowStart - top;
  const padBottom = top + height - rowEnd;
  const padLeft = colStart - left;
  const padRight = left + width - colEnd;
  if (padTop === 0 && padBottom === 0 && padLeft === 0 && padRight === 0) return inner;
  return tf.pad(inner, [
    [0, 0],
    [padTop, padBottom],
    [padLeft, padRight],
    [0, 0],
  ]);
};
