import { fc, test } from '@fast-check/vitest';
import * as E from 'fp-ts/lib/Either.js';
import * as O from 'fp-ts/lib/Option.js';
import { describe, expect, it } from 'vitest';
import { cohensKappa, lossPlateauStop, stablePredictionsStop } from '../../src/ops/index.ts';
import { expectRight } from './arbitraries.ts';

const labelings = fc.integer({ min: 1, max: 40 }).chain((n) =>
  fc.tuple(fc.array(fc.integer({ min: 0, max: 4 }), { minLength: n, maxLength: n }), fc.array(fc.integer({ min: 0, max: 4 }), { minLength: n, maxLength: n })),
);

describe("Cohen's κ", () => {
  it('is 0.5 for 0011 against 0111 (by hand: p_o = ¾, p_e = ½)', () => {
    expect(expectRight(cohensKappa([0, 0, 1, 1], [0, 1, 1, 1]))).toBeCloseTo(0.5, 12);
    // chance-level agreement: p_o = p_e = ½
    expect(expectRight(cohensKappa([0, 1, 0, 1], [0, 0, 1, 1]))).toBeCloseTo(0, 12);
    expect(expectRight(cohensKappa([2, 2], [2, 2]))).toBe(1);
    expect(E.isLeft(cohensKappa([1], [1, 2]))).toBe(true);
    expect(E.isLeft(cohensKappa([], []))).toBe(true);
  });

  test.prop([labelings])('should be 1 against itself, symmetric, and at most 1', ([a, b]) => {
    expect(expectRight(cohensKappa(a, a))).toBe(1);
    expect(expectRight(cohensKappa(a, b))).toBeCloseTo(expectRight(cohensKappa(b, a)), 12);
    expect(expectRight(cohensKappa(a, b))).toBeLessThanOrEqual(1 + 1e-12);
  });

  test.prop([labelings, fc.shuffledSubarray([0, 1, 2, 3, 4], { minLength: 5, maxLength: 5 })])(
    'should be unchanged when the classes are renamed (the same permutation on both)',
    ([a, b], perm) => {
      const rename = (x: number[]) => x.map((v) => perm[v]!);
      expect(expectRight(cohensKappa(rename(a), rename(b)))).toBeCloseTo(expectRight(cohensKappa(a, b)), 12);
    },
  );
});

const kappaSeries = fc.array(fc.oneof(fc.constant(null), fc.double({ min: 0.9, max: 1, noNaN: true })), { maxLength: 12 });

describe('stopping rules', () => {
  it('stop where the examples say', () => {
    expect(stablePredictionsStop({ window: 2 })([null, 0.995, 0.97, 0.992, 0.999])).toEqual(O.some(4));
    expect(stablePredictionsStop()([null, 0.995, 0.999])).toEqual(O.none);
    expect(lossPlateauStop({ fraction: 0.1, window: 2 })([2, 1, 0.95, 0.94])).toEqual(O.some(3));
    expect(lossPlateauStop({ fraction: 0.1, window: 1 })([2, 1, 1.5])).toEqual(O.some(2));
  });

  test.prop([kappaSeries, fc.double({ min: 0.9, max: 1, noNaN: true }), fc.integer({ min: 1, max: 4 })])(
    'should stop stable-predictions at the first cycle ending `window` consecutive κ ≥ threshold',
    (kappas, threshold, window) => {
      const stable = (i: number) => kappas[i] !== null && kappas[i]! >= threshold;
      const first = kappas.findIndex((_, i) => i + 1 >= window && Array.from({ length: window }, (_, j) => stable(i - j)).every(Boolean));
      expect(stablePredictionsStop({ threshold, window })(kappas)).toEqual(first < 0 ? O.none : O.some(first));
    },
  );

  test.prop([fc.array(fc.double({ min: 0.1, max: 5, noNaN: true }), { maxLength: 12 }), fc.double({ min: 0, max: 0.5, noNaN: true }), fc.integer({ min: 1, max: 4 }), fc.double({ min: 0.1, max: 10, noNaN: true })])(
    'should stop loss-plateau at the first cycle ending `window` relative falls < fraction, unchanged by scaling l̂',
    (means, fraction, window, scale) => {
      const flat = (i: number) => i >= 1 && (means[i - 1]! - means[i]!) / means[i - 1]! < fraction;
      const first = means.findIndex((_, i) => i >= window && Array.from({ length: window }, (_, j) => flat(i - j)).every(Boolean));
      const rule = lossPlateauStop({ fraction, window });
      expect(rule(means)).toEqual(first < 0 ? O.none : O.some(first));
      expect(rule(means.map((m) => m * scale))).toEqual(rule(means));
    },
  );
});
