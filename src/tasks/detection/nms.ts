import { decodeBox } from './boxCodec.ts';
import { iou, type Box } from './boxes.ts';

/** A detection: a box, its class in [0, classes) and its score. */
export interface Detection {
  readonly box: Box;
  readonly class: number;
  readonly score: number;
  /** The anchor it was decoded from. */
  readonly anchor: number;
}

/**
 * Greedy non-maximum suppression: repeatedly keep the highest-scoring box left and drop every
 * remaining box whose IoU with it exceeds `iouThreshold`. Ties in score keep the earlier index.
 *
 * Use it per class on decoded detections.
 *
 * @param boxes - corner-form boxes
 * @param scores - one score per box
 * @param iouThreshold - overlap above which a lower-scoring box is suppressed (SSD: 0.45)
 * @param maxOutput - most boxes to keep (default all)
 * @returns indices of the kept boxes, highest score first
 * @example nonMaxSuppression([[0, 0, 10, 10], [1, 0, 11, 10], [20, 20, 30, 30]], [0.9, 0.8, 0.7], 0.5) // [0, 2]
 */
export const nonMaxSuppression = (
  boxes: ReadonlyArray<Box>,
  scores: ArrayLike<number>,
  iouThreshold: number,
  maxOutput = Number.POSITIVE_INFINITY,
): number[] => {
  const order = boxes.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  const kept: number[] = [];
  for (const i of order) {
    if (kept.length >= maxOutput) break;
    if (kept.every((k) => iou(boxes[k]!, boxes[i]!) <= iouThreshold)) kept.push(i);
  }
  return kept;
};

/** How raw outputs become detections. */
export interface DecodeOptions {
  /** Smallest class probability of a candidate (SSD: 0.01). */
  readonly minScore: number;
  /** NMS overlap (SSD: 0.45). */
  readonly iouThreshold: number;
  /** Candidates per class before NMS (SSD: 200). */
  readonly topPerClass: number;
  /** Detections per image after NMS (SSD: 200; 20 here, canvases hold at most 4 objects). */
  readonly maxDetections: number;
}

/** The defaults of {@link decodeDetections}. */
export const defaultDecodeOptions: DecodeOptions = { minScore: 0.01, iouThreshold: 0.45, topPerClass: 50, maxDetections: 20 };

/**
 * SSD's post-processing of one image: for each object class, the anchors whose probability is
 * at least `minScore` (the best `topPerClass`), their boxes decoded, per-class NMS; then the
 * best `maxDetections` over all classes.
 *
 * @param probabilities - A × (classes + 1) softmax outputs of the image (background first)
 * @param offsets - A × 4 box offsets of the image
 * @param anchors - flat centre-form anchors
 * @param options - thresholds (default {@link defaultDecodeOptions})
 * @returns detections, highest score first
 */
export const decodeDetections = (
  probabilities: ArrayLike<number>,
  offsets: ArrayLike<number>,
  anchors: ArrayLike<number>,
  options: DecodeOptions = defaultDecodeOptions,
): Detection[] => {
  const count = anchors.length / 4;
  const depth = probabilities.length / count;
  const out: Detection[] = [];
  for (let c = 1; c < depth; c++) {
    const candidates: number[] = [];
    for (let a = 0; a < count; a++) if (probabilities[a * depth + c]! >= options.minScore) candidates.push(a);
    candidates.sort((x, y) => probabilities[y * depth + c]! - probabilities[x * depth + c]! || x - y);
    const top = candidates.slice(0, options.topPerClass);
    const boxes = top.map((a) => decodeBox(offsets, 4 * a, anchors, a));
    const scores = top.map((a) => probabilities[a * depth + c]!);
    for (const k of nonMaxSuppression(boxes, scores, options.iouThreshold)) {
      out.push({ box: boxes[k]!, class: c - 1, score: scores[k]!, anchor: top[k]! });
    }
  }
  out.sort((x, y) => y.score - x.score || x.anchor - y.anchor || x.class - y.class);
  return out.slice(0, options.maxDetections);
};
