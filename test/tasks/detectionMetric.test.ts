import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  averagePrecision,
  decodeDetections,
  defaultDecodeOptions,
  encodeBox,
  iou,
  meanAveragePrecision,
  nonMaxSuppression,
  type Box,
  type GroundTruth,
  type ScoredBox,
} from '../../src/tasks/detection/index.ts';

const boxArb = fc
  .tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 2, max: 20 }), fc.integer({ min: 2, max: 20 }))
  .map(([x, y, w, h]): Box => [x, y, x + w, y + h]);

describe('non-maximum suppression', () => {
  it('drops a box overlapping a better one above the threshold and keeps one at or below it', () => {
    const boxes: Box[] = [[0, 0, 10, 10], [1, 0, 11, 10], [20, 20, 30, 30], [5, 0, 15, 10]];
    // IoU(0, 1) = 90/110 ≈ 0.82; IoU(0, 3) = 50/150 = 1/3; IoU(1, 3) = 60/140 ≈ 0.43
    expect(nonMaxSuppression(boxes, [0.9, 0.8, 0.7, 0.6], 0.5)).toEqual([0, 2, 3]);
    expect(nonMaxSuppression(boxes, [0.9, 0.8, 0.7, 0.6], 1 / 3)).toEqual([0, 2, 3]); // equal to the threshold: kept
    expect(nonMaxSuppression(boxes, [0.9, 0.8, 0.7, 0.6], 0.3)).toEqual([0, 2]);
    expect(nonMaxSuppression(boxes, [0.5, 0.8, 0.7, 0.6], 0.5)).toEqual([1, 2, 3]); // box 1 first: suppresses 0 (0.82), keeps 3 (0.43)
  });

  it('keeps at most maxOutput boxes, best first, and keeps the earlier of two equal scores', () => {
    const boxes: Box[] = [[0, 0, 10, 10], [0, 0, 10, 10], [30, 30, 40, 40], [50, 50, 60, 60]];
    expect(nonMaxSuppression(boxes, [0.5, 0.5, 0.9, 0.1], 0.5)).toEqual([2, 0, 3]);
    expect(nonMaxSuppression(boxes, [0.5, 0.5, 0.9, 0.1], 0.5, 2)).toEqual([2, 0]);
  });

  test.prop([fc.array(fc.tuple(boxArb, fc.double({ min: 0, max: 1, noNaN: true })), { minLength: 1, maxLength: 25 }), fc.double({ min: 0.1, max: 0.9, noNaN: true })])(
    'should keep boxes that pairwise overlap at most the threshold, and drop only boxes that a better kept box overlaps more',
    (items, threshold) => {
      const boxes = items.map(([b]) => b);
      const scores = items.map(([, s]) => s);
      const kept = nonMaxSuppression(boxes, scores, threshold);
      for (let i = 0; i < kept.length; i++) {
        if (i > 0) expect(scores[kept[i]!]!).toBeLessThanOrEqual(scores[kept[i - 1]!]!);
        for (let j = i + 1; j < kept.length; j++) expect(iou(boxes[kept[i]!]!, boxes[kept[j]!]!)).toBeLessThanOrEqual(threshold);
      }
      boxes.forEach((b, d) => {
        if (kept.includes(d)) return;
        expect(kept.some((k) => scores[k]! >= scores[d]! && iou(boxes[k]!, b) > threshold)).toBe(true);
      });
    },
  );
});

describe('decoding detections', () => {
  it('decodes the anchors above the score threshold per class, NMS removing duplicates', () => {
    // 3 anchors of 10×10 at x = 5, 7, 40 (y = 5); 2 classes + background
    const anchors = Float32Array.of(5, 5, 10, 10, 7, 5, 10, 10, 40, 5, 10, 10);
    const offsets = new Float32Array(12);
    encodeBox([1, 1, 11, 9], anchors, 0, offsets, 0); // anchor 0 and 1 predict the same box
    encodeBox([1, 1, 11, 9], anchors, 1, offsets, 4);
    const probabilities = Float32Array.of(0.1, 0.8, 0.1, 0.3, 0.6, 0.1, 0.005, 0.005, 0.99);
    const detections = decodeDetections(probabilities, offsets, anchors, defaultDecodeOptions);
    expect(detections.map((d) => [d.class, d.anchor])).toEqual([
      [1, 2],
      [0, 0],
      [1, 0],
    ]);
    expect(detections[0]!.score).toBeCloseTo(0.99, 6);
    detections[1]!.box.forEach((v, i) => expect(v).toBeCloseTo([1, 1, 11, 9][i]!, 4));
    // anchor 2's class-0 probability 0.005 is under minScore 0.01; anchor 1's boxes duplicate anchor 0's (IoU 1)
  });
});

