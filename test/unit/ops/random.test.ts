import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/inputError.ts';
import { deriveSeed, randomSubset, Rng, sampleWithoutReplacement, shuffle } from '../../../src/ops/index.ts';

describe('seeded random numbers (by hand)', () => {
  it('keeps the draws of seed 42 stable across versions (a run must replay from its seed)', () => {
    expect(sampleWithoutReplacement(5, 42)(100)).toEqual([49, 90, 8, 9, 56]);
    expect(deriveSeed(42, 'cycle', 3)).toBe(658139147);
    const rng = new Rng(42);
    expect([rng.nextUint32(), rng.nextInt(1000)]).toEqual([1972865549, 792]);
  });

  it('returns everything when k ≥ n, nothing when k = 0 or n = 0', () => {
    expect([...sampleWithoutReplacement(9, 1)(5)].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(sampleWithoutReplacement(0, 1)(5)).toEqual([]);
    expect(sampleWithoutReplacement(3, 1)(0)).toEqual([]);
    expect(randomSubset(2, 1)([])).toEqual([]);
    expect(shuffle(1)([])).toEqual([]);
    expect(shuffle(1)(['only'])).toEqual(['only']);
    expect(new Rng(5).nextInt(1)).toBe(0);
  });

  it('throws InputError for a bad k, n, seed or range', () => {
    expect(() => sampleWithoutReplacement(-1, 1)(5)).toThrow(InputError);
    expect(() => sampleWithoutReplacement(1, 1)(2.5)).toThrow(/n must be a non-negative integer/);
    expect(() => sampleWithoutReplacement(1, 0.5)(5)).toThrow(/seed must be a safe integer/);
    expect(() => new Rng(1).nextInt(0)).toThrow(/n must be a positive safe integer/);
  });
});
