import * as tf from '@tensorflow/tfjs-core';
import { canvasBoxes, detectionSplit, type DetectionSet, type StoredDetectionSet } from '../../data/detectionCanvas.ts';
import type { DataSplit } from '../../data/imageSet.ts';
import { toBatch } from '../../data/normalize.ts';
import { InputError } from '../../inputError.ts';
import { deriveSeed } from '../../ops/random.ts';
import type { CanvasCounts, TaskSetup } from '../canvasTask.ts';
import { createJointLearner, type JointLearnerOptions } from '../jointLearner.ts';
import type { Learner } from '../learner.ts';
import { workerModuleUrl } from '../lossSource.ts';
import { defineTask, imageInputs, testImages, type TaskSpec } from '../taskSpec.ts';
import type { TrainerConfig } from '../trainer.ts';
import { anchorCount, defaultAnchorGeometry, makeAnchors, type AnchorGeometry } from './anchors.ts';
import { detectionLabelCodec, detectionLabelOf, type DetectionLabel } from './detectionLabel.ts';
import { encodeTargets, type AnchorTargets } from './matching.ts';
import { meanAveragePrecision } from './meanAveragePrecision.ts';
import { decodeDetections, defaultDecodeOptions, type DecodeOptions, type Detection } from './nms.ts';
import { buildSsd } from './ssdNetwork.ts';

/** Training and test canvases with boxes (what {@link detectionSplit} returns), or images on disk with their boxes (a COCO file's). */
export interface DetectionData {
  readonly name: string;
  readonly train: DetectionSet | StoredDetectionSet;
  readonly test: DetectionSet | StoredDetectionSet;
}

/**
 * The detection task's trainer defaults, where they differ from the paper's CIFAR recipe:
 * batches of 32 (a 300-label cycle still makes ~10 steps an epoch), a learning rate of 0.02 (measured on 300 labels × 4 epochs, mAP@0.5 on 500 test canvases: 0.1 → 0.15, 0.05 → 0.17, 0.02 → 0.20, 0.01 → 0.16),
 * no step decay inside a fit (lrDecayAt 1: a fit is a few epochs of a warm-started cycle), and
 * horizontal flips (boxes flipped with the canvas).
 */
export const detectionTrainerDefaults: Partial<TrainerConfig> = {
  batchSize: 32,
  learningRate: 0.02,
  lrDecayAt: 1,
  augment: true,
};

/** A detection counts as confident for the per-image uncertainty at this score. */
export const CONFIDENT_SCORE = 0.5;

/** The detector's settings. */
export interface DetectionSpecOptions {
  /** Default boxes (default {@link defaultAnchorGeometry}; its side must be the canvases'). */
  readonly geometry?: AnchorGeometry;
  /** Channels of the backbone's stages (default 16, 32, 48, 64, 64). */
  readonly widths?: ReadonlyArray<number>;
  /** Post-processing thresholds (default {@link defaultDecodeOptions}). */
  readonly decode?: DecodeOptions;
}

/** Entropy (nats) of row `a` of a row-major probability matrix with `depth` columns. */
const rowEntropy = (p: ArrayLike<number>, a: number, depth: number): number => {
  let h = 0;
  for (let c = 0; c < depth; c++) {
    const v = p[a * depth + c]!;
    if (v > 0) h -= v * Math.log(v);
  }
  return h;
};

/**
 * The anchor whose class distribution stands for an image's uncertainty: among its confident
 * detections (score ≥ {@link CONFIDENT_SCORE}), the one whose full distribution (background
 * included) has the highest entropy; without any, the anchor of highest object probability.
 * @param probabilities - A × depth softmax outputs of the image
 * @param detections - its decoded detections
 * @param depth - classes + 1
 * @returns an anchor index
 */
export const uncertainAnchor = (probabilities: ArrayLike<number>, detections: ReadonlyArray<Detection>, depth: number): number => {
  const confident = detections.filter((d) => d.score >= CONFIDENT_SCORE);
  if (confident.length > 0) {
    let best = confident[0]!.anchor;
    let bestH = -1;
    for (const d of confident) {
      const h = rowEntropy(probabilities, d.anchor, depth);
      if (h > bestH) {
        bestH = h;
        best = d.anchor;
      }
    }
    return best;
  }
  const count = probabilities.length / depth;
  let best = 0;
  let bestP = -1;
  for (let a = 0; a < count; a++) {
    for (let c = 1; c < depth; c++) {
      if (probabilities[a * depth + c]! > bestP) {
        bestP = probabilities[a * depth + c]!;
        best = a;
      }
    }
  }
  return best;
};

