import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import type { ImageSet } from '../../src/data/imageSet.ts';
import { channelStats, toAugmentedBatch, toBatch } from '../../src/data/normalize.ts';
import { Rng } from '../../src/ops/random.ts';

/** A set of `count` images of h×w×c bytes, pixel bytes from a seed, with its own stats. */
function makeSet(count: number, height: number, width: number, channels: number, seed: number): ImageSet {
  const rng = new Rng(seed);
  const pixels = new Uint8Array(count * height * width * channels).map(() => rng.nextInt(256));
  const labels = new Uint8Array(count).map((_, i) => i % 10);
  const { mean, std } = channelStats(pixels, channels);
  return { name: 'test', count, height, width, channels, classes: 10, pixels, labels, mean, std };
}

/** Per-channel mean and std of a normalised NHWC batch. */
function batchStats(batch: Float32Array, channels: number): { mean: number[]; std: number[] } {
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < channels; c++) {
    let n = 0;
    let sum = 0;
    let sq = 0;
    for (let i = c; i < batch.length; i += channels) {
      n++;
      sum += batch[i]!;
      sq += batch[i]! ** 2;
    }
    mean.push(sum / n);
    std.push(Math.sqrt(sq / n - (sum / n) ** 2));
  }
  return { mean, std };
}

const allIds = (set: ImageSet): number[] => Array.from({ length: set.count }, (_, i) => i);

describe('channelStats', () => {
  it('gives the mean and population std of pixel/255 per channel', () => {
    expect(channelStats(Uint8Array.of(0, 255), 1)).toEqual({ mean: [0.5], std: [0.5] });
    const rgb = Uint8Array.of(0, 10, 255, 255, 10, 255);
    const { mean, std } = channelStats(rgb, 3);
    expect(mean[0]).toBeCloseTo(0.5, 12);
    expect(mean[1]).toBeCloseTo(10 / 255, 12);
    expect(mean[2]).toBeCloseTo(1, 12);
    expect(std).toEqual([0.5, 0, 0]);
  });

  test.prop([fc.uint8Array({ minLength: 3, maxLength: 300 }), fc.constantFrom(1, 3)])(
    'should equal the direct two-pass computation for any bytes',
    (bytes, channels) => {
      const pixels = bytes.subarray(0, bytes.length - (bytes.length % channels));
      const { mean, std } = channelStats(pixels, channels);
      for (let c = 0; c < channels; c++) {
        const values = Array.from(pixels.filter((_, i) => i % channels === c), (v) => v / 255);
        const m = values.reduce((a, b) => a + b, 0) / values.length;
        const s = Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / values.length);
        expect(mean[c]).toBeCloseTo(m, 10);
        expect(std[c]).toBeCloseTo(s, 10);
      }
    },
  );
});

describe('toBatch', () => {
  it('normalises a whole set to mean 0 and std 1 per channel', () => {
    for (const channels of [1, 3]) {
      const set = makeSet(50, 6, 5, channels, 11 + channels);
      const { mean, std } = batchStats(toBatch(set, allIds(set)), channels);
      for (let c = 0; c < channels; c++) {
        expect(Math.abs(mean[c]!)).toBeLessThan(1e-5);
        expect(std[c]).toBeCloseTo(1, 4);
      }
    }
  });

  it('puts item ids[k] at position k, each value (pixel/255 − mean[c]) / std[c]', () => {
    const set = makeSet(10, 4, 3, 3, 5);
    const ids = [7, 2, 7];
    const batch = toBatch(set, ids);
    const per = 4 * 3 * 3;
    expect(batch.length).toBe(3 * per);
    ids.forEach((id, k) => {
      for (let i = 0; i < per; i++) {
        const c = i % 3;
        expect(batch[k * per + i]).toBeCloseTo((set.pixels[id * per + i]! / 255 - set.mean[c]!) / set.std[c]!, 5);
      }
    });
  });

  it('fills a reusable buffer without allocating a new one', () => {
    const set = makeSet(8, 2, 2, 1, 9);
    const buffer = new Float32Array(4 * 4);
    expect(toBatch(set, [0, 1, 2, 3], buffer)).toBe(buffer);
    const prefix = toBatch(set, [5, 6], buffer);
    expect(prefix.buffer).toBe(buffer.buffer);
    expect(prefix.length).toBe(8);
    expect(Array.from(prefix)).toEqual(Array.from(toBatch(set, [5, 6])));
    expect(() => toBatch(set, [0, 1, 2, 3, 4], buffer)).toThrow(RangeError);
    expect(() => toBatch(set, [8])).toThrow(/id 8 is not an item of a set of 8/);
  });

  it('maps a constant channel (std 0) to 0 instead of dividing by zero', () => {
    const pixels = new Uint8Array(2 * 4).fill(7);
    const set: ImageSet = { ...makeSet(2, 2, 2, 1, 1), pixels, ...channelStats(pixels, 1) };
    expect(Array.from(toBatch(set, [0, 1]))).toEqual(new Array(8).fill(0));
  });
});

