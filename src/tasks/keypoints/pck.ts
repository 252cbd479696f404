/**
 * PCK (percentage of correct keypoints): a predicted keypoint is correct when it lies within
 * α × L of the true one, L a per-item normalising length.
 *
 * The keypoints task's L is a quarter of the item's bounding-box diagonal, so PCK@0.5 counts a
 * keypoint within 1/8 of the diagonal (3 to 7 pixels on 48×48 canvases). The full diagonal would
 * accept a guess of the box centre for every corner (half the diagonal away) and tell nothing;
 * a quarter of it plays the role of the head size in MPII's PCKh.
 */
import { boxDiagonal, KEYPOINTS_PER_ITEM, type KeypointParts } from '../../data/keypointCanvas.ts';
import { InputError } from '../../inputError.ts';

/** The fraction of the box diagonal used as PCK's normalising length. */
export const PCK_LENGTH_OF_DIAGONAL = 0.25;

/**
 * The normalising length of item k: the set's own `pckLengths[k]` when it has them (a COCO
 * file's: {@link PCK_LENGTH_OF_DIAGONAL} × the person box's diagonal), else
 * {@link PCK_LENGTH_OF_DIAGONAL} × the canvas's box diagonal.
 * @param set - canvases (or images) with keypoints
 * @param k - the item
 * @returns the length in pixels
 */
export const pckLength = (set: Pick<KeypointParts, 'keypoints' | 'pckLengths'>, k: number): number =>
  set.pckLengths !== undefined ? set.pckLengths[k]! : PCK_LENGTH_OF_DIAGONAL * boxDiagonal(set, k);

/**
 * The fraction of keypoints predicted within α × length of the truth.
 *
 * Use it as the keypoints task's metric (α = 0.5: PCK@0.5).
 *
 * @param predicted - count × keypoints × (x, y)
 * @param truth - the same layout; a NaN point (not labeled) is left out of the count
 * @param lengths - one normalising length per item
 * @param alpha - the threshold in lengths (default 0.5)
 * @param keypoints - keypoints per item (default 5)
 * @returns the fraction in [0, 1] (NaN for no item)
 * @throws InputError when the arrays disagree in size
 * @example pck([0,0], [3,4], [10]) // 1: 5 px ≤ 0.5 × 10, with 1 keypoint per item (keypoints = 1)
 */
export const pck = (
  predicted: ArrayLike<number>,
  truth: ArrayLike<number>,
  lengths: ArrayLike<number>,
  alpha = 0.5,
  keypoints = KEYPOINTS_PER_ITEM,
): number => {
  const count = lengths.length;
  if (predicted.length !== truth.length || truth.length !== count * keypoints * 2) {
    throw new InputError(`pck: ${predicted.length} predicted and ${truth.length} true coordinates for ${count} items of ${keypoints} keypoints`);
  }
  if (count === 0) return Number.NaN;
  let correct = 0;
  let labeled = 0;
  for (let item = 0; item < count; item++) {
    const limit = alpha * lengths[item]!;
    for (let p = 0; p < keypoints; p++) {
      const o = (item * keypoints + p) * 2;
      // A keypoint that is not labeled (NaN) is not counted.
      if (!(Number.isFinite(truth[o]!) && Number.isFinite(truth[o + 1]!))) continue;
      labeled++;
      if (Math.hypot(predicted[o]! - truth[o]!, predicted[o + 1]! - truth[o + 1]!) <= limit) correct++;
    }
  }
  return labeled > 0 ? correct / labeled : Number.NaN;
};
