import type { Box } from './boxes.ts';

/**
 * SSD's box encoding relative to a default box in centre form [acx, acy, aw, ah], with
 * variances (0.1, 0.2): tx = (cx − acx)/(0.1·aw), ty = (cy − acy)/(0.1·ah),
 * tw = ln(w/aw)/0.2, th = ln(h/ah)/0.2. Decoding is its exact inverse.
 */

/** The variances of centre and size offsets (SSD's 0.1 and 0.2). */
export const BOX_VARIANCES = [0.1, 0.2] as const;

/**
 * Encodes a box against anchor `a` of a flat centre-form anchor array, into out[offset … offset+3].
 *
 * Use it to build the regression targets of matched anchors.
 *
 * @param box - [x1, y1, x2, y2] with positive width and height
 * @param anchors - flat [cx, cy, w, h] per anchor
 * @param a - the anchor index
 * @param out - where the 4 offsets go
 * @param offset - position in `out` (default 0)
 * @example encodeBox([0, 0, 10, 10], Float32Array.of(5, 5, 10, 10), 0, out) // out = [0, 0, 0, 0]
 */
export const encodeBox = (box: Box, anchors: ArrayLike<number>, a: number, out: Float32Array | number[], offset = 0): void => {
  const [cv, sv] = BOX_VARIANCES;
  const acx = anchors[4 * a]!;
  const acy = anchors[4 * a + 1]!;
  const aw = anchors[4 * a + 2]!;
  const ah = anchors[4 * a + 3]!;
  const w = box[2] - box[0];
  const h = box[3] - box[1];
  out[offset] = ((box[0] + w / 2 - acx) / aw) / cv;
  out[offset + 1] = ((box[1] + h / 2 - acy) / ah) / cv;
  out[offset + 2] = Math.log(w / aw) / sv;
  out[offset + 3] = Math.log(h / ah) / sv;
};

/**
 * Decodes the 4 offsets at `offsets[offset …]` against anchor `a` back into a corner-form box.
 *
 * Use it on the detector's box outputs; `decodeBox(encodeBox(b))` = b up to rounding.
 *
 * @param offsets - predicted (or encoded) offsets
 * @param offset - position of the 4 offsets
 * @param anchors - flat [cx, cy, w, h] per anchor
 * @param a - the anchor index
 * @returns [x1, y1, x2, y2]
 */
export const decodeBox = (offsets: ArrayLike<number>, offset: number, anchors: ArrayLike<number>, a: number): Box => {
  const [cv, sv] = BOX_VARIANCES;
  const aw = anchors[4 * a + 2]!;
  const ah = anchors[4 * a + 3]!;
  const cx = anchors[4 * a]! + offsets[offset]! * cv * aw;
  const cy = anchors[4 * a + 1]! + offsets[offset + 1]! * cv * ah;
  const w = aw * Math.exp(offsets[offset + 2]! * sv);
  const h = ah * Math.exp(offsets[offset + 3]! * sv);
  return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
};
