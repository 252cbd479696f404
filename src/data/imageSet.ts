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
  /** count class indices in [0, classes). */
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

/**
 * Random crop with `padding` pixels of zero padding on every side (the image is shifted by
 * -padding..padding in each direction, uncovered pixels are 0 before normalisation), then a
 * horizontal flip with probability 1/2 when `flip` is set.
 */
export interface Augmentation {
  readonly padding: number;
  readonly flip: boolean;
}

/** A training pool and its held-out test set. */
export interface DataSplit {
  readonly name: string;
  readonly train: ImageSet;
  readonly test: ImageSet;
}
