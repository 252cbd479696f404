import { encodeBox } from './boxCodec.ts';
import { iouWithCentreForm, type Box } from './boxes.ts';

/** A ground-truth object: its box and its class in [0, classes). */
export interface GroundTruth {
  readonly box: Box;
  readonly class: number;
}

/** SSD's matching threshold. */
export const MATCH_IOU = 0.5;

/**
 * SSD's matching of default boxes to ground truth: each ground truth first takes the anchor
 * that overlaps it most (so none is left unmatched; when two want the same anchor, the later
 * one keeps it), then every other anchor whose best IoU with any ground truth is ≥ `threshold`
 * is matched to that ground truth.
 *
 * Use it to build one image's training targets.
 *
 * @param anchors - flat centre-form [cx, cy, w, h] per anchor
 * @param boxes - the image's ground-truth boxes (corner form)
 * @param threshold - IoU at which an anchor is positive (default 0.5)
 * @returns for each anchor, the index of its ground truth, or −1 (background)
 * @example matchAnchors(Float32Array.of(5, 5, 10, 10, 50, 50, 10, 10), [[0, 0, 10, 10]]) // [0, -1]
 */
export const matchAnchors = (anchors: ArrayLike<number>, boxes: ReadonlyArray<Box>, threshold = MATCH_IOU): Int32Array => {
  const count = anchors.length / 4;
  const matched = new Int32Array(count).fill(-1);
  const best = new Float64Array(count).fill(-1);
  const forced = new Uint8Array(count);
  boxes.forEach((box, g) => {
    let bestAnchor = 0;
    let bestIou = -1;
    for (let a = 0; a < count; a++) {
      const v = iouWithCentreForm(box, anchors, a);
      if (v > best[a]!) {
        best[a] = v;
        if (forced[a] === 0) matched[a] = v >= threshold ? g : -1;
      }
      if (v > bestIou) {
        bestIou = v;
        bestAnchor = a;
      }
    }
    forced[bestAnchor] = 1;
    matched[bestAnchor] = g;
  });
  return matched;
};

/** The training targets of one image: a class per anchor (0 = background, c + 1 for class c) and 4 offsets per anchor. */
export interface AnchorTargets {
  readonly classes: Int32Array;
  /** 4 per anchor; zeros at background anchors. */
  readonly offsets: Float32Array;
}

/**
 * Encodes one image's ground truth as per-anchor targets: {@link matchAnchors}, then the class
 * (shifted by one, 0 being background) and the encoded box of each matched anchor.
 *
 * @param anchors - flat centre-form anchors
 * @param truths - the image's objects
 * @param threshold - the matching IoU (default 0.5)
 * @param out - optional buffers to write into (classes: anchors, offsets: 4·anchors)
 * @returns the targets
 */
export const encodeTargets = (anchors: ArrayLike<number>, truths: ReadonlyArray<GroundTruth>, threshold = MATCH_IOU, out?: AnchorTargets): AnchorTargets => {
  const count = anchors.length / 4;
  const classes = out?.classes ?? new Int32Array(count);
  const offsets = out?.offsets ?? new Float32Array(count * 4);
  const matched = matchAnchors(anchors, truths.map((t) => t.box), threshold);
  for (let a = 0; a < count; a++) {
    const g = matched[a]!;
    if (g < 0) {
      classes[a] = 0;
      offsets.fill(0, 4 * a, 4 * a + 4);
    } else {
      classes[a] = truths[g]!.class + 1;
      encodeBox(truths[g]!.box, anchors, a, offsets, 4 * a);
    }
  }
  return { classes, offsets };
};
