import { fc, test } from '@fast-check/vitest';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect } from 'vitest';
import { pairedRankingAccuracy, rankingAccuracy, splitPairs } from '../../src/ops/index.ts';
import { batchOf, coarseValue, expectRight } from './arbitraries.ts';

/** The definition, pair by pair: tied true losses left out, a predicted tie counts as wrong. */
const bruteForce = (
  predicted: ReadonlyArray<number>,
  actual: ReadonlyArray<number>,
  pairs: ReadonlyArray<readonly [number, number]>,
): E.Either<string, number> => {
  const sign = (x: number, y: number): number => (x < y ? -1 : x > y ? 1 : 0);
  const comparable = pairs.filter(([i, j]) => actual[i] !== actual[j]);
  const agree = comparable.filter(([i, j]) => sign(predicted[i], predicted[j]) === sign(actual[i], actual[j]));
  return comparable.length === 0 ? E.left('none') : E.right(agree.length / comparable.length);
};

const allPairs = (n: number): Array<readonly [number, number]> =>
  Array.from({ length: n }, (_, i) => Array.from({ length: n - i - 1 }, (_, d) => [i, i + 1 + d] as const)).flat();

/** Small values with ±Infinity, so ties (in either array, or both) are common. */
const tieProne = fc.oneof(
  { weight: 8, arbitrary: coarseValue },
  { weight: 1, arbitrary: fc.constantFrom(Infinity, -Infinity) },
);

describe('rankingAccuracy', () => {
  test.prop([batchOf(tieProne, tieProne, 40)])(
    'should equal the pair-by-pair count over all pairs, for any values with ties and infinities',
    ({ predicted, actual }) => {
      const expected = bruteForce(predicted, actual, allPairs(predicted.length));
      const got = rankingAccuracy(predicted, actual);
      expect(E.isRight(got)).toBe(E.isRight(expected));
      if (E.isRight(got) && E.isRight(expected)) expect(got.right).toBeCloseTo(expected.right, 12);
    },
  );

  test.prop([batchOf(tieProne, tieProne, 40)])(
    'should equal the pair-by-pair count over the flip pairs, for the paired version',
    ({ predicted, actual }) => {
      const expected = bruteForce(predicted, actual, splitPairs(predicted.length));
      const got = pairedRankingAccuracy(predicted, actual);
      expect(E.isRight(got)).toBe(E.isRight(expected));
      if (E.isRight(got) && E.isRight(expected)) expect(got.right).toBe(expected.right);
    },
  );

  test.prop([batchOf(tieProne, tieProne, 40)])(
    'should be 1 when predicted equals actual and 0 when it is reversed, whenever defined',
    ({ actual }) => {
      const reversed = actual.map((l) => -l);
      for (const accuracy of [rankingAccuracy, pairedRankingAccuracy]) {
        const same = accuracy(actual, actual);
        if (E.isRight(same)) expect(same.right).toBe(1);
        const opposite = accuracy(reversed, actual);
        expect(E.isRight(opposite)).toBe(E.isRight(same));
        if (E.isRight(opposite)) expect(opposite.right).toBe(0);
      }
    },
  );

  test.prop([fc.array(coarseValue, { minLength: 2, maxLength: 50 }), fc.nat()])(
    'should be Left exactly when no pair has distinct true losses',
    (predicted, level) => {
      const constant = predicted.map(() => level);
      expect(E.isLeft(rankingAccuracy(predicted, constant))).toBe(true);
      expect(E.isLeft(rankingAccuracy([0], [1]))).toBe(true);
      expect(E.isLeft(rankingAccuracy([], []))).toBe(true);
      const varied = constant.map((l, i) => (i === 0 ? l + 1 : l));
      expect(expectRight(rankingAccuracy(predicted, varied))).toBeGreaterThanOrEqual(0);
    },
  );

  test.prop([batchOf(coarseValue, coarseValue, 20), fc.nat()])(
    'should be Left naming the position for any NaN in either array',
    ({ predicted, actual }, at) => {
      fc.pre(predicted.length > 0);
      const n = at % predicted.length;
      const withNaN = actual.map((l, i) => (i === n ? NaN : l));
      expect(rankingAccuracy(predicted, withNaN)).toEqual(E.left(expect.stringContaining(`actual[${n}]`)));
      expect(pairedRankingAccuracy(withNaN, actual)).toEqual(E.left(expect.stringContaining(`predicted[${n}]`)));
    },
  );
});
