import * as tf from '@tensorflow/tfjs-core';
import { spatialWindow } from './convGeometry.ts';
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
 * did. The frame is split into stride phases so that every tap is a plain slice; each tap's
 * gradient is added into its phase (shifted by whole blocks where windows overlap), and the
 * phases are interleaved back by concatenation.
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
    // The frame every window covers, in whole stride blocks: hs × ws blocks of sh × sw pixels.
    const hs = Math.ceil(((oh - 1) * sh + kh) / sh);
    const ws = Math.ceil(((ow - 1) * sw + kw) / sw);
    const frameHeight = hs * sh;
    const frameWidth = ws * sw;
    // The input in that frame (padding is ≥ 0), −∞ outside it.
    const inner = tf.slice(x, [0, 0, 0, 0], [b, Math.min(h, frameHeight - top), Math.min(w, frameWidth - left), c]);
    const padding: Array<[number, number]> = [
      [0, 0],
      [top, frameHeight - top - inner.shape[1]],
      [left, frameWidth - left - inner.shape[2]],
      [0, 0],
    ];
    const frame = padding.every(([p, q]) => p === 0 && q === 0) ? inner : tf.pad(inner, padding, Number.NEGATIVE_INFINITY);
    // Tap (i, j) = (qi·sh + ri, qj·sw + rj) of every window is block (qi, qj) of phase (ri, rj):
    // rows by a slice of the frame as [b, hs, sh, ws·sw·c], then columns by a slice of that as
    // [b·oh, ws, sw, c] — rank-4 slices only (on wasm a StridedSlice is about 5× slower, a
    // rank-5 Slice or a rank-6 Transpose far slower).
    const rowsView = tf.reshape(frame, [b, hs, sh, ws * sw * c]);
    const tapOf = (qi: number, ri: number, qj: number, rj: number): tf.Tensor => {
      const rows = tf.reshape(tf.slice(rowsView, [0, qi, ri, 0], [b, oh, 1, ws * sw * c]), [b * oh, ws, sw, c]);
      return tf.reshape(tf.slice(rows, [0, qj, rj, 0], [b * oh, ow, 1, c]), [b, oh, ow, c]);
    };
    let free: tf.Tensor = tf.ones(y.shape, 'bool');
    const phases = new Map<number, tf.Tensor4D[]>();
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const [qi, ri, qj, rj] = [Math.floor(i / sh), i % sh, Math.floor(j / sw), j % sw];
        const hit = tf.logicalAnd(tf.equal(tapOf(qi, ri, qj, rj), y), free);
        free = tf.logicalAnd(free, tf.logicalNot(hit));
        const g = tf.where(hit, dy, tf.zerosLike(dy)) as tf.Tensor4D;
        // Into its phase, shifted by whole blocks.
        const shifted = qi === 0 && qj === 0 && hs === oh && ws === ow ? g : (tf.pad(g, [[0, 0], [qi, hs - oh - qi], [qj, ws - ow - qj], [0, 0]]) as tf.Tensor4D);
        phases.set(ri * sw + rj, [...(phases.get(ri * sw + rj) ?? []), shifted]);
      }
    }
    // The phases interleaved back into [b·hs, sh, ws, sw·c] by rank-4 concatenations, then the frame.
    const phaseOf = (ri: number, rj: number): tf.Tensor4D => {
      const parts = phases.get(ri * sw + rj);
      const sum = parts === undefined ? (tf.zeros([b, hs, ws, c]) as tf.Tensor4D) : parts.length === 1 ? (parts[0] as tf.Tensor4D) : tf.addN(parts);
      return tf.reshape(sum, [b * hs, 1, ws, c]) as tf.Tensor4D;
    };
    const joined = (parts: tf.Tensor4D[], axis: number): tf.Tensor4D => (parts.length === 1 ? (parts[0] as tf.Tensor4D) : tf.concat(parts, axis));
    const rowPhases = Array.from({ length: sh }, (_, ri) => joined(Array.from({ length: sw }, (_, rj) => phaseOf(ri, rj)), 3));
    const framed = tf.reshape(joined(rowPhases, 1), [b, frameHeight, frameWidth, c]) as tf.Tensor4D;
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
