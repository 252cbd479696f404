import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import { LossPredictionModule } from './lossPredictionModule.ts';
import { stopGradient } from './stopGradient.ts';
import type { TappedNetwork } from './tappedNetwork.ts';

/** What one forward pass of target + loss module gives. */
export interface JointOutputs {
  /** The task's head outputs (logits for classification). */
  readonly heads: ReadonlyArray<tf.Tensor>;
  /** Penultimate features, [B, embeddingDim]. */
  readonly embedding: tf.Tensor2D;
  /** l̂, [B]. */
  readonly predictedLoss: tf.Tensor1D;
}

/** How to run a forward pass. */
export interface ForwardMode {
  /** Batch norm in training mode (batch statistics, moving averages updated). */
  readonly training: boolean;
  /** Stop the loss module's gradient into the target's features. */
  readonly stopFeatureGradient?: boolean;
}

const countParams = (weights: ReadonlyArray<{ shape: ReadonlyArray<number | null> }>): number =>
  weights.reduce((sum, w) => sum + w.shape.reduce<number>((p, d) => p * (d ?? 1), 1), 0);

/**
 * A target network and its loss-prediction module, trained together.
 *
 * Use it as the model of any task: the trainer calls {@link JointModel.forward} in training
 * mode, scoring and evaluation in inference mode; {@link JointModel.inference} is one tfjs
 * model with outputs [...heads, embedding, l̂] that shares every weight, for saving and loading.
 */
export class JointModel {
  readonly inference: tfl.LayersModel;

  /**
   * @param network - the target with its taps
   * @param lossModule - the loss-prediction module (not yet applied)
   */
  constructor(readonly network: TappedNetwork, readonly lossModule: LossPredictionModule) {
    const outputs = network.model.outputs;
    const kept = outputs.slice(0, network.headCount + 1);
    const taps = outputs.slice(network.headCount + 1);
    const predicted = lossModule.apply(taps) as SymbolicTensor;
    this.inference = tfl.model({ inputs: network.model.inputs, outputs: [...kept, predicted], name: 'joint' });
  }

  /**
   * Builds a joint model around a network.
   * @param network - the target network
   * @param options - loss-module units per tap (default 128) and initializer seed
   */
  static create(network: TappedNetwork, options: { readonly units?: number; readonly seed: number }): JointModel {
    return new JointModel(network, new LossPredictionModule({ units: options.units, seed: options.seed, name: 'loss_module' }));
  }

  /**
   * One forward pass on a batch (call inside tf.tidy, or dispose the outputs).
   * @param input - [B, H, W, C]
   * @param mode - training or inference, and whether the features' gradient is stopped
   */
  forward(input: tf.Tensor4D, mode: ForwardMode): JointOutputs {
    const { headCount } = this.network;
    const outs = this.network.model.apply(input, { training: mode.training }) as tf.Tensor[];
    const taps = outs.slice(headCount + 1).map((t) => (mode.stopFeatureGradient ? stopGradient(t) : t));
    const predicted = this.lossModule.apply(taps, { training: mode.training }) as tf.Tensor;
    return {
      heads: outs.slice(0, headCount),
      embedding: outs[headCount] as tf.Tensor2D,
      predictedLoss: tf.reshape(predicted, [-1]) as tf.Tensor1D,
    };
  }

  /** Every trainable variable, target first, then loss module. */
  trainableVariables(): tf.Variable[] {
    return [...this.network.model.trainableWeights, ...this.lossModule.trainableWeights].map((w) => w.read() as tf.Variable);
  }

  /** Trainable parameters of the target network. */
  targetParams(): number {
    return countParams(this.network.model.trainableWeights);
  }

  /** Trainable parameters of the loss-prediction module. */
  lossModuleParams(): number {
    return countParams(this.lossModule.trainableWeights);
  }

  /** Frees every weight (the inference model holds every layer of the network and the module). */
  dispose(): void {
    this.inference.dispose();
  }
}
