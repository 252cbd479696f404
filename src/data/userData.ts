/**
 * What the user's data (an image folder, a manifest, a COCO file) gives a run once decoded: the
 * pool and test set as image sets on disk, the labels it already has, and the image file of
 * every pool item (what a person labeling it is shown, and what an export names).
 */
import type { BadImage, ImageCache } from './imageCache.ts';
import type { ImageSource } from './imageSet.ts';

/** The user's data, decoded, with labels of type `L`. */
export interface UserData<S extends ImageSource, L> {
  readonly name: string;
  /** The folder, manifest or COCO file it was read from (absolute). */
  readonly source: string;
  /** The pool (`train`) and the test set (possibly empty: then there is no metric). */
  readonly split: { readonly name: string; readonly train: S; readonly test: S };
  /** Class (or category) names, in label order. */
  readonly classNames: ReadonlyArray<string>;
  /** The image file of each pool item, by pool id. */
  readonly poolFiles: ReadonlyArray<string>;
  /** Each pool item's file as the user names it (relative to the data folder, manifest or COCO file). */
  readonly poolNames: ReadonlyArray<string>;
  /** The labels the data already has, as [pool id, label], in the learner's coordinates. */
  readonly given: ReadonlyArray<readonly [number, L]>;
  /** Pool items without a label. */
  readonly unlabeled: number;
  /** Original width and height of pool item k at 2k, 2k+1. */
  readonly originalSizes: Uint32Array;
  readonly cache: ImageCache;
  /** Files left out with --skip-bad-images. */
  readonly skipped: ReadonlyArray<BadImage>;
  /** Closes the cache file. */
  close(): void;
}
