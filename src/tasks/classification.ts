import * as tf from '@tensorflow/tfjs-core';
import * as t from 'io-ts';
import type { DataSplit, ImageSource } from '../data/imageSet.ts';
import { toAugmentedBatch } from '../data/normalize.ts';
import type { TrainingTarget } from './jointObjective.ts';
import { createJointLearner, type JointLearnerOptions } from './jointLearner.ts';
import type { Learner } from './learner.ts';
import { workerModuleUrl } from './lossSource.ts';
import { softmaxOutput } from './scoreOutputs.ts';
import { defineTask, imageInputs, testImages, type TaskMetric, type TaskSpec } from './taskSpec.ts';
import { buildClassificationNetwork, parseClassificationModel, type ClassificationModel } from './targetNetworks.ts';

/** Options of {@link createClassificationLearner}: the data and model, and how the library runs it. */
export interface ClassificationLearnerOptions extends JointLearnerOptions {
  /** The pool (`train`) and the test set: in memory, or on disk (the user's images, read a batch at a time). */
  readonly data: DataSplit<ImageSource>;
  readonly model: ClassificationModel;
}

/**
 * The io-ts codec of a class label: an integer in [0, classes).
 * @param classes - number of classes
 */
export const classLabelCodec = (classes: number): t.Type<number, unknown, unknown> => {
  const is = (u: unknown): u is number => typeof u === 'number' && Number.isInteger(u) && u >= 0 && u < classes;
  return new t.Type<number, unknown, unknown>(
    `ClassLabel<${classes}>`,
    is,
    (u, c) => (is(u) ? t.success(u) : t.failure(u, c, `expected an integer class in [0, ${classes}), got ${JSON.stringify(u)}`)),
    t.identity,
  );
};

/** Class labels as the int32 target of a classifier's loss. */
export const classTargets = (labels: ReadonlyArray<number>): tf.Tensor1D => tf.tensor1d(Int32Array.from(labels), 'int32');

/** Test accuracy: the fraction of test items whose arg-max logit (head 0) is the true class. */
export const accuracyMetric: TaskMetric = {
  name: 'testAccuracy',
  tensors: (heads, target: TrainingTarget) => [tf.sum(tf.cast(tf.equal(tf.argMax(heads[0]!, 1), target as tf.Tensor1D), 'float32'))],
  value: (batches, count) => (count > 0 ? batches.reduce((hits, b) => hits + b.values[0]![0]!, 0) / count : Number.NaN),
};

/**
 * Image classification as a task spec: the named target CNN (small-cnn, resnet18-cifar) over
 * `data.train` as the pool, softmax cross-entropy per sample, test accuracy, the data set's
 * augmentation (random crop and flip, as it suggests), and class probabilities on request.
 *
 * @param data - pool (train) and test images
 * @param model - the target network's name
 * @returns the spec
 * @throws InputError for an unknown model or train and test images of different shapes
 */
export const classificationSpec = (data: DataSplit<ImageSource>, model: ClassificationModel): TaskSpec<number> => {
  const modelName = parseClassificationModel(model);
  const { train, test } = data;
  const { classes, augmentation } = train;
  return defineTask<number>({
    name: 'classification',
    pool: imageInputs(train),
    test: testImages(test, (i) => test.labels[i]!),
    network: (seed) => buildClassificationNetwork(modelName, { height: train.height, width: train.width, channels: train.channels, classes, seed }),
    labelCodec: classLabelCodec(classes),
    labelDescription: `a class in [0, ${classes})`,
    targets: classTargets,
    // The same module a training worker imports (sources run as .ts under tsx and vitest, the build as .js).
    perSampleLoss: { module: workerModuleUrl(import.meta.url, './crossEntropy'), exportName: 'classificationPerSampleLoss' },
    metric: accuracyMetric,
    augment: augmentation && ((ids, labels, rng, out) => ({ pixels: toAugmentedBatch(train, ids, augmentation, () => rng.nextFloat(), out), labels })),
    outputs: { probabilities: softmaxOutput(0) },
  });
};

/**
 * A classification learner: a target CNN and its loss-prediction module, trained jointly on
 * the labeled part of `data.train`, scored on its pool, evaluated on `data.test` — the joint
 * learner of {@link classificationSpec}.
 *
 * Pool ids are indices into `data.train`; labels come from the oracle (the `labeled` pairs),
 * never from `data.train.labels`. `evaluate()` reports test accuracy, the mean per-sample
 * cross-entropy, and the loss module's ranking accuracy over ALL pairs of test samples (pairs
 * with tied true losses left out). It provides `probabilities` and `embeddings`.
 *
 * @param options - data, model name, seed, trainer overrides, scoring batch size and threads
 * @returns a Learner over class indices
 * @throws InputError for an unknown model, a model that does not fit the data, or bad options
 */
export const createClassificationLearner = (options: ClassificationLearnerOptions): Learner<number> =>
  createJointLearner(classificationSpec(options.data, options.model), options);
