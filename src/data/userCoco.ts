/**
 * The user's COCO files for detection and keypoints: the pool's file (images with annotations are labeled,
 * images without are the unlabeled pool) and optionally a test file, decoded once into a cache
 * at the detector's input size, boxes rescaled with the image (x by size/width, y by
 * size/height, as the image is resized to fill the square), keypoints likewise.
 */
import { basename, resolve } from 'node:path';
import { InputError } from '../inputError.ts';
import { decodeImages, type DecodedPart, type ImageDecodeOptions } from './cachedImages.ts';
import { readCocoFile, type CocoData, type CocoImageEntry } from './cocoFile.ts';
import type { StoredDetectionSet } from './detectionCanvas.ts';
import type { StoredKeypointSet } from './keypointCanvas.ts';
import type { ImageEntry } from './imageList.ts';
import { NO_LABEL, type ImageSource } from './imageSet.ts';
import type { UserData } from './userData.ts';

/** A detection label in the learner's coordinates (the input square's pixels). */
export type CocoDetectionLabel = ReadonlyArray<{ readonly box: readonly [number, number, number, number]; readonly class: number }>;

/** Where the COCO files are and how to decode their images. */
export interface UserCocoOptions extends ImageDecodeOptions {
  /** The test set's COCO file (`--test-data`); without it there is no metric. */
  readonly testFile?: string;
  /** The folder `file_name`s are relative to (`--images`; default: each JSON file's folder). */
  readonly images?: string;
}

/** The user's COCO detection data. */
export type UserCocoDetection = UserData<StoredDetectionSet, CocoDetectionLabel> & { readonly coco: CocoData; readonly testCoco?: CocoData };

const entryOf = (coco: CocoData, split: 'train' | 'test') => (image: CocoImageEntry): ImageEntry => ({
  path: image.path,
  name: image.fileName,
  split,
  where: `${basename(coco.file)} image ${image.id}`,
});

/** Image k's objects rescaled to a side × side square. */
const rescaled = (image: CocoImageEntry, side: number): CocoDetectionLabel =>
  image.objects.map((o) => {
    const sx = side / image.width;
    const sy = side / image.height;
    return { box: [o.box[0] * sx, o.box[1] * sy, o.box[2] * sx, o.box[3] * sy] as const, class: o.class };
  });

/** The boxes of the kept images of a part, as a detection set's arrays. */
const boxesOf = (images: ReadonlyArray<CocoImageEntry>, part: DecodedPart, side: number) => {
  const boxStart = new Uint32Array(part.kept.length + 1);
  const boxes: number[] = [];
  const classes: number[] = [];
  const sources: number[] = [];
  const labels = new Uint8Array(part.kept.length);
  part.kept.forEach((index, k) => {
    const objects = rescaled(images[index]!, side);
    for (const o of objects) {
      boxes.push(...o.box);
      classes.push(o.class);
      sources.push(index);
    }
    labels[k] = objects[0]?.class ?? NO_LABEL;
    boxStart[k + 1] = classes.length;
  });
  return { boxStart, boxes: Float32Array.from(boxes), boxClasses: Uint8Array.from(classes), sourceIds: Uint32Array.from(sources), labels };
};

/** What every COCO task's user data holds once its images are decoded (detection and keypoints alike). */
const cocoUserData = <S extends ImageSource, L>(
  file: string,
  split: { readonly name: string; readonly train: S; readonly test: S },
  classNames: ReadonlyArray<string>,
  kept: ReadonlyArray<CocoImageEntry>,
  given: ReadonlyArray<readonly [number, L]>,
  decoded: Awaited<ReturnType<typeof decodeImages>>,
  coco: CocoData,
  testCoco: CocoData | undefined,
): UserData<S, L> & { readonly coco: CocoData; readonly testCoco?: CocoData } => ({
  name: split.name,
  source: resolve(file),
  split,
  classNames,
  poolFiles: kept.map((i) => i.path),
  poolNames: kept.map((i) => i.fileName),
  given,
  unlabeled: kept.length - given.length,
  originalSizes: decoded.pool.originalSizes,
  cache: decoded.cache,
  skipped: decoded.skipped,
  close: decoded.close,
  coco,
  ...(testCoco === undefined ? {} : { testCoco }),
});

