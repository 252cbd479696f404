import * as tf from '@tensorflow/tfjs-core';

/**
 * Sums `t` over the axes along which a tensor of `smallShape` was broadcast to `t`'s shape,
 * returning `smallShape` (on wasm the Sum kernel does it as one average pooling).
 */
export const sumToShape = (t: tf.Tensor, smallShape: ReadonlyArray<number>): tf.Tensor => {
  const axes = tf.backend_util.getReductionAxes([...smallShape], t.shape);
  return tf.reshape(axes.length === 0 ? t : tf.sum(t, axes), [...smallShape]);
};

/**
 * The gradient of `FusedBatchNorm` (tf.batchNorm), by broadcasting instead of tiling.
 *
 * tfjs's own gradient tiles 1/√(σ²+ε) to the full input shape before multiplying, and wasm's
 * Tile is slow (about 450 ms of a small CNN's training step). Here every per-channel factor
 * is multiplied in by broadcasting:
 *
 *   dx = dy · γ/√(σ²+ε)          dμ = −γ/√(σ²+ε) · Σ dy          dγ = Σ dy·(x−μ) / √(σ²+ε)
 *   dβ = Σ dy                     dσ² = −½ · γ · (σ²+ε)^(−3/2) · Σ dy·(x−μ)
 *
 * Registered (replacing tfjs's) by `registerWasmKernels()`; valid on every backend.
 */
export const fusedBatchNormGradConfig: tf.GradConfig = {
  kernelName: 'FusedBatchNorm',
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dy, saved, attrs) => {
    const grad = dy as tf.Tensor;
    const [x, mean, variance, scale] = saved as Array<tf.Tensor | undefined>;
    if (x === undefined || mean === undefined || variance === undefined) {
      throw new Error('FusedBatchNorm gradient: x, mean and variance must be saved');
    }
    const epsilon = (attrs as unknown as { varianceEpsilon: number }).varianceEpsilon;
    const statShape = mean.shape;
    const invStd = tf.rsqrt(tf.add(variance, epsilon));
    const gain = scale === undefined ? invStd : tf.mul(scale, invStd);
    // Each input's gradient runs in its own tidy, so the shared sums are computed here, once.
    const dySum = sumToShape(grad, statShape);
    const dyCenteredSum = sumToShape(tf.mul(grad, tf.sub(x, mean)), statShape);
    return {
      x: () => tf.mul(grad, gain),
      mean: () => tf.neg(tf.mul(gain, dySum)),
      variance: () => tf.mul(tf.mul(gain, tf.mul(tf.square(invStd), -0.5)), dyCenteredSum),
      scale: () => tf.mul(invStd, dyCenteredSum),
      offset: () => tf.clone(dySum),
    };
  },
};
