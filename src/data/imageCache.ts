/**
 * The decode-once cache of a list of image files: every file decoded and resized (see
 * imageDecode.ts) into one file of uint8 bytes, `count × size × size × channels`, NHWC, beside
 * a JSON index (original sizes, files that could not be decoded). Decoding runs `concurrency`
 * files at a time (libvips works on libuv's thread pool, one thread per image, so the cores
 * share the images); a later call
 * with the same files (path, size, modification time), size and channels reads the cache and
 * decodes nothing. The bytes stay on disk: {@link openCacheReader} reads an item with one
 * positioned read, so a pool larger than memory costs memory per batch, not per pool.
 *
 * A cache is written under a temporary name and renamed when complete: an interrupted or failed
 * pass leaves nothing that a later run could take for a cache.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { InputError } from '../inputError.ts';
import { decodeImage, ImageDecodeError, type ImageChannels } from './imageDecode.ts';
import { countBytes, statsOfHistogram, type ChannelStats } from './normalize.ts';

/** Bumped when the cache's layout or the decoding changes, so old caches are not read. */
const CACHE_VERSION = 1;

/** How to decode and where to keep the cache. */
export interface ImageCacheOptions {
  /** Side of the square images the model takes (`--image-size`). */
  readonly size: number;
  readonly channels: ImageChannels;
  /** The folder the cache files go to (made when missing). */
  readonly cacheDir: string;
  /** Leave files that cannot be decoded out (listed in `bad`) instead of stopping (`--skip-bad-images`). */
  readonly skipBad?: boolean;
  /** Files decoded at once (default: 4 × the machine's cores, so libuv's threads never wait on this thread's writes). */
  readonly concurrency?: number;
  /** Called as files are decoded: (done, total). Not called when the cache is reused. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** A file that could not be decoded, and why. */
export interface BadImage {
  readonly index: number;
  readonly path: string;
  readonly reason: string;
}

/** A complete cache: where its bytes are, and what the index says. */
export interface ImageCache {
  /** The bytes: count × size × size × channels, NHWC, in the order of the files given. */
  readonly file: string;
  readonly count: number;
  readonly size: number;
  readonly channels: ImageChannels;
  /** Original width and height of file k at 2k, 2k+1 (0, 0 for a bad file). */
  readonly originalSizes: Uint32Array;
  /** Files left out (their bytes are zeros): only with `skipBad`. */
  readonly bad: ReadonlyArray<BadImage>;
  /** Files decoded by this call: 0 when the cache was already there. */
  readonly decoded: number;
}

interface CacheIndex {
  readonly version: number;
  readonly count: number;
  readonly size: number;
  readonly channels: number;
  readonly originalSizes: ReadonlyArray<number>;
  readonly bad: ReadonlyArray<BadImage>;
}

/**
 * The cache key of a list of files: their paths, sizes and modification times, and the
 * decoding. Stat'ed a chunk at a time and hashed in order, so a list of 100,000 files never
 * holds 100,000 results at once.
 */
const cacheKey = async (paths: ReadonlyArray<string>, size: number, channels: number): Promise<string> => {
  const limit = pLimit(64);
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ version: CACHE_VERSION, size, channels }));
  const chunk = 4096;
  for (let from = 0; from < paths.length; from += chunk) {
    const lines = await Promise.all(
      paths.slice(from, from + chunk).map((path) =>
        limit(async () => {
          const s = await stat(path).catch(() => undefined);
          return s === undefined ? `${path}\0missing\n` : `${path}\0${s.size}\0${s.mtimeMs}\n`;
        }),
      ),
    );
    for (const line of lines) hash.update(line);
  }
  return hash.digest('hex').slice(0, 24);
};

/** The index of a cache when it is complete and matches, else undefined. */
const readIndex = (indexPath: string, count: number, size: number, channels: number): CacheIndex | undefined => {
  if (!existsSync(indexPath)) return undefined;
  try {
    const index = JSON.parse(readFileSync(indexPath, 'utf8')) as CacheIndex;
    return index.version === CACHE_VERSION && index.count === count && index.size === size && index.channels === channels ? index : undefined;
  } catch {
    return undefined;
  }
};

/** The one line of a bad file, with what to do about it. */
const badImageError = (bad: BadImage): InputError =>
  new InputError(`${bad.path}: ${bad.reason}; fix or remove it, or pass --skip-bad-images to leave it out`);

/**
 * Decodes `paths` into a cache in `options.cacheDir`, or finds the cache a previous call made.
 *
 * Use it once per dataset before training; read items with {@link openCacheReader}.
 * @param paths the image files, in item order
 * @param options size, channels, cache folder, what to do with bad files, concurrency, progress
 * @returns the cache
 * @throws InputError naming the first file that cannot be decoded (unless `skipBad`), or a cache folder that cannot be written
 */
