/**
 * A run directory's pool.json: for a run on the user's images, the image file of every pool
 * id, the class names and the original image sizes. `ll4al export` writes labels with their
 * image paths from it; a labeling page shows an item's image by pool id from it (poolItemFile).
 *
 *     {"task":"classification","source":"/data/photos","imageSize":32,"classNames":["cat","dog"],
 *      "files":["/data/photos/unlabeled/a.jpg", …],"names":["unlabeled/a.jpg", …],"originalSizes":[640,480, …]}
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isLeft } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { InputError } from '../inputError.ts';

/** The codec of pool.json. */
export const PoolIndex = t.intersection(
  [
    t.type({
      task: t.string,
      source: t.string,
      imageSize: t.number,
      classNames: t.array(t.string),
      /** The file of pool item k, as the process opens it. */
      files: t.array(t.string),
      /** The file of pool item k as the user names it (relative to the data). */
      names: t.array(t.string),
      /** Original width and height of pool item k at 2k, 2k+1. */
      originalSizes: t.array(t.number),
    }),
    t.partial({
      /** COCO data: the categories (class k is categories[k]) and each pool item's image id. */
      categories: t.array(t.type({ id: t.number, name: t.string })),
      cocoImageIds: t.array(t.number),
      /** Keypoints data: the names of the K keypoints. */
      keypointNames: t.array(t.string),
    }),
  ],
  'PoolIndex',
);
export type PoolIndex = t.TypeOf<typeof PoolIndex>;

/** The file name of the pool index in a run directory. */
export const POOL_INDEX_FILE = 'pool.json';

/**
 * Writes pool.json into a run directory (whole, then renamed: never half a file).
 * @param dir the run directory
 * @param index the pool's files and names
 */
export const writePoolIndex = (dir: string, index: PoolIndex): void => {
  const path = join(dir, POOL_INDEX_FILE);
  writeFileSync(`${path}.partial`, `${JSON.stringify(index)}\n`);
  renameSync(`${path}.partial`, path);
};

/**
 * Reads a run directory's pool.json.
 * @param dir the run directory
 * @returns the index, or undefined when the run is on built-in data (no pool.json)
 * @throws InputError when the file is there but not a pool index
 */
export const readPoolIndex = (dir: string): PoolIndex | undefined => {
  const path = join(dir, POOL_INDEX_FILE);
  if (!existsSync(path)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new InputError(`${path}: not JSON (${(error as Error).message.split('\n')[0]})`);
  }
  const decoded = PoolIndex.decode(json);
  if (isLeft(decoded)) throw new InputError(`${path}: not a pool index (${decoded.left[0]?.context.map((c) => c.key).filter((k) => k !== '').join('.') || 'top level'})`);
  return decoded.right;
};

/**
 * The image file of pool item `id` of a run on the user's images: what a labeling page shows.
 * @param index the run's pool index
 * @param id a pool id
 * @returns the file's path
 * @throws RangeError for an id outside the pool
 */
export const poolItemFile = (index: Pick<PoolIndex, 'files'>, id: number): string => {
  const file = index.files[id];
  if (!Number.isInteger(id) || file === undefined) throw new RangeError(`pool id ${id} is outside the pool of ${index.files.length}`);
  return file;
};
