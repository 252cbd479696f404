/**
 * From checked lists of image files (the pool and the test set) to image sets on disk: decoded
 * once into a cache (imageCache.ts), bad files left out when asked, normalised with the pool's
 * statistics, read a batch at a time. What the classification, detection and keypoints loaders
 * of the user's data share.
 */
import { join } from 'node:path';
import { InputError } from '../inputError.ts';
import { buildImageCache, cachedChannelStats, openCacheReader, type BadImage, type ImageCache } from './imageCache.ts';
import type { ImageChannels } from './imageDecode.ts';
import type { ImageEntry } from './imageList.ts';
import type { ItemReader } from './imageSet.ts';
import type { ChannelStats } from './normalize.ts';

/** How the user's images are decoded and cached. */
export interface ImageDecodeOptions {
  /** Side of the square input the model takes (`--image-size`). */
  readonly size: number;
  /** 1 (grey) or 3 (RGB) (`--channels`). */
  readonly channels: ImageChannels;
  /** The cache folder (default: `.ll4al-cache` in the data folder; `--cache-dir`). */
  readonly cacheDir?: string;
  /** Leave undecodable files out instead of stopping (`--skip-bad-images`). */
  readonly skipBad?: boolean;
  /** Files decoded at once (default: the cores). */
  readonly concurrency?: number;
  /** Decoding progress: (done, total). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** One side of the data (pool or test) after decoding: which entries are kept and how to read them. */
export interface DecodedPart {
  /** The kept entries' indices in the list given, in order: item k is list entry kept[k]. */
  readonly kept: Int32Array;
  readonly reader: ItemReader;
  /** Original width and height of item k at 2k, 2k+1. */
  readonly originalSizes: Uint32Array;
}

/** Both sides, the pool's statistics, the cache and what was left out. */
export interface DecodedImages {
  readonly pool: DecodedPart;
  readonly test: DecodedPart;
  readonly stats: ChannelStats;
  readonly cache: ImageCache;
  /** Files left out (only with skipBad). */
  readonly skipped: ReadonlyArray<BadImage>;
  /** Closes the cache file. */
  close(): void;
}

/**
 * Decodes (or finds in the cache) the pool's and the test set's files.
 * @param root the data folder (the default cache goes in it)
 * @param pool the pool's entries, in pool-id order
 * @param test the test set's entries
 * @param options size, channels, cache folder, bad-file policy, progress
 * @returns readers of both sides, on disk
 * @throws InputError for a bad file (unless skipBad) or a pool left empty
 */
export const decodeImages = async (
  root: string,
  pool: ReadonlyArray<ImageEntry>,
  test: ReadonlyArray<ImageEntry>,
  options: ImageDecodeOptions,
): Promise<DecodedImages> => {
  const { size, channels } = options;
  if (!(Number.isInteger(size) && size >= 8 && size <= 1024)) throw new InputError(`--image-size ${size}: expected an integer in 8..1024`);
  const cache = await buildImageCache([...pool, ...test].map((e) => e.path), {
    size,
    channels,
    cacheDir: options.cacheDir ?? join(root, '.ll4al-cache'),
    skipBad: options.skipBad,
    concurrency: options.concurrency,
    onProgress: options.onProgress,
  });
  const badSlots = new Set(cache.bad.map((b) => b.index));
  const file = openCacheReader(cache);
  const part = (offset: number, count: number): DecodedPart => {
    const keptList: number[] = [];
    for (let k = 0; k < count; k++) if (!badSlots.has(offset + k)) keptList.push(k);
    const kept = Int32Array.from(keptList);
    const slots = Int32Array.from(keptList, (k) => offset + k);
    const originalSizes = new Uint32Array(kept.length * 2);
    slots.forEach((slot, k) => originalSizes.set(cache.originalSizes.subarray(2 * slot, 2 * slot + 2), 2 * k));
    return {
      kept,
      originalSizes,
      reader: {
        read(id, out, at) {
          if (!(id >= 0 && id < slots.length)) throw new RangeError(`item ${id} is outside the ${slots.length} decoded images`);
          file.read(slots[id]!, out, at);
        },
      },
    };
  };
  const poolPart = part(0, pool.length);
  const testPart = part(pool.length, test.length);
  if (poolPart.kept.length === 0) {
    file.close();
    throw new InputError(`${root}: no image of the pool could be decoded`);
  }
  const stats = cachedChannelStats(poolPart.reader, Int32Array.from({ length: poolPart.kept.length }, (_, k) => k), size * size * channels, channels);
  return { pool: poolPart, test: testPart, stats, cache, skipped: cache.bad, close: () => file.close() };
};