export const buildImageCache = async (paths: ReadonlyArray<string>, options: ImageCacheOptions): Promise<ImageCache> => {
  const { size, channels, cacheDir, skipBad = false } = options;
  const per = size * size * channels;
  const key = await cacheKey(paths, size, channels);
  const file = join(cacheDir, `${key}.u8`);
  const indexPath = join(cacheDir, `${key}.json`);
  const found = readIndex(indexPath, paths.length, size, channels);
  if (found !== undefined && existsSync(file)) {
    if (!skipBad && found.bad.length > 0) throw badImageError(found.bad[0]!);
    return { file, count: paths.length, size, channels, originalSizes: Uint32Array.from(found.originalSizes), bad: found.bad, decoded: 0 };
  }
  try {
    mkdirSync(cacheDir, { recursive: true });
  } catch (error) {
    throw new InputError(`${cacheDir}: cannot make the image cache folder (${(error as NodeJS.ErrnoException).code}); choose another with --cache-dir`);
  }
  const partial = `${file}.${process.pid}.partial`;
  let fd: number;
  try {
    fd = openSync(partial, 'w');
  } catch (error) {
    throw new InputError(`${cacheDir}: cannot write the image cache (${(error as NodeJS.ErrnoException).code}); choose another folder with --cache-dir`);
  }
  const originalSizes = new Uint32Array(paths.length * 2);
  const bad: BadImage[] = [];
  let done = 0;
  let stopped: BadImage | undefined;
  try {
    ftruncateSync(fd, paths.length * per);
    const limit = pLimit(Math.max(1, options.concurrency ?? 4 * availableParallelism()));
    await Promise.all(
      paths.map((path, index) =>
        limit(async () => {
          if (stopped !== undefined) return;
          try {
            const image = await decodeImage(path, size, channels);
            writeSync(fd, image.bytes, 0, per, index * per);
            originalSizes[2 * index] = image.width;
            originalSizes[2 * index + 1] = image.height;
          } catch (error) {
            if (!(error instanceof ImageDecodeError)) throw error;
            const entry = { index, path, reason: error.reason };
            if (skipBad) bad.push(entry);
            else stopped ??= entry;
          }
          done++;
          options.onProgress?.(done, paths.length);
        }),
      ),
    );
    closeSync(fd);
    if (stopped !== undefined) throw badImageError(stopped);
    bad.sort((a, b) => a.index - b.index);
    renameSync(partial, file);
    const index: CacheIndex = { version: CACHE_VERSION, count: paths.length, size, channels, originalSizes: Array.from(originalSizes), bad };
    writeFileSync(`${indexPath}.partial`, JSON.stringify(index));
    renameSync(`${indexPath}.partial`, indexPath);
  } catch (error) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(partial, { force: true });
    throw error;
  }
  return { file, count: paths.length, size, channels, originalSizes, bad, decoded: paths.length - bad.length };
};

/** A reader of a cache's items by slot, with the file it keeps open. */
export interface CacheReader {
  /** Copies slot `slot`'s bytes into `out` from `offset`. */
  read(slot: number, out: Uint8Array, offset: number): void;
  /** Closes the file (reads after it throw). */
  close(): void;
}

/**
 * Opens a cache for positioned reads: one `pread` of an item's bytes per call, through the OS
 * page cache. Nothing of the file is held in this process's memory.
 * @param cache the cache
 * @returns the reader
 */
export const openCacheReader = (cache: Pick<ImageCache, 'file' | 'size' | 'channels' | 'count'>): CacheReader => {
  const per = cache.size * cache.size * cache.channels;
  let fd: number | undefined = openSync(cache.file, 'r');
  return {
    read(slot, out, offset) {
      if (fd === undefined) throw new Error(`image cache ${cache.file} is closed`);
      if (!(slot >= 0 && slot < cache.count)) throw new RangeError(`image cache ${cache.file}: slot ${slot} is outside 0..${cache.count - 1}`);
      const n = readSync(fd, out, offset, per, slot * per);
      if (n !== per) throw new Error(`image cache ${cache.file}: short read of slot ${slot} (${n} of ${per} bytes)`);
    },
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
};

/**
 * Per-channel mean and std of pixel/255 over some slots of a cache, read
 * item by item (exact: a histogram of the byte values, as `channelStats`).
 * @param reader the cache's reader
 * @param slots the slots to count (e.g. the pool's, never the test set's)
 * @param per bytes per item
 * @param channels channels per pixel
 * @returns the statistics
 */
export const cachedChannelStats = (reader: Pick<CacheReader, 'read'>, slots: ArrayLike<number>, per: number, channels: number): ChannelStats => {
  const hist = new Float64Array(256 * channels);
  const item = new Uint8Array(per);
  for (let k = 0; k < slots.length; k++) {
    reader.read(slots[k]!, item, 0);
    countBytes(hist, item, channels);
  }
  return statsOfHistogram(hist, channels);
};