/** Options of {@link createDetectionLearner}: the canvases, the detector's settings, and how the library runs it. */
export interface DetectionLearnerOptions extends JointLearnerOptions, DetectionSpecOptions {
  readonly data: DetectionData;
}

/**
 * The detection task as a spec: a small SSD-style detector (three source maps of 8×8, 4×4 and
 * 2×2 cells, 4 default boxes per cell, 336 in all) with the loss-prediction module on every
 * source map.
 *
 * Target loss per image: SSD's multibox loss (multiboxLossPerSample: matching at IoU 0.5 plus
 * each object's best anchor, 3:1 hard negatives, cross-entropy + smooth L1, divided by the image's
 * positives). Metric: mAP@0.5 (VOC all-point) of the decoded, NMS'd detections. Augmentation:
 * horizontal flips (boxes flipped with the canvas). Score outputs: `embeddings` (global average
 * of the deepest source map) and, only when asked, `probabilities`: per canvas the
 * (classes + 1)-class distribution of its most uncertain confident detection ({@link uncertainAnchor}:
 * NMS runs for it, never under learning loss), so the entropy scorer ranks canvases by that
 * detection's entropy.
 *
 * @param data - training (pool) and test canvases
 * @param options - anchor geometry, backbone widths, decoding thresholds
 * @returns the spec
 * @throws InputError for canvases that do not fit the geometry
 */
export const detectionSpec = (data: DetectionData, options: DetectionSpecOptions = {}): TaskSpec<DetectionLabel> => {
  const { train, test } = data;
  const geometry = options.geometry ?? defaultAnchorGeometry;
  if (train.height !== geometry.side || train.width !== geometry.side) {
    throw new InputError(`data ${data.name}: canvases are ${train.height}x${train.width}, the anchor geometry expects ${geometry.side}x${geometry.side}`);
  }
  const decodeOptions = options.decode ?? defaultDecodeOptions;
  const side = geometry.side;
  const classes = train.classes;
  const depth = classes + 1;
  const anchors = makeAnchors(geometry);
  const count = anchorCount(geometry);
  const detectionsOf = (probabilities: Float32Array, offsets: Float32Array, k: number): Detection[] =>
    decodeDetections(probabilities.subarray(k * count * depth, (k + 1) * count * depth), offsets.subarray(k * count * 4, (k + 1) * count * 4), anchors, decodeOptions);
  return defineTask<DetectionLabel>({
    name: 'detection',
    pool: imageInputs(train),
    test: testImages(test, (i) => canvasBoxes(test, i)),
    network: (seed) => buildSsd({ geometry, channels: train.channels, classes, widths: options.widths, seed }),
    labelCodec: detectionLabelCodec(side, classes),
    labelDescription: `a non-empty array of {box, class} inside the ${side}x${side} canvas`,
    /** Classes [n, A] and offsets [n, A, 4] of the matched anchors. */
    targets: (labels) => {
      const n = labels.length;
      const classBuffer = new Int32Array(n * count);
      const offsetBuffer = new Float32Array(n * count * 4);
      labels.forEach((label, k) => {
        const out: AnchorTargets = { classes: classBuffer.subarray(k * count, (k + 1) * count), offsets: offsetBuffer.subarray(k * count * 4, (k + 1) * count * 4) };
        encodeTargets(anchors, label, undefined, out);
      });
      return [tf.tensor2d(classBuffer, [n, count], 'int32'), tf.tensor3d(offsetBuffer, [n, count, 4])];
    },
    perSampleLoss: { module: workerModuleUrl(import.meta.url, './detectionLoss'), exportName: 'detectionPerSampleLoss' },
    metric: {
      name: 'mAP',
      tensors: (heads) => [tf.softmax(heads[0]!), heads[1]!],
      value: (batches, n) => {
        const detections = batches.flatMap((b) => Array.from({ length: b.count }, (_, k) => detectionsOf(b.values[0]!, b.values[1]!, k)));
        return n > 0 ? meanAveragePrecision(detections, Array.from({ length: n }, (_, k) => canvasBoxes(test, k))) : Number.NaN;
      },
    },
    augment: (ids, labels, rng, out) => {
      const pixels = toBatch(train, ids, out);
      const flipped = labels.map((label, k) => {
        if (!(rng.nextFloat() < 0.5)) return label;
        flipCanvas(pixels, k, side, train.channels);
        return label.map((o) => ({ box: [side - o.box[2], o.box[1], side - o.box[0], o.box[3]] as const, class: o.class }));
      });
      return { pixels, labels: flipped };
    },
    outputs: {
      probabilities: {
        tensors: (o) => [tf.softmax(o.heads[0]!), o.heads[1]!],
        rows: ([probabilities, offsets], m) => {
          const rows = new Float32Array(m * depth);
          for (let k = 0; k < m; k++) {
            const image = probabilities!.subarray(k * count * depth, (k + 1) * count * depth);
            const a = uncertainAnchor(image, detectionsOf(probabilities!, offsets!, k), depth);
            rows.set(image.subarray(a * depth, (a + 1) * depth), k * depth);
          }
          return { values: rows, width: depth };
        },
      },
    },
    trainer: detectionTrainerDefaults,
  });
};

