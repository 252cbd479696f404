import type * as tf from '@tensorflow/tfjs-core';
import type * as t from 'io-ts';
import type { LossObjective } from './rankingLoss.ts';

/**
 * The contract between a task (a target model, its taps, its loss and its metric, trained
 * jointly with the loss-prediction module) and the active-learning pipeline in src/streams.
 * The pipeline only ever sees pool ids (indices into the training pool) and typed arrays.
 */

/**
 * n rows of `width` floats, row-major: one row per scored id (`values.length === n · width`).
 * Every optional score output has this shape.
 */
export interface ScoreRows {
  readonly values: Float32Array;
  readonly width: number;
}

/**
 * The optional per-sample outputs of scoring, by name: the capabilities a learner can provide
 * and a strategy can require. Each is {@link ScoreRows}; the names are a small open vocabulary
 * (a learner provides a name only when its task defines that output):
 * - `probabilities`: the task's class distribution per sample (softmax; detection: the
 *   distribution of its most uncertain confident detection) — entropy, margin, least confidence;
 * - `embeddings`: penultimate features — core-set and other diversity strategies;
 * - `mcSamples`: S stochastic forward passes of the class distribution (MC dropout), rows of
 *   S · classes, sample after sample — BALD and other Bayesian scorers;
 * - `gradientEmbeddings`: the gradient of the loss at the predicted label with respect to the
 *   last layer's weights — BADGE.
 */
export interface ScoreOutputs {
  readonly probabilities: ScoreRows;
  readonly embeddings: ScoreRows;
  readonly mcSamples: ScoreRows;
  readonly gradientEmbeddings: ScoreRows;
}

/** The name of an optional score output: what a strategy `requires` and a learner `provides`. */
export type Capability = keyof ScoreOutputs;

/** Every capability name, in a fixed order. */
export const capabilities: ReadonlyArray<Capability> = ['probabilities', 'embeddings', 'mcSamples', 'gradientEmbeddings'];

/**
 * Per-sample outputs of scoring a batch of pool ids: always the ids and l̂, and the optional
 * outputs that were asked for (see {@link ScoreOptions}) — no more. Local scoring, scoring on
 * worker threads and remote scoring all give this one type.
 */
export interface ScoredBatch extends Partial<ScoreOutputs> {
  /** Pool indices, length n. */
  readonly ids: Int32Array;
  /** The loss module's predicted loss l̂ per sample, length n. Higher = more informative. */
  readonly predictedLoss: Float32Array;
}

/** What a scoring call should compute besides ids and l̂. */
export interface ScoreOptions {
  /** Optional outputs to compute (each must be in the learner's `provides`); none by default. */
  readonly outputs?: ReadonlyArray<Capability>;
}

/** What one training epoch did. */
export interface EpochReport {
  readonly epoch: number; // 1-based
  readonly epochs: number;
  readonly targetLoss: number; // mean per-sample target loss over the epoch
  readonly lossModuleLoss: number; // mean ranking (or MSE) loss over the epoch
  readonly learningRate: number;
  readonly seconds: number;
}

/** Test-set evaluation of the target and of the loss module. */
export interface Evaluation {
  /** e.g. 'testAccuracy', 'pck', 'mAP'. */
  readonly metricName: string;
  readonly metric: number;
  /** Fraction of test pairs the loss module orders like the true losses. */
  readonly rankingAccuracy: number;
  readonly meanTargetLoss: number;
}

export interface FitOptions {
  readonly epochs: number;
  /** Seed for shuffling and augmentation of this fit. */
  readonly seed: number;
  readonly onEpoch?: (report: EpochReport) => void;
  /** Aborting stops training between batches; fit then rejects with an AbortError. */
  readonly signal?: AbortSignal;
}

/** A labeled example as the pipeline holds it: pool id and the oracle's label. */
export type Labeled<L> = readonly [id: number, label: L];

/** Where a learner's weights go or come from: a directory (model.json + weights.bin) or a tfjs IO handler. */
export type ModelStore = string | tf.io.IOHandler;

export interface Learner<L> {
  readonly task: string;
  /** Decodes an oracle's answer into a label of this task (io-ts, at the edge). */
  readonly labelCodec: t.Type<L, unknown, unknown>;
  /** Number of items in the unlabeled pool (ids are 0 … poolSize-1). */
  readonly poolSize: number;
  /** The optional score outputs this learner can compute (checked against a strategy's `requires`). */
  readonly provides: ReadonlyArray<Capability>;
  /** The loss module's training objective; absent for a learner that does not say. */
  readonly lossObjective?: LossObjective;
  /** Train target and loss module on the labeled set (warm start or re-initialisation is the learner's config). */
  fit(labeled: ReadonlyArray<Labeled<L>>, options: FitOptions): Promise<ReadonlyArray<EpochReport>>;
  /** Score one batch of pool ids (callers chunk the pool; one call = one forward pass per batch). */
  score(ids: Int32Array, request?: ScoreOptions): Promise<ScoredBatch>;
  /** Evaluate on the held-out test set. */
  evaluate(): Promise<Evaluation>;
  /** Save / load target and loss-module weights: to a directory, or through a tfjs IO handler. */
  save(to: ModelStore): Promise<void>;
  load(from: ModelStore): Promise<void>;
  /** Free every tensor the learner holds. */
  dispose(): void;
}
