/**
 * Loading a dataset by what the user asked for: the embedded Fashion-MNIST subset shipped in the
 * package, full Fashion-MNIST or MNIST from a folder of IDX files, or CIFAR-10 (binary version)
 * from a folder. The training split's per-channel mean/std normalise both splits.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../inputError.ts';
import { CIFAR10_CLASS_NAMES, CIFAR_CHANNELS, CIFAR_SIDE, readCifar10 } from './cifar.ts';
import { readIdxPair } from './idx.ts';
import type { Augmentation, DataSplit, ImageSet } from './imageSet.ts';
import { channelStats, type ChannelStats } from './normalize.ts';

/** What to load. `dir` is a folder the user named (`--data DIR`). */
export type DatasetSpec =
  | { readonly kind: 'embedded' }
  | { readonly kind: 'fashion-mnist' | 'mnist'; readonly dir: string }
  | { readonly kind: 'cifar10'; readonly dir: string };

/** The kinds of dataset {@link loadDataset} reads. */
export type DatasetKind = DatasetSpec['kind'];

/** The class names of Fashion-MNIST, in label order. */
export const FASHION_MNIST_CLASS_NAMES: ReadonlyArray<string> = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** The class names of MNIST: the digits. */
export const MNIST_CLASS_NAMES: ReadonlyArray<string> = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/**
 * The suggested training augmentation of each kind of data. A 28×28 image is shifted by up to
 * 2 pixels, a 32×32 CIFAR image by up to 4 (the reference recipe). Flips: on for CIFAR-10 and
 * Fashion-MNIST (a mirrored car or garment is still one), off for MNIST (a mirrored digit is
 * not a digit).
 */
export const DEFAULT_AUGMENTATION: Readonly<Record<DatasetKind, Augmentation>> = {
  embedded: { padding: 2, flip: true },
  'fashion-mnist': { padding: 2, flip: true },
  mnist: { padding: 2, flip: false },
  cifar10: { padding: 4, flip: true },
};

/** The class names of a kind of dataset, in label order. */
export function classNamesOf(kind: DatasetKind): ReadonlyArray<string> {
  return kind === 'cifar10' ? CIFAR10_CLASS_NAMES : kind === 'mnist' ? MNIST_CLASS_NAMES : FASHION_MNIST_CLASS_NAMES;
}

/**
 * The name of each item's class, for reports: `set.classNames` where the set has them, else
 * the label's digits.
 * @param set the set
 * @param ids the items (default: all)
 * @returns one class name per item
 */
export function labelsOf(set: ImageSet, ids?: ArrayLike<number>): string[] {
  const names = set.classNames;
  const n = ids === undefined ? set.count : ids.length;
  const out: string[] = [];
  for (let k = 0; k < n; k++) {
    const label = set.labels[ids === undefined ? k : ids[k]!]!;
    out.push(names?.[label] ?? String(label));
  }
  return out;
}

/** The folder of the embedded Fashion-MNIST subset, found from this file so any cwd works. */
export const EMBEDDED_DATA_DIR: string = fileURLToPath(new URL('../../data/fashion-mnist-embedded/', import.meta.url));

/** The IDX file names of MNIST and Fashion-MNIST, without `.gz`. */
export const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

async function requireDirectory(dir: string, kind: DatasetKind): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (info === undefined) throw new InputError(`${dir}: ${kind} data directory not found`);
  if (!info.isDirectory()) throw new InputError(`${dir}: expected a directory of ${kind} files, found a file`);
}

/** `base.gz` in dir when present, else `base`; neither → an InputError naming both. */
async function idxFile(dir: string, base: string): Promise<string> {
  for (const name of [`${base}.gz`, base]) {
    const path = join(dir, name);
    if ((await stat(path).catch(() => undefined))?.isFile()) return path;
  }
  throw new InputError(`${join(dir, base)}.gz: file not found (nor ${base} without .gz)`);
}

