import * as tf from '@tensorflow/tfjs-core';

/**
 * A tensor shape seen as [outer, reduced, inner] around one contiguous block of axes:
 * the form in which a reduction becomes one average pooling.
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
