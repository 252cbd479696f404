import * as tf from '@tensorflow/tfjs-core';

/**
 * A tensor shape seen as [outer, reduced, inner] around one contiguous block of axes:
 * the form in which a reduction or a broadcast becomes one matrix product.
 */
export interface AxisBlock {
  readonly outer: number;
  readonly reduced: number;
  readonly inner: number;
}

/**
 * The [outer, reduced, inner] view of `shape` for reducing `axes`, when those axes are one
 * contiguous block (e.g. [0, 1, 2] of NHWC for batch norm, [1, 2] for global average pooling);
 * undefined otherwise.
 *
 * @example
 * axisBlock([128, 28, 28, 16], [0, 1, 2]) // { outer: 1, reduced: 100352, inner: 16 }
 */
export const axisBlock = (shape: ReadonlyArray<number>, axes: ReadonlyArray<number>): AxisBlock | undefined => {
  if (axes.length === 0) return undefined;
  const sorted = axes.map((a) => (a < 0 ? a + shape.length : a)).sort((a, b) => a - b);
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  if (last - first !== sorted.length - 1 || new Set(sorted).size !== sorted.length) return undefined;
  const product = (from: number, to: number) => shape.slice(from, to).reduce((p, d) => p * d, 1);
  return { outer: product(0, first), reduced: product(first, last + 1), inner: product(last + 1, shape.length) };
};

/**
 * Sums `x` over one contiguous block of axes as a matrix product with a row of ones,
 * which XNNPACK computes far faster than wasm's transposing reduction when the block is
 * not innermost. Returns the sum with the reduced axes removed (or kept as 1s).
 *
 * @param x - The tensor to reduce.
 * @param block - Its [outer, reduced, inner] view (see `axisBlock`).
 * @param outShape - The shape of the result.
 */
export const sumByMatMul = (x: tf.Tensor, block: AxisBlock, outShape: ReadonlyArray<number>): tf.Tensor =>
  tf.tidy(() => {
    const ones = tf.fill([1, 1, block.reduced], 1);
    const view = tf.reshape(x, [block.outer, block.reduced, block.inner]);
    return tf.reshape(tf.matMul(ones, view), [...outShape]);
  });

/**
 * Broadcasts `small` (the shape of `shape` with its reduced block of axes set to 1) back to
 * `shape` as a matrix product with a column of ones: exact (every product is 1·v) and
 * without wasm's slow Tile.
 *
 * @param small - Values to repeat over the block.
 * @param block - The [outer, reduced, inner] view of the target shape.
 * @param shape - The target shape.
 */
export const broadcastByMatMul = (small: tf.Tensor, block: AxisBlock, shape: ReadonlyArray<number>): tf.Tensor =>
  tf.tidy(() => {
    const ones = tf.fill([1, block.reduced, 1], 1);
    const view = tf.reshape(small, [block.outer, 1, block.inner]);
    return tf.reshape(tf.matMul(ones, view), [...shape]);
  });
