import * as tf from '@tensorflow/tfjs-core';
import { initializers, layers, type LayerVariable, type Shape } from '@tensorflow/tfjs-layers';
import { foldedBatchNorm } from '../backend/batchNormKernel.ts';
import {
  batchNormTrainingGradKernelName,
  batchNormTrainingKernelName,
  nativeBatchNormAvailable,
} from '../backend/kernels/elementwiseKernels.ts';

/** What a training-mode batch norm gives back: the output and the batch's statistics. */
export interface BatchNormTrainingResult<R extends tf.Rank> {
  /** γ·(x − μ)/√(σ² + ε) + β, differentiable with respect to x, γ and β. */
  readonly y: tf.Tensor<R>;
  /** μ per channel (no gradient flows through it). */
  readonly mean: tf.Tensor1D;
  /** σ² per channel, the biased batch variance (no gradient flows through it). */
  readonly variance: tf.Tensor1D;
}

/**
 * Batch normalisation in training mode over every axis but the last (channels last), with its
 * gradient written in closed form. With x̂ = (x − μ)·s, s = 1/√(σ² + ε), n the values per channel:
 *
 *   ∂L/∂β = Σ dy,   ∂L/∂γ = Σ dy·x̂,   ∂L/∂x = γ·s·(dy − (Σ dy)/n − x̂·(Σ dy·x̂)/n)
 *
 * The gradient through μ and σ² is part of this formula, so the batch statistics are not on the
 * tape. Composed from `tf.moments` and `tf.batchNorm`, tfjs's autodiff takes about a dozen ops
 * over the whole activation for the backward pass; this takes five element-wise ops (dy·(x − μ),
 * dy − mean(dy), its scaling, (x − μ)·slope and their sum) and two reductions.
 *
 * On wasm (with ll4al's C kernels loaded, float32) the forward pass is one kernel
 * (`Ll4alBatchNormTraining`: three passes over x, for μ, σ² about μ, and y) and the backward
 * pass another (`Ll4alBatchNormTrainingGrad`: two passes, for Σ dy and Σ dy·(x − μ), then ∂L/∂x),
 * with x, μ, σ² and γ saved for it; elsewhere tfjs ops compute the same formulas.
 *
 * @param x - input, rank ≥ 2, channels last
 * @param gamma - scale γ [C]
 * @param beta - offset β [C]
 * @param epsilon - ε
 * @param relu - whether a ReLU follows (y = max(y, 0)): on wasm it runs in the same kernels
 *   (one pass less forward, and no separate ReLU gradient), elsewhere it is tf.relu
 * @returns the output and the batch mean and variance (the caller disposes all three)
 */
export const batchNormTraining = <R extends tf.Rank>(
  x: tf.Tensor<R>,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon: number,
  relu = false,
): BatchNormTrainingResult<R> => {
  const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
  let stats: [tf.Tensor1D, tf.Tensor1D] | null = null;
  const native = nativeBatchNormAvailable(x, gamma, beta);
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [input, g, b] = args as [tf.Tensor, tf.Tensor1D, tf.Tensor1D];
    const save = args[3] as tf.GradSaveFunc;
    if (native) {
      const attrs = { epsilon, relu };
      const [y, mean, variance] = tf.engine().runKernel(batchNormTrainingKernelName, { x: input, scale: g, offset: b }, attrs) as [tf.Tensor, tf.Tensor1D, tf.Tensor1D];
      stats = [tf.keep(mean), tf.keep(variance)];
      save(relu ? [input, mean, variance, g, y] : [input, mean, variance, g]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [xs, m, v, gam, out] = saved;
          const inputs = { dy, x: xs, mean: m, variance: v, scale: gam, ...(out === undefined ? {} : { y: out }) };
          return tf.engine().runKernel(batchNormTrainingGradKernelName, inputs, attrs) as tf.Tensor[];
        },
      };
    }
    const mean = tf.mean(input, axes) as tf.Tensor1D;
    const centred = tf.sub(input, mean);
    const variance = tf.mean(tf.square(centred), axes) as tf.Tensor1D;
    const scale = tf.rsqrt(tf.add(variance, epsilon)) as tf.Tensor1D;
    const y = tf.batchNorm(input, mean, variance, b, g, epsilon);
    stats = [tf.keep(mean), tf.keep(variance)];
    save([centred, scale, g]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xc, s, gam] = saved as [tf.Tensor, tf.Tensor1D, tf.Tensor1D];
        const n = xc.size / xc.shape[xc.rank - 1];
        const sumDy = tf.sum(dy, axes) as tf.Tensor1D;
        const sumDyXc = tf.sum(tf.mul(dy, xc), axes) as tf.Tensor1D;
        // Σ dy·x̂ = s·Σ dy·(x − μ)
        const dGamma = tf.mul(sumDyXc, s) as tf.Tensor1D;
        const a = tf.mul(gam, s) as tf.Tensor1D;
        // ∂L/∂x = a·(dy − (Σ dy)/n) − (x − μ)·a·s²·(Σ dy·(x − μ))/n. dy − mean(dy) is taken first:
        // with one value per channel it is exactly 0 (so is x − μ), where a·dy − a·dy/n would leave
        // rounding noise multiplied by a = γ/√ε ≈ 316·γ.
        const slope = tf.neg(tf.div(tf.mul(tf.mul(a, tf.square(s)), sumDyXc), n)) as tf.Tensor1D;
        const dx = tf.add(tf.mul(tf.sub(dy, tf.div(sumDy, n)), a), tf.mul(xc, slope));
        return [dx, dGamma, sumDy];
      },
    };
  });
  const normalised = op(x, gamma, beta) as tf.Tensor<R>;
  // off wasm the ReLU is tfjs's own (its gradient too); on wasm the kernels applied it
  const y = relu && !native ? tf.tidy(() => tf.relu(normalised)) : normalised;
  if (y !== normalised) normalised.dispose();
  if (stats === null) throw new Error('batchNormTraining: the statistics were not computed');
  const [mean, variance] = stats as [tf.Tensor1D, tf.Tensor1D];
  return { y, mean, variance };
};

