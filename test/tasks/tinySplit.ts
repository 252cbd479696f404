import type { DataSplit, ImageSet } from '../../src/data/imageSet.ts';
import { Rng } from '../../src/ops/random.ts';

/**
 * A tiny synthetic split for fast engine tests: `count` random 8×8×1 images whose class
 * (0…classes−1) shifts the brightness, so a network can learn something.
 */
export const tinySplit = (count = 64, classes = 3, seed = 1): DataSplit => {
  const rng = new Rng(seed);
  const set = (name: string, n: number): ImageSet => {
    const pixels = new Uint8Array(n * 64);
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = i % classes;
      for (let p = 0; p < 64; p++) pixels[i * 64 + p] = Math.min(255, rng.nextInt(128) + labels[i] * 60);
    }
    return { name, count: n, height: 8, width: 8, channels: 1, classes, pixels, labels, mean: [0.4], std: [0.25], augmentation: { padding: 1, flip: true } };
  };
  return { name: 'tiny', train: set('tiny/train', count), test: set('tiny/test', 32) };
};
