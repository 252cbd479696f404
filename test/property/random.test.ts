import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { deriveSeed, randomSubset, Rng, sampleWithoutReplacement, shuffle } from '../../src/ops/index.ts';

const seedArb = fc.integer({ min: -(2 ** 40), max: 2 ** 40 });
const sizeArb = fc.integer({ min: 0, max: 300 });
const countArb = fc.integer({ min: 0, max: 320 });

/** Pearson's statistic of observed counts against equal expected counts. */
const chiSquare = (counts: ReadonlyArray<number>): number => {
  const total = counts.reduce((s, c) => s + c, 0);
  const expected = total / counts.length;
  return counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
};

/** Upper 0.1% points of the chi-square distribution. */
const CHI2_999 = { 9: 27.88, 19: 43.82 } as const;

describe('sampleWithoutReplacement', () => {
  test.prop([countArb, seedArb, sizeArb])('should return min(k, n) distinct integers in [0, n)', (k, seed, n) => {
    const sample = sampleWithoutReplacement(k, seed)(n);
    expect(sample).toHaveLength(Math.min(k, n));
    expect(new Set(sample).size).toBe(sample.length);
    sample.forEach((i) => expect(Number.isInteger(i) && i >= 0 && i < n).toBe(true));
  });

  test.prop([countArb, seedArb, sizeArb])('should give the same draw for the same seed', (k, seed, n) => {
    expect(sampleWithoutReplacement(k, seed)(n)).toEqual(sampleWithoutReplacement(k, seed)(n));
  });

  test.prop([countArb, seedArb, sizeArb])('should draw k as a prefix of the draw of k + 1', (k, seed, n) => {
    const longer = sampleWithoutReplacement(k + 1, seed)(n);
    expect(sampleWithoutReplacement(k, seed)(n)).toEqual(longer.slice(0, Math.min(k, n)));
  });

  test.prop([fc.integer({ min: 0, max: 50 }), seedArb])(
    'should draw from a pool of 10¹² without materialising it',
    (k, seed) => {
      const sample = sampleWithoutReplacement(k, seed)(1e12);
      expect(new Set(sample).size).toBe(k);
      sample.forEach((i) => expect(i >= 0 && i < 1e12).toBe(true));
    },
  );

  it('should draw every value, and every first value, equally often (chi-square at a fixed seed)', () => {
    const n = 20;
    const draws = 3000;
    const anywhere = new Array<number>(n).fill(0);
    const first = new Array<number>(n).fill(0);
    for (let t = 0; t < draws; t++) {
      const sample = sampleWithoutReplacement(4, deriveSeed(2019, 'chi-square', t))(n);
      sample.forEach((v) => anywhere[v]++);
      first[sample[0]]++;
    }
    expect(chiSquare(anywhere)).toBeLessThan(CHI2_999[19]);
    expect(chiSquare(first)).toBeLessThan(CHI2_999[19]);
  });

  it('should differ between two seeds', () => {
    expect(sampleWithoutReplacement(10, 1)(1000)).not.toEqual(sampleWithoutReplacement(10, 2)(1000));
  });
});

describe('randomSubset and shuffle', () => {
  test.prop([countArb, seedArb, fc.array(fc.string({ maxLength: 3 }), { maxLength: 200 })])(
    'should draw a subset that is a prefix of the shuffle with the same seed, without mutating the pool',
    (k, seed, pool) => {
      const copy = [...pool];
      const shuffled = shuffle(seed)(pool);
      expect(randomSubset(k, seed)(pool)).toEqual(shuffled.slice(0, k));
      expect([...shuffled].sort()).toEqual([...pool].sort());
      expect(pool).toEqual(copy);
    },
  );

  test.prop([seedArb, fc.integer({ min: 0, max: 500 })])(
    'should shuffle into a permutation, the same for the same seed',
    (seed, n) => {
      const items = Int32Array.from({ length: n }, (_, i) => i);
      const once = shuffle(seed)(items);
      expect(shuffle(seed)(items)).toEqual(once);
      expect([...once].sort((a, b) => a - b)).toEqual(Array.from(items));
    },
  );

  it('should put each item at position 0 equally often (chi-square at a fixed seed)', () => {
    const counts = new Array<number>(10).fill(0);
    const items = Array.from({ length: 10 }, (_, i) => i);
    for (let t = 0; t < 2000; t++) counts[shuffle(deriveSeed(7, 'shuffle', t))(items)[0]]++;
    expect(chiSquare(counts)).toBeLessThan(CHI2_999[9]);
  });
});

