/**
 * What the labeling page shows of a pool item: its image as a file (PNG, JPEG, …). The data
 * side supplies it (`ImageSet.itemImage`: an image folder returns the file's bytes); the
 * embedded data and the task canvases are drawn from the pool's typed arrays with
 * {@link imageSetItemImage}. {@link poolItemImage} picks one or the other.
 */
import { PNG } from 'pngjs';
import { inMemory, type ImageSet, type ImageSource, type ItemImageFile } from '../../data/imageSet.ts';

export type { ItemImageFile } from '../../data/imageSet.ts';

/** The image of pool item `id` (ids 0 … poolSize − 1). May be async (a file read). */
export type ItemImage = (id: number) => ItemImageFile | Promise<ItemImageFile>;

/**
 * Item images drawn from an ImageSet's raw bytes (NHWC, 1 or 3 channels) as PNG files at
 * their own size (the page scales them up, pixelated).
 *
 * Use it for the embedded data and for the keypoint and detection canvases.
 * @param set the pool's images
 * @returns the item image hook
 */
export const imageSetItemImage =
  (set: Pick<ImageSet, 'count' | 'height' | 'width' | 'channels' | 'pixels'> | ImageSource): ItemImage =>
  (id) => {
    if (!Number.isInteger(id) || id < 0 || id >= set.count) throw new RangeError(`item ${id} is outside the pool of ${set.count}`);
    const { height, width, channels } = set;
    const per = height * width * channels;
    let source: Uint8Array;
    if ('pixels' in set) source = set.pixels.subarray(id * per, (id + 1) * per);
    else {
      source = new Uint8Array(per);
      set.reader.read(id, source, 0);
    }
    const png = new PNG({ width, height });
    for (let p = 0; p < height * width; p++) {
      const o = p * 4;
      if (channels === 1) {
        png.data[o] = png.data[o + 1] = png.data[o + 2] = source[p]!;
      } else {
        png.data[o] = source[p * channels]!;
        png.data[o + 1] = source[p * channels + 1]!;
        png.data[o + 2] = source[p * channels + 2]!;
      }
      png.data[o + 3] = 255;
    }
    return { contentType: 'image/png', body: PNG.sync.write(png) };
  };

/**
 * The pool's own item files when its data source has them (`set.itemImage`), else its pixels
 * drawn as PNG.
 * @param set the pool's images
 * @returns the item image hook
 */
export const poolItemImage = (set: Pick<ImageSet, 'count' | 'height' | 'width' | 'channels' | 'pixels' | 'itemImage'> | ImageSource): ItemImage =>
  set.itemImage ?? imageSetItemImage(set);
