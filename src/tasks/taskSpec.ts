/**
 * A task as a spec — the user's part of a task: the network with its taps, the per-sample target
 * loss, the label codec, the metric, and optionally augmentation and extra score outputs. The
 * library's part (the live model, warm start, batching, the training and scoring threads, id
 * checks, evaluation, save/load) is {@link createJointLearner}, the same for every task.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type * as t from 'io-ts';
import type { ImageSource } from '../data/imageSet.ts';
import { toBatch } from '../data/normalize.ts';
import { InputError } from '../inputError.ts';
import type { Rng } from '../ops/random.ts';
import type { JointModel } from './jointModel.ts';
import type { PerSampleLoss, TrainingTarget } from './jointObjective.ts';
import type { Capability, ScoreRows } from './learner.ts';
import type { LossSource } from './lossSource.ts';
import type { NetworkWithTaps } from './tapNetwork.ts';
import type { TappedNetwork } from './tappedNetwork.ts';
import type { TrainerConfig } from './trainer.ts';

/** Images addressed by index: the pool (indices are pool ids) or the test set. */
export interface InputSet {
  readonly count: number;
  /** [height, width, channels] of one input. */
  readonly shape: readonly [number, number, number];
  /**
   * Writes the normalised inputs of `ids` into `out` (NHWC, row-major) and returns the part written.
   * @param ids - indices into this set
   * @param out - a buffer of at least ids.length · h · w · c floats
   */
  pixels(ids: ArrayLike<number>, out: Float32Array): Float32Array;
}

/** The held-out test set: inputs and their true labels. */
export interface TestSet<L> extends InputSet {
  /** The true label of test item `index`. */
  label(index: number): L;
}

/** What a score output is computed from: one batch's inference outputs (inside tf.tidy). */
export interface BatchOutputs {
  /** The task's heads, [m, …] each. */
  readonly heads: ReadonlyArray<tf.Tensor>;
  /** Penultimate features, [m, embeddingDim]. */
  readonly embedding: tf.Tensor2D;
  /** The batch's input and the model: given only on this thread (to outputs with `mainThreadOnly`). */
  readonly input?: tf.Tensor4D;
  readonly model?: JointModel;
}

/** How one optional score output (a {@link Capability}) is computed for a batch of m ids. */
export interface ScoreOutput {
  /** Tensors to read, from the batch's outputs (called inside tf.tidy). */
  readonly tensors: (outputs: BatchOutputs) => tf.Tensor[];
  /** The m rows from the tensors' values (default: the first tensor, its values as rows of length/m). */
  readonly rows?: (values: ReadonlyArray<Float32Array>, m: number) => ScoreRows;
  /**
   * The tensors need `input` and `model` (e.g. MC dropout: several forward passes in training
   * mode), so a call that asks for this output scores on this thread only.
   */
  readonly mainThreadOnly?: boolean;
}

/** One test batch's values of {@link TaskMetric.tensors}: items start … start + count − 1. */
export interface MetricBatch {
  readonly start: number;
  readonly count: number;
  readonly values: ReadonlyArray<Float32Array>;
}

/** The task's metric on the test set. */
export interface TaskMetric {
  /** Its name in results (e.g. 'testAccuracy', 'pck', 'mAP'). */
  readonly name: string;
  /** Tensors to read per test batch, from the heads and the batch's target (inside tf.tidy). */
  readonly tensors: (heads: ReadonlyArray<tf.Tensor>, target: TrainingTarget) => tf.Tensor[];
  /** The metric from every batch's values, in test order (`count` items in all; NaN for none). */
  readonly value: (batches: ReadonlyArray<MetricBatch>, count: number) => number;
}

/**
 * Training augmentation: the inputs of a batch of pool ids and their labels, changed together
 * (a flip moves the boxes), from the fit's random numbers.
 * @param ids - pool ids of the batch
 * @param labels - their labels
 * @param rng - the fit's generator (draw from it only: same seed → same batches)
 * @param out - the input buffer to write into
 */
export type Augment<L> = (ids: Int32Array, labels: ReadonlyArray<L>, rng: Rng, out: Float32Array) => { readonly pixels: Float32Array; readonly labels: ReadonlyArray<L> };

