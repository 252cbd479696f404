/**
 * CIFAR-10, binary version: `data_batch_1.bin` … `data_batch_5.bin`, `test_batch.bin` and
 * `batches.meta.txt` (one class name a line). Each record is 1 label byte followed by
 * 3,072 pixel bytes in planar CHW order (1,024 red, 1,024 green, 1,024 blue, rows of 32);
 * the reader turns them into interleaved HWC, the layout of an {@link ImageSet}.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../inputError.ts';
import { readFileBytes } from './idx.ts';

/** Image side, channels, pixel bytes and record bytes of CIFAR-10. */
export const CIFAR_SIDE = 32;
export const CIFAR_CHANNELS = 3;
export const CIFAR_PIXEL_BYTES = CIFAR_SIDE * CIFAR_SIDE * CIFAR_CHANNELS;
export const CIFAR_RECORD_BYTES = 1 + CIFAR_PIXEL_BYTES;

/** The class names of CIFAR-10, in label order (as in `batches.meta.txt`). */
export const CIFAR10_CLASS_NAMES: ReadonlyArray<string> = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
];

/** The training batch files of CIFAR-10, in order. */
export const CIFAR10_TRAIN_FILES: ReadonlyArray<string> = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
/** The test batch file of CIFAR-10. */
export const CIFAR10_TEST_FILE = 'test_batch.bin';
/** The class-name file of CIFAR-10. */
export const CIFAR10_META_FILE = 'batches.meta.txt';

/** Records of a CIFAR-10 batch: count images of 32×32×3 bytes in HWC order, and their labels. */
export interface CifarBatch {
  readonly count: number;
  readonly pixels: Uint8Array;
  readonly labels: Uint8Array;
}

/**
 * Parses the bytes of one CIFAR-10 binary batch file, converting each image from CHW to HWC.
 * @param bytes the file's bytes
 * @param source the file's path, named in error messages
 * @returns the batch's images (HWC) and labels
 */
export function parseCifarBatch(bytes: Uint8Array, source: string): CifarBatch {
  if (bytes.length === 0) throw new InputError(`${source}: empty file, expected CIFAR-10 records of ${CIFAR_RECORD_BYTES} bytes`);
  if (bytes.length % CIFAR_RECORD_BYTES !== 0) {
    throw new InputError(
      `${source}: truncated or not CIFAR-10: ${bytes.length} bytes is not a multiple of the ${CIFAR_RECORD_BYTES}-byte record (${Math.floor(bytes.length / CIFAR_RECORD_BYTES)} whole records and ${bytes.length % CIFAR_RECORD_BYTES} bytes left over)`,
    );
  }
  const count = bytes.length / CIFAR_RECORD_BYTES;
  const labels = new Uint8Array(count);
  const pixels = new Uint8Array(count * CIFAR_PIXEL_BYTES);
  const plane = CIFAR_SIDE * CIFAR_SIDE;
  for (let r = 0; r < count; r++) {
    const base = r * CIFAR_RECORD_BYTES;
    const label = bytes[base]!;
    if (label > 9) throw new InputError(`${source}: label ${label} in record ${r} is out of range 0..9`);
    labels[r] = label;
    const red = base + 1;
    const green = red + plane;
    const blue = green + plane;
    let o = r * CIFAR_PIXEL_BYTES;
    for (let i = 0; i < plane; i++) {
      pixels[o] = bytes[red + i]!;
      pixels[o + 1] = bytes[green + i]!;
      pixels[o + 2] = bytes[blue + i]!;
      o += 3;
    }
  }
  return { count, pixels, labels };
}

/**
 * Encodes images (HWC, 32×32×3) and labels as the bytes of a CIFAR-10 binary batch file
 * (CHW records). The inverse of {@link parseCifarBatch}; tests use it to write files.
 * @param batch the images and labels
 * @returns the file's bytes
 */