/**
 * Reads COCO `instances` files for detection.
 * @param file the pool's COCO file
 * @param options test file, image folder, input size, channels, cache, bad-file policy
 * @returns the decoded data, boxes in the input square's pixels
 * @throws InputError naming the file and field of every bad-data case
 */
export const loadCocoDetection = async (file: string, options: UserCocoOptions): Promise<UserCocoDetection> => {
  const coco = readCocoFile(file, 'detection', options.images);
  const testCoco = options.testFile === undefined ? undefined : readCocoFile(options.testFile, 'detection', options.images);
  if (testCoco !== undefined) {
    const names = (c: CocoData): string => c.categories.map((k) => `${k.id}:${k.name}`).join(',');
    if (names(coco) !== names(testCoco)) throw new InputError(`${options.testFile}: field categories differs from ${basename(file)}'s (the test set must use the same categories)`);
    const poolFiles = new Set(coco.images.map((i) => i.path));
    const shared = testCoco.images.find((i) => poolFiles.has(i.path));
    if (shared !== undefined) throw new InputError(`${options.testFile}: duplicate path "${shared.fileName}" (field file_name): the image is also in ${basename(file)}`);
  }
  const testImages = testCoco?.images ?? [];
  const unlabeledTest = testImages.find((i) => i.objects.length === 0);
  if (unlabeledTest !== undefined) throw new InputError(`${options.testFile}: image ${unlabeledTest.id} (${unlabeledTest.fileName}) has no annotations; every test image needs its boxes`);
  const decoded = await decodeImages(resolve(file, '..'), coco.images.map(entryOf(coco, 'train')), testImages.map(entryOf(testCoco ?? coco, 'test')), options);
  checkSizes(coco, decoded.pool);
  if (testCoco !== undefined) checkSizes(testCoco, decoded.test);
  const { size, channels } = options;
  const classNames = coco.categories.map((c) => c.name);
  const name = basename(file).replace(/\.json$/i, '');
  const setOf = (images: ReadonlyArray<CocoImageEntry>, part: DecodedPart, which: string): StoredDetectionSet => ({
    name: `${name}/${which}`,
    count: part.kept.length,
    height: size,
    width: size,
    channels,
    classes: classNames.length,
    mean: decoded.stats.mean,
    std: decoded.stats.std,
    classNames,
    reader: part.reader,
    ...boxesOf(images, part, size),
  });
  const train = setOf(coco.images, decoded.pool, 'pool');
  const test = setOf(testImages, decoded.test, 'test');
  const kept = Array.from(decoded.pool.kept, (k) => coco.images[k]!);
  const given: Array<readonly [number, CocoDetectionLabel]> = [];
  kept.forEach((image, id) => image.objects.length > 0 && given.push([id, rescaled(image, size)] as const));
  return cocoUserData(file, { name, train, test }, classNames, kept, given, decoded, coco, testCoco);
};

/** A keypoints label in the learner's coordinates: K points, null where not labeled. */
export type CocoKeypointsLabel = ReadonlyArray<readonly [number, number] | null>;

/** The user's COCO keypoints data. */
export type UserCocoKeypoints = UserData<StoredKeypointSet, CocoKeypointsLabel> & { readonly coco: CocoData; readonly testCoco?: CocoData };

/** The fraction of the person box's diagonal used as PCK's length (as for the canvases). */
const PCK_FRACTION = 0.25;

/** The keypoints and PCK lengths of the kept images of a part, in a side × side square. */
const keypointsOfPart = (images: ReadonlyArray<CocoImageEntry>, part: DecodedPart, side: number, K: number) => {
  const keypoints = new Float32Array(part.kept.length * K * 2).fill(Number.NaN);
  const pckLengths = new Float32Array(part.kept.length);
  const sourceIds = Uint32Array.from(part.kept);
  part.kept.forEach((index, k) => {
    const image = images[index]!;
    const person = image.objects[0];
    if (person === undefined) return;
    const sx = side / image.width;
    const sy = side / image.height;
    for (let p = 0; p < K; p++) {
      keypoints[(k * K + p) * 2] = person.keypoints![2 * p]! * sx;
      keypoints[(k * K + p) * 2 + 1] = person.keypoints![2 * p + 1]! * sy;
    }
    pckLengths[k] = PCK_FRACTION * Math.hypot((person.box[2] - person.box[0]) * sx, (person.box[3] - person.box[1]) * sy);
  });
  return { keypoints, pckLengths, sourceIds };
};

