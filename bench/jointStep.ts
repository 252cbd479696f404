/**
 * The joint training step the benchmarks time: one batch of synthetic 28×28×1 images through the
 * small CNN + loss module, cross-entropy + margin ranking loss (λ 1, ξ 1), tfjs's autodiff and
 * ll4al's SGD with momentum, all inside one tf.tidy.
 */
import * as tf from '@tensorflow/tfjs-core';
import { crossEntropyPerSample, type JointModel, marginRankingLossTensor, SgdMomentum } from '../src/tasks/index.ts';
import { fillSyntheticPixels } from './syntheticImages.ts';

export interface JointStep {
  /** Runs one step (forward, backward, optimizer update). */
  readonly step: () => void;
  /** Disposes the batch and the optimizer's state. */
  readonly dispose: () => void;
}

/** A step on a fixed batch of `batch` synthetic images (labels 7·i mod 10) for `model`. */
export const jointStep = (model: JointModel, batch: number, shape: readonly [number, number, number] = [28, 28, 1]): JointStep => {
  const variables = model.trainableVariables();
  const optimizer = new SgdMomentum(variables, 0.9, 5e-4);
  const [h, w, c] = shape;
  const x = tf.tensor4d(fillSyntheticPixels(new Float32Array(batch * h * w * c), 1), [batch, h, w, c]);
  const labels = tf.tensor1d(Int32Array.from({ length: batch }, (_, i) => (i * 7) % 10), 'int32');
  const step = (): void =>
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => {
        const out = model.forward(x, { training: true });
        const perSample = crossEntropyPerSample(out.heads[0] as tf.Tensor2D, labels);
        return tf.add(tf.mean(perSample), marginRankingLossTensor(out.predictedLoss, perSample, 1)) as tf.Scalar;
      }, variables);
      optimizer.apply(grads, 0.01);
    });
  return {
    step,
    dispose: () => {
      optimizer.dispose();
      tf.dispose([x, labels]);
    },
  };
};
