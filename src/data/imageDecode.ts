/**
 * Decoding one image file (PNG, JPEG, WebP, or anything else libvips reads) to the bytes a
 * model takes: resized to size × size and converted to 1 (grey) or 3 (sRGB) channels, with
 * sharp (prebuilt libvips). The original width and height come back too, for rescaling boxes
 * and keypoints and for exports.
 *
 * Policies, stated once: the image is resized to fill the square (no crop, no padding: the
 * aspect ratio changes, as torchvision's `Resize((s, s))` does), an alpha channel is dropped,
 * and EXIF orientation is not applied (COCO's sizes and boxes refer to the stored pixels).
 */
import { readFile } from 'node:fs/promises';
import type { Sharp, SharpOptions } from 'sharp';

/** What {@link decodeImage} produces: HWC bytes and the size the file had. */
export interface DecodedImage {
  /** size·size·channels bytes, HWC. */
  readonly bytes: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** The channels a decoded image may have. */
export type ImageChannels = 1 | 3;

/** Why a file could not be decoded: one line for the user. */
export class ImageDecodeError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'ImageDecodeError';
  }
}

type SharpFactory = ((input?: Buffer, options?: SharpOptions) => Sharp) & { cache(on: boolean): unknown; concurrency(n: number): number };
let loaded: Promise<SharpFactory> | undefined;
/**
 * sharp's operation cache would grow with every distinct file (a decode pass never repeats
 * one), and libvips' threads per image would compete with the images decoded side by side: the
 * cores are shared by images, one thread each.
 */
const sharpOnce = (): Promise<SharpFactory> =>
  (loaded ??= import('sharp').then((module) => {
    // Loaded on first use: importing ll4al loads no native image library.
    const sharp = ((module as unknown as { default?: SharpFactory }).default ?? module) as unknown as SharpFactory;
    sharp.cache(false);
    sharp.concurrency(1);
    return sharp;
  }));

/**
 * Decodes and resizes one image file.
 * @param path the file
 * @param size the side of the square output
 * @param channels 1 (greyscale) or 3 (sRGB)
 * @returns the bytes and the original size
 * @throws ImageDecodeError naming the file when it cannot be read or is not an image
 */
export const decodeImage = async (path: string, size: number, channels: ImageChannels): Promise<DecodedImage> => {
  const sharp = await sharpOnce();
  let file: Buffer;
  try {
    file = await readFile(path);
  } catch (error) {
    throw new ImageDecodeError(path, `cannot read the file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  try {
    const image = sharp(file);
    const meta = await image.metadata();
    if (meta.width === undefined || meta.height === undefined) throw new Error('no width and height in the header');
    let pipeline = image.resize(size, size, { fit: 'fill' }).removeAlpha();
    pipeline = channels === 1 ? pipeline.greyscale() : pipeline.toColourspace('srgb');
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== channels || data.length !== size * size * channels) {
      throw new Error(`decoded to ${info.width}x${info.height}x${info.channels}, expected ${size}x${size}x${channels}`);
    }
    return { bytes: new Uint8Array(data.buffer, data.byteOffset, data.length), width: meta.width, height: meta.height };
  } catch (error) {
    const message = (error as Error).message.split('\n')[0]!.replace(/:\s*$/, '');
    throw new ImageDecodeError(path, `not a readable image (${message})`);
  }
};
