import * as tf from '@tensorflow/tfjs-core';

/**
 * Per-sample softmax cross-entropy: −log softmax(logits)[y] for each row.
 *
 * Use it as the classification target loss (its mean trains the target; each value is the
 * true loss l the loss module learns to rank).
 *
 * @param logits - [B, classes]
 * @param labels - [B] int32 class indices
 * @returns [B] losses
 * @example
 * crossEntropyPerSample(tf.tensor2d([[0, 0]]), tf.tensor1d([1], 'int32')) // [ln 2]
 */
export const crossEntropyPerSample = (logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D =>
  tf.tidy(() => {
    const onehot = tf.oneHot(labels, logits.shape[1]);
    return tf.neg(tf.sum(tf.mul(onehot, tf.logSoftmax(logits)), 1)) as tf.Tensor1D;
  });

/**
 * The classification task's per-sample loss in the shape a training worker imports:
 * cross-entropy of the first head against the labels.
 */
export const classificationPerSampleLoss = (heads: ReadonlyArray<tf.Tensor>, target: tf.Tensor | ReadonlyArray<tf.Tensor>): tf.Tensor1D =>
  crossEntropyPerSample(heads[0] as tf.Tensor2D, target as tf.Tensor1D);
