/**
 * Keypoint data for the pose-like task: canvases (48×48 by default) each holding one image of a
 * set (Fashion-MNIST) at a random position and scale, with 5 keypoints — the corners and the
 * centre of the item's bounding box, found from the canvas's own pixels. Deterministic per seed.
 *
 * Coordinates are in pixels from the canvas's top-left corner, x to the right and y down;
 * pixel (row i, column j) covers [j, j+1) × [i, i+1), so a box's left/top edges are the first
 * lit column/row and its right/bottom edges one past the last.
 */
import { canvasSplit } from './canvasSplit.ts';
import { InputError } from '../inputError.ts';
import { deriveSeed, Rng, sampleWithoutReplacement } from '../ops/random.ts';
import type { DataSplit, ImageSet, StoredImageSet } from './imageSet.ts';
import { channelStats, type ChannelStats } from './normalize.ts';

/** The 5 keypoints of a canvas, in the order of {@link KeypointSet.keypoints}. */
export const KEYPOINT_NAMES: ReadonlyArray<string> = ['top-left', 'top-right', 'bottom-right', 'bottom-left', 'centre'];

/** Number of keypoints per canvas. */
export const KEYPOINTS_PER_ITEM = 5;

/** The keypoints of a set of images. */
export interface KeypointParts {
  /**
   * count × K × (x, y) in input pixels, K = `keypointCount` (5 for canvases, in the order of
   * {@link KEYPOINT_NAMES}); NaN, NaN for a keypoint that is not labeled (COCO visibility 0).
   */
  readonly keypoints: Float32Array;
  /** For each item, the index of its source (a canvas: the item of the source set; COCO: the image in the file). */
  readonly sourceIds: Uint32Array;
  /** Keypoints per item (default {@link KEYPOINTS_PER_ITEM}). */
  readonly keypointCount?: number;
  /** Their names (default {@link KEYPOINT_NAMES}). */
  readonly keypointNames?: ReadonlyArray<string>;
  /** PCK's normalising length of each item (default: from the canvas's box corners, see pckLength). */
  readonly pckLengths?: Float32Array;
}

/**
 * Canvases with their keypoints. As an ImageSet (normalise and batch it with `toBatch`), whose
 * labels are the items' classes; it has no augmentation, since a crop or flip would move the
 * keypoints.
 */
export interface KeypointSet extends ImageSet, KeypointParts {}

/** Images on disk with their keypoints (a COCO person_keypoints file's, rescaled to the input size). */
export interface StoredKeypointSet extends StoredImageSet, KeypointParts {}

/** The keypoints per item of a set. */
export const keypointCountOf = (set: Pick<KeypointParts, 'keypointCount'>): number => set.keypointCount ?? KEYPOINTS_PER_ITEM;

/** How canvases are made. */
export interface KeypointCanvasOptions {
  /** Seed of every random choice (which items, their scales and positions). */
  readonly seed: number;
  /** Number of canvases. */
  readonly count: number;
  /** Canvas side in pixels (default 48). */
  readonly side?: number;
  /** Smallest and largest scale of an item (defaults 0.6 and 1.5: 17 to 42 pixels for 28×28). */
  readonly minScale?: number;
  readonly maxScale?: number;
  /** A pixel above this byte value belongs to the item's bounding box (default 16). */
  readonly threshold?: number;
  /** Mean/std to give the set (default: its own; pass the training set's for a test set). */
  readonly stats?: ChannelStats;
  /** The new set's name (default: `<source name>-keypoints`). */
  readonly name?: string;
}

