/**
 * An image set on disk is read a batch at a time through its reader: whatever the bytes, the
 * ids and the augmentation, a batch of it is the batch of the same bytes held in memory; and
 * the statistics of a cache read item by item are those of the bytes at once.
 */
import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { cachedChannelStats } from '../../src/data/imageCache.ts';
import type { ImageSet, StoredImageSet } from '../../src/data/imageSet.ts';
import { channelStats, toAugmentedBatch, toBatch } from '../../src/data/normalize.ts';
import { Rng } from '../../src/ops/random.ts';

/** A set of `count` items of side × side × channels bytes, in memory and behind a reader. */
const sets = fc
  .record({ count: fc.integer({ min: 1, max: 6 }), side: fc.integer({ min: 1, max: 5 }), channels: fc.constantFrom(1, 3) })
  .chain(({ count, side, channels }) =>
    fc.record({
      count: fc.constant(count),
      side: fc.constant(side),
      channels: fc.constant(channels),
      pixels: fc.uint8Array({ minLength: count * side * side * channels, maxLength: count * side * side * channels }),
      ids: fc.array(fc.integer({ min: 0, max: count - 1 }), { minLength: 1, maxLength: 8 }),
      padding: fc.integer({ min: 0, max: 3 }),
      flip: fc.boolean(),
      seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    }),
  );

const both = (c: { count: number; side: number; channels: number; pixels: Uint8Array }): { memory: ImageSet; stored: StoredImageSet } => {
  const per = c.side * c.side * c.channels;
  const shape = {
    name: 'p',
    count: c.count,
    height: c.side,
    width: c.side,
    channels: c.channels,
    classes: 1,
    labels: new Uint8Array(c.count),
    ...channelStats(c.pixels, c.channels),
  };
  const reader = { read: (id: number, out: Uint8Array, offset: number) => out.set(c.pixels.subarray(id * per, (id + 1) * per), offset) };
  return { memory: { ...shape, pixels: c.pixels }, stored: { ...shape, reader } };
};

test.prop([sets])('should batch a set on disk exactly as the same bytes in memory, for any ids', (c) => {
  const { memory, stored } = both(c);
  expect(toBatch(stored, c.ids)).toEqual(toBatch(memory, c.ids));
});

test.prop([sets])('should augment a set on disk exactly as the same bytes in memory, for any seed', (c) => {
  const { memory, stored } = both(c);
  const aug = { padding: c.padding, flip: c.flip };
  const a = new Rng(c.seed);
  const b = new Rng(c.seed);
  expect(toAugmentedBatch(stored, c.ids, aug, () => a.nextFloat())).toEqual(toAugmentedBatch(memory, c.ids, aug, () => b.nextFloat()));
});

test.prop([sets])('should give the statistics of the bytes at once when a cache is read item by item', (c) => {
  const { memory, stored } = both(c);
  const stats = cachedChannelStats(stored.reader, Array.from({ length: c.count }, (_, k) => k), c.side * c.side * c.channels, c.channels);
  const whole = channelStats(memory.pixels, c.channels);
  stats.mean.forEach((m, k) => expect(m).toBeCloseTo(whole.mean[k]!, 12));
  stats.std.forEach((s, k) => expect(s).toBeCloseTo(whole.std[k]!, 12));
});
