import * as tf from '@tensorflow/tfjs-core';
import { asTensor } from './kernelTensors.ts';

/** Attributes of the resize kernels and their gradients. */
interface ResizeAttrs {
  readonly alignCorners: boolean;
  readonly halfPixelCenters: boolean;
}

/** One output row (or column) of a resize: the source rows it reads and their weights. */
type Taps = ReadonlyArray<ReadonlyArray<readonly [number, number]>>;

const sizeRatio = (input: number, output: number, alignCorners: boolean): number =>
  alignCorners && output > 1 ? (input - 1) / (output - 1) : input / output;

/** Nearest-neighbour sources along one axis, exactly as tfjs's cpu `ResizeNearestNeighbor` picks them. */
const nearestTaps = (input: number, output: number, { alignCorners, halfPixelCenters }: ResizeAttrs): Taps => {
  const ratio = sizeRatio(input, output, alignCorners);
  return Array.from({ length: output }, (_, r) => {
    const frac = halfPixelCenters ? ratio * (r + 0.5) : ratio * r;
    let source = Math.min(input - 1, alignCorners ? Math.round(frac) : Math.floor(frac));
    if (halfPixelCenters) source = Math.max(0, source);
    return [[source, 1]] as const;
  });
};

/** Bilinear sources and weights along one axis, exactly as tfjs's cpu `ResizeBilinear` forms them. */
const bilinearTaps = (input: number, output: number, { alignCorners, halfPixelCenters }: ResizeAttrs): Taps => {
  const ratio = sizeRatio(input, output, alignCorners);
  return Array.from({ length: output }, (_, r) => {
    const frac = halfPixelCenters ? ratio * (r + 0.5) - 0.5 : ratio * r;
    const floor = Math.max(0, Math.floor(frac));
    const weight = frac - floor;
    const ceil = Math.min(input - 1, Math.ceil(frac));
    return [
      [floor, 1 - weight],
      [ceil, weight],
    ] as const;
  });
};

/** The [output, input] interpolation matrix of one axis. */
const matrixOf = (taps: Taps, input: number): tf.Tensor2D => {
  const values = new Float32Array(taps.length * input);
  taps.forEach((row, r) => {
    for (const [source, weight] of row) values[r * input + source] += weight;
  });
  return tf.tensor2d(values, [taps.length, input]);
};

/**
 * The gradient of a separable resize (nearest or bilinear: out = A_h · x · A_wᵀ per image and
 * channel), as two matrix products: dx = A_hᵀ · dy · A_w. Exact for every size, `alignCorners`
 * and `halfPixelCenters` (the adjoint of the forward kernel, whose sources and weights are
 * recomputed here as tfjs's cpu kernel computes them).
 *
 * @param dy - The gradient of the resized images, [batch, outHeight, outWidth, channels].
 * @param inputShape - The shape of the images before resizing.
 * @param rows - Sources and weights of each output row.
 * @param cols - Sources and weights of each output column.
 */
const separableGradient = (dy: tf.Tensor4D, inputShape: readonly number[], rows: Taps, cols: Taps): tf.Tensor4D =>
  tf.tidy(() => {
    const [b, h, w, c] = inputShape as [number, number, number, number];
    const [, oh, ow] = dy.shape;
    const byRows = tf.reshape(tf.transpose(dy, [1, 0, 2, 3]), [oh, b * ow * c]);
    const rowsDone = tf.matMul(matrixOf(rows, h), byRows, true, false); // [h, b·ow·c]
    const byCols = tf.reshape(tf.transpose(tf.reshape(rowsDone, [h, b, ow, c]), [2, 1, 0, 3]), [ow, b * h * c]);
    const colsDone = tf.matMul(matrixOf(cols, w), byCols, true, false); // [w, b·h·c]
    return tf.transpose(tf.reshape(colsDone, [w, b, h, c]), [1, 2, 0, 3]) as tf.Tensor4D;
  });

/**
 * The gradient of `tf.image.resizeNearestNeighbor` with respect to its images (the adjoint of
 * the forward kernel, for every size and both flags).
 *
 * @param dy - The gradient of the output, [batch, outHeight, outWidth, channels].
 * @param inputShape - The images' shape, [batch, height, width, channels].
 * @param attrs - The forward pass's `alignCorners` and `halfPixelCenters`.
 * @returns dx, shape `inputShape`.
 */
export const resizeNearestGradient = (dy: tf.Tensor4D, inputShape: readonly number[], attrs: ResizeAttrs): tf.Tensor4D =>
  separableGradient(dy, inputShape, nearestTaps(inputShape[1]!, dy.shape[1], attrs), nearestTaps(inputShape[2]!, dy.shape[2], attrs));

/**
 * The gradient of `tf.image.resizeBilinear` with respect to its images (the adjoint of the
 * forward kernel, for every size and both flags).
 *
 * @param dy - The gradient of the output, [batch, outHeight, outWidth, channels].
 * @param inputShape - The images' shape, [batch, height, width, channels].
 * @param attrs - The forward pass's `alignCorners` and `halfPixelCenters`.
 * @returns dx, shape `inputShape`.
 */
export const resizeBilinearGradient = (dy: tf.Tensor4D, inputShape: readonly number[], attrs: ResizeAttrs): tf.Tensor4D =>
  separableGradient(dy, inputShape, bilinearTaps(inputShape[1]!, dy.shape[1], attrs), bilinearTaps(inputShape[2]!, dy.shape[2], attrs));

const resizeGradKernel =
  (gradient: typeof resizeNearestGradient): tf.KernelFunc =>
  ({ inputs, attrs }) =>
    tf.tidy(() => {
      const images = inputs['images'] as tf.TensorInfo;
      const a = attrs as unknown as Partial<ResizeAttrs>;
      return gradient(asTensor<tf.Rank.R4>(inputs['dy'] as tf.TensorInfo), images.shape, {
        alignCorners: a.alignCorners === true,
        halfPixelCenters: a.halfPixelCenters === true,
      });
    });

/**
 * `ResizeNearestNeighborGrad` for wasm and cpu: {@link resizeNearestGradient}. tfjs 4.22's own
 * kernels are wrong for a batch over 1 (the cpu kernel steps through dy by the images' batch
 * stride; wasm's also gives NaN when downsizing) and ignore `halfPixelCenters`.
 */
export const resizeNearestGradKernel: tf.KernelFunc = resizeGradKernel(resizeNearestGradient);

/**
 * `ResizeBilinearGrad` for wasm and cpu: {@link resizeBilinearGradient}, the exact adjoint of the
 * forward kernel. tfjs 4.22's own kernels ignore `halfPixelCenters`, and the cpu one labels its
 * result [batch, width, height, channels], so training through a non-square bilinear resize
 * throws there.
 */
export const resizeBilinearGradKernel: tf.KernelFunc = resizeGradKernel(resizeBilinearGradient);
