import * as tf from '@tensorflow/tfjs-core';
import type { JointModel } from './jointModel.ts';
import { lossModuleObjective, type LossObjective } from './rankingLoss.ts';

/** What a task's per-sample loss compares the heads with: one tensor, or several (detection: classes and offsets). */
export type TrainingTarget = tf.Tensor | ReadonlyArray<tf.Tensor>;

/** A task's per-sample target loss: the heads of a batch and its target → l, shape [B] (differentiable). */
export type PerSampleLoss = (heads: ReadonlyArray<tf.Tensor>, target: TrainingTarget) => tf.Tensor1D;

/** The settings of the joint objective (part of the trainer's config). */
export interface ObjectiveConfig {
  /** λ, the weight of the loss-module loss. */
  readonly lambda: number;
  /** ξ, the ranking margin. */
  readonly margin: number;
  /** The loss module's objective: the paper's ranking loss, or its MSE ablation. */
  readonly lossObjective: LossObjective;
}

/** The joint objective on one batch, and what the trainer reports of it. */
export interface JointLoss {
  /** mean(l) + λ · L_loss(l̂, l): what the gradients are taken of. */
  readonly objective: tf.Scalar;
  /** Σ l over the batch. */
  readonly targetSum: tf.Scalar;
  /** L_loss(l̂, l). */
  readonly moduleLoss: tf.Scalar;
}

/**
 * THE joint objective of Learning Loss — (1/B) Σ l + λ · L_loss(l̂, l) — as one function, used by
 * the trainer on this thread and by the training worker on its half batch.
 *
 * Use it inside `tf.variableGrads` (or a tidy): it runs the joint model in training mode on the
 * batch, the task's per-sample loss l, and the loss module's ranking (or MSE) loss on l̂ against
 * l (l is a target: no gradient flows into it through L_loss).
 *
 * @param model - the joint model
 * @param perSampleLoss - the task's loss
 * @param config - λ, ξ and the loss module's objective
 * @returns (input, target, stopFeatureGradient) → the objective and its parts
 * @example
 * const step = jointObjective(model, crossEntropyLoss, { lambda: 1, margin: 1, lossObjective: 'ranking' });
 * const { grads } = tf.variableGrads(() => step(input, labels, false).objective, variables);
 */
export const jointObjective = (model: JointModel, perSampleLoss: PerSampleLoss, config: ObjectiveConfig) => {
  const moduleLoss = lossModuleObjective(config.lossObjective, config.margin);
  return (input: tf.Tensor4D, target: TrainingTarget, stopFeatureGradient: boolean): JointLoss => {
    const out = model.forward(input, { training: true, stopFeatureGradient });
    const perSample = perSampleLoss(out.heads, target);
    const lm = moduleLoss(out.predictedLoss, perSample);
    return {
      objective: tf.add(tf.mean(perSample), tf.mul(lm, config.lambda)) as tf.Scalar,
      targetSum: tf.sum(perSample) as tf.Scalar,
      moduleLoss: lm,
    };
  };
};
