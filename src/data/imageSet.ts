/**
 * A set of images kept as raw bytes (NHWC, row-major), with its labels and the per-channel
 * mean/std used to normalise a batch when it is turned into a tensor. Raw bytes keep a pool of
 * 200,000 images at 1 byte per pixel; a batch is normalised on the way in, never the whole pool.
 */
export interface ImageSet {
  readonly name: string;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly classes: number;
  /** count * height * width * channels bytes, NHWC. */
  readonly pixels: Uint8Array;
  /**
   * count class indices in [0, classes); an item of the user's data that has no label holds
   * {@link NO_LABEL} (a learner never reads these: its labels come from the oracle).
   */
  readonly labels: Uint8Array;
  /** Per-channel mean and std of pixel/255 (computed on the training split). */
  readonly mean: ReadonlyArray<number>;
  readonly std: ReadonlyArray<number>;
  /** Class names, when the format has them. */
  readonly classNames?: ReadonlyArray<string>;
  /**
   * The item's own image file, for people (the browser oracle's page shows it): a data source
   * that reads files (an image folder, COCO) returns the file's bytes and type here. Absent: the
   * page draws the item from `pixels`.
   */
  readonly itemImage?: (id: number) => ItemImageFile | Promise<ItemImageFile>;
  /**
   * The training augmentation that suits this data (random crop with zero padding, horizontal
   * flip where a mirrored image keeps its class); absent means none is suggested.
   */
  readonly augmentation?: Augmentation;
}

/** An image file to show a person: its bytes and media type (`image/png`, `image/jpeg`, …). */
export interface ItemImageFile {
  readonly contentType: string;
  readonly body: Uint8Array;
}

/** The label byte of an item without a label (the unlabeled part of a user's pool). */
export const NO_LABEL = 255;

/**
 * Random crop with `padding` pixels of zero padding on every side (the image is shifted by
 * -padding..padding in each direction, uncovered pixels are 0 before normalisation), then a
 * horizontal flip with probability 1/2 when `flip` is set.
 */
export interface Augmentation {
  readonly padding: number;
  readonly flip: boolean;
}

/**
 * Reads the bytes of a set's items from where they are kept (a cache file on disk), so a pool
 * larger than memory is read one batch at a time.
 */
export interface ItemReader {
  /**
   * Copies item `id`'s bytes (height·width·channels, HWC) into `out` from `offset`.
   * @param id an item index in [0, count)
   * @param out the destination
   * @param offset where in `out` the item starts
   */
  read(id: number, out: Uint8Array, offset: number): void;
}

/**
 * An image set whose bytes stay on disk (see src/data/imageCache.ts): the same shape, labels,
 * normalisation and augmentation as an {@link ImageSet}, with a reader instead of `pixels`.
 * `toBatch` and `toAugmentedBatch` read it batch by batch, so memory stays flat as the pool grows.
 */
export interface StoredImageSet extends Omit<ImageSet, 'pixels'> {
  readonly reader: ItemReader;
}

/** The images a learner reads batches from: in memory ({@link ImageSet}) or on disk ({@link StoredImageSet}). */
export type ImageSource = ImageSet | StoredImageSet;

/** Whether a source keeps its bytes in memory. */
export const inMemory = (set: ImageSource): set is ImageSet => 'pixels' in set;

/**
 * A training pool and its held-out test set. `S` is {@link ImageSet} (in memory) by default;
 * learners that only read batches take `DataSplit<ImageSource>`, which a folder of images on
 * disk also is.
 */
export interface DataSplit<S extends ImageSource = ImageSet> {
  readonly name: string;
  readonly train: S;
  readonly test: S;
}