describe('Rng', () => {
  test.prop([seedArb, fc.integer({ min: 1, max: 2 ** 53 - 1 })])(
    'should draw integers in [0, n) and floats in [0, 1), the same sequence for the same seed',
    (seed, n) => {
      const [a, b] = [new Rng(seed), new Rng(seed)];
      for (let t = 0; t < 20; t++) {
        const i = a.nextInt(n);
        expect(Number.isInteger(i) && i >= 0 && i < n).toBe(true);
        expect(b.nextInt(n)).toBe(i);
        const f = a.nextFloat();
        expect(f >= 0 && f < 1).toBe(true);
        expect(b.nextFloat()).toBe(f);
        expect(b.normal()).toBe(a.normal());
      }
    },
  );

  it('should draw nextInt uniformly and normal() with mean 0 and variance 1 (fixed seed)', () => {
    const rng = new Rng(deriveSeed(11, 'rng'));
    const counts = new Array<number>(10).fill(0);
    for (let t = 0; t < 20000; t++) counts[rng.nextInt(10)]++;
    expect(chiSquare(counts)).toBeLessThan(CHI2_999[9]);
    const draws = Array.from({ length: 20000 }, () => rng.normal(3, 2));
    const mean = draws.reduce((s, x) => s + x, 0) / draws.length;
    const variance = draws.reduce((s, x) => s + (x - mean) ** 2, 0) / (draws.length - 1);
    expect(Math.abs(mean - 3)).toBeLessThan(0.05);
    expect(Math.abs(Math.sqrt(variance) - 2)).toBeLessThan(0.05);
  });

  test.prop([fc.oneof(fc.double({ noInteger: true }), fc.constantFrom(2 ** 53, -(2 ** 60)))])(
    'should throw for any seed that is not a safe integer',
    (seed) => {
      expect(() => new Rng(seed)).toThrow(/seed must be a safe integer/);
      expect(() => deriveSeed(seed, 'x')).toThrow(/seed must be a safe integer/);
    },
  );
});

describe('deriveSeed', () => {
  const tag = fc.oneof(fc.string({ maxLength: 6 }), fc.integer({ min: -1000, max: 1000 }), fc.double({ noNaN: true }));
  test.prop([seedArb, fc.array(tag, { maxLength: 5 })])(
    'should return the same unsigned 32-bit integer for the same seed and tags',
    (seed, tags) => {
      const derived = deriveSeed(seed, ...tags);
      expect(Number.isInteger(derived) && derived >= 0 && derived < 2 ** 32).toBe(true);
      expect(deriveSeed(seed, ...tags)).toBe(derived);
    },
  );

  it('should give distinct seeds for distinct seeds, tag types, tag splits and tag orders', () => {
    const derived = new Set<number>();
    let count = 0;
    for (let seed = 0; seed < 20; seed++) {
      for (let trial = 0; trial < 10; trial++) {
        for (const stage of ['subset', 'train', 'query']) {
          derived.add(deriveSeed(seed, 'trial', trial, stage));
          count++;
        }
      }
    }
    expect(derived.size).toBe(count);
    expect(deriveSeed(1, 1)).not.toBe(deriveSeed(1, '1'));
    expect(deriveSeed(1, 'ab')).not.toBe(deriveSeed(1, 'a', 'b'));
    expect(deriveSeed(1, 'a', 2)).not.toBe(deriveSeed(1, 2, 'a'));
    expect(deriveSeed(1)).not.toBe(deriveSeed(2));
    expect(deriveSeed(2 ** 32)).not.toBe(deriveSeed(0));
  });
});
