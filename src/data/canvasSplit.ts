import { deriveSeed } from '../ops/random.ts';
import type { ChannelStats } from './normalize.ts';
import type { DataSplit, ImageSet } from './imageSet.ts';

/** What every canvas maker (keypoints, detection) takes besides its own options. */
export interface CanvasMakerOptions {
  readonly seed: number;
  readonly count: number;
  /** Normalisation statistics to use instead of the canvases' own (the test split takes the training split's). */
  readonly stats?: ChannelStats;
  readonly name?: string;
}

/** How many canvases of each split, the seed, and the maker's own options. */
export type CanvasSplitOptions<O extends CanvasMakerOptions> = { readonly seed: number; readonly trainCount: number; readonly testCount: number } & Omit<
  O,
  'seed' | 'count' | 'stats' | 'name'
>;

/**
 * Training and test canvases from a dataset split: training canvases from its training items,
 * test canvases from its test items (seeds derived apart), both normalised with the training
 * canvases' mean/std.
 * @param make - a canvas maker (e.g. makeKeypointCanvases)
 * @param task - the suffix of the split's name (e.g. 'keypoints')
 * @returns a function of the source split and the options
 */
export const canvasSplit =
  <S extends ImageSet, O extends CanvasMakerOptions>(make: (source: ImageSet, options: O) => S, task: string) =>
  (split: DataSplit, options: CanvasSplitOptions<O>): { readonly name: string; readonly train: S; readonly test: S } => {
    const { seed, trainCount, testCount, ...canvas } = options;
    const name = `${split.name}-${task}`;
    const train = make(split.train, { ...canvas, seed: deriveSeed(seed, 'train'), count: trainCount, name: `${name}/train` } as unknown as O);
    const test = make(split.test, {
      ...canvas,
      seed: deriveSeed(seed, 'test'),
      count: testCount,
      name: `${name}/test`,
      stats: { mean: train.mean, std: train.std },
    } as unknown as O);
    return { name, train, test };
  };