export interface BatchNormArgs {
  /** Decay of the moving statistics: moving ← momentum·moving + (1 − momentum)·batch (0.9, PyTorch's momentum 0.1). */
  readonly momentum?: number;
  /** ε added to the variance (1e-5, PyTorch's default). */
  readonly epsilon?: number;
  /**
   * 'relu': a ReLU applied to the output (BatchNorm2d followed by ReLU, as one layer). On wasm it
   * runs inside the batch-norm kernels in training: one pass over the activation less forward and
   * no separate ReLU gradient. Default 'linear' (none).
   */
  readonly activation?: 'linear' | 'relu';
  readonly name?: string;
  readonly trainable?: boolean;
}

/**
 * Batch normalisation over the last axis, as PyTorch's BatchNorm2d does it: batch statistics in
 * training (the gradient in closed form, see {@link batchNormTraining}), moving statistics in
 * inference, the moving variance updated with the unbiased batch variance (n/(n − 1)·σ²).
 * Weights: gamma (1), beta (0), moving_mean (0), moving_variance (1), named as tfjs-layers'
 * BatchNormalization names them.
 */
export class BatchNorm extends layers.Layer {
  static readonly className = 'll4al.BatchNorm';
  readonly momentum: number;
  readonly epsilon: number;
  readonly activation: 'linear' | 'relu';
  private gamma: LayerVariable | null = null;
  private beta: LayerVariable | null = null;
  private movingMean: LayerVariable | null = null;
  private movingVariance: LayerVariable | null = null;

  /** @param args - momentum (0.9), epsilon (1e-5), name */
  constructor(args: BatchNormArgs = {}) {
    super({ name: args.name, trainable: args.trainable });
    this.momentum = args.momentum ?? 0.9;
    this.epsilon = args.epsilon ?? 1e-5;
    this.activation = args.activation ?? 'linear';
    if (this.activation !== 'linear' && this.activation !== 'relu') throw new Error(`BatchNorm: activation must be 'linear' or 'relu', got '${String(this.activation)}'`);
    if (!(this.momentum >= 0 && this.momentum <= 1)) throw new Error(`BatchNorm: momentum must be in [0, 1], got ${this.momentum}`);
    if (!(this.epsilon > 0)) throw new Error(`BatchNorm: epsilon must be > 0, got ${this.epsilon}`);
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const channels = shape[shape.length - 1];
    if (shape.length < 2 || channels == null) throw new Error(`BatchNorm: needs a known last axis, got shape [${shape.join(', ')}]`);
    this.gamma = this.addWeight('gamma', [channels], 'float32', initializers.ones());
    this.beta = this.addWeight('beta', [channels], 'float32', initializers.zeros());
    this.movingMean = this.addWeight('moving_mean', [channels], 'float32', initializers.zeros(), undefined, false);
    this.movingVariance = this.addWeight('moving_variance', [channels], 'float32', initializers.ones(), undefined, false);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const { gamma, beta, movingMean, movingVariance } = this;
      if (gamma === null || beta === null || movingMean === null || movingVariance === null) throw new Error('BatchNorm: called before build');
      const g = gamma.read() as tf.Tensor1D;
      const b = beta.read() as tf.Tensor1D;
      const relu = this.activation === 'relu';
      if (kwargs['training'] !== true) {
        // on wasm with a ReLU: the normalisation and the ReLU in one pass (batch norm folded into
        // a per-channel scale and shift, as wasm's FusedBatchNorm computes it anyway)
        if (relu && tf.getBackend() === 'wasm' && x.dtype === 'float32') return foldedBatchNorm(x, movingMean.read(), movingVariance.read(), b, g, this.epsilon, 'relu');
        const y = tf.batchNorm(x, movingMean.read() as tf.Tensor1D, movingVariance.read() as tf.Tensor1D, b, g, this.epsilon);
        return relu ? tf.relu(y) : y;
      }
      const { y, mean, variance } = batchNormTraining(x, g, b, this.epsilon, relu);
      const n = x.size / x.shape[x.rank - 1];
      const unbiased = n > 1 ? tf.mul(variance, n / (n - 1)) : variance;
      const decay = 1 - this.momentum;
      // moving ← moving − (1 − momentum)·(moving − batch)
      movingMean.write(tf.sub(movingMean.read(), tf.mul(tf.sub(movingMean.read(), mean), decay)));
      movingVariance.write(tf.sub(movingVariance.read(), tf.mul(tf.sub(movingVariance.read(), unbiased), decay)));
      // kept by batchNormTraining, so freed here
      mean.dispose();
      variance.dispose();
      return y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    // 'activation' only when set, so that a layer without one saves the config it always did
    return { ...super.getConfig(), momentum: this.momentum, epsilon: this.epsilon, ...(this.activation === 'relu' ? { activation: 'relu' } : {}) };
  }
}

tf.serialization.registerClass(BatchNorm);

/**
 * A {@link BatchNorm} layer.
 * @example
 * x = batchNorm({ name: 'stage1_bn' }).apply(x) as SymbolicTensor;
 */
export const batchNorm = (args: BatchNormArgs = {}): BatchNorm => new BatchNorm(args);
