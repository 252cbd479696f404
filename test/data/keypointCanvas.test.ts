import { beforeAll, describe, expect, it } from 'vitest';
import type { DataSplit, ImageSet } from '../../src/data/imageSet.ts';
import { boxDiagonal, keypointSplit, KEYPOINTS_PER_ITEM, makeKeypointCanvases, type KeypointSet } from '../../src/data/keypointCanvas.ts';
import { loadDataset } from '../../src/data/load.ts';
import { InputError } from '../../src/inputError.ts';

let split: DataSplit;
beforeAll(async () => {
  split = await loadDataset({ kind: 'embedded' });
});

const keypointsOf = (set: KeypointSet, k: number): number[] =>
  Array.from(set.keypoints.subarray(k * KEYPOINTS_PER_ITEM * 2, (k + 1) * KEYPOINTS_PER_ITEM * 2));

/** The box [x0, y0, x1, y1) of the pixels above the threshold in image `id` of a set, by brute force. */
function boxOf(set: ImageSet, id: number, threshold: number): number[] | undefined {
  let box: number[] | undefined;
  for (let y = 0; y < set.height; y++)
    for (let x = 0; x < set.width; x++)
      if (set.pixels[(id * set.height + y) * set.width + x]! > threshold) {
        box = box === undefined ? [x, y, x + 1, y + 1] : [Math.min(box[0]!, x), Math.min(box[1]!, y), Math.max(box[2]!, x + 1), Math.max(box[3]!, y + 1)];
      }
  return box;
}

describe('keypoint canvases', () => {
  it('are the same for the same seed and differ for another', () => {
    const a = makeKeypointCanvases(split.train, { seed: 5, count: 50 });
    const b = makeKeypointCanvases(split.train, { seed: 5, count: 50 });
    const c = makeKeypointCanvases(split.train, { seed: 6, count: 50 });
    const same = (x: ArrayBufferView, y: ArrayBufferView): boolean =>
      Buffer.compare(Buffer.from(x.buffer, x.byteOffset, x.byteLength), Buffer.from(y.buffer, y.byteOffset, y.byteLength)) === 0;
    expect(same(a.pixels, b.pixels)).toBe(true);
    expect(same(a.keypoints, b.keypoints)).toBe(true);
    expect(same(a.sourceIds, b.sourceIds)).toBe(true);
    expect(same(a.keypoints, c.keypoints)).toBe(false);
    expect(same(a.pixels, c.pixels)).toBe(false);
  });

  it('place each item as it is at scale 1, its keypoints its box shifted to where it was placed', () => {
    const set = makeKeypointCanvases(split.train, { seed: 1, count: 40, minScale: 1, maxScale: 1 });
    expect([set.count, set.height, set.width, set.channels]).toEqual([40, 48, 48, 1]);
    for (let k = 0; k < set.count; k++) {
      const id = set.sourceIds[k]!;
      expect(set.labels[k]).toBe(split.train.labels[id]);
      const itemBox = boxOf(split.train, id, 16)!;
      const canvasBox = boxOf(set, k, 16)!;
      const dx = canvasBox[0]! - itemBox[0]!;
      const dy = canvasBox[1]! - itemBox[1]!;
      expect(canvasBox).toEqual([itemBox[0]! + dx, itemBox[1]! + dy, itemBox[2]! + dx, itemBox[3]! + dy]);
      // The item's bytes, moved by (dx, dy), wholly inside the canvas.
      for (let y = 0; y < 28; y++)
        for (let x = 0; x < 28; x++) {
          const v = split.train.pixels[id * 784 + y * 28 + x]!;
          if (v > 0) expect(set.pixels[k * 48 * 48 + (y + dy) * 48 + x + dx]).toBe(v);
        }
      const [x0, y0, x1, y1] = canvasBox as [number, number, number, number];
      expect(keypointsOf(set, k)).toEqual([x0, y0, x1, y0, x1, y1, x0, y1, (x0 + x1) / 2, (y0 + y1) / 2]);
    }
  });

  it('find the tight box of the lit pixels of every canvas, whatever the scale', () => {
    const set = makeKeypointCanvases(split.test, { seed: 9, count: 200 });
    const widths: number[] = [];
    const lefts: number[] = [];
    for (let k = 0; k < set.count; k++) {
      const [x0, y0, x1, y1] = boxOf(set, k, 16)!;
      expect(keypointsOf(set, k)).toEqual([x0, y0, x1, y0, x1, y1, x0, y1, (x0! + x1!) / 2, (y0! + y1!) / 2]);
      expect(boxDiagonal(set, k)).toBeCloseTo(Math.hypot(x1! - x0!, y1! - y0!), 5);
      widths.push(x1! - x0!);
      lefts.push(x0!);
    }
    // Scales 0.6..1.5 and positions over the whole canvas.
    expect(Math.max(...widths) - Math.min(...widths)).toBeGreaterThan(15);
    expect(Math.min(...lefts)).toBeLessThan(4);
    expect(Math.max(...lefts)).toBeGreaterThan(20);
  });

  it('use distinct items while there are enough', () => {
    const set = makeKeypointCanvases(split.test, { seed: 2, count: 2000 });
    expect(new Set(set.sourceIds).size).toBe(2000);
    const more = makeKeypointCanvases(split.test, { seed: 2, count: 2001 });
    expect(new Set(more.sourceIds).size).toBe(2000);
  });

  it('come as a split whose test canvases use the training mean/std', () => {
    const { name, train, test } = keypointSplit(split, { seed: 3, trainCount: 300, testCount: 100 });
    expect(name).toBe('fashion-mnist-embedded-keypoints');
    expect([train.count, test.count]).toEqual([300, 100]);
    expect(test.mean).toEqual(train.mean);
    expect(test.std).toEqual(train.std);
    expect(train.augmentation).toBeUndefined();
    // Canvases are mostly background: the mean lies well below Fashion-MNIST's 0.286.
    expect(train.mean[0]).toBeGreaterThan(0.02);
    expect(train.mean[0]).toBeLessThan(0.25);
  });

  it('reject options that cannot work, naming them', () => {
    expect(() => makeKeypointCanvases(split.train, { seed: 1, count: 1, maxScale: 2 })).toThrow(InputError);
    expect(() => makeKeypointCanvases(split.train, { seed: 1, count: 1, maxScale: 2 })).toThrow(
      'keypoint canvas: maxScale 2 makes a 56-pixel item, larger than the 48x48 canvas',
    );
    expect(() => makeKeypointCanvases(split.train, { seed: 1, count: 1, minScale: 1.2, maxScale: 1 })).toThrow(/minScale <= maxScale/);
    expect(() => makeKeypointCanvases(split.train, { seed: 1, count: -1 })).toThrow(/count must be a non-negative integer/);
  });
});