/**
 * A detection learner: the joint learner of {@link detectionSpec}, trained with the detection
 * trainer defaults. Pool ids index `data.train`; labels (boxes and classes) come from the
 * oracle, never from `data.train.boxes`. `evaluate()` reports mAP@0.5, the mean multibox loss
 * and the loss module's ranking accuracy over all pairs of test canvases.
 *
 * Measured (pool of 5,000 canvases, 1,000 test canvases, 300 → 600 → 900 labels, 4 epochs a
 * cycle, warm start, top-300 of a random 2,000, mean of 5 seeds): mAP@0.5 learning loss
 * 0.209 → 0.357 → 0.451, random 0.209 → 0.341 → 0.426; test ranking accuracy 0.57 → 0.60.
 *
 * @param options - canvases, seed, trainer overrides, scoring batch size and threads, geometry, widths
 * @returns a Learner over detection labels
 * @throws InputError for canvases that do not fit the geometry or bad options
 */
export const createDetectionLearner = (options: DetectionLearnerOptions): Learner<DetectionLabel> =>
  createJointLearner(detectionSpec(options.data, options), options);

/** Mirrors canvas k of an NHWC float batch left to right, in place. */
const flipCanvas = (pixels: Float32Array, k: number, side: number, channels: number): void => {
  const start = k * side * side * channels;
  for (let y = 0; y < side; y++) {
    const row = start + y * side * channels;
    for (let x = 0; x < side / 2; x++) {
      for (let c = 0; c < channels; c++) {
        const a = row + x * channels + c;
        const b = row + (side - 1 - x) * channels + c;
        const v = pixels[a]!;
        pixels[a] = pixels[b]!;
        pixels[b] = v;
      }
    }
  }
};

/** Options of {@link detectionTask}: the learner's, less the data, plus how many canvases. */
export interface DetectionTaskOptions extends Omit<DetectionLearnerOptions, 'data'>, CanvasCounts {}

/** A ready task: its canvases, learner and the simulated oracle's truth. */
export type DetectionTaskSetup = TaskSetup<DetectionData, DetectionLabel>;

/**
 * Builds the detection task from an image dataset: canvases (1–4 items each, seeded from
 * `options.seed`), the learner, and the truth function of a simulated oracle.
 *
 * Use it where the CLI builds a learner for `--task detection`:
 * `const { learner, truth } = detectionTask(data, { seed, trainer, scoreBatchSize })`, then
 * `simulatedOracle(truth, …)` and `activeLearning<DetectionLabel>({ learner, … })`.
 *
 * @param source - e.g. the embedded Fashion-MNIST split
 * @param options - seed, canvas counts, learner options
 * @returns the canvases, the learner and the truth function
 */
export const detectionTask = (source: DataSplit, options: DetectionTaskOptions): DetectionTaskSetup => {
  const { trainCount = source.train.count, testCount = Math.min(1000, source.test.count), ...learnerOptions } = options;
  const data = detectionSplit(source, { seed: deriveSeed(options.seed, 'canvases'), trainCount, testCount, side: (options.geometry ?? defaultAnchorGeometry).side });
  const learner = createDetectionLearner({ ...learnerOptions, data });
  return { data, learner, truth: (id) => detectionLabelOf(data.train, id) };
};
