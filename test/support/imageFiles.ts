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
