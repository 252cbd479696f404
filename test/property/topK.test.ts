import { fc, test } from '@fast-check/vitest';
import * as N from 'fp-ts/lib/number.js';
import * as ORD from 'fp-ts/lib/Ord.js';
import { describe, expect } from 'vitest';
import { scoreOrd, topK, topKBy } from '../../src/ops/index.ts';
import { gridValue } from './arbitraries.ts';

const score = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: -5, max: 5 }) },
  { weight: 2, arbitrary: gridValue },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity) },
);
const scoresArb = fc.array(score, { maxLength: 80 });
const kArb = fc.integer({ min: 0, max: 90 });

/** The specification: sort every index (score high to low, NaN last, lower index first), take k. */
const reference = (k: number, scores: ReadonlyArray<number>): ReadonlyArray<number> =>
  scores
    .map((_, i) => i)
    .sort((a, b) => scoreOrd.compare(scores[b], scores[a]) || a - b)
    .slice(0, k);

describe('topK', () => {
  test.prop([scoresArb, kArb])('should equal a full sort by score then index, cut at k', (scores, k) => {
    expect(topK(k)(scores)).toEqual(reference(k, scores));
  });

  test.prop([scoresArb, kArb])('should return min(k, N) distinct indices in range', (scores, k) => {
    const picked = topK(k)(scores);
    expect(picked).toHaveLength(Math.min(k, scores.length));
    expect(new Set(picked).size).toBe(picked.length);
    picked.forEach((i) => expect(i >= 0 && i < scores.length).toBe(true));
  });

  test.prop([scoresArb, kArb])(
    'should never leave out a strictly higher score than one it selects, nor select NaN ahead of a number',
    (scores, k) => {
      const picked = topK(k)(scores);
      const chosen = new Set(picked);
      const lowest = picked.length === 0 ? undefined : scores[picked[picked.length - 1]];
      if (lowest === undefined) return;
      scores.forEach((s, i) => {
        if (!chosen.has(i)) expect(scoreOrd.compare(s, lowest)).toBeLessThanOrEqual(0);
      });
      const firstNaN = picked.findIndex((i) => Number.isNaN(scores[i]));
      if (firstNaN >= 0) picked.slice(firstNaN).forEach((i) => expect(scores[i]).toBeNaN());
    },
  );

  test.prop([scoresArb, kArb])('should list its picks highest first, ties by lower index', (scores, k) => {
    const picked = topK(k)(scores);
    for (let n = 1; n < picked.length; n++) {
      const order = scoreOrd.compare(scores[picked[n - 1]], scores[picked[n]]);
      expect(order > 0 || (order === 0 && picked[n - 1] < picked[n])).toBe(true);
    }
  });

  test.prop([scoresArb.chain((s) => fc.tuple(fc.constant(s), fc.shuffledSubarray(s.map((_, i) => i), { minLength: s.length }))), kArb])(
    'should be equivariant under any permutation of the pool, up to ties',
    ([scores, permutation], k) => {
      const permuted = permutation.map((i) => scores[i]);
      const pickedScores = topK(k)(scores).map((i) => scores[i]);
      const pickedPermuted = topK(k)(permuted).map((i) => scores[permutation[i]]);
      expect(pickedPermuted).toEqual(pickedScores); // same scores, in the same order
      if (new Set(scores).size === scores.length) {
        expect(topK(k)(permuted).map((i) => permutation[i])).toEqual(topK(k)(scores));
      }
    },
  );

  test.prop([scoresArb, kArb])('should neither mutate a Float32Array nor differ from the plain array', (scores, k) => {
    const typed = Float32Array.from(scores);
    const copy = typed.slice();
    expect(topK(k)(typed)).toEqual(topK(k)(Array.from(typed)));
    expect(typed).toEqual(copy);
  });

  test.prop([scoresArb, kArb])('should select the k lowest with a reversed ordering', (scores, k) => {
    const finite = scores.filter((s) => !Number.isNaN(s));
    const lowest = topKBy(ORD.reverse(N.Ord))(k)(finite).map((i) => finite[i]);
    expect(lowest).toEqual([...finite].sort((a, b) => a - b || 0).slice(0, k));
  });

  test.prop([fc.oneof(fc.integer({ max: -1 }), fc.double({ noInteger: true }))])(
    'should throw for any k that is not a non-negative integer',
    (k) => {
      expect(() => topK(k)([1, 2, 3])).toThrow(/k must be a non-negative integer/);
    },
  );
});
