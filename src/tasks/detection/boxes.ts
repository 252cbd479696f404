/**
 * Box geometry for detection, in canvas pixels: a box is [x1, y1, x2, y2] with x1 ≤ x2 and
 * y1 ≤ y2 (corner form); an anchor or a decoded prediction may also be held in centre form
 * [cx, cy, w, h]. Plain numbers in, numbers out: no tensors.
 */

/** A box in corner form [x1, y1, x2, y2]. */
export type Box = readonly [x1: number, y1: number, x2: number, y2: number];

/** Area of a box (0 for a degenerate or inverted one). */
export const boxArea = (b: ArrayLike<number>): number => Math.max(0, b[2]! - b[0]!) * Math.max(0, b[3]! - b[1]!);

/**
 * Intersection over union of two boxes in corner form.
 *
 * Use it for matching anchors to ground truth, for NMS and for mAP's true-positive test.
 * Policy: two boxes with no area, or that do not meet, have IoU 0.
 *
 * @param a - [x1, y1, x2, y2]
 * @param b - [x1, y1, x2, y2]
 * @returns |a ∩ b| / |a ∪ b| in [0, 1]
 * @example iou([0, 0, 2, 2], [1, 0, 3, 2]) // 2 / 6 = 1/3
 */
export const iou = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  const w = Math.min(a[2]!, b[2]!) - Math.max(a[0]!, b[0]!);
  const h = Math.min(a[3]!, b[3]!) - Math.max(a[1]!, b[1]!);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const union = boxArea(a) + boxArea(b) - inter;
  return union > 0 ? inter / union : 0;
};

/**
 * IoU of box `a` with the centre-form box at `offset` of a flat array [cx, cy, w, h, …].
 * @param a - [x1, y1, x2, y2]
 * @param centres - flat centre-form boxes
 * @param index - which centre-form box
 * @returns their IoU
 */
export const iouWithCentreForm = (a: ArrayLike<number>, centres: ArrayLike<number>, index: number): number => {
  const o = 4 * index;
  const cx = centres[o]!;
  const cy = centres[o + 1]!;
  const hw = centres[o + 2]! / 2;
  const hh = centres[o + 3]! / 2;
  return iou(a, [cx - hw, cy - hh, cx + hw, cy + hh]);
};
