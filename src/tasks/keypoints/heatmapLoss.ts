import * as tf from '@tensorflow/tfjs-core';

/**
 * Per-sample heatmap loss with intermediate supervision: for each stack, the mean squared error
 * over its heatmaps (all cells and keypoints), summed over the stacks.
 *
 * Use it as the keypoints task's target loss (the trainer averages it over the batch; the loss
 * module learns to rank it; evaluation reports its mean).
 *
 * @param heads - each stack's predicted heatmaps, [B, n, n, K]
 * @param target - the Gaussian heatmaps, [B, n, n, K]
 * @returns [B] losses
 * @example heatmapLossPerSample([zeros, zeros], target) // 2 × mean(target²) per sample
 */
export const heatmapLossPerSample = (heads: ReadonlyArray<tf.Tensor>, target: tf.Tensor): tf.Tensor1D =>
  tf.tidy(() => tf.addN(heads.map((h) => tf.mean(tf.squaredDifference(h, target), [1, 2, 3]))) as tf.Tensor1D);
