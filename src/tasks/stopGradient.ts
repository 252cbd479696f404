import * as tf from '@tensorflow/tfjs-core';

const stop = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => ({
  value: tf.clone(args[0] as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
}));

/**
 * The identity in the forward pass with a zero gradient (tfjs has no `stopGradient`).
 *
 * Use it where a value must be a target, not a path for gradients: the true loss inside the
 * ranking loss, or the target's features feeding the loss module once its gradient is stopped.
 *
 * @param x - any tensor
 * @returns a copy of `x` whose gradient with respect to `x` is zero
 * @example
 * tf.grad((x) => tf.sum(stopGradient(x)))(tf.tensor1d([1, 2])) // [0, 0]
 */
export const stopGradient = <T extends tf.Tensor>(x: T): T => stop(x) as T;
