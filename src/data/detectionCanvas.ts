/**
 * Detection data for the SSD-like task: canvases (64×64 by default) each holding 1 to 4 images
 * of a set (Fashion-MNIST) at random positions and scales with limited overlap, and one box per
 * item found from the item's own pixels, with the item's class. Deterministic per seed.
 *
 * Coordinates are in pixels from the canvas's top-left corner, x to the right and y down; pixel
 * (row i, column j) covers [j, j+1) × [i, i+1), so a box [x1, y1, x2, y2] has x1/y1 the first
 * lit column/row and x2/y2 one past the last.
 */
import { canvasSplit } from './canvasSplit.ts';
import { InputError } from '../inputError.ts';
import { deriveSeed, Rng, sampleWithoutReplacement } from '../ops/random.ts';
import type { DataSplit, ImageSet, StoredImageSet } from './imageSet.ts';
import { channelStats, type ChannelStats } from './normalize.ts';

/** The boxes of a set of images: count + 1 offsets into the boxes, their classes and sources. */
export interface DetectionBoxes {
  /** count + 1 offsets: canvas k's boxes are boxes boxStart[k] … boxStart[k+1]−1. */
  readonly boxStart: Uint32Array;
  /** 4 floats per box, [x1, y1, x2, y2] in canvas pixels. */
  readonly boxes: Float32Array;
  /** The class of each box, in [0, classes). */
  readonly boxClasses: Uint8Array;
  /** The index of each box's item in the source set (a COCO file: the image's index in the file). */
  readonly sourceIds: Uint32Array;
}

/**
 * Canvases with their boxes. As an ImageSet (normalise and batch it with `toBatch`) whose
 * `labels` are the class of each canvas's first item; it has no augmentation, since a crop or
 * flip would move the boxes.
 */
export interface DetectionSet extends ImageSet, DetectionBoxes {}

/** Images on disk with their boxes (a COCO file's, rescaled to the input size). */
export interface StoredDetectionSet extends StoredImageSet, DetectionBoxes {}

/** How detection canvases are made. */
export interface DetectionCanvasOptions {
  /** Seed of every random choice (which items, how many, their scales and positions). */
  readonly seed: number;
  /** Number of canvases. */
  readonly count: number;
  /** Canvas side in pixels (default 64). */
  readonly side?: number;
  /** Fewest and most items per canvas (defaults 1 and 4). */
  readonly minItems?: number;
  readonly maxItems?: number;
  /** Smallest and largest scale of an item (defaults 0.5 and 1.1: 14 to 31 pixels for 28×28). */
  readonly minScale?: number;
  readonly maxScale?: number;
  /** Largest IoU an item's box may have with any earlier box of its canvas (default 0.2). */
  readonly maxOverlap?: number;
  /** A pixel above this byte value belongs to the item's box (default 16). */
  readonly threshold?: number;
  /** Mean/std to give the set (default: its own; pass the training set's for a test set). */
  readonly stats?: ChannelStats;
  /** The new set's name (default: `<source name>-detection`). */
  readonly name?: string;
}

/** Placements tried per item before it is left out of its canvas. */
const PLACEMENT_TRIES = 20;

/** Checks the options against the source, returning them with defaults filled in. */
function checkedOptions(source: ImageSet, options: DetectionCanvasOptions) {
  const { seed, count, side = 64, minItems = 1, maxItems = 4, minScale = 0.5, maxScale = 1.1, maxOverlap = 0.2, threshold = 16 } = options;
  const where = 'detection canvas';
  if (!Number.isInteger(count) || count < 0) throw new InputError(`${where}: count must be a non-negative integer, got ${count}`);
  if (!Number.isInteger(side) || side < 1) throw new InputError(`${where}: side must be a positive integer, got ${side}`);
  if (!(Number.isInteger(minItems) && Number.isInteger(maxItems) && minItems >= 1 && minItems <= maxItems)) {
    throw new InputError(`${where}: items must satisfy 1 <= minItems <= maxItems (integers), got ${minItems} and ${maxItems}`);
  }
  if (!(minScale > 0 && minScale <= maxScale)) {
    throw new InputError(`${where}: scales must satisfy 0 < minScale <= maxScale, got ${minScale} and ${maxScale}`);
  }
  const largest = Math.max(Math.round(source.height * maxScale), Math.round(source.width * maxScale));
  if (largest > side) throw new InputError(`${where}: maxScale ${maxScale} makes a ${largest}-pixel item, larger than the ${side}x${side} canvas`);
  if (!(maxOverlap >= 0 && maxOverlap <= 1)) throw new InputError(`${where}: maxOverlap must lie in [0, 1], got ${maxOverlap}`);
  if (!(threshold >= 0 && threshold < 255)) throw new InputError(`${where}: threshold must lie in 0..254, got ${threshold}`);
  if (count > 0 && source.count === 0) throw new InputError(`${where}: the source set ${source.name} is empty`);
  return { seed, count, side, minItems, maxItems, minScale, maxScale, maxOverlap, threshold };
}

