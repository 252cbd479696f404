import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import type { ImageSet } from '../../src/data/imageSet.ts';
import { stratifiedIds, subsetOf } from '../../src/data/subset.ts';
import { InputError } from '../../src/inputError.ts';
import { Rng } from '../../src/ops/random.ts';

const uniform = (seed: number): (() => number) => {
  const rng = new Rng(seed);
  return () => rng.nextFloat();
};

describe('stratifiedIds', () => {
  test.prop([
    fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 0, maxLength: 200 }),
    fc.integer({ min: 0, max: 5 }),
    fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  ])('should take exactly perClass distinct ids of every class, ascending, the same for the same seed', (raw, perClass, seed) => {
    // Make sure every class has at least perClass items.
    const labels = [...raw, ...Array.from({ length: 4 * perClass }, (_, i) => i % 4)];
    const ids = stratifiedIds(labels, 4, perClass, uniform(seed));
    expect(ids.length).toBe(4 * perClass);
    const counts = [0, 0, 0, 0];
    ids.forEach((id) => counts[labels[id]!]!++);
    expect(counts).toEqual([perClass, perClass, perClass, perClass]);
    for (let i = 1; i < ids.length; i++) expect(ids[i]!).toBeGreaterThan(ids[i - 1]!);
    expect(stratifiedIds(labels, 4, perClass, uniform(seed))).toEqual(ids);
  });

  it('draws different items for different seeds', () => {
    const labels = Array.from({ length: 1000 }, (_, i) => i % 10);
    expect(stratifiedIds(labels, 10, 5, uniform(1))).not.toEqual(stratifiedIds(labels, 10, 5, uniform(2)));
  });

  it('says which class has too few items', () => {
    expect(() => stratifiedIds([0, 0, 1, 2, 2], 3, 2, uniform(1))).toThrow(InputError);
    expect(() => stratifiedIds([0, 0, 1, 2, 2], 3, 2, uniform(1))).toThrow('class 1 has 1 items, fewer than the 2 per class asked for');
  });
});

describe('subsetOf', () => {
  it('copies the chosen items in order and keeps the normalisation', () => {
    const set: ImageSet = {
      name: 'four',
      count: 4,
      height: 1,
      width: 2,
      channels: 1,
      classes: 10,
      pixels: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8),
      labels: Uint8Array.of(9, 8, 7, 6),
      mean: [0.1],
      std: [0.2],
    };
    const sub = subsetOf(set, [3, 1], 'two');
    expect(sub).toMatchObject({ name: 'two', count: 2, mean: [0.1], std: [0.2] });
    expect(Array.from(sub.pixels)).toEqual([7, 8, 3, 4]);
    expect(Array.from(sub.labels)).toEqual([6, 8]);
    expect(() => subsetOf(set, [4])).toThrow(RangeError);
  });
});
