/**
 * Real images on disk for the user-data tests: items of the embedded Fashion-MNIST subset
 * written as PNG or JPEG files into the folder conventions, a manifest, and a COCO file, in a
 * temporary folder.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import type { ImageSet } from '../../src/data/imageSet.ts';

/** A new temporary folder (the caller removes it). */
export const tempDir = (prefix: string): string => mkdtempSync(join(tmpdir(), `ll4al-${prefix}-`));

/**
 * Encodes item `id` of an in-memory set as an image file.
 * @param set the source images
 * @param id the item
 * @param path where (its folder is made); the extension picks PNG (.png), JPEG (.jpg) or WebP (.webp)
 * @param scale enlarge the item this many times (nearest neighbour), to test resizing
 */
export const writeItemImage = async (set: ImageSet, id: number, path: string, scale = 1): Promise<void> => {
  const per = set.height * set.width * set.channels;
  const raw = Buffer.from(set.pixels.subarray(id * per, (id + 1) * per));
  let image = sharp(raw, { raw: { width: set.width, height: set.height, channels: set.channels as 1 | 3 } });
  if (scale !== 1) image = image.resize(set.width * scale, set.height * scale, { kernel: 'nearest' });
  const encoded = path.endsWith('.jpg') ? image.jpeg({ quality: 95 }) : path.endsWith('.webp') ? image.webp({ lossless: true }) : image.png();
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, await encoded.toBuffer());
};

/** The file name of item k of a split (PNG and JPEG alternate, so both decoders are used). */
export const itemFileName = (k: number): string => `item-${String(k).padStart(5, '0')}.${k % 2 === 0 ? 'png' : 'jpg'}`;

/**
 * Writes items of a set into `DIR/<split>/<class name>/item-NNNNN.png|jpg` (or `DIR/unlabeled/`).
 * @param set the source images
 * @param ids the items to write
 * @param dir the data folder
 * @param split 'train', 'test' or 'unlabeled'
 * @param className the folder of an item's class (default: its label's digit)
 * @returns the paths written, relative to dir, in the order of ids
 */
export const writeImageFolder = async (
  set: ImageSet,
  ids: ReadonlyArray<number>,
  dir: string,
  split: 'train' | 'test' | 'unlabeled',
  className: (label: number) => string = (label) => `class-${label}`,
): Promise<string[]> => {
  const names: string[] = [];
  for (const [k, id] of ids.entries()) {
    const rel = split === 'unlabeled' ? join('unlabeled', itemFileName(k)) : join(split, className(set.labels[id]!), itemFileName(k));
    await writeItemImage(set, id, join(dir, rel), 1 + (k % 3));
    names.push(rel);
  }
  return names;
};

/** One image entry of a COCO file the tests write. */
interface CocoFixtureImage {
  readonly id: number;
  readonly file_name: string;
  readonly width: number;
  readonly height: number;
}

/**
 * Writes detection canvases (src/data/detectionCanvas.ts, drawn from real Fashion-MNIST items)
 * as PNG files `images/canvas-NNNNN.png`, enlarged `scale` times, with a COCO `instances` file
 * of their boxes (in the enlarged pixels). Canvases in `unlabeledIds` are written without
 * annotations (the unlabeled pool).
 * @param set the canvases
 * @param dir the folder (the COCO file goes in it, images under images/)
 * @param file the COCO file's name
 * @param scale how many times each canvas is enlarged (the boxes with it)
 * @param unlabeledIds canvases written without annotations
 * @returns the COCO file's path and its content
 */