describe('mAP@0.5 (VOC all-point interpolation)', () => {
  const truth = (box: Box, c = 0): GroundTruth => ({ box, class: c });
  const det = (box: Box, score: number, c = 0): ScoredBox => ({ box, score, class: c });
  const a: Box = [0, 0, 10, 10];
  const b: Box = [20, 20, 30, 30];
  const far: Box = [40, 40, 50, 50];

  it('interpolates precision over recall: TP, FP, TP → 0.5·1 + 0.5·(2/3)', () => {
    expect(averagePrecision([0.5, 0.5, 1], [1, 0.5, 2 / 3])).toBeCloseTo(5 / 6, 12);
    // the envelope lifts a dip: precision 0.5 at recall 0.5 counts as the 2/3 that follows
    expect(averagePrecision([0, 0.5, 1], [0, 0.5, 2 / 3])).toBeCloseTo(2 / 3, 12);
    const map = meanAveragePrecision([[det(a, 0.9), det(far, 0.8)], [det(b, 0.7)]], [[truth(a)], [truth(b)]]);
    expect(map).toBeCloseTo(5 / 6, 12);
  });

  it('is 1 for perfect detections and counts a duplicate as a false positive', () => {
    expect(meanAveragePrecision([[det(a, 0.9)], [det(b, 0.8)]], [[truth(a)], [truth(b)]])).toBe(1);
    // duplicate of a ranked before b's hit: TP, FP, TP → 5/6
    expect(meanAveragePrecision([[det(a, 0.9), det([0, 0, 10, 11], 0.85)], [det(b, 0.8)]], [[truth(a)], [truth(b)]])).toBeCloseTo(5 / 6, 12);
    // a duplicate ranked last costs nothing
    expect(meanAveragePrecision([[det(a, 0.9), det([0, 0, 10, 11], 0.1)], [det(b, 0.8)]], [[truth(a)], [truth(b)]])).toBe(1);
  });

  it('needs IoU ≥ 0.5 and the same class for a true positive', () => {
    // [0,0,10,10] vs [5,0,15,10]: IoU 1/3 → miss; [0,0,10,10] vs [0,0,10,20]: IoU 0.5 → hit
    expect(meanAveragePrecision([[det([5, 0, 15, 10], 0.9)]], [[truth(a)]])).toBe(0);
    expect(meanAveragePrecision([[det(a, 0.9)]], [[truth([0, 0, 10, 20])]])).toBe(1);
    expect(meanAveragePrecision([[det(a, 0.9, 1)]], [[truth(a, 0)]])).toBe(0);
  });

  it('averages over the classes that have ground truth, a class never detected scoring 0', () => {
    // class 0 perfect (AP 1), class 1 found at half recall (AP 0.5), class 2 detected but absent (ignored)
    const map = meanAveragePrecision(
      [[det(a, 0.9, 0), det(b, 0.8, 1), det(far, 0.95, 2)], [det(a, 0.3, 3)]],
      [[truth(a, 0), truth(b, 1)], [truth(far, 1)]],
    );
    expect(map).toBeCloseTo((1 + 0.5) / 2, 12);
    expect(meanAveragePrecision([[]], [[truth(a, 4)]])).toBe(0);
    expect(meanAveragePrecision([[det(a, 0.9)]], [[]])).toBeNaN();
    expect(() => meanAveragePrecision([[]], [])).toThrow(RangeError);
  });

  test.prop([fc.array(fc.array(fc.tuple(boxArb, fc.integer({ min: 0, max: 2 })), { maxLength: 4 }), { minLength: 1, maxLength: 6 })])(
    'should be 1 when the detections are the ground truth, and in [0, 1] when their scores and boxes are shuffled',
    (images) => {
      const truths = images.map((objects) => objects.map(([box, c]) => truth(box, c)));
      if (truths.every((t) => t.length === 0)) return;
      const perfect = truths.map((objects) => objects.map((o, k) => det(o.box, 1 - k * 0.01, o.class)));
      // two identical boxes of one class in one image are two objects; detections of both are two TPs
      expect(meanAveragePrecision(perfect, truths)).toBeCloseTo(1, 12);
      const shifted = truths.map((objects) => objects.map((o, k) => det([o.box[0] + 3, o.box[1], o.box[2] + 3, o.box[3]], 0.5 + k * 0.1, o.class)));
      const v = meanAveragePrecision(shifted, truths);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    },
  );
});