/** Checks the options against the source, returning them with defaults filled in. */
function checkedOptions(source: ImageSet, options: KeypointCanvasOptions) {
  const { seed, count, side = 48, minScale = 0.6, maxScale = 1.5, threshold = 16 } = options;
  const where = 'keypoint canvas';
  if (!Number.isInteger(count) || count < 0) throw new InputError(`${where}: count must be a non-negative integer, got ${count}`);
  if (!Number.isInteger(side) || side < 1) throw new InputError(`${where}: side must be a positive integer, got ${side}`);
  if (!(minScale > 0 && minScale <= maxScale)) {
    throw new InputError(`${where}: scales must satisfy 0 < minScale <= maxScale, got ${minScale} and ${maxScale}`);
  }
  const largest = Math.max(Math.round(source.height * maxScale), Math.round(source.width * maxScale));
  if (largest > side) {
    throw new InputError(`${where}: maxScale ${maxScale} makes a ${largest}-pixel item, larger than the ${side}x${side} canvas`);
  }
  if (!(threshold >= 0 && threshold < 255)) throw new InputError(`${where}: threshold must lie in 0..254, got ${threshold}`);
  if (count > 0 && source.count === 0) throw new InputError(`${where}: the source set ${source.name} is empty`);
  return { seed, count, side, minScale, maxScale, threshold };
}

/**
 * Draws one item resized to sizeH × sizeW (bilinear, zero outside the item) onto a canvas at
 * (left, top). At scale 1 it copies the item's bytes exactly.
 */
function drawItem(
  source: ImageSet,
  id: number,
  canvas: Uint8Array,
  canvasStart: number,
  side: number,
  top: number,
  left: number,
  sizeH: number,
  sizeW: number,
): void {
  const { height: h, width: w, channels: ch, pixels } = source;
  const itemStart = id * h * w * ch;
  // Source column and weight of each canvas column (the same for every row).
  const xs = new Int32Array(sizeW);
  const fxs = new Float64Array(sizeW);
  for (let dx = 0; dx < sizeW; dx++) {
    const sx = ((dx + 0.5) * w) / sizeW - 0.5;
    xs[dx] = Math.floor(sx);
    fxs[dx] = sx - xs[dx]!;
  }
  for (let dy = 0; dy < sizeH; dy++) {
    const sy = ((dy + 0.5) * h) / sizeH - 0.5;
    const y0 = Math.floor(sy);
    const fy = sy - y0;
    const inTop = y0 >= 0 && y0 < h;
    const inBottom = y0 + 1 >= 0 && y0 + 1 < h;
    const rowTop = itemStart + y0 * w * ch;
    const rowBottom = rowTop + w * ch;
    for (let dx = 0; dx < sizeW; dx++) {
      const x0 = xs[dx]!;
      const fx = fxs[dx]!;
      const inLeft = x0 >= 0 && x0 < w;
      const inRight = x0 + 1 >= 0 && x0 + 1 < w;
      const o = canvasStart + ((top + dy) * side + left + dx) * ch;
      for (let c = 0; c < ch; c++) {
        const a = inTop && inLeft ? pixels[rowTop + x0 * ch + c]! : 0;
        const b = inTop && inRight ? pixels[rowTop + (x0 + 1) * ch + c]! : 0;
        const d = inBottom && inLeft ? pixels[rowBottom + x0 * ch + c]! : 0;
        const e = inBottom && inRight ? pixels[rowBottom + (x0 + 1) * ch + c]! : 0;
        canvas[o + c] = Math.round((1 - fy) * ((1 - fx) * a + fx * b) + fy * ((1 - fx) * d + fx * e));
      }
    }
  }
}

/**
 * The bounding box [x0, y0, x1, y1) of the canvas's pixels above the threshold (any channel);
 * the placed item's square when none is (an empty item).
 */