/**
 * Resizes item `id` of the source to sizeH × sizeW (bilinear, zero outside the item) into
 * `out` (sizeH·sizeW·channels bytes, HWC). At scale 1 it copies the item's bytes exactly.
 */
function resizeItem(source: ImageSet, id: number, sizeH: number, sizeW: number, out: Uint8Array): void {
  const { height: h, width: w, channels: ch, pixels } = source;
  const start = id * h * w * ch;
  const at = (y: number, x: number, c: number): number => (y >= 0 && y < h && x >= 0 && x < w ? pixels[start + (y * w + x) * ch + c]! : 0);
  for (let dy = 0; dy < sizeH; dy++) {
    const sy = ((dy + 0.5) * h) / sizeH - 0.5;
    const y0 = Math.floor(sy);
    const fy = sy - y0;
    for (let dx = 0; dx < sizeW; dx++) {
      const sx = ((dx + 0.5) * w) / sizeW - 0.5;
      const x0 = Math.floor(sx);
      const fx = sx - x0;
      for (let c = 0; c < ch; c++) {
        const top = (1 - fx) * at(y0, x0, c) + fx * at(y0, x0 + 1, c);
        const bottom = (1 - fx) * at(y0 + 1, x0, c) + fx * at(y0 + 1, x0 + 1, c);
        out[(dy * sizeW + dx) * ch + c] = Math.round((1 - fy) * top + fy * bottom);
      }
    }
  }
}

/** The box [x1, y1, x2, y2) of the pixels above the threshold in an HWC patch; undefined when none is. */
function litBox(patch: Uint8Array, sizeH: number, sizeW: number, channels: number, threshold: number): [number, number, number, number] | undefined {
  let x1 = sizeW;
  let y1 = sizeH;
  let x2 = -1;
  let y2 = -1;
  for (let y = 0; y < sizeH; y++) {
    for (let x = 0; x < sizeW; x++) {
      let lit = false;
      for (let c = 0; c < channels; c++) if (patch[(y * sizeW + x) * channels + c]! > threshold) lit = true;
      if (lit) {
        if (x < x1) x1 = x;
        if (x > x2) x2 = x;
        if (y < y1) y1 = y;
        if (y > y2) y2 = y;
      }
    }
  }
  return x2 < 0 ? undefined : [x1, y1, x2 + 1, y2 + 1];
}

/** Intersection over union of two boxes [x1, y1, x2, y2]. */
function overlap(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const w = Math.min(a[2]!, b[2]!) - Math.max(a[0]!, b[0]!);
  const h = Math.min(a[3]!, b[3]!) - Math.max(a[1]!, b[1]!);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / ((a[2]! - a[0]!) * (a[3]! - a[1]!) + (b[2]! - b[0]!) * (b[3]! - b[1]!) - inter);
}

/**
 * Makes `count` canvases of `side`×`side`, each with a uniform number of items in
 * [minItems, maxItems]. Each item is resized to round(28·s) pixels for a uniform scale s, and
 * placed anywhere it fits whole such that its box (its pixels above `threshold`) has an IoU of
 * at most `maxOverlap` with the boxes placed before it; after 20 failed placements the item is
 * left out (the first item always fits, so no canvas is empty). Items are composed by the
 * per-pixel maximum, so an overlap never erases an earlier item. Items are drawn without
 * replacement while there are enough (then the draw repeats). Deterministic per seed.
 * @param source the images to place (e.g. Fashion-MNIST's training split)
 * @param options seed, count, canvas side, items per canvas, scale range, overlap, threshold, stats
 * @returns the canvases as a {@link DetectionSet}
 * @example makeDetectionCanvases(train, { seed: 7, count: 1000 }) // 1,000 canvases of 64×64, 1–4 boxes each
 */
