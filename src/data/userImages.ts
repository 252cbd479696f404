/**
 * The user's images for classification: an image folder (imageFolder.ts) or a manifest
 * (imageManifest.ts), checked whole, decoded once into a cache, and given to a learner as
 * image sets on disk. The pool is the labeled training items followed by the unlabeled ones;
 * the test set is the labeled test items (possibly none: then there is no metric).
 */
import { basename, dirname, resolve } from 'node:path';
import { InputError } from '../inputError.ts';
import { decodeImages, type ImageDecodeOptions } from './cachedImages.ts';
import { readImageFolder } from './imageFolder.ts';
import { checkNoDuplicates, resolveClasses, type ImageEntry } from './imageList.ts';
import { isManifestPath, readImageManifest } from './imageManifest.ts';
import { NO_LABEL, type Augmentation, type StoredImageSet } from './imageSet.ts';
import type { UserData } from './userData.ts';

/** How to read the user's classification data. */
export interface UserImageOptions extends ImageDecodeOptions {
  /** The class names, in label order (`--classes`); needed when no image has a label. */
  readonly classes?: ReadonlyArray<string>;
  /** Training augmentation (default: a shift of up to size/8 pixels and horizontal flips). */
  readonly augmentation?: Augmentation;
}

/** The user's classification data: the pool's `labels` hold {@link NO_LABEL} for unlabeled items. */
export type UserImageData = UserData<StoredImageSet, number>;

/**
 * Reads a folder or manifest for classification (see the module comment).
 * @param data the folder (ImageFolder convention) or `.csv`/`.jsonl` manifest
 * @param options size, channels, classes, cache folder, bad-file policy, progress
 * @returns the decoded data
 * @throws InputError for every bad-data case: one line naming the file and the field
 */
export const loadUserImages = async (data: string, options: UserImageOptions): Promise<UserImageData> => {
  const manifest = isManifestPath(data);
  const entries: ImageEntry[] = manifest ? readImageManifest(data) : readImageFolder(data);
  checkNoDuplicates(entries);
  const { classNames, labels } = resolveClasses(entries, options.classes, data);
  const poolIndex: number[] = [];
  const testIndex: number[] = [];
  entries.forEach((e, k) => {
    if (e.split === 'test') testIndex.push(k);
  });
  // The pool: labeled training items first, then the unlabeled ones.
  entries.forEach((e, k) => e.split === 'train' && poolIndex.push(k));
  entries.forEach((e, k) => e.split === 'unlabeled' && poolIndex.push(k));
  const root = manifest ? dirname(resolve(data)) : resolve(data);
  const poolEntries = poolIndex.map((k) => entries[k]!);
  const testEntries = testIndex.map((k) => entries[k]!);
  if (poolEntries.length === 0) throw new InputError(`${data}: no training or unlabeled images, so there is no pool`);
  const decoded = await decodeImages(root, poolEntries, testEntries, options);
  const { size, channels } = options;
  const augmentation = options.augmentation ?? { padding: Math.max(1, Math.round(size / 8)), flip: true };
  const name = basename(resolve(data));
  const setOf = (part: typeof decoded.pool, index: ReadonlyArray<number>, which: string): StoredImageSet => ({
    name: `${name}/${which}`,
    count: part.kept.length,
    height: size,
    width: size,
    channels,
    classes: classNames.length,
    labels: Uint8Array.from(part.kept, (k) => {
      const label = labels[index[k]!]!;
      return label < 0 ? NO_LABEL : label;
    }),
    mean: decoded.stats.mean,
    std: decoded.stats.std,
    classNames,
    augmentation,
    reader: part.reader,
  });
  const train = setOf(decoded.pool, poolIndex, 'pool');
  const test = setOf(decoded.test, testIndex, 'test');
  const given: Array<readonly [number, number]> = [];
  train.labels.forEach((label, id) => label !== NO_LABEL && given.push([id, label] as const));
  const kept = Array.from(decoded.pool.kept, (k) => poolEntries[k]!);
  return {
    name,
    source: resolve(data),
    split: { name, train, test },
    classNames,
    poolFiles: kept.map((e) => e.path),
    poolNames: kept.map((e) => e.name),
    given,
    unlabeled: train.count - given.length,
    originalSizes: decoded.pool.originalSizes,
    cache: decoded.cache,
    skipped: decoded.skipped,
    close: decoded.close,
  };
};
