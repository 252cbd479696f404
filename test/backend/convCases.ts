import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';

/** One convolution's geometry for the kernel properties: shapes, strides, dilations, padding. */
export interface ConvCase {
  readonly inShape: [number, number, number, number];
  readonly filterShape: [number, number, number, number];
  readonly strides: [number, number];
  readonly dilations: [number, number];
  readonly pad: 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
  readonly seed: number;
}

const padArb = fc.oneof(
  fc.constant<'same'>('same'),
  fc.constant<'valid'>('valid'),
  fc.integer({ min: 0, max: 2 }),
  fc
    .tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }))
    .map(([t, b, l, r]): tf.backend_util.ExplicitPadding => [
      [0, 0],
      [t, b],
      [l, r],
      [0, 0],
    ]),
);

const padAmount = (pad: ConvCase['pad'], axis: 0 | 1): number => {
  if (pad === 'same') return Number.POSITIVE_INFINITY;
  if (pad === 'valid') return 0;
  if (typeof pad === 'number') return 2 * pad;
  const [a, b] = pad[axis + 1];
  return a + b;
};

/**
 * Random convolutions (batch 1–3, sizes 1–10, channels 1–4, filters 1–4, strides 1–3,
 * dilations 1–3, 'same' / 'valid' / numeric / explicit padding) whose output is not empty.
 */
export const convCaseArb: fc.Arbitrary<ConvCase> = fc
  .record({
    batch: fc.integer({ min: 1, max: 3 }),
    height: fc.integer({ min: 1, max: 10 }),
    width: fc.integer({ min: 1, max: 10 }),
    inChannels: fc.integer({ min: 1, max: 4 }),
    outChannels: fc.integer({ min: 1, max: 4 }),
    fh: fc.integer({ min: 1, max: 4 }),
    fw: fc.integer({ min: 1, max: 4 }),
    sh: fc.integer({ min: 1, max: 3 }),
    sw: fc.integer({ min: 1, max: 3 }),
    dh: fc.integer({ min: 1, max: 3 }),
    dw: fc.integer({ min: 1, max: 3 }),
    pad: padArb,
    seed: fc.integer({ min: 0, max: 1_000_000 }),
  })
  // tfjs sizes a numeric pad's output with the filter height and stride height on both axes
  // (its forward wasm convolution then writes out of bounds): square geometry only.
  .map((r) => (typeof r.pad === 'number' ? { ...r, fw: r.fh, dw: r.dh, sw: r.sh } : r))
  .map((r) => {
    // Grow the input until the dilated filter fits inside the padded input.
    const effH = (r.fh - 1) * r.dh + 1;
    const effW = (r.fw - 1) * r.dw + 1;
    const height = Math.max(r.height, effH - Math.min(padAmount(r.pad, 0), effH));
    const width = Math.max(r.width, effW - Math.min(padAmount(r.pad, 1), effW));
    return {
      inShape: [r.batch, height, width, r.inChannels],
      filterShape: [r.fh, r.fw, r.inChannels, r.outChannels],
      strides: [r.sh, r.sw],
      dilations: [r.dh, r.dw],
      pad: r.pad,
      seed: r.seed,
    } satisfies ConvCase as ConvCase;
  });

/** The output shape of a case's forward convolution. */
export const outShapeOf = (c: ConvCase): [number, number, number, number] => {
  const info = tf.backend_util.computeConv2DInfo(c.inShape, c.filterShape, c.strides, c.dilations, c.pad);
  return [info.batchSize, info.outHeight, info.outWidth, info.outChannels];
};

/**
 * A filter with (dilation − 1) zeros between its taps: convolving with it at dilation 1 is
 * convolving with the original at the dilation. The cpu backend's gradient kernels take no
 * dilation, so the reference for a dilated case uses the inflated filter.
 */
export const inflateFilter = (w: tf.Tensor4D, dh: number, dw: number): tf.Tensor4D =>
  tf.tidy(() => {
    const [kh, kw, ci, co] = w.shape;
    if (dh === 1 && dw === 1) return w.clone();
    const rows = tf.reshape(w, [kh, 1, kw, 1, ci * co]);
    const spread = tf.pad(rows, [
      [0, 0],
      [0, dh - 1],
      [0, 0],
      [0, dw - 1],
      [0, 0],
    ]);
    const full = tf.reshape(spread, [kh * dh, kw * dw, ci, co]);
    return tf.slice(full, [0, 0, 0, 0], [(kh - 1) * dh + 1, (kw - 1) * dw + 1, ci, co]) as tf.Tensor4D;
  });

/** max |a − b| relative to max(1, max |b|). */
export const relativeError = (a: Float32Array | Int32Array | Uint8Array, b: Float32Array | Int32Array | Uint8Array): number => {
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
};
