import * as tf from '@tensorflow/tfjs-core';
import { spatialWindow } from './convGeometry.ts';
import { insertZeros } from './conv2dBackpropInput.ts';
import { asTensor } from './kernelTensors.ts';

/** Attributes of the MaxPoolGrad kernel. */
export interface MaxPoolGradAttrs {
  readonly filterSize: number | readonly [number, number];
  readonly strides: number | readonly [number, number];
  readonly pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  readonly dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * The gradient of a 2-D max pooling with respect to its input, with tfjs ops: each window's
 * output gradient goes to the first (row-major) pixel of the window that holds the window's
 * maximum, as tfjs's cpu kernel (and TensorFlow) does; padding never receives it.
 *
 * Window tap (i, j) of every window is one strided slice of the input, framed with −∞ where
 * padding is; a tap takes the gradient where it equals the pooled output and no earlier tap
 * did. Non-overlapping windows (stride = window) take the taps as rank-4 slices of a reshaped
 * frame and put their gradients back by concatenation; overlapping ones take strided slices and
 * add each tap's gradient, spread back by the stride.
 *
 * @param dy - The gradient of the pooled output, [batch, outHeight, outWidth, channels].
 * @param x - The pooling's input, [batch, height, width, channels].
 * @param y - The pooled output (the forward pass's result).
 * @param attrs - Window, strides, padding and rounding of the forward pooling.
 * @returns dx, shaped as x.
 */
export const maxPoolInputGradient = (dy: tf.Tensor4D, x: tf.Tensor4D, y: tf.Tensor4D, attrs: MaxPoolGradAttrs): tf.Tensor4D =>
  tf.tidy(() => {
    const info = tf.backend_util.computePool2DInfo(
      x.shape,
      attrs.filterSize as number | [number, number],
      attrs.strides as number | [number, number],
      1,
      attrs.pad,
      attrs.dimRoundingMode,
    );
    const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, outHeight: oh, outWidth: ow } = info;
    const { top, left } = info.padInfo;
    const [b, h, w, c] = x.shape;
    const frameHeight = (oh - 1) * sh + kh;
    const frameWidth = (ow - 1) * sw + kw;
    // The input in the frame that every window covers (padding is ≥ 0), −∞ outside it.
    const inner = tf.slice(x, [0, 0, 0, 0], [b, Math.min(h, frameHeight - top), Math.min(w, frameWidth - left), c]);
    const padding: Array<[number, number]> = [
      [0, 0],
      [top, frameHeight - top - inner.shape[1]],
      [left, frameWidth - left - inner.shape[2]],
      [0, 0],
    ];
    const frame = padding.every(([p, q]) => p === 0 && q === 0) ? inner : tf.pad(inner, padding, Number.NEGATIVE_INFINITY);
    const nonOverlapping = sh === kh && sw === kw;
    // Non-overlapping windows: the frame as [b·oh, kh, ow, kw·c], where tap (i, j) of every window
    // is one rank-4 slice; overlapping ones take strided slices. (On wasm a rank-4 Slice is about
    // 5× faster than a StridedSlice, and a rank-5 Slice or a rank-6 Transpose far slower.)
    const blocks = nonOverlapping ? tf.reshape(frame, [b * oh, kh, ow, kw * c]) : frame;
    const tapOf = (i: number, j: number): tf.Tensor =>
      nonOverlapping
        ? tf.reshape(tf.slice(blocks, [0, i, 0, j * c], [b * oh, 1, ow, c]), [b, oh, ow, c])
        : tf.stridedSlice(frame, [0, i, j, 0], [b, i + (oh - 1) * sh + 1, j + (ow - 1) * sw + 1, c], [1, sh, sw, 1]);
    let free: tf.Tensor = tf.ones(y.shape, 'bool');
    const taps: tf.Tensor4D[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const hit = tf.logicalAnd(tf.equal(tapOf(i, j), y), free);
        free = tf.logicalAnd(free, tf.logicalNot(hit));
        taps.push(tf.where(hit, dy, tf.zerosLike(dy)) as tf.Tensor4D);
      }
    }
    let framed: tf.Tensor4D;
    if (nonOverlapping) {
      // Back into [b·oh, kh, ow, kw·c] by rank-4 concatenations, then the frame.
      const rows = Array.from({ length: kh }, (_, i) =>
        tf.concat(taps.slice(i * kw, (i + 1) * kw).map((g) => tf.reshape(g, [b * oh, 1, ow, c])), 3),
      );
      framed = tf.reshape(tf.concat(rows, 1), [b, frameHeight, frameWidth, c]) as tf.Tensor4D;
    } else {
      const spreadHeight = (oh - 1) * sh + 1;
      const spreadWidth = (ow - 1) * sw + 1;
      const placed = taps.map((g, k) => {
        const i = Math.floor(k / kw);
        const j = k % kw;
        return tf.pad(insertZeros(g, sh, sw), [
          [0, 0],
          [i, frameHeight - i - spreadHeight],
          [j, frameWidth - j - spreadWidth],
          [0, 0],
        ]) as tf.Tensor4D;
      });
      framed = tf.addN(placed);
    }
    return spatialWindow(framed, top, left, h, w);
  });

/**
 * `MaxPoolGrad` for wasm: {@link maxPoolInputGradient}. tfjs-backend-wasm 4.22's own kernel
 * gives wrong gradients (a batch over 1, 'same' padding, and plain 2×2 windows of 8×8 inputs:
 * errors of order 1 against the cpu backend).
 */
export const maxPoolGradKernel: tf.KernelFunc = ({ inputs, attrs }) =>
  tf.tidy(() =>
    maxPoolInputGradient(
      asTensor<tf.Rank.R4>(inputs['dy'] as tf.TensorInfo),
      asTensor<tf.Rank.R4>(inputs['input'] as tf.TensorInfo),
      asTensor<tf.Rank.R4>(inputs['output'] as tf.TensorInfo),
      attrs as unknown as MaxPoolGradAttrs,
    ),
  );
