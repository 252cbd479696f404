import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/inputError.ts';
import {
  anchorCount,
  decodeBox,
  defaultAnchorGeometry,
  encodeBox,
  encodeTargets,
  iou,
  makeAnchors,
  matchAnchors,
  type Box,
} from '../../src/tasks/detection/index.ts';

/** A box with positive sides inside a 64-pixel canvas. */
const boxArb = fc
  .tuple(fc.double({ min: 0, max: 60, noNaN: true }), fc.double({ min: 0, max: 60, noNaN: true }), fc.double({ min: 1, max: 40, noNaN: true }), fc.double({ min: 1, max: 40, noNaN: true }))
  .map(([x, y, w, h]): Box => [x, y, x + w, y + h]);

describe('IoU', () => {
  it('matches hand-computed overlaps', () => {
    expect(iou([0, 0, 2, 2], [1, 0, 3, 2])).toBeCloseTo(1 / 3, 12);
    expect(iou([0, 0, 10, 10], [0, 0, 10, 10])).toBe(1);
    expect(iou([0, 0, 10, 10], [5, 5, 15, 15])).toBeCloseTo(25 / 175, 12);
    expect(iou([0, 0, 4, 4], [1, 1, 3, 3])).toBeCloseTo(4 / 16, 12);
    expect(iou([0, 0, 1, 1], [1, 0, 2, 1])).toBe(0); // touching edges
    expect(iou([0, 0, 1, 1], [5, 5, 6, 6])).toBe(0);
  });

  test.prop([boxArb, boxArb])('should be symmetric and lie in [0, 1]', (a, b) => {
    const v = iou(a, b);
    expect(v).toBeGreaterThanOrEqual(0);
    expect(v).toBeLessThanOrEqual(1 + 1e-12);
    expect(iou(b, a)).toBeCloseTo(v, 12);
  });

  test.prop([boxArb, fc.double({ min: -20, max: 20, noNaN: true }), fc.double({ min: -20, max: 20, noNaN: true })])(
    'should be unchanged when both boxes are shifted alike',
    (a, dx, dy) => {
      const b: Box = [a[0] + 3, a[1] + 1, a[2] + 2, a[3] + 5];
      const shift = (x: Box): Box => [x[0] + dx, x[1] + dy, x[2] + dx, x[3] + dy];
      expect(iou(shift(a), shift(b))).toBeCloseTo(iou(a, b), 9);
    },
  );
});

describe('default boxes', () => {
  it('lie on the 8×8, 4×4 and 2×2 grids, 4 per cell, in head order', () => {
    const anchors = makeAnchors(defaultAnchorGeometry);
    expect(anchorCount(defaultAnchorGeometry)).toBe(336);
    expect(anchors.length).toBe(336 * 4);
    // first cell of the 8×8 map: centre (4, 4), boxes of 0.22·64 at ratios 1, 2, 1/2, then √(0.22·0.4)·64
    const s = 0.22 * 64;
    const expected = [4, 4, s, s, 4, 4, s * Math.SQRT2, s / Math.SQRT2, 4, 4, s / Math.SQRT2, s * Math.SQRT2, 4, 4, Math.sqrt(0.22 * 0.4) * 64, Math.sqrt(0.22 * 0.4) * 64];
    Array.from(anchors.subarray(0, 16)).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 4));
    // second cell is one column to the right
    expect(anchors[16]).toBeCloseTo(12, 5);
    expect(anchors[17]).toBeCloseTo(4, 5);
    // first box of the 4×4 map (after 8·8·4 boxes): centre (8, 8), side 0.4·64
    expect(Array.from(anchors.subarray(256 * 4, 256 * 4 + 4))).toEqual([8, 8, expect.closeTo(25.6, 4), expect.closeTo(25.6, 4)]);
    // last box of the 2×2 map: centre (48, 48), extra square √(0.65·1)·64
    expect(anchors[335 * 4]).toBeCloseTo(48, 5);
    expect(anchors[335 * 4 + 2]).toBeCloseTo(Math.sqrt(0.65) * 64, 4);
  });

  it('refuse a geometry without maps or with a bad scale, naming the field', () => {
    expect(() => makeAnchors({ ...defaultAnchorGeometry, maps: [] })).toThrow(InputError);
    expect(() => makeAnchors({ ...defaultAnchorGeometry, maps: [{ size: 8, scale: 1.5 }] })).toThrow(/maps\[0\]\.scale/);
    expect(() => makeAnchors({ ...defaultAnchorGeometry, aspectRatios: [1, -2] })).toThrow(/aspectRatios/);
  });
});

