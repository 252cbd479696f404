import { beforeAll, describe, expect, it } from 'vitest';
import { canvasBoxes, detectionSplit, makeDetectionCanvases, type DetectionSet } from '../../src/data/detectionCanvas.ts';
import type { DataSplit, ImageSet } from '../../src/data/imageSet.ts';
import { loadDataset } from '../../src/data/load.ts';
import { InputError } from '../../src/inputError.ts';
import { iou } from '../../src/tasks/detection/boxes.ts';

let split: DataSplit;
beforeAll(async () => {
  split = await loadDataset({ kind: 'embedded' });
});

const same = (x: ArrayBufferView, y: ArrayBufferView): boolean =>
  Buffer.compare(Buffer.from(x.buffer, x.byteOffset, x.byteLength), Buffer.from(y.buffer, y.byteOffset, y.byteLength)) === 0;

/** The box [x1, y1, x2, y2) of the pixels above the threshold in image `id` of a set, by brute force. */
function boxOf(set: ImageSet, id: number, threshold: number): number[] | undefined {
  let box: number[] | undefined;
  for (let y = 0; y < set.height; y++)
    for (let x = 0; x < set.width; x++)
      if (set.pixels[(id * set.height + y) * set.width + x]! > threshold) {
        box = box === undefined ? [x, y, x + 1, y + 1] : [Math.min(box[0]!, x), Math.min(box[1]!, y), Math.max(box[2]!, x + 1), Math.max(box[3]!, y + 1)];
      }
  return box;
}

describe('detection canvases', () => {
  it('are the same for the same seed and differ for another', () => {
    const a = makeDetectionCanvases(split.train, { seed: 5, count: 40 });
    const b = makeDetectionCanvases(split.train, { seed: 5, count: 40 });
    const c = makeDetectionCanvases(split.train, { seed: 6, count: 40 });
    for (const key of ['pixels', 'boxes', 'boxStart', 'boxClasses', 'sourceIds'] as const) expect(same(a[key], b[key])).toBe(true);
    expect(same(a.pixels, c.pixels)).toBe(false);
    expect(same(a.boxes, c.boxes)).toBe(false);
  });

  it('hold 1 to 4 items each, with boxes inside the canvas overlapping at most maxOverlap, classes of their items', () => {
    const set = makeDetectionCanvases(split.train, { seed: 9, count: 300 });
    expect([set.height, set.width, set.channels, set.classes]).toEqual([64, 64, 1, 10]);
    const counts = new Set<number>();
    for (let k = 0; k < set.count; k++) {
      const objects = canvasBoxes(set, k);
      counts.add(objects.length);
      expect(objects.length).toBeGreaterThanOrEqual(1);
      expect(objects.length).toBeLessThanOrEqual(4);
      expect(set.labels[k]).toBe(objects[0]!.class);
      objects.forEach(({ box }, i) => {
        expect(box[0]).toBeGreaterThanOrEqual(0);
        expect(box[1]).toBeGreaterThanOrEqual(0);
        expect(box[2]).toBeLessThanOrEqual(64);
        expect(box[3]).toBeLessThanOrEqual(64);
        expect(box[2] - box[0]).toBeGreaterThan(2);
        expect(box[3] - box[1]).toBeGreaterThan(2);
        objects.slice(0, i).forEach((other) => expect(iou(other.box, box)).toBeLessThanOrEqual(0.2));
      });
    }
    expect([...counts].sort()).toEqual([1, 2, 3, 4]);
    for (let b = 0; b < set.boxClasses.length; b++) expect(set.boxClasses[b]).toBe(split.train.labels[set.sourceIds[b]!]);
  });

  it('place an item as it is at scale 1, its box its lit pixels shifted to where it was placed', () => {
    const set = makeDetectionCanvases(split.train, { seed: 3, count: 20, minItems: 1, maxItems: 1, minScale: 1, maxScale: 1 });
    for (let k = 0; k < set.count; k++) {
      const { box } = canvasBoxes(set, k)[0]!;
      const own = boxOf(split.train, set.sourceIds[k]!, 16)!;
      const dx = box[0]! - own[0]!;
      const dy = box[1]! - own[1]!;
      expect([box[2]! - dx, box[3]! - dy]).toEqual([own[2], own[3]]);
      // the item's 28×28 square, placed at (dx, dy), is copied byte for byte
      for (let y = 0; y < 28; y++)
        for (let x = 0; x < 28; x++) expect(set.pixels[k * 4096 + (y + dy) * 64 + x + dx]).toBe(split.train.pixels[set.sourceIds[k]! * 784 + y * 28 + x]);
      // and its box is the lit box of the whole canvas
      expect(boxOf(set, k, 16)).toEqual([...box]);
    }
  });

  it('keeps every box on lit pixels: the box of each item is the lit box of the canvas region it covers', () => {
    const set: DetectionSet = makeDetectionCanvases(split.train, { seed: 11, count: 50, maxOverlap: 0 });
    for (let k = 0; k < set.count; k++) {
      for (const { box } of canvasBoxes(set, k)) {
        // with no overlap allowed, the item's lit pixels are the canvas's inside its box, touching all 4 edges
        const lit = (x: number, y: number): boolean => set.pixels[k * 4096 + y * 64 + x]! > 16;
        const row = (y: number): boolean => Array.from({ length: box[2] - box[0] }, (_, i) => lit(box[0] + i, y)).some(Boolean);
        const column = (x: number): boolean => Array.from({ length: box[3] - box[1] }, (_, i) => lit(x, box[1] + i)).some(Boolean);
        expect([row(box[1]), row(box[3] - 1), column(box[0]), column(box[2] - 1)]).toEqual([true, true, true, true]);
      }
    }
  });

  it('make a test split from the test items with the training mean/std', () => {
    const d = detectionSplit(split, { seed: 2, trainCount: 30, testCount: 10 });
    expect([d.train.count, d.test.count]).toEqual([30, 10]);
    expect(d.test.mean).toEqual(d.train.mean);
    expect(d.test.std).toEqual(d.train.std);
    expect(Math.max(...d.test.sourceIds)).toBeLessThan(split.test.count);
  });

  it('refuse bad options with one line naming the field', () => {
    expect(() => makeDetectionCanvases(split.train, { seed: 1, count: -1 })).toThrow(/count/);
    expect(() => makeDetectionCanvases(split.train, { seed: 1, count: 1, minItems: 3, maxItems: 2 })).toThrow(/minItems <= maxItems/);
    expect(() => makeDetectionCanvases(split.train, { seed: 1, count: 1, maxScale: 3 })).toThrow(InputError);
    expect(() => makeDetectionCanvases(split.train, { seed: 1, count: 1, maxOverlap: 2 })).toThrow(/maxOverlap/);
  });
});
