import * as tf from '@tensorflow/tfjs-core';
import * as t from 'io-ts';
import type { InferencePool } from '../backend/inferencePool.ts';
import type { DataSplit, ImageSource } from '../data/imageSet.ts';
import { toAugmentedBatch, toBatch } from '../data/normalize.ts';
import { InputError } from '../inputError.ts';
import { deriveSeed, type Rng } from '../ops/random.ts';
import { crossEntropyPerSample } from './crossEntropy.ts';
import { JointModel } from './jointModel.ts';
import type { EpochReport, Evaluation, FitOptions, Labeled, Learner, ScoredBatch } from './learner.ts';
import { workerModuleUrl } from './gradientWorker.ts';
import { customLayersUrl } from './customLayers.ts';
import { inferInBatches, learnerLifecycle, LiveJointModel, lossModuleFigures, poolIdCheck, readAndDispose } from './liveJointModel.ts';
import { createScoringThreads, resolveScoreThreads } from './scoringThreads.ts';
import { buildClassificationNetwork, parseClassificationModel, type ClassificationModel } from './targetNetworks.ts';
import { resolveTrainerConfig, trainJoint, type JointTask, type TrainerConfig } from './trainer.ts';

/** Options of {@link createClassificationLearner}. */
export interface ClassificationLearnerOptions {
  /** The pool (`train`) and the test set: in memory, or on disk (the user's images, read a batch at a time). */
  readonly data: DataSplit<ImageSource>;
  readonly model: ClassificationModel;
  readonly trainer?: Partial<TrainerConfig>;
  /** Seed of the initial weights (and of re-initialisation when warmStart is false). */
  readonly seed: number;
  /** Images per forward pass when scoring and evaluating (default 256). */
  readonly scoreBatchSize?: number;
  /** Units per tap of the loss module (default 128). */
  readonly lossModuleUnits?: number;
  /**
   * Threads that score one `score(ids)` call together: the main thread plus `scoreThreads − 1`
   * worker threads holding a copy of the model, refreshed after each fit (default: the
   * machine's cores on the wasm backend, 1 elsewhere). 1 scores on the main thread only.
   */
  readonly scoreThreads?: number;
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

// The module a training worker imports its per-sample loss from (sources run as .ts under
// tsx and vitest, the build as .js).
const crossEntropyUrl = workerModuleUrl(import.meta.url, './crossEntropy');

const imageSize = (set: ImageSource): number => set.height * set.width * set.channels;

/**
 * A classification learner: a target CNN and its loss-prediction module, trained jointly on
 * the labeled part of `data.train`, scored on its pool, evaluated on `data.test`.
 *
 * Use it as the pipeline's {@link Learner} for image classification. Pool ids are indices into
 * `data.train`; labels come from the oracle (the `labeled` pairs), never from `data.train.labels`.
 *
 * `evaluate()` reports test accuracy, the mean per-sample cross-entropy, and the loss module's
 * ranking accuracy over ALL pairs of test samples (pairs with tied true losses left out).
 *
 * @param options - data, model name, trainer overrides, seed, scoring batch size
 * @returns a Learner over class indices
 * @throws InputError for an unknown model, a model that does not fit the data, or bad options
 */
export const createClassificationLearner = (options: ClassificationLearnerOptions): Learner<number> => {
  const { data, seed } = options;
  const modelName = parseClassificationModel(options.model);
  const config = resolveTrainerConfig(options.trainer);
  const scoreBatchSize = options.scoreBatchSize ?? 256;
  if (!Number.isInteger(scoreBatchSize) || scoreBatchSize < 1) {
    throw new InputError(`scoreBatchSize must be a positive integer, got ${scoreBatchSize}`);
  }
  const { train, test } = data;
  if (train.height !== test.height || train.width !== test.width || train.channels !== test.channels) {
    throw new InputError(`data ${data.name}: train and test images differ in shape`);
  }
  const scoreThreads = resolveScoreThreads(options.scoreThreads);
  const classes = train.classes;
  const per = imageSize(train);
  const shape = [train.height, train.width, train.channels] as const;

  const build = (): JointModel =>
    JointModel.create(
      buildClassificationNetwork(modelName, { height: shape[0], width: shape[1], channels: shape[2], classes, seed: deriveSeed(seed, 'target') }),
      { units: options.lossModuleUnits, seed: deriveSeed(seed, 'loss-module') },
    );
  const held = new LiveJointModel('classification learner', build, config.warmStart);
  const live = (): JointModel => held.model;
  const scoreBuffer = new Float32Array(scoreBatchSize * per);
  const labelCodec = classLabelCodec(classes);

  const checkIds = poolIdCheck(train.count);

  const classificationTask = (labeled: ReadonlyArray<Labeled<number>>): JointTask => {
    const ids = new Int32Array(labeled.length);
    const labels = new Int32Array(labeled.length);
    labeled.forEach(([id, label], k) => {
      if (!labelCodec.is(label)) throw new InputError(`labeled[${k}]: label ${JSON.stringify(label)} of id ${id} is not a class in [0, ${classes})`);
      ids[k] = id;
      labels[k] = label;
    });
    checkIds(ids, 'fit');
    const inputBuffer = new Float32Array(config.batchSize * per);
    const batchIds = new Int32Array(config.batchSize);
    const batchLabels = new Int32Array(config.batchSize);
    return {
      exampleCount: labeled.length,
      batch(indices: Int32Array, rng: Rng, augment: boolean) {
        const n = indices.length;
        for (let k = 0; k < n; k++) {
          batchIds[k] = ids[indices[k]];
          batchLabels[k] = labels[indices[k]];
        }
        const picked = batchIds.subarray(0, n);
        const out = inputBuffer.subarray(0, n * per);
        const pixels =
          augment && train.augmentation != null
            ? toAugmentedBatch(train, picked, train.augmentation, () => rng.nextFloat(), out)
            : toBatch(train, picked, out);
        return {
          input: tf.tensor4d(pixels, [n, ...shape]),
          target: tf.tensor1d(batchLabels.subarray(0, n), 'int32'),
        };
      },
      perSampleLoss: (heads, target) => crossEntropyPerSample(heads[0] as tf.Tensor2D, target as tf.Tensor1D),
      workerLoss: { preload: [customLayersUrl], module: crossEntropyUrl, exportName: 'classificationPerSampleLoss' },
    };
  };

  /** Scores `chunkIds` on this thread, in batches; writes their rows from `offset` of `out`. */
  const scoreOnMainThread = (model: JointModel, chunkIds: Int32Array, offset: number, out: ScoredBatch): Promise<void> =>
    inferInBatches(
      model,
      train,
      chunkIds,
      scoreBatchSize,
      scoreBuffer,
      (o) => [o.predictedLoss, tf.softmax(o.heads[0]), o.embedding],
      ([loss, probs, emb], start) => {
        out.predictedLoss.set(loss, offset + start);
        out.probabilities.set(probs, (offset + start) * classes);
        out.embeddings.set(emb, (offset + start) * out.embeddingDim);
      },
    );

  /** Scores one batch on a worker thread; writes its rows at `offset` of `out`. */
  const scoreOnPool = async (pool: InferencePool, chunk: Int32Array, offset: number, out: ScoredBatch): Promise<void> => {
    const m = chunk.length;
    const pixels = toBatch(train, chunk, new Float32Array(m * per));
    // the inference model's outputs: [logits, embedding, predicted loss]
    const [logits, emb, loss] = await pool.predict(pixels, [m, ...shape]);
    const probs = tf.tidy(() => tf.softmax(tf.tensor2d(logits, [m, classes])));
    const [p] = await readAndDispose([probs]);
    out.predictedLoss.set(loss, offset);
    out.probabilities.set(p, offset * classes);
    out.embeddings.set(emb, offset * out.embeddingDim);
  };

  // Worker threads for scoring: made on first use, given the new weights after each fit or load.
  const scoring = createScoringThreads('classification learner', scoreThreads, () => live().inference);

  const learner: Learner<number> = {
    task: 'classification',
    labelCodec,
    poolSize: train.count,

    async fit(labeled: ReadonlyArray<Labeled<number>>, fitOptions: FitOptions): Promise<ReadonlyArray<EpochReport>> {
      const task = classificationTask(labeled);
      scoring.stale();
      return trainJoint(held.forFit(), task, config, fitOptions);
    },

    async score(ids: Int32Array): Promise<ScoredBatch> {
      checkIds(ids, 'score');
      const model = live();
      const n = ids.length;
      const dim = model.network.embeddingDim;
      const out: ScoredBatch = {
        ids: Int32Array.from(ids),
        predictedLoss: new Float32Array(n),
        probabilities: new Float32Array(n * classes),
        classes,
        embeddings: new Float32Array(n * dim),
        embeddingDim: dim,
      };
      await scoring.run(
        ids,
        scoreBatchSize,
        (part, offset) => scoreOnMainThread(model, part, offset, out),
        (pool, chunk, offset) => scoreOnPool(pool, chunk, offset, out),
      );
      return out;
    },

    async evaluate(): Promise<Evaluation> {
      const model = live();
      const n = test.count;
      const predicted = new Float32Array(n);
      const trueLoss = new Float32Array(n);
      let correct = 0;
      const labels = new Int32Array(scoreBatchSize);
      for (let start = 0; start < n; start += scoreBatchSize) {
        const m = Math.min(scoreBatchSize, n - start);
        const chunk = Int32Array.from({ length: m }, (_, k) => start + k);
        for (let k = 0; k < m; k++) labels[k] = test.labels[start + k];
        const input = tf.tensor4d(toBatch(test, chunk, scoreBuffer.subarray(0, m * per)), [m, ...shape]);
        const outs = tf.tidy(() => {
          const y = tf.tensor1d(labels.subarray(0, m), 'int32');
          const o = model.forward(input, { training: false });
          const logits = o.heads[0] as tf.Tensor2D;
          const hits = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'float32'));
          return [o.predictedLoss, crossEntropyPerSample(logits, y), hits];
        });
        input.dispose();
        const [loss, ce, hits] = await readAndDispose(outs);
        predicted.set(loss, start);
        trueLoss.set(ce, start);
        correct += hits[0];
      }
      return {
        metricName: 'testAccuracy',
        metric: n > 0 ? correct / n : Number.NaN,
        ...lossModuleFigures(predicted, trueLoss),
      };
    },

    ...learnerLifecycle(held, scoring),
  };
  return learner;
};