/** A task, as the user writes it: see {@link defineTask}. */
export interface TaskSpec<L> {
  /** The task's name (results, messages): 'classification', 'my-task', … */
  readonly name: string;
  /** The unlabeled pool: pool ids are its indices. Labels never come from here, only from the oracle. */
  readonly pool: InputSet;
  /** The held-out test set the metric is measured on. */
  readonly test: TestSet<L>;
  /**
   * Builds the target network from a seed (same seed → same weights): a {@link TappedNetwork},
   * or any tfjs-layers model with the names of the layers to tap ({@link NetworkWithTaps}).
   */
  readonly network: (seed: number) => TappedNetwork | NetworkWithTaps;
  /** Decodes an oracle's answer into a label (io-ts, at the edge). */
  readonly labelCodec: t.Type<L, unknown, unknown>;
  /** What a valid label is, for the one-line error of a bad one (default: the codec's name). */
  readonly labelDescription?: string;
  /** The target tensors of a batch's labels (what the per-sample loss compares the heads with). */
  readonly targets: (labels: ReadonlyArray<L>) => TrainingTarget;
  /**
   * The per-sample target loss l: a function (training then runs on this thread only), or where a
   * worker thread finds it ({@link LossSource}: module URL and export; this thread loads the same
   * function from the same module, and `trainThreads` 2 becomes possible).
   */
  readonly perSampleLoss: PerSampleLoss | LossSource;
  readonly metric: TaskMetric;
  /** Training augmentation, used when the trainer's `augment` is on. */
  readonly augment?: Augment<L>;
  /**
   * Optional score outputs by capability (`probabilities`, …), computed only when a caller asks.
   * `embeddings` is provided by every task (the network's embedding output) unless given here.
   */
  readonly outputs?: Partial<Readonly<Record<Capability, ScoreOutput>>>;
  /** The task's trainer defaults (the learner's own `trainer` options override them). */
  readonly trainer?: Partial<TrainerConfig>;
  /** Modules worker threads import before loading the model (those registering your custom layers). */
  readonly preload?: ReadonlyArray<string>;
}

const shapeOf = (set: InputSet): string => set.shape.join('x');

/**
 * Checks a task spec and returns it (typed): the shape the library needs, so that a mistake
 * is one line before anything is built.
 *
 * Use it to write your own task (see docs/tasks.md and examples/custom-task.ts), then
 * `createJointLearner(spec, { seed })` gives the pipeline's Learner.
 *
 * ## Example
 * ```ts
 * const spec = defineTask({
 *   name: 'digits', pool: imageInputs(train), test: testImages(test, (i) => test.labels[i]),
 *   network: (seed) => ({ model: buildMyModel(seed), taps: ['conv1', 'conv2'], embedding: 'hidden' }),
 *   labelCodec: classLabelCodec(10), targets: classTargets, perSampleLoss: myLoss, metric: accuracyMetric,
 *   outputs: { probabilities: softmaxOutput() },
 * });
 * ```
 * @param spec - the task
 * @returns the same spec
 * @throws InputError naming the field that is wrong
 */
export const defineTask = <L>(spec: TaskSpec<L>): TaskSpec<L> => {
  const where = `task ${spec.name}`;
  for (const field of ['network', 'targets'] as const) {
    if (typeof spec[field] !== 'function') throw new InputError(`${where}: ${field} must be a function`);
  }
  if (typeof spec.perSampleLoss !== 'function' && !(typeof spec.perSampleLoss?.module === 'string' && typeof spec.perSampleLoss.exportName === 'string')) {
    throw new InputError(`${where}: perSampleLoss must be a function or { module, exportName }`);
  }
  if (typeof spec.metric?.name !== 'string' || typeof spec.metric.tensors !== 'function' || typeof spec.metric.value !== 'function') {
    throw new InputError(`${where}: metric must have a name, tensors and value`);
  }
  if (shapeOf(spec.pool) !== shapeOf(spec.test)) throw new InputError(`${where}: pool and test inputs differ in shape (${shapeOf(spec.pool)} vs ${shapeOf(spec.test)})`);
  if (!spec.pool.shape.every((d) => Number.isInteger(d) && d > 0)) throw new InputError(`${where}: input shape ${shapeOf(spec.pool)} is not three positive integers`);
  return spec;
};

/**
 * An image set (in memory, or on disk and read a batch at a time) as a spec's inputs (normalised with its mean and std).
 * @param set - the images
 */
export const imageInputs = (set: ImageSource): InputSet => ({
  count: set.count,
  shape: [set.height, set.width, set.channels],
  pixels: (ids, out) => toBatch(set, ids, out),
});

/**
 * An image set as a spec's test set.
 * @param set - the test images
 * @param label - the true label of test item i
 */
export const testImages = <L>(set: ImageSource, label: (index: number) => L): TestSet<L> => ({ ...imageInputs(set), label });