describe('box encoding', () => {
  const anchors = makeAnchors(defaultAnchorGeometry);

  it('encodes a box equal to its anchor as zeros, and a doubled width as ln 2 / 0.2', () => {
    const out = new Float32Array(4);
    encodeBox([0, 0, 10, 10], Float32Array.of(5, 5, 10, 10), 0, out);
    expect(Array.from(out)).toEqual([0, 0, 0, 0]);
    encodeBox([1, 0, 21, 10], Float32Array.of(6, 5, 10, 10), 0, out);
    expect(out[0]).toBeCloseTo(5 / 10 / 0.1, 5); // centre 11 vs 6 over 10·0.1
    expect(out[2]).toBeCloseTo(Math.log(2) / 0.2, 5);
    expect(out[3]).toBeCloseTo(0, 6);
  });

  test.prop([boxArb, fc.integer({ min: 0, max: 335 })])('should decode every encoded box back to itself', (box, a) => {
    const offsets = [0, 0, 0, 0];
    encodeBox(box, anchors, a, offsets);
    const back = decodeBox(offsets, 0, anchors, a);
    back.forEach((v, i) => expect(v).toBeCloseTo(box[i]!, 6));
  });

  test.prop([fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 335 })])(
    'should encode every decoded box back to its offsets',
    (offsets, a) => {
      const box = decodeBox(offsets, 0, anchors, a);
      const again = [0, 0, 0, 0];
      encodeBox(box, anchors, a, again);
      again.forEach((v, i) => expect(v).toBeCloseTo(offsets[i]!, 6));
    },
  );
});

describe('matching', () => {
  // Three anchors (centre form): a 10×10 at (5, 5), a 10×10 at (15, 5), a 10×10 at (50, 50).
  const anchors = Float32Array.of(5, 5, 10, 10, 15, 5, 10, 10, 50, 50, 10, 10);

  it('matches anchors at IoU ≥ 0.5 to their best ground truth, the rest to background', () => {
    // box A covers anchor 0 exactly; box B overlaps anchor 1 at 1/3 only (but it is B's best anchor)
    const matched = matchAnchors(anchors, [[0, 0, 10, 10], [46, 48, 56, 58]]);
    // anchor 2 (45..55 × 45..55) vs B (46..56 × 48..58): 9·7 / (200 − 63) = 63/137 < 0.5, yet B's best anchor
    expect(Array.from(matched)).toEqual([0, -1, 1]);
  });

  it('gives a ground truth its best anchor even below the threshold', () => {
    const matched = matchAnchors(anchors, [[40, 40, 70, 70]]); // IoU with anchor 2 = 100/900
    expect(Array.from(matched)).toEqual([-1, -1, 0]);
  });

  it('gives an anchor to the ground truth it overlaps most', () => {
    // anchors [0,0,10,10], [4,0,14,10], [2,0,12,10]; G0 = [0,0,10,10] takes anchor 0, G1 = [3,0,14,10]
    // takes anchor 1 (IoU 100/110); anchor 2 is nobody's best: IoU 80/120 with G0, 90/120 with G1 → G1
    const matched = matchAnchors(Float32Array.of(5, 5, 10, 10, 9, 5, 10, 10, 7, 5, 10, 10), [[0, 0, 10, 10], [3, 0, 14, 10]]);
    expect(Array.from(matched)).toEqual([0, 1, 1]);
  });

  test.prop([fc.array(boxArb, { minLength: 1, maxLength: 4 })])(
    'should match every ground truth at least once, and every matched anchor at IoU ≥ 0.5 or as a best anchor',
    (boxes) => {
      const all = makeAnchors(defaultAnchorGeometry);
      const matched = matchAnchors(all, boxes);
      const corner = (a: number): Box => [all[4 * a]! - all[4 * a + 2]! / 2, all[4 * a + 1]! - all[4 * a + 3]! / 2, all[4 * a]! + all[4 * a + 2]! / 2, all[4 * a + 1]! + all[4 * a + 3]! / 2];
      const best = boxes.map((b) => {
        let arg = 0;
        for (let a = 1; a < 336; a++) if (iou(b, corner(a)) > iou(b, corner(arg))) arg = a;
        return arg;
      });
      const seen = new Set(matched);
      // a ground truth may lose its best anchor only to a later one that has the same best anchor
      boxes.forEach((_, g) => expect(seen.has(g) || best.slice(g + 1).includes(best[g]!)).toBe(true));
      matched.forEach((g, a) => {
        if (g >= 0) expect(iou(boxes[g]!, corner(a)) >= 0.5 - 1e-9 || best.includes(a)).toBe(true);
        else boxes.forEach((b) => expect(iou(b, corner(a))).toBeLessThan(0.5));
      });
    },
  );

  it('encodes matched anchors with class + 1 and their offsets, background as 0 and zeros', () => {
    const targets = encodeTargets(anchors, [{ box: [0, 0, 10, 10], class: 7 }]);
    expect(Array.from(targets.classes)).toEqual([8, 0, 0]);
    expect(Array.from(targets.offsets)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  test.prop([fc.array(fc.tuple(boxArb, fc.integer({ min: 0, max: 9 })), { minLength: 1, maxLength: 4 })])(
    'should decode the offsets of every matched anchor back to its ground-truth box',
    (objects) => {
      const all = makeAnchors(defaultAnchorGeometry);
      const truths = objects.map(([box, c]) => ({ box, class: c }));
      const targets = encodeTargets(all, truths);
      const matched = matchAnchors(all, truths.map((t) => t.box));
      let positives = 0;
      matched.forEach((g, a) => {
        expect(targets.classes[a]).toBe(g < 0 ? 0 : truths[g]!.class + 1);
        if (g < 0) return;
        positives++;
        decodeBox(targets.offsets, 4 * a, all, a).forEach((v, i) => expect(v).toBeCloseTo(truths[g]!.box[i]!, 3));
      });
      expect(positives).toBeGreaterThanOrEqual(1);
    },
  );
});
