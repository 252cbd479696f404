import type * as t from 'io-ts';

/**
 * The contract between a task (a target model, its taps, its loss and its metric, trained
 * jointly with the loss-prediction module) and the active-learning pipeline in src/streams.
 * The pipeline only ever sees pool ids (indices into the training pool) and typed arrays.
 */

/** Per-sample outputs of scoring a batch of pool ids; all arrays row-major. */
export interface ScoredBatch {
  /** Pool indices, length n. */
  readonly ids: Int32Array;
  /** The loss module's predicted loss l̂ per sample, length n. Higher = more informative. */
  readonly predictedLoss: Float32Array;
  /** n * classes softmax probabilities (classification); classes is 0 when the task has none. */
  readonly probabilities: Float32Array;
  readonly classes: number;
  /** n * embeddingDim penultimate features (for core-set). */
  readonly embeddings: Float32Array;
  readonly embeddingDim: number;
  /**
   * MC-dropout samples, when scoring was asked for them: rows of `width` = T passes × classes
   * values, pass after pass (ops/mcDropout's layout).
   */
  readonly mcSamples?: { readonly values: Float32Array; readonly width: number };
}

/** What a scoring call should compute besides the deterministic outputs. */
export interface ScoreOptions {
  /** T MC-dropout passes per id (`mcSamples`); a learner without dropout rejects it. */
  readonly mcPasses?: number;
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

export interface Learner<L> {
  readonly task: string;
  /** Decodes an oracle's answer into a label of this task (io-ts, at the edge). */
  readonly labelCodec: t.Type<L, unknown, unknown>;
  /** Number of items in the unlabeled pool (ids are 0 … poolSize-1). */
  readonly poolSize: number;
  /** Train target and loss module on the labeled set (warm start or re-initialisation is the learner's config). */
  fit(labeled: ReadonlyArray<Labeled<L>>, options: FitOptions): Promise<ReadonlyArray<EpochReport>>;
  /**
   * Score one batch of pool ids (callers chunk the pool; one call = one forward pass, plus
   * `request.mcPasses` stochastic passes with dropout active when asked: `mcSamples`).
   */
  score(ids: Int32Array, request?: ScoreOptions): Promise<ScoredBatch>;
  /** Evaluate on the held-out test set. */
  evaluate(): Promise<Evaluation>;
  /** Save / load target and loss-module weights to a directory (a tfjs IO handler to files). */
  save(dir: string): Promise<void>;
  load(dir: string): Promise<void>;
  /** Free every tensor the learner holds. */
  dispose(): void;
}
