/**
 * A task of your own: your tfjs-layers network with two feature taps, your per-sample loss,
 * trained jointly with ll4al's loss-prediction module, and the module's ranking accuracy
 * measured on held-out images.
 *
 *     npx tsx examples/custom-task.ts [--fits 2] [--labels 200] [--epochs 6] [--seed 1]
 *
 * Sizes are tiny on purpose (a 2-conv network, 200 then 400 labeled images and 500 held-out
 * images of the embedded Fashion-MNIST subset, 6 epochs per fit): it runs in well under a
 * minute on 2 busy cores.
 * Prints, per fit: `fit 2: 400 labels, …, test accuracy 0.758, ranking accuracy 0.663 (500 held-out images)`.
 *
 * The pieces: a {@link TappedNetwork} (outputs [...heads, embedding, ...taps]), a
 * {@link JointTask} (batches and the per-sample loss), {@link JointModel} (network + loss
 * module) and {@link trainJoint} (mean loss + λ · ranking loss, SGD with momentum).
 * To run active learning with it, wrap these in a `Learner` (src/tasks/learner.ts), as
 * src/tasks/classification.ts does, and pass it to `activeLearning`.
 *
 * (Imports are relative to this repository; from the installed package they are `ll4al/...`.)
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import { initBackend } from '../src/backend/index.ts';
import { loadDataset, toBatch } from '../src/data/index.ts';
import type { ImageSet } from '../src/data/imageSet.ts';
import { InputError } from '../src/inputError.ts';
import { deriveSeed, rankingAccuracy } from '../src/ops/index.ts';
import { JointModel, resolveTrainerConfig, SeededInitializers, trainJoint, type JointTask, type TappedNetwork } from '../src/tasks/index.ts';

const { values: flags } = parseArgs({
  options: {
    fits: { type: 'string', default: '2' },
    labels: { type: 'string', default: '200' },
    epochs: { type: 'string', default: '6' },
    seed: { type: 'string', default: '1' },
  },
});
const count = (name: 'fits' | 'labels' | 'epochs' | 'seed', min: number): number => {
  const n = Number(flags[name]);
  if (!Number.isInteger(n) || n < min) throw new InputError(`--${name}: expected an integer ≥ ${min}, got '${flags[name]}'`);
  return n;
};
const fits = count('fits', 1);
const labelsPerFit = count('labels', 2);
const epochs = count('epochs', 1);
const seed = count('seed', 0);
const heldOut = 500;

/**
 * Your network: conv 3×3 (8, stride 2) → conv 3×3 (16, stride 2) → dense 32 → 10 logits.
 * Taps: the two convolutions' feature maps (rank 4: the loss module average-pools each; a
 * rank-2 tap would be used as it is). The dense layer is the embedding (for core-set). Each
 * output may appear once: tfjs-layers refuses a model that lists an output twice.
 */
const buildTwoConvNet = (set: ImageSet, seed: number): TappedNetwork => {
  const init = new SeededInitializers(seed);
  const input = tfl.input({ shape: [set.height, set.width, set.channels], name: 'image' });
  const conv = (filters: number, name: string) =>
    tfl.layers.conv2d({ filters, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: init.kernel(), name });
  const conv1 = conv(8, 'conv1').apply(input) as SymbolicTensor;
  const conv2 = conv(16, 'conv2').apply(conv1) as SymbolicTensor;
  const flat = tfl.layers.flatten().apply(conv2) as SymbolicTensor;
  const hidden = tfl.layers.dense({ units: 32, activation: 'relu', kernelInitializer: init.kernel(), name: 'hidden' }).apply(flat) as SymbolicTensor;
  const logits = tfl.layers.dense({ units: set.classes, kernelInitializer: init.kernel(), name: 'logits' }).apply(hidden) as SymbolicTensor;
  // Outputs in the order JointModel expects: [...heads, embedding, ...taps].
  const model = tfl.model({ inputs: input, outputs: [logits, hidden, conv1, conv2], name: 'two_conv' });
  return { name: 'two-conv', model, headCount: 1, tapCount: 2, embeddingDim: 32 };
};

