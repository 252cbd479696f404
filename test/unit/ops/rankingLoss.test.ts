import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/inputError.ts';
import {
  marginRankingLoss,
  marginRankingLossGradient,
  mseLoss,
  pairItems,
  pairRankingLosses,
  rankingIndicator,
  splitPairs,
} from '../../../src/ops/index.ts';

const right = <A>(e: E.Either<string, A>): A => {
  if (E.isLeft(e)) throw new Error(e.left);
  return e.right;
};

describe('splitPairs (by hand)', () => {
  it('pairs i with B−1−i and leaves out the middle of an odd batch', () => {
    expect(splitPairs(4)).toEqual([[0, 3], [1, 2]]);
    expect(splitPairs(5)).toEqual([[0, 4], [1, 3]]);
    expect(splitPairs(2)).toEqual([[0, 1]]);
    expect(splitPairs(1)).toEqual([]);
    expect(splitPairs(0)).toEqual([]);
    expect(pairItems(['a', 'b', 'c'])).toEqual([['a', 'c']]);
    expect(() => splitPairs(-2)).toThrow(InputError);
  });
});

describe('marginRankingLoss (by hand)', () => {
  // Pairs (0,3) and (1,2).
  // (0,3): l0 = 3 > l3 = 0.5 → I = +1; l̂0 − l̂3 = 0.3 → max(0, 1 − 0.3) = 0.7
  // (1,2): l1 = 1 < l2 = 2 → I = −1; l̂1 − l̂2 = 1.0 → max(0, 1 + 1.0) = 2.0
  const predicted = [0.5, 2.0, 1.0, 0.2];
  const actual = [3, 1, 2, 0.5];

  it('averages the hinge over the flip pairs of a 4-element batch', () => {
    const perPair = right(pairRankingLosses(1)(predicted, actual));
    expect(perPair[0]).toBeCloseTo(0.7, 15);
    expect(perPair[1]).toBe(2);
    expect(right(marginRankingLoss(1)(predicted, actual))).toBeCloseTo(1.35, 15);
  });

  it('gives ∓I/P on each element of an active pair', () => {
    expect(right(marginRankingLossGradient(1)(predicted, actual))).toEqual([-0.5, 0.5, -0.5, 0.5]);
  });

  it('drops a pair once it is ordered by at least the margin (ξ = 0: only pair (1,2) is active)', () => {
    expect(right(pairRankingLosses(0)(predicted, actual))).toEqual([0, 1]);
    expect(right(marginRankingLoss(0)(predicted, actual))).toBe(0.5);
    expect(right(marginRankingLossGradient(0)(predicted, actual))).toEqual([0, 0.5, -0.5, 0]);
  });

  it('treats a tie in the true losses as I = −1, as the reference does', () => {
    expect(rankingIndicator(1, 1)).toBe(-1);
    expect(right(marginRankingLoss(1)([0, 0], [1, 1]))).toBe(1); // 1 − (−1)(0)
    expect(right(marginRankingLoss(1)([0, 2], [1, 1]))).toBe(0); // 1 − (−1)(−2) = −1
    expect(right(marginRankingLoss(1)([2, 0], [1, 1]))).toBe(3); // 1 − (−1)(2)
  });

  it('leaves the middle element of an odd batch out of the loss and its gradient', () => {
    // only pair (0,2): l0 = 0 < l2 = 1 → I = −1; l̂0 − l̂2 = 1 → 1 + 1 = 2
    expect(right(marginRankingLoss(1)([1, 100, 0], [0, 5, 1]))).toBe(2);
    expect(right(marginRankingLossGradient(1)([1, 100, 0], [0, 5, 1]))).toEqual([1, 0, -1]);
  });

  it('is 0 with a zero gradient for a batch of 0 or 1 (no pairs), and at the kink', () => {
    expect(right(marginRankingLoss(1)([], []))).toBe(0);
    expect(right(marginRankingLoss(1)([7], [3]))).toBe(0);
    expect(right(marginRankingLossGradient(1)([7], [3]))).toEqual([0]);
    expect(right(marginRankingLoss(1)([1, 0], [1, 0]))).toBe(0);
    expect(right(marginRankingLossGradient(1)([1, 0], [1, 0]))).toEqual([0, 0]);
  });

  it('accepts Float32Array inputs', () => {
    expect(right(marginRankingLoss(1)(Float32Array.of(0, 0), Float32Array.of(1, 0)))).toBe(1);
  });

  it('reports a length mismatch or a non-finite value as Left, and a bad margin as InputError', () => {
    expect(marginRankingLoss(1)([1, 2], [1])).toEqual(
      E.left('marginRankingLoss: predicted has length 2 but actual has length 1'),
    );
    expect(marginRankingLoss(1)([1, Infinity], [1, 2])).toEqual(
      E.left('marginRankingLoss: predicted[1] is Infinity, expected a finite number'),
    );
    expect(marginRankingLossGradient(1)([1, 2], [NaN, 2])).toEqual(
      E.left('marginRankingLoss: actual[0] is NaN, expected a finite number'),
    );
    // a bad margin is a configuration error: it throws as soon as the operator is built
    expect(() => marginRankingLoss(-1)).toThrow(InputError);
    expect(() => marginRankingLossGradient(NaN)).toThrow(/margin must be a finite number/);
  });
});

describe('mseLoss (by hand)', () => {
  it('averages the squared differences', () => {
    // (0.5−3)² + (2−1)² + (1−2)² + (0.2−0.5)² = 6.25 + 1 + 1 + 0.09 = 8.34; / 4
    expect(right(mseLoss([0.5, 2.0, 1.0, 0.2], [3, 1, 2, 0.5]))).toBeCloseTo(2.085, 12);
    expect(right(mseLoss([], []))).toBe(0);
    expect(E.isLeft(mseLoss([1], [1, 2]))).toBe(true);
  });
});
