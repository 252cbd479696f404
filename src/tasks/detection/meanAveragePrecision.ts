import { iou, type Box } from './boxes.ts';
import type { GroundTruth } from './matching.ts';

/** A scored box of one image, as mAP reads it. */
export interface ScoredBox {
  readonly box: Box;
  readonly class: number;
  readonly score: number;
}

/**
 * Average precision with VOC's all-point interpolation (VOC 2010 on): the precision envelope
 * (each precision replaced by the largest precision at any higher recall) integrated over recall.
 *
 * @param recall - non-decreasing recalls, one per ranked detection
 * @param precision - the precision at each of them
 * @returns Σ (r_i − r_{i−1}) · max_{j ≥ i} p_j, with r_0 = 0
 * @example averagePrecision([0.5, 0.5, 1], [1, 0.5, 0.667]) // 0.5·1 + 0.5·0.667 = 0.833
 */
export const averagePrecision = (recall: ArrayLike<number>, precision: ArrayLike<number>): number => {
  const n = recall.length;
  const envelope = Float64Array.from(precision);
  for (let i = n - 2; i >= 0; i--) envelope[i] = Math.max(envelope[i]!, envelope[i + 1]!);
  let ap = 0;
  let previous = 0;
  for (let i = 0; i < n; i++) {
    ap += (recall[i]! - previous) * envelope[i]!;
    previous = recall[i]!;
  }
  return ap;
};

/**
 * mAP at an IoU threshold, VOC style: per class, the detections of every image ranked by score
 * (ties: image order, then the order given); each is a true positive when its best-overlapping
 * ground truth of the same class in its image has IoU ≥ `threshold` and was not taken by a
 * higher-ranked detection, else a false positive; AP by {@link averagePrecision}; mAP is the
 * mean over the classes that have at least one ground truth (a class with none is left out).
 *
 * Use it as the detection task's metric (mAP@0.5).
 *
 * @param detections - per image, its detections
 * @param truths - per image, its ground truth (same length as `detections`)
 * @param threshold - IoU of a true positive (default 0.5)
 * @returns mAP in [0, 1]; NaN when no image has any ground truth
 */
export const meanAveragePrecision = (
  detections: ReadonlyArray<ReadonlyArray<ScoredBox>>,
  truths: ReadonlyArray<ReadonlyArray<GroundTruth>>,
  threshold = 0.5,
): number => {
  if (detections.length !== truths.length) {
    throw new RangeError(`meanAveragePrecision: ${detections.length} images of detections but ${truths.length} of ground truth`);
  }
  const classes = new Set<number>();
  truths.forEach((objects) => objects.forEach((o) => classes.add(o.class)));
  if (classes.size === 0) return Number.NaN;
  let sum = 0;
  for (const c of classes) {
    const ranked: Array<{ readonly image: number; readonly box: Box; readonly score: number }> = [];
    detections.forEach((dets, image) => dets.forEach((d) => d.class === c && ranked.push({ image, box: d.box, score: d.score })));
    ranked.sort((a, b) => b.score - a.score); // stable: ties keep image order
    const taken = truths.map((objects) => objects.map(() => false));
    const total = truths.reduce((n, objects) => n + objects.filter((o) => o.class === c).length, 0);
    const recall = new Float64Array(ranked.length);
    const precision = new Float64Array(ranked.length);
    let hits = 0;
    ranked.forEach((d, i) => {
      let best = -1;
      let bestIou = -1;
      truths[d.image]!.forEach((o, g) => {
        if (o.class !== c) return;
        const v = iou(d.box, o.box);
        if (v > bestIou) {
          bestIou = v;
          best = g;
        }
      });
      if (best >= 0 && bestIou >= threshold && !taken[d.image]![best]) {
        taken[d.image]![best] = true;
        hits++;
      }
      recall[i] = hits / total;
      precision[i] = hits / (i + 1);
    });
    sum += averagePrecision(recall, precision);
  }
  return sum / classes.size;
};