export function encodeCifarBatch(batch: CifarBatch): Uint8Array {
  const { count, pixels, labels } = batch;
  if (pixels.length !== count * CIFAR_PIXEL_BYTES || labels.length !== count) {
    throw new RangeError(`encodeCifarBatch: ${count} records need ${count * CIFAR_PIXEL_BYTES} pixel bytes and ${count} labels`);
  }
  const out = new Uint8Array(count * CIFAR_RECORD_BYTES);
  const plane = CIFAR_SIDE * CIFAR_SIDE;
  for (let r = 0; r < count; r++) {
    const base = r * CIFAR_RECORD_BYTES;
    out[base] = labels[r]!;
    let o = r * CIFAR_PIXEL_BYTES;
    for (let i = 0; i < plane; i++) {
      out[base + 1 + i] = pixels[o]!;
      out[base + 1 + plane + i] = pixels[o + 1]!;
      out[base + 1 + 2 * plane + i] = pixels[o + 2]!;
      o += 3;
    }
  }
  return out;
}

/**
 * Writes a CIFAR-10 binary batch file.
 * @param path where to write
 * @param batch the images (HWC) and labels
 */
export async function writeCifarBatch(path: string, batch: CifarBatch): Promise<void> {
  await writeFile(path, encodeCifarBatch(batch));
}

/**
 * Reads one CIFAR-10 binary batch file.
 * @param path the file
 * @returns its images (HWC) and labels
 */
export async function readCifarBatch(path: string): Promise<CifarBatch> {
  return parseCifarBatch(await readFileBytes(path), path);
}

/** Joins batches into one, in order. */
function concatBatches(batches: ReadonlyArray<CifarBatch>): CifarBatch {
  const count = batches.reduce((n, b) => n + b.count, 0);
  const pixels = new Uint8Array(count * CIFAR_PIXEL_BYTES);
  const labels = new Uint8Array(count);
  let at = 0;
  for (const b of batches) {
    pixels.set(b.pixels, at * CIFAR_PIXEL_BYTES);
    labels.set(b.labels, at);
    at += b.count;
  }
  return { count, pixels, labels };
}

/** Reads the class names of `batches.meta.txt`, or the standard ones when the file is absent. */
async function readClassNames(dir: string): Promise<ReadonlyArray<string>> {
  const path = join(dir, CIFAR10_META_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return CIFAR10_CLASS_NAMES;
    throw new InputError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const names = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  if (names.length !== 10) {
    throw new InputError(`${path}: expected 10 class names, one a line, found ${names.length}`);
  }
  return names;
}

/** The folder holding the batch files: `dir` itself or the archive's `cifar-10-batches-bin/` inside it. */
async function batchFolder(dir: string): Promise<string> {
  const isFile = async (p: string): Promise<boolean> => (await stat(p).catch(() => undefined))?.isFile() ?? false;
  if (await isFile(join(dir, CIFAR10_TRAIN_FILES[0]!))) return dir;
  const nested = join(dir, 'cifar-10-batches-bin');
  if (await isFile(join(nested, CIFAR10_TRAIN_FILES[0]!))) return nested;
  return dir;
}

/**
 * Reads the CIFAR-10 binary version from a folder: the five training batches joined in order,
 * the test batch, and the class names. The folder may be the archive's
 * `cifar-10-batches-bin/` or the one above it. `batches.meta.txt` is optional (the standard
 * names are used without it); every batch file is required.
 * @param dir the folder
 * @returns train and test batches and the class names
 */
export async function readCifar10(
  dir: string,
): Promise<{ train: CifarBatch; test: CifarBatch; classNames: ReadonlyArray<string> }> {
  const folder = await batchFolder(dir);
  const [trainBatches, test, classNames] = await Promise.all([
    Promise.all(CIFAR10_TRAIN_FILES.map((f) => readCifarBatch(join(folder, f)))),
    readCifarBatch(join(folder, CIFAR10_TEST_FILE)),
    readClassNames(folder),
  ]);
  return { train: concatBatches(trainBatches), test, classNames };
}
