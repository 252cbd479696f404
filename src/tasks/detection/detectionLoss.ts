import * as tf from '@tensorflow/tfjs-core';

/** SSD's ratio of hard negatives to positives. */
export const NEGATIVES_PER_POSITIVE = 3;

/**
 * The hard-negative mask, computed without gradient (a `tf.customGrad` whose gradient is zero,
 * since sorting and comparisons have none): in each row, the `ratio · positives` background
 * anchors of highest loss (at most all of them).
 */
const hardNegatives = (ratio: number) =>
  tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const losses = args[0] as tf.Tensor2D;
    const positive = args[1] as tf.Tensor2D;
    const anchors = losses.shape[1];
    const value = tf.tidy(() => {
      const negative = tf.sub(1, positive);
      // Positives sort last: every loss is ≥ 0.
      const candidates = tf.sub(tf.mul(losses, negative), positive);
      const wanted = tf.minimum(tf.mul(tf.sum(positive, 1), ratio), tf.sum(negative, 1));
      const sorted = tf.topk(candidates, anchors, true).values;
      const kth = tf.sum(tf.mul(sorted, tf.oneHot(tf.sub(tf.cast(wanted, 'int32'), tf.scalar(1, 'int32')), anchors)), 1, true);
      const selected = tf.cast(tf.greaterEqual(candidates, kth), 'float32');
      const any = tf.reshape(tf.cast(tf.greater(wanted, 0), 'float32'), [-1, 1]);
      return tf.mul(tf.mul(selected, negative), any);
    });
    return { value, gradFunc: (dy: tf.Tensor) => [tf.zerosLike(dy), tf.zerosLike(dy)] };
  });

/**
 * The hard negatives of a batch: per row, the background anchors with the highest
 * classification loss, `ratio` times as many as the row's positives (at most every background
 * anchor). Ties at the cut-off are all kept. No gradient flows through the selection.
 *
 * Use it inside the detection loss; the mask multiplies the per-anchor cross-entropy.
 *
 * @param losses - [B, A] per-anchor classification losses (≥ 0)
 * @param positive - [B, A] 1 at positive anchors, 0 elsewhere
 * @param ratio - negatives per positive (default 3)
 * @returns [B, A] 1 at the selected negatives, 0 elsewhere
 * @example hardNegativeMask(tf.tensor2d([[0.1, 5, 0.3, 2, 9]]), tf.tensor2d([[0, 0, 0, 0, 1]]), 2) // [[0, 1, 0, 1, 0]]
 */
export const hardNegativeMask = (losses: tf.Tensor2D, positive: tf.Tensor2D, ratio = NEGATIVES_PER_POSITIVE): tf.Tensor2D =>
  hardNegatives(ratio)(losses, positive) as tf.Tensor2D;

/**
 * Smooth L1 (Huber with δ = 1), elementwise: 0.5·x² where |x| < 1, |x| − 0.5 elsewhere,
 * computed as 0.5·m² + (|x| − m) with m = min(|x|, 1), so it needs no select.
 * @param x - any tensor
 * @returns the elementwise smooth L1
 * @example smoothL1(tf.tensor1d([0.5, -3])) // [0.125, 2.5]
 */
export const smoothL1 = (x: tf.Tensor): tf.Tensor =>
  tf.tidy(() => {
    const a = tf.abs(x);
    const m = tf.minimum(a, 1);
    return tf.add(tf.mul(tf.square(m), 0.5), tf.sub(a, m));
  });

/**
 * SSD's multibox loss per image: softmax cross-entropy over the positive anchors and the hard
 * negatives (3 per positive), plus smooth-L1 on the positive anchors' box offsets, divided by
 * the image's number of positives (by 1 when it has none).
 *
 * Use it as the detection task's per-sample loss: its batch mean trains the detector, and each
 * image's value is the true loss the loss module learns to rank.
 *
 * @param classLogits - [B, A, classes + 1] (index 0 is background)
 * @param boxOffsets - [B, A, 4]
 * @param targetClasses - [B, A] int32, 0 background, c + 1 for class c
 * @param targetOffsets - [B, A, 4] encoded boxes (ignored at background anchors)
 * @param ratio - hard negatives per positive (default 3)
 * @returns [B] per-image losses
 */
export const multiboxLossPerSample = (
  classLogits: tf.Tensor3D,
  boxOffsets: tf.Tensor3D,
  targetClasses: tf.Tensor2D,
  targetOffsets: tf.Tensor3D,
  ratio = NEGATIVES_PER_POSITIVE,
): tf.Tensor1D =>
  tf.tidy(() => {
    const [batch, anchors, depth] = classLogits.shape;
    const onehot = tf.reshape(tf.oneHot(tf.reshape(targetClasses, [-1]), depth), [batch, anchors, depth]);
    const crossEntropy = tf.neg(tf.sum(tf.mul(onehot, tf.logSoftmax(classLogits)), 2)) as tf.Tensor2D;
    const positive = tf.cast(tf.greater(targetClasses, 0), 'float32') as tf.Tensor2D;
    const negatives = hardNegativeMask(crossEntropy, positive, ratio);
    const confidence = tf.sum(tf.mul(crossEntropy, tf.add(positive, negatives)), 1);
    const localisation = tf.sum(tf.mul(tf.sum(smoothL1(tf.sub(boxOffsets, targetOffsets)), 2), positive), 1);
    const positives = tf.maximum(tf.sum(positive, 1), 1);
    return tf.div(tf.add(confidence, localisation), positives) as tf.Tensor1D;
  });

/**
 * The detection task's per-sample loss in the trainer's form: heads [class logits, box offsets],
 * target [classes, offsets] (see {@link multiboxLossPerSample}). A training worker thread
 * imports it by name (`trainThreads` 2).
 * @param heads - the detector's two heads
 * @param target - the batch's anchor targets
 * @returns [B] per-image losses
 */
export const detectionPerSampleLoss = (heads: ReadonlyArray<tf.Tensor>, target: tf.Tensor | ReadonlyArray<tf.Tensor>): tf.Tensor1D => {
  const [targetClasses, targetOffsets] = target as ReadonlyArray<tf.Tensor>;
  return multiboxLossPerSample(heads[0] as tf.Tensor3D, heads[1] as tf.Tensor3D, targetClasses as tf.Tensor2D, targetOffsets as tf.Tensor3D);
};