/** An image set of raw parts, with the given normalisation. */
function imageSetOf(
  parts: { name: string; count: number; height: number; width: number; channels: number; pixels: Uint8Array; labels: Uint8Array },
  stats: ChannelStats,
  classNames: ReadonlyArray<string>,
  augmentation: Augmentation,
): ImageSet {
  return { ...parts, classes: classNames.length, mean: stats.mean, std: stats.std, classNames, augmentation };
}

async function loadIdxDataset(dir: string, kind: 'fashion-mnist' | 'mnist' | 'embedded', name: string): Promise<DataSplit> {
  await requireDirectory(dir, kind);
  // One after the other, so the first missing file in this order is the one reported.
  const trainImages = await idxFile(dir, IDX_FILES.trainImages);
  const trainLabels = await idxFile(dir, IDX_FILES.trainLabels);
  const testImages = await idxFile(dir, IDX_FILES.testImages);
  const testLabels = await idxFile(dir, IDX_FILES.testLabels);
  const expect = { classes: 10, height: 28, width: 28 };
  const [train, test] = await Promise.all([
    readIdxPair(trainImages, trainLabels, expect),
    readIdxPair(testImages, testLabels, expect),
  ]);
  const stats = channelStats(train.images.pixels, 1);
  const classNames = classNamesOf(kind);
  const augmentation = DEFAULT_AUGMENTATION[kind];
  const setOf = (split: typeof train, which: string): ImageSet =>
    imageSetOf(
      { name: `${name}/${which}`, count: split.images.count, height: split.images.height, width: split.images.width, channels: 1, pixels: split.images.pixels, labels: split.labels },
      stats,
      classNames,
      augmentation,
    );
  return { name, train: setOf(train, 'train'), test: setOf(test, 'test') };
}

async function loadCifar10(dir: string): Promise<DataSplit> {
  await requireDirectory(dir, 'cifar10');
  const { train, test, classNames } = await readCifar10(dir);
  const stats = channelStats(train.pixels, CIFAR_CHANNELS);
  const setOf = (batch: typeof train, which: string): ImageSet =>
    imageSetOf(
      { name: `cifar10/${which}`, count: batch.count, height: CIFAR_SIDE, width: CIFAR_SIDE, channels: CIFAR_CHANNELS, pixels: batch.pixels, labels: batch.labels },
      stats,
      classNames,
      DEFAULT_AUGMENTATION.cifar10,
    );
  return { name: 'cifar10', train: setOf(train, 'train'), test: setOf(test, 'test') };
}

let embedded: Promise<DataSplit> | undefined;

/**
 * Loads a dataset's training and test splits as raw-byte image sets, both normalised with the
 * training split's per-channel mean/std, with class names and the suggested augmentation.
 * A missing folder or file, or a bad file, is an InputError naming the path. The embedded
 * split is read once per process and shared: treat its bytes as read-only, as ImageSet says.
 * @param spec `{ kind: 'embedded' }` (the default: 10,000 + 2,000 Fashion-MNIST items shipped
 *   in `data/fashion-mnist-embedded/`), `{ kind: 'fashion-mnist' | 'mnist', dir }` (the four IDX
 *   files, `.gz` or raw) or `{ kind: 'cifar10', dir }` (the binary version's batch files)
 * @returns the split
 * @example const { train, test } = await loadDataset({ kind: 'embedded' });
 */
export async function loadDataset(spec: DatasetSpec): Promise<DataSplit> {
  switch (spec.kind) {
    case 'embedded':
      // Read once per process: the files never change and every run and test starts from them.
      embedded ??= loadIdxDataset(EMBEDDED_DATA_DIR, 'embedded', 'fashion-mnist-embedded').catch((e: unknown) => {
        embedded = undefined;
        throw e;
      });
      return embedded;
    case 'fashion-mnist':
    case 'mnist':
      return loadIdxDataset(spec.dir, spec.kind, spec.kind);
    case 'cifar10':
      return loadCifar10(spec.dir);
  }
}