/** Your per-sample loss: cross-entropy with label smoothing 0.1, one value per image ([B]). */
const smoothedCrossEntropy = (logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D =>
  tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.oneHot(labels, logits.shape[1]), logits, undefined, 0.1, tf.Reduction.NONE) as tf.Tensor1D);

/** Your task over the labeled items `ids` of `set`: how to make a batch, and its loss. */
const classificationTask = (set: ImageSet, ids: Int32Array, batchSize: number): JointTask => {
  const buffer = new Float32Array(batchSize * set.height * set.width * set.channels);
  return {
    exampleCount: ids.length,
    batch: (indices) => {
      const picked = Array.from(indices, (i) => ids[i]);
      return {
        input: tf.tensor4d(toBatch(set, picked, buffer), [picked.length, set.height, set.width, set.channels]),
        target: tf.tensor1d(picked.map((id) => set.labels[id]), 'int32'),
      };
    },
    perSampleLoss: (heads, target) => smoothedCrossEntropy(heads[0] as tf.Tensor2D, target as tf.Tensor1D),
  };
};

/** Test accuracy and the loss module's ranking accuracy (over all pairs) on `ids` of `set`. */
const evaluateOn = async (joint: JointModel, set: ImageSet, ids: ReadonlyArray<number>) => {
  const outs = tf.tidy(() => {
    const input = tf.tensor4d(toBatch(set, ids), [ids.length, set.height, set.width, set.channels]);
    const labels = tf.tensor1d(ids.map((id) => set.labels[id]), 'int32');
    const { heads, predictedLoss } = joint.forward(input, { training: false });
    const logits = heads[0] as tf.Tensor2D;
    const hits = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32'));
    return [predictedLoss, smoothedCrossEntropy(logits, labels), hits];
  });
  const [predicted, actual, hits] = await Promise.all(outs.map((t) => t.data()));
  tf.dispose(outs);
  const ranking = rankingAccuracy(predicted, actual);
  return { accuracy: hits[0] / ids.length, rankingAccuracy: ranking._tag === 'Right' ? ranking.right : Number.NaN };
};

await initBackend();
const { train, test } = await loadDataset({ kind: 'embedded' });
const tensorsBefore = tf.memory().numTensors;

const joint = JointModel.create(buildTwoConvNet(train, deriveSeed(seed, 'target')), { units: 32, seed: deriveSeed(seed, 'loss-module') });
console.log(`two-conv target: ${joint.targetParams()} parameters; loss module over 2 taps: ${joint.lossModuleParams()} parameters`);
const config = resolveTrainerConfig({ batchSize: 32, learningRate: 0.05, augment: false });
const testIds = Array.from({ length: heldOut }, (_, i) => i);

for (let fit = 1; fit <= fits; fit++) {
  // Each fit sees more labels (here simply the first ones of the pool; active learning would pick them).
  const labeled = Int32Array.from({ length: Math.min(train.count, fit * labelsPerFit) }, (_, i) => i);
  const reports = await trainJoint(joint, classificationTask(train, labeled, config.batchSize), config, { epochs, seed: deriveSeed(seed, 'fit', fit) });
  const lastEpoch = reports[reports.length - 1];
  const result = await evaluateOn(joint, test, testIds);
  console.log(
    `fit ${fit}: ${labeled.length} labels, train loss ${lastEpoch.targetLoss.toFixed(3)}, ranking loss ${lastEpoch.lossModuleLoss.toFixed(3)}, ` +
      `test accuracy ${result.accuracy.toFixed(3)}, ranking accuracy ${result.rankingAccuracy.toFixed(3)} (${heldOut} held-out images)`,
  );
}

joint.dispose();
console.log(`leaked tensors: ${tf.memory().numTensors - tensorsBefore}`);
