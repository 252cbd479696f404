/**
 * IDX files — the format of MNIST and Fashion-MNIST — read and written, gzip-compressed or raw.
 *
 * An IDX file is a 4-byte big-endian magic number (two zero bytes, a type code, 0x08 for unsigned
 * bytes, and the number of dimensions), one big-endian uint32 per dimension, then the data.
 * Images are 0x00000803 (count × rows × cols), labels 0x00000801 (count).
 *
 * Every problem with a file is an {@link InputError} whose one-line message starts with the
 * file's path and names the problem.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { gunzip, gzipSync } from 'node:zlib';
import { promisify } from 'node:util';
import { InputError } from '../inputError.ts';

const gunzipAsync = promisify(gunzip);

/** Magic number of an IDX file of unsigned-byte images (count × rows × cols). */
export const IDX_IMAGES_MAGIC = 0x00000803;
/** Magic number of an IDX file of unsigned-byte labels (count). */
export const IDX_LABELS_MAGIC = 0x00000801;

/** Grey-scale images as read from an IDX file: count × height × width bytes, row-major. */
export interface IdxImages {
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly pixels: Uint8Array;
}

/** What {@link encodeIdx} and {@link writeIdx} write: a set of images or a set of labels. */
export type IdxContent =
  | { readonly kind: 'images'; readonly count: number; readonly height: number; readonly width: number; readonly pixels: Uint8Array }
  | { readonly kind: 'labels'; readonly labels: Uint8Array };

/** Expectations a reader checks an image file against. */
export interface IdxImageExpectation {
  readonly height?: number;
  readonly width?: number;
}

const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;

const describeMagic = (magic: number): string =>
  magic === IDX_IMAGES_MAGIC
    ? ' (an IDX image file)'
    : magic === IDX_LABELS_MAGIC
      ? ' (an IDX label file)'
      : '';

/**
 * Reads a whole file, turning a missing or unreadable file into an InputError naming it.
 * @param path the file to read
 * @returns its bytes
 */
export async function readFileBytes(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(`${path}: file not found`);
    if (code === 'EISDIR') throw new InputError(`${path}: is a directory, expected a file`);
    throw new InputError(`${path}: cannot read (${code ?? (e as Error).message})`);
  }
}

/**
 * Gunzips bytes that start with the gzip signature (1f 8b) and returns other bytes unchanged, so
 * a reader accepts `.gz` and raw files alike whatever their names say.
 * @param bytes the file's bytes
 * @param source the file's path, for error messages
 * @returns the decompressed bytes
 */
export async function decompressIfGzip(bytes: Uint8Array, source: string): Promise<Uint8Array> {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return await gunzipAsync(bytes);
  } catch (e) {
    throw new InputError(`${source}: corrupt gzip data (${(e as Error).message})`);
  }
}

