import * as tf from '@tensorflow/tfjs-core';
import { stopGradient } from './stopGradient.ts';

/** Which loss trains the loss-prediction module: the paper's ranking loss or its MSE ablation. */
export type LossObjective = 'ranking' | 'mse';

/** Half the batch: element i pairs with element B−1−i (flip pairing); an odd B drops its middle. */
const flipDifference = (x: tf.Tensor1D): tf.Tensor1D => {
  const half = Math.floor(x.shape[0] / 2);
  return tf.sub(tf.slice(x, 0, half), tf.slice(tf.reverse(x), 0, half));
};

/** The ordering I(l_i, l_j) = +1 if l_i > l_j else −1 of the flip pairs, with a zero gradient. */
const pairOrder = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const trueLoss = args[0] as tf.Tensor1D;
  return {
    value: tf.tidy(() => tf.sub(tf.mul(tf.cast(tf.greater(flipDifference(trueLoss), 0), 'float32'), 2), 1)),
    gradFunc: () => tf.zerosLike(trueLoss),
  };
});

/**
 * The margin ranking loss of Learning Loss on a mini-batch, as a differentiable tensor.
 *
 * Pairs element i with element B−1−i (the reference's flip pairing; an odd batch leaves its
 * middle element out) and returns the mean over the ⌊B/2⌋ pairs of
 * max(0, −I(l_i, l_j)·(l̂_i − l̂_j) + ξ), I = +1 if l_i > l_j else −1 (ties give −1).
 * The true loss is a target: no gradient flows into it. It equals `marginRankingLoss` of
 * src/ops on the same arrays. A batch of fewer than 2 elements gives 0.
 *
 * @param predicted - l̂, shape [B] (the loss module's output)
 * @param trueLoss - l, shape [B] (the target's per-sample loss)
 * @param margin - ξ (paper: 1)
 * @returns a scalar
 * @example
 * marginRankingLossTensor(tf.tensor1d([0.2, 0.9]), tf.tensor1d([3, 1]), 1) // max(0, -(0.2-0.9)+1) = 1.7
 */
export const marginRankingLossTensor = (predicted: tf.Tensor1D, trueLoss: tf.Tensor1D, margin = 1): tf.Scalar =>
  tf.tidy(() => {
    if (predicted.shape[0] !== trueLoss.shape[0]) {
      throw new Error(`marginRankingLossTensor: predicted has ${predicted.shape[0]} elements, trueLoss ${trueLoss.shape[0]}`);
    }
    // No pair: zero, still connected to both inputs so that gradients (all zero) exist.
    if (predicted.shape[0] < 2) return tf.mul(tf.add(tf.sum(predicted), tf.sum(stopGradient(trueLoss))), 0) as tf.Scalar;
    const order = pairOrder(trueLoss) as tf.Tensor1D;
    const hinge = tf.relu(tf.add(tf.neg(tf.mul(order, flipDifference(predicted))), margin));
    return tf.mean(hinge) as tf.Scalar;
  });

/**
 * The MSE ablation: mean over the batch of (l̂ − l)², the true loss l being a target with no
 * gradient. The paper rejected it (l shrinks during training, so the MSE can fall without the
 * ordering improving) and ran it with λ = 0.1.
 *
 * @param predicted - l̂, shape [B]
 * @param trueLoss - l, shape [B]
 * @returns a scalar
 * @example
 * mseLossTensor(tf.tensor1d([1, 2]), tf.tensor1d([1, 4])) // 2
 */
export const mseLossTensor = (predicted: tf.Tensor1D, trueLoss: tf.Tensor1D): tf.Scalar =>
  tf.tidy(() => tf.mean(tf.squaredDifference(predicted, stopGradient(trueLoss))) as tf.Scalar);

/**
 * The loss-module objective chosen by name.
 *
 * @param objective - 'ranking' (margin ranking loss with margin ξ) or 'mse'
 * @param margin - ξ, used by 'ranking'
 * @returns a function (l̂, l) → scalar
 */
export const lossModuleObjective =
  (objective: LossObjective, margin = 1) =>
  (predicted: tf.Tensor1D, trueLoss: tf.Tensor1D): tf.Scalar =>
    objective === 'mse' ? mseLossTensor(predicted, trueLoss) : marginRankingLossTensor(predicted, trueLoss, margin);