/**
 * Reads COCO `person_keypoints`-style files for the keypoints task: one category with K named
 * keypoints, at most one annotated person per image (images without one are the unlabeled pool).
 * @param file the pool's COCO file
 * @param options test file, image folder, input size, channels, cache, bad-file policy
 * @returns the decoded data, keypoints in the input square's pixels (NaN / null where not labeled)
 * @throws InputError naming the file and field of every bad-data case
 */
export const loadCocoKeypoints = async (file: string, options: UserCocoOptions): Promise<UserCocoKeypoints> => {
  const coco = readCocoFile(file, 'keypoints', options.images);
  const testCoco = options.testFile === undefined ? undefined : readCocoFile(options.testFile, 'keypoints', options.images);
  const K = coco.keypointNames!.length;
  if (testCoco !== undefined && testCoco.keypointNames!.join(',') !== coco.keypointNames!.join(',')) {
    throw new InputError(`${options.testFile}: field categories[0].keypoints differs from ${basename(file)}'s (the test set must name the same keypoints)`);
  }
  const testImages = testCoco?.images ?? [];
  const unlabeledTest = testImages.find((i) => i.objects.length === 0);
  if (unlabeledTest !== undefined) throw new InputError(`${options.testFile}: image ${unlabeledTest.id} (${unlabeledTest.fileName}) has no annotated person; every test image needs its keypoints`);
  const decoded = await decodeImages(resolve(file, '..'), coco.images.map(entryOf(coco, 'train')), testImages.map(entryOf(testCoco ?? coco, 'test')), options);
  checkSizes(coco, decoded.pool);
  if (testCoco !== undefined) checkSizes(testCoco, decoded.test);
  const { size, channels } = options;
  const classNames = coco.categories.map((c) => c.name);
  const name = basename(file).replace(/\.json$/i, '');
  const setOf = (images: ReadonlyArray<CocoImageEntry>, part: DecodedPart, which: string): StoredKeypointSet => ({
    name: `${name}/${which}`,
    count: part.kept.length,
    height: size,
    width: size,
    channels,
    classes: 1,
    labels: Uint8Array.from(part.kept, (k) => (images[k]!.objects.length > 0 ? 0 : NO_LABEL)),
    mean: decoded.stats.mean,
    std: decoded.stats.std,
    classNames,
    reader: part.reader,
    keypointCount: K,
    keypointNames: coco.keypointNames!,
    ...keypointsOfPart(images, part, size, K),
  });
  const train = setOf(coco.images, decoded.pool, 'pool');
  const test = setOf(testImages, decoded.test, 'test');
  const kept = Array.from(decoded.pool.kept, (k) => coco.images[k]!);
  const given: Array<readonly [number, CocoKeypointsLabel]> = [];
  kept.forEach((image, id) => {
    if (image.objects.length === 0) return;
    given.push([id, Array.from({ length: K }, (_, p) => {
      const x = train.keypoints[(id * K + p) * 2]!;
      const y = train.keypoints[(id * K + p) * 2 + 1]!;
      return Number.isFinite(x) ? ([x, y] as const) : null;
    })] as const);
  });
  return cocoUserData(file, { name, train, test }, classNames, kept, given, decoded, coco, testCoco);
};

/** Refuses a COCO file whose width and height are not its images' (its boxes would be scaled wrong). */
const checkSizes = (coco: CocoData, part: DecodedPart): void => {
  part.kept.forEach((index, k) => {
    const image = coco.images[index]!;
    const w = part.originalSizes[2 * k]!;
    const h = part.originalSizes[2 * k + 1]!;
    if (w !== image.width || h !== image.height) {
      throw new InputError(`${basename(coco.file)}: image ${image.id} (${image.fileName}): fields width and height say ${image.width}x${image.height}, the file is ${w}x${h}`);
    }
  });
};