/** Reads the magic number and dimensions of an IDX file; returns where the data starts. */
function parseHeader(
  bytes: Uint8Array,
  source: string,
  magicWanted: number,
  what: string,
): { dims: number[]; offset: number } {
  if (bytes.length < 4) {
    throw new InputError(`${source}: truncated: ${bytes.length} bytes, too short for an IDX header`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (magic !== magicWanted) {
    throw new InputError(
      `${source}: wrong magic number ${hex(magic)}${describeMagic(magic)}, expected ${hex(magicWanted)} for IDX ${what}`,
    );
  }
  const rank = magic & 0xff;
  const offset = 4 + 4 * rank;
  if (bytes.length < offset) {
    throw new InputError(
      `${source}: truncated: the header needs ${offset} bytes but the file holds ${bytes.length} bytes`,
    );
  }
  const dims: number[] = [];
  for (let d = 0; d < rank; d++) dims.push(view.getUint32(4 + 4 * d, false));
  return { dims, offset };
}

/** Checks that the data after the header is exactly as long as the header says. */
function checkLength(bytes: Uint8Array, source: string, offset: number, expected: number, says: string): void {
  const held = bytes.length - offset;
  if (held < expected) {
    throw new InputError(
      `${source}: truncated: header says ${says} (${expected} bytes) but the file holds ${held} bytes after its ${offset}-byte header`,
    );
  }
  if (held > expected) {
    throw new InputError(
      `${source}: unexpected trailing data: header says ${says} (${expected} bytes) but the file holds ${held} bytes after its ${offset}-byte header`,
    );
  }
}

/**
 * Parses the (already decompressed) bytes of an IDX image file.
 * Use it on bytes you already hold; {@link readIdxImages} reads a file.
 * @param bytes the decompressed file
 * @param source the file's path, named in error messages
 * @param expect optional height/width the images must have
 * @returns the images; `pixels` is a view into `bytes`, not a copy
 */
export function parseIdxImages(bytes: Uint8Array, source: string, expect: IdxImageExpectation = {}): IdxImages {
  const { dims, offset } = parseHeader(bytes, source, IDX_IMAGES_MAGIC, 'images');
  const [count, height, width] = dims as [number, number, number];
  if (height === 0 || width === 0) {
    throw new InputError(`${source}: unexpected dimensions ${height}x${width}: images must be at least 1x1`);
  }
  if ((expect.height !== undefined && expect.height !== height) || (expect.width !== undefined && expect.width !== width)) {
    throw new InputError(
      `${source}: unexpected dimensions ${height}x${width}, expected ${expect.height ?? height}x${expect.width ?? width}`,
    );
  }
  const size = count * height * width;
  checkLength(bytes, source, offset, size, `${count} images of ${height}x${width}`);
  return { count, height, width, pixels: new Uint8Array(bytes.buffer, bytes.byteOffset + offset, size) };
}

/**
 * Parses the (already decompressed) bytes of an IDX label file and checks every label is a
 * class index below `classes`.
 * @param bytes the decompressed file
 * @param source the file's path, named in error messages
 * @param classes number of classes; labels must lie in 0..classes-1
 * @returns the labels, a view into `bytes`
 */
export function parseIdxLabels(bytes: Uint8Array, source: string, classes: number): Uint8Array {
  const { dims, offset } = parseHeader(bytes, source, IDX_LABELS_MAGIC, 'labels');
  const count = dims[0] as number;
  checkLength(bytes, source, offset, count, `${count} labels`);
  const labels = new Uint8Array(bytes.buffer, bytes.byteOffset + offset, count);
  for (let i = 0; i < count; i++) {
    if (labels[i]! >= classes) {
      throw new InputError(`${source}: label ${labels[i]} at index ${i} is out of range 0..${classes - 1}`);
    }
  }
  return labels;
}

/**
 * Reads an IDX image file, `.gz` or raw.
 * @param path the file
 * @param expect optional height/width the images must have
 * @returns the images
 */
export async function readIdxImages(path: string, expect: IdxImageExpectation = {}): Promise<IdxImages> {
  const bytes = await decompressIfGzip(await readFileBytes(path), path);
  return parseIdxImages(bytes, path, expect);
}

/**
 * Reads an IDX label file, `.gz` or raw.
 * @param path the file
 * @param classes number of classes; labels must lie in 0..classes-1 (10 for MNIST)
 * @returns the labels
 */
export async function readIdxLabels(path: string, classes = 10): Promise<Uint8Array> {
  const bytes = await decompressIfGzip(await readFileBytes(path), path);
  return parseIdxLabels(bytes, path, classes);
}

/**
 * Reads an image file and its label file and checks they describe the same number of items.
 * This is what a dataset loader calls for each split.
 * @param imagesPath the IDX image file
 * @param labelsPath the IDX label file
 * @param options `classes` (default 10) and the expected image size
 * @returns the images and their labels
 */
export async function readIdxPair(
  imagesPath: string,
  labelsPath: string,
  options: { readonly classes?: number } & IdxImageExpectation = {},
): Promise<{ images: IdxImages; labels: Uint8Array }> {
  const [images, labels] = await Promise.all([
    readIdxImages(imagesPath, options),
    readIdxLabels(labelsPath, options.classes ?? 10),
  ]);
  if (images.count !== labels.length) {
    throw new InputError(
      `${labelsPath}: count mismatch: it holds ${labels.length} labels but ${imagesPath} holds ${images.count} images`,
    );
  }
  return { images, labels };
}

/**
 * Encodes images or labels as the bytes of an uncompressed IDX file.
 * @param content what to encode
 * @returns the file's bytes
 */
export function encodeIdx(content: IdxContent): Uint8Array {
  const dims = content.kind === 'images' ? [content.count, content.height, content.width] : [content.labels.length];
  const data = content.kind === 'images' ? content.pixels : content.labels;
  const size = content.kind === 'images' ? content.count * content.height * content.width : content.labels.length;
  if (data.length !== size) {
    throw new RangeError(`encodeIdx: ${data.length} bytes of data for a header of ${dims.join('x')} (${size} bytes)`);
  }
  const offset = 4 + 4 * dims.length;
  const out = new Uint8Array(offset + size);
  const view = new DataView(out.buffer);
  view.setUint32(0, content.kind === 'images' ? IDX_IMAGES_MAGIC : IDX_LABELS_MAGIC, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, offset);
  return out;
}

/**
 * Writes images or labels as an IDX file, gzip-compressed when the path ends in `.gz`.
 * Used by the embedded-data script and by tests that need files in the format.
 * @param path where to write
 * @param content what to write
 */
export async function writeIdx(path: string, content: IdxContent): Promise<void> {
  const raw = encodeIdx(content);
  await writeFile(path, path.endsWith('.gz') ? gzipSync(raw, { level: 9 }) : raw);
}