function litBox(
  canvas: Uint8Array,
  canvasStart: number,
  side: number,
  channels: number,
  threshold: number,
  placed: readonly [number, number, number, number],
): readonly [number, number, number, number] {
  // The canvas is blank outside the placed square, so only that square is scanned.
  let x0 = side;
  let y0 = side;
  let x1 = -1;
  let y1 = -1;
  for (let y = placed[1]; y < placed[3]; y++) {
    for (let x = placed[0]; x < placed[2]; x++) {
      const o = canvasStart + (y * side + x) * channels;
      let lit = false;
      for (let c = 0; c < channels; c++) if (canvas[o + c]! > threshold) lit = true;
      if (lit) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  return x1 < 0 ? placed : [x0, y0, x1 + 1, y1 + 1];
}

/**
 * Makes `count` canvases, each holding one item of `source` at a random scale and position,
 * with its 5 keypoints (box corners clockwise from top-left, then the centre) found from the
 * canvas pixels above `threshold`. The items are drawn without replacement while there are
 * enough (then the draw repeats); an item of scale s is resized to round(28·s) pixels and
 * placed anywhere it fits whole. Deterministic per seed.
 * @param source the images to place (e.g. Fashion-MNIST's training split)
 * @param options seed, count, canvas side, scale range, threshold, stats
 * @returns the canvases as a {@link KeypointSet}
 * @example makeKeypointCanvases(train, { seed: 7, count: 1000 }) // 1,000 canvases of 48×48
 */
export function makeKeypointCanvases(source: ImageSet, options: KeypointCanvasOptions): KeypointSet {
  const { seed, count, side, minScale, maxScale, threshold } = checkedOptions(source, options);
  const channels = source.channels;
  const perCanvas = side * side * channels;
  const pixels = new Uint8Array(count * perCanvas);
  const keypoints = new Float32Array(count * KEYPOINTS_PER_ITEM * 2);
  const labels = new Uint8Array(count);
  const sourceIds = new Uint32Array(count);
  const order = count === 0 ? [] : sampleWithoutReplacement(Math.min(count, source.count), deriveSeed(seed, 'keypoints', 'items'))(source.count);
  const rng = new Rng(deriveSeed(seed, 'keypoints', 'placement'));
  for (let k = 0; k < count; k++) {
    const id = order[k % order.length]!;
    const scale = minScale + (maxScale - minScale) * rng.nextFloat();
    const sizeH = Math.max(1, Math.round(source.height * scale));
    const sizeW = Math.max(1, Math.round(source.width * scale));
    const top = rng.nextInt(side - sizeH + 1);
    const left = rng.nextInt(side - sizeW + 1);
    drawItem(source, id, pixels, k * perCanvas, side, top, left, sizeH, sizeW);
    const [x0, y0, x1, y1] = litBox(pixels, k * perCanvas, side, channels, threshold, [left, top, left + sizeW, top + sizeH]);
    keypoints.set([x0, y0, x1, y0, x1, y1, x0, y1, (x0 + x1) / 2, (y0 + y1) / 2], k * KEYPOINTS_PER_ITEM * 2);
    labels[k] = source.labels[id]!;
    sourceIds[k] = id;
  }
  const { mean, std } = options.stats ?? channelStats(pixels, channels);
  return {
    name: options.name ?? `${source.name}-keypoints`,
    count,
    height: side,
    width: side,
    channels,
    classes: source.classes,
    pixels,
    labels,
    mean,
    std,
    ...(source.classNames === undefined ? {} : { classNames: source.classNames }),
    keypoints,
    sourceIds,
  };
}

/**
 * Training and test canvases from a dataset split (see {@link canvasSplit}): training canvases
 * from its training items, test canvases from its test items, normalised with the training
 * canvases' mean/std.
 */
export const keypointSplit = canvasSplit<KeypointSet, KeypointCanvasOptions>(makeKeypointCanvases, 'keypoints');

/**
 * The diagonal of canvas k's bounding box (from its top-left and bottom-right keypoints): the
 * normalising length of PCK (a keypoint is correct within 0.5 × this distance at PCK@0.5).
 * @param set the canvases
 * @param k the canvas
 * @returns the diagonal in pixels
 */
export function boxDiagonal(set: Pick<KeypointSet, 'keypoints'>, k: number): number {
  const o = k * KEYPOINTS_PER_ITEM * 2;
  return Math.hypot(set.keypoints[o + 4]! - set.keypoints[o]!, set.keypoints[o + 5]! - set.keypoints[o + 1]!);
}
