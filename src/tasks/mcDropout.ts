/**
 * MC dropout for the classification networks (Gal & Ghahramani 2016; BALD as in Gal et al.
 * 2017): a seeded dropout layer between the embedding and the logits, active in training;
 * deterministic in evaluation and in the ordinary scoring pass; and T stochastic passes of
 * the logits layer at scoring, for `mcSamples`. With dropout only there, a stochastic pass of
 * the whole network IS the embedding (computed once) → dropout mask → logits, so T passes cost
 * T small matrix products, not T forward passes of the network.
 */
import * as tf from '@tensorflow/tfjs-core';
import { layers, type Shape } from '@tensorflow/tfjs-layers';

/** The MC passes T per candidate when a caller does not say (Gal et al. 2017 use 10–100; baal 20). */
export const DEFAULT_MC_PASSES = 10;

/** Options of {@link SeededDropout}. */
export interface SeededDropoutArgs {
  /** Fraction of units dropped, in [0, 1). */
  readonly rate: number;
  /** Seed of the masks: the k-th training call draws from seed + k (same seed → same masks). */
  readonly seed: number;
  readonly name?: string;
}

/**
 * Inverted dropout with seeded masks: in training, each unit is kept with probability 1 − rate
 * and scaled by 1 / (1 − rate); otherwise the identity. tfjs-layers' own dropout draws its masks
 * from Math.random unless seeded, and seeded it draws the same mask at every call; this one draws
 * the k-th call's mask from seed + k.
 */
export class SeededDropout extends layers.Layer {
  static readonly className = 'll4al.SeededDropout';
  readonly rate: number;
  readonly seed: number;
  private calls = 0;

  /** @param args - rate in [0, 1), seed, name */
  constructor(args: SeededDropoutArgs) {
    super({ name: args.name });
    if (!(args.rate >= 0 && args.rate < 1)) throw new Error(`SeededDropout: rate must be in [0, 1), got ${args.rate}`);
    this.rate = args.rate;
    this.seed = args.seed;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    if (kwargs['training'] !== true || this.rate === 0) return tf.clone(x);
    const seed = this.seed + this.calls++;
    return tf.tidy(() => dropWith(x, this.rate, seed));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}

tf.serialization.registerClass(SeededDropout);

/** x · mask / (1 − rate), mask ~ Bernoulli(1 − rate) from `seed` (call inside tf.tidy). */
const dropWith = (x: tf.Tensor, rate: number, seed: number): tf.Tensor =>
  tf.div(tf.mul(x, tf.cast(tf.greaterEqual(tf.randomUniform(x.shape, 0, 1, 'float32', seed), rate), 'float32')), 1 - rate);

/**
 * T stochastic passes of the classifier head over the embeddings: softmax(logits(drop_t(h))) for
 * t < T, each with its own mask drawn from `seed` and t. Call inside tf.tidy.
 * @param logits - the logits layer (Dense on the embedding)
 * @param embedding - [m, D] embeddings (the dropout layer's input)
 * @param rate - the dropout rate the network trains with
 * @param passes - T ≥ 1
 * @param seed - the seed of this batch's masks
 * @returns [m, T · C]: each row the T probability vectors of one input, pass after pass
 */
export const mcDropoutSamples = (logits: layers.Layer, embedding: tf.Tensor2D, rate: number, passes: number, seed: number): tf.Tensor2D => {
  const samples = Array.from({ length: passes }, (_, t) => tf.softmax(logits.apply(dropWith(embedding, rate, seed + t)) as tf.Tensor2D) as tf.Tensor2D);
  const stacked = tf.stack(samples, 1) as tf.Tensor3D;
  return tf.reshape(stacked, [embedding.shape[0], -1]) as tf.Tensor2D;
};

/**
 * A {@link SeededDropout} layer.
 * @example
 * x = seededDropout({ rate: 0.5, seed: 7, name: 'mc_dropout' }).apply(x) as SymbolicTensor;
 */
export const seededDropout = (args: SeededDropoutArgs): SeededDropout => new SeededDropout(args);