describe('toAugmentedBatch', () => {
  /** The reference: the value out(y, x, c) must take for a shift (dy, dx) and a flip. */
  function expected(set: ImageSet, id: number, dy: number, dx: number, flip: boolean, y: number, x: number, c: number): number {
    const sy = y + dy;
    const sx = (flip ? set.width - 1 - x : x) + dx;
    const inside = sy >= 0 && sy < set.height && sx >= 0 && sx < set.width;
    const byte = inside ? set.pixels[((id * set.height + sy) * set.width + sx) * set.channels + c]! : 0;
    return (byte / 255 - set.mean[c]!) / set.std[c]!;
  }

  /** An "rng" that returns the given numbers in turn. */
  const scripted = (values: number[]): (() => number) => {
    let i = 0;
    return () => values[i++]!;
  };

  it('shifts the content by the drawn offsets, padding with zero bytes, and flips when drawn', () => {
    const set = makeSet(3, 6, 7, 3, 21);
    // padding 2 → span 5: 0.7 → 3 − 2 = +1 row, 0.1 → 0 − 2 = −2 columns, 0.2 → flip; then
    // 0.0 → −2 rows, 0.99 → +2 columns, 0.6 → no flip.
    const batch = toAugmentedBatch(set, [2, 0], { padding: 2, flip: true }, scripted([0.7, 0.1, 0.2, 0.0, 0.99, 0.6]));
    const cases = [
      { id: 2, dy: 1, dx: -2, flip: true },
      { id: 0, dy: -2, dx: 2, flip: false },
    ];
    const per = 6 * 7 * 3;
    cases.forEach(({ id, dy, dx, flip }, k) => {
      for (let y = 0; y < 6; y++)
        for (let x = 0; x < 7; x++)
          for (let c = 0; c < 3; c++)
            expect(batch[k * per + (y * 7 + x) * 3 + c]).toBeCloseTo(expected(set, id, dy, dx, flip, y, x, c), 5);
    });
    // The content moved: item 2's pixel (y=1, x=0) is now at (0, 2), before the flip.
    const noFlip = toAugmentedBatch(set, [2], { padding: 2, flip: false }, scripted([0.7, 0.1]));
    expect(noFlip[(0 * 7 + 2) * 3]).toBeCloseTo((set.pixels[(2 * 6 * 7 + 1 * 7 + 0) * 3]! / 255 - set.mean[0]!) / set.std[0]!, 5);
  });

  it('is the same batch for the same seed and another for another seed', () => {
    const set = makeSet(20, 28, 28, 1, 3);
    const ids = [3, 1, 4, 1, 5, 9, 2, 6];
    const augmentation = { padding: 2, flip: true };
    const a = toAugmentedBatch(set, ids, augmentation, ((r) => () => r.nextFloat())(new Rng(42)));
    const b = toAugmentedBatch(set, ids, augmentation, ((r) => () => r.nextFloat())(new Rng(42)));
    const c = toAugmentedBatch(set, ids, augmentation, ((r) => () => r.nextFloat())(new Rng(43)));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  test.prop([fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.constantFrom(1, 3)])(
    'should equal toBatch when padding is 0 and flip is off',
    (seed, channels) => {
      const set = makeSet(4, 5, 6, channels, seed);
      const rng = new Rng(seed);
      expect(toAugmentedBatch(set, [3, 0, 2], { padding: 0, flip: false }, () => rng.nextFloat())).toEqual(toBatch(set, [3, 0, 2]));
    },
  );

  test.prop([fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 4 })])(
    'should only ever hold shifted or padding values of the source image',
    (seed, padding) => {
      const set = makeSet(2, 8, 8, 1, seed);
      const rng = new Rng(seed);
      const draws: number[] = [];
      const recording = (): number => {
        const v = rng.nextFloat();
        draws.push(v);
        return v;
      };
      const batch = toAugmentedBatch(set, [1], { padding, flip: true }, recording);
      const dy = Math.floor(draws[0]! * (2 * padding + 1)) - padding;
      const dx = Math.floor(draws[1]! * (2 * padding + 1)) - padding;
      const flip = draws[2]! < 0.5;
      expect(draws.length).toBe(3);
      for (let y = 0; y < 8; y++)
        for (let x = 0; x < 8; x++) expect(batch[y * 8 + x]).toBeCloseTo(expected(set, 1, dy, dx, flip, y, x, 0), 5);
    },
  );
});