export const writeCocoDetection = async (
  set: import('../../src/data/detectionCanvas.ts').DetectionSet,
  dir: string,
  file: string,
  scale = 2,
  unlabeledIds: ReadonlySet<number> = new Set(),
): Promise<{ readonly path: string; readonly coco: { images: CocoFixtureImage[]; annotations: object[]; categories: object[] } }> => {
  const images: CocoFixtureImage[] = [];
  const annotations: object[] = [];
  for (let k = 0; k < set.count; k++) {
    const fileName = `images/${file.replace(/\.json$/, '')}-${String(k).padStart(5, '0')}.png`;
    await writeItemImage(set, k, join(dir, fileName), scale);
    images.push({ id: 100 + k, file_name: fileName, width: set.width * scale, height: set.height * scale });
    if (unlabeledIds.has(k)) continue;
    for (let b = set.boxStart[k]!; b < set.boxStart[k + 1]!; b++) {
      const [x1, y1, x2, y2] = [set.boxes[4 * b]! * scale, set.boxes[4 * b + 1]! * scale, set.boxes[4 * b + 2]! * scale, set.boxes[4 * b + 3]! * scale];
      annotations.push({ id: annotations.length + 1, image_id: 100 + k, category_id: set.boxClasses[b]! + 1, bbox: [x1, y1, x2 - x1, y2 - y1], area: (x2 - x1) * (y2 - y1), iscrowd: 0 });
    }
  }
  const categories = (set.classNames ?? Array.from({ length: set.classes }, (_, c) => String(c))).map((name, c) => ({ id: c + 1, name, supercategory: 'fashion' }));
  const coco = { images, annotations, categories };
  const path = join(dir, file);
  writeFileSync(path, JSON.stringify(coco));
  return { path, coco };
};

/**
 * Writes keypoint canvases (src/data/keypointCanvas.ts, from real Fashion-MNIST items) as PNG
 * files enlarged `scale` times, with a COCO person_keypoints-style file: one category with the
 * 5 named keypoints, one annotation per canvas (bbox from the corner keypoints). Canvases in
 * `unlabeledIds` get no annotation; in `hiddenIds`, the centre keypoint has visibility 0.
 * @param set the canvases
 * @param dir the folder
 * @param file the COCO file's name
 * @param scale enlargement
 * @param unlabeledIds canvases without an annotation
 * @param hiddenIds canvases whose centre point is not labeled
 * @returns the COCO file's path
 */
export const writeCocoKeypoints = async (
  set: import('../../src/data/keypointCanvas.ts').KeypointSet,
  dir: string,
  file: string,
  scale = 2,
  unlabeledIds: ReadonlySet<number> = new Set(),
  hiddenIds: ReadonlySet<number> = new Set(),
): Promise<string> => {
  const images: CocoFixtureImage[] = [];
  const annotations: object[] = [];
  for (let k = 0; k < set.count; k++) {
    const fileName = `images/${file.replace(/\.json$/, '')}-${String(k).padStart(5, '0')}.png`;
    await writeItemImage(set, k, join(dir, fileName), scale);
    images.push({ id: 500 + k, file_name: fileName, width: set.width * scale, height: set.height * scale });
    if (unlabeledIds.has(k)) continue;
    const points = Array.from(set.keypoints.subarray(k * 10, (k + 1) * 10), (v) => v * scale);
    const keypoints = [0, 1, 2, 3, 4].flatMap((p) => (p === 4 && hiddenIds.has(k) ? [0, 0, 0] : [points[2 * p]!, points[2 * p + 1]!, 2]));
    const [x1, y1, x2, y2] = [points[0]!, points[1]!, points[4]!, points[5]!];
    annotations.push({ id: annotations.length + 1, image_id: 500 + k, category_id: 1, bbox: [x1, y1, x2 - x1, y2 - y1], keypoints, num_keypoints: hiddenIds.has(k) ? 4 : 5, iscrowd: 0 });
  }
  const categories = [{ id: 1, name: 'garment', keypoints: ['top-left', 'top-right', 'bottom-right', 'bottom-left', 'centre'], skeleton: [] }];
  const path = join(dir, file);
  writeFileSync(path, JSON.stringify({ images, annotations, categories }));
  return path;
};