export function makeDetectionCanvases(source: ImageSet, options: DetectionCanvasOptions): DetectionSet {
  const { seed, count, side, minItems, maxItems, minScale, maxScale, maxOverlap, threshold } = checkedOptions(source, options);
  const channels = source.channels;
  const perCanvas = side * side * channels;
  const pixels = new Uint8Array(count * perCanvas);
  const labels = new Uint8Array(count);
  const boxStart = new Uint32Array(count + 1);
  const boxes: number[] = [];
  const boxClasses: number[] = [];
  const sourceIds: number[] = [];
  const drawn = count === 0 ? [] : sampleWithoutReplacement(Math.min(count * maxItems, source.count), deriveSeed(seed, 'detection', 'items'))(source.count);
  const rng = new Rng(deriveSeed(seed, 'detection', 'placement'));
  const largest = Math.max(Math.round(source.height * maxScale), Math.round(source.width * maxScale));
  const patch = new Uint8Array(largest * largest * channels);
  let next = 0;
  for (let k = 0; k < count; k++) {
    const items = minItems + rng.nextInt(maxItems - minItems + 1);
    const canvasStart = k * perCanvas;
    const placed: Array<readonly [number, number, number, number]> = [];
    for (let item = 0; item < items; item++) {
      const id = drawn[next++ % drawn.length]!;
      for (let attempt = 0; attempt < PLACEMENT_TRIES; attempt++) {
        const scale = minScale + (maxScale - minScale) * rng.nextFloat();
        const sizeH = Math.max(1, Math.round(source.height * scale));
        const sizeW = Math.max(1, Math.round(source.width * scale));
        const top = rng.nextInt(side - sizeH + 1);
        const left = rng.nextInt(side - sizeW + 1);
        resizeItem(source, id, sizeH, sizeW, patch);
        const lit = litBox(patch, sizeH, sizeW, channels, threshold);
        if (lit === undefined) break; // a blank item has no box: leave it out
        const box = [lit[0] + left, lit[1] + top, lit[2] + left, lit[3] + top] as const;
        if (placed.some((other) => overlap(other, box) > maxOverlap)) continue;
        for (let dy = 0; dy < sizeH; dy++) {
          for (let dx = 0; dx < sizeW * channels; dx++) {
            const o = canvasStart + ((top + dy) * side + left) * channels + dx;
            const v = patch[dy * sizeW * channels + dx]!;
            if (v > pixels[o]!) pixels[o] = v;
          }
        }
        if (placed.length === 0) labels[k] = source.labels[id]!;
        placed.push(box);
        boxes.push(...box);
        boxClasses.push(source.labels[id]!);
        sourceIds.push(id);
        break;
      }
    }
    boxStart[k + 1] = boxClasses.length;
  }
  const { mean, std } = options.stats ?? channelStats(pixels, channels);
  return {
    name: options.name ?? `${source.name}-detection`,
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
    boxStart,
    boxes: Float32Array.from(boxes),
    boxClasses: Uint8Array.from(boxClasses),
    sourceIds: Uint32Array.from(sourceIds),
  };
}

/**
 * Training and test canvases from a dataset split (see {@link canvasSplit}): training canvases
 * from its training items, test canvases from its test items, normalised with the training
 * canvases' mean/std.
 */
export const detectionSplit = canvasSplit<DetectionSet, DetectionCanvasOptions>(makeDetectionCanvases, 'detection');

/**
 * The boxes and classes of canvas k.
 * @param set the canvases
 * @param k a canvas index
 * @returns its boxes [x1, y1, x2, y2] with their classes, in placement order
 */
export function canvasBoxes(
  set: Pick<DetectionSet, 'boxStart' | 'boxes' | 'boxClasses'>,
  k: number,
): ReadonlyArray<{ readonly box: readonly [number, number, number, number]; readonly class: number }> {
  const out: Array<{ box: readonly [number, number, number, number]; class: number }> = [];
  for (let b = set.boxStart[k]!; b < set.boxStart[k + 1]!; b++) {
    out.push({ box: [set.boxes[4 * b]!, set.boxes[4 * b + 1]!, set.boxes[4 * b + 2]!, set.boxes[4 * b + 3]!], class: set.boxClasses[b]! });
  }
  return out;
}
