import { fc, test } from '@fast-check/vitest';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect } from 'vitest';
import {
  entropy,
  entropyScores,
  leastConfidence,
  leastConfidenceScores,
  margin,
  marginScores,
  type ProbabilityScorer,
} from '../../src/ops/index.ts';
import { expectRight } from './arbitraries.ts';

/** A probability vector of C classes: normalised weights, zeros included (one weight is kept positive). */
const distributionOf = (classes: number) =>
  fc
    .tuple(
      fc.double({ min: 1e-3, max: 1, noNaN: true }),
      fc.array(fc.oneof(fc.constant(0), fc.double({ min: 1e-3, max: 1, noNaN: true })), {
        minLength: classes - 1,
        maxLength: classes - 1,
      }),
      fc.nat(),
    )
    .map(([positive, rest, at]) => {
      const w = [...rest];
      w.splice(at % classes, 0, positive);
      const total = w.reduce((s, x) => s + x, 0);
      return w.map((x) => x / total);
    });

/** A probability vector of C ∈ [1, 12] classes. */
const distribution = fc.integer({ min: 1, max: 12 }).chain(distributionOf);

const uniform = (classes: number): number[] => new Array<number>(classes).fill(1 / classes);
const scorers: ReadonlyArray<readonly [string, ProbabilityScorer]> = [
  ['entropy', entropy],
  ['margin', margin],
  ['leastConfidence', leastConfidence],
];

describe('uncertainty scorers', () => {
  test.prop([distribution])('should keep entropy in [0, log C] and at most the entropy of the uniform distribution', (p) => {
    const h = entropy(p);
    expect(h).toBeGreaterThanOrEqual(0);
    expect(h).toBeLessThanOrEqual(Math.log(p.length) + 1e-12);
    expect(h).toBeLessThanOrEqual(entropy(uniform(p.length)) + 1e-12);
  });

  test.prop([fc.integer({ min: 1, max: 100 })])('should give entropy log C at the uniform distribution', (classes) => {
    expect(entropy(uniform(classes))).toBeCloseTo(Math.log(classes), 12);
  });

  test.prop([distribution])(
    'should keep margin in [0, 1] and least confidence in [0, 1 − 1/C], both maximal at the uniform distribution',
    (p) => {
      const C = p.length;
      expect(margin(p)).toBeGreaterThanOrEqual(-1e-12);
      expect(margin(p)).toBeLessThanOrEqual(margin(uniform(C)) + 1e-12);
      expect(leastConfidence(p)).toBeGreaterThanOrEqual(-1e-12);
      expect(leastConfidence(p)).toBeLessThanOrEqual(1 - 1 / C + 1e-12);
      expect(leastConfidence(p)).toBeLessThanOrEqual(leastConfidence(uniform(C)) + 1e-12);
    },
  );

  test.prop([fc.integer({ min: 1, max: 20 }), fc.nat()])('should score every one-hot distribution 0', (classes, hot) => {
    const p = Array.from({ length: classes }, (_, c) => (c === hot % classes ? 1 : 0));
    for (const [, score] of scorers) expect(score(p)).toBe(0);
  });

  test.prop([distribution.chain((p) => fc.tuple(fc.constant(p), fc.shuffledSubarray(p, { minLength: p.length })))])(
    'should not depend on the order of the classes',
    ([p, permuted]) => {
      for (const [, score] of scorers) expect(score(permuted)).toBeCloseTo(score(p), 12);
    },
  );

  test.prop([distribution, fc.nat()])('should score NaN any row containing NaN', (p, at) => {
    const withNaN = p.map((x, c) => (c === at % p.length ? NaN : x));
    for (const [, score] of scorers) expect(score(withNaN)).toBeNaN();
  });
});

describe('batched scorers', () => {
  const batch = fc
    .integer({ min: 1, max: 10 })
    .chain((classes) =>
      fc.tuple(fc.constant(classes), fc.array(distributionOf(classes), { maxLength: 20 })),
    );
  const batched = [entropyScores, marginScores, leastConfidenceScores] as const;

  test.prop([batch])('should equal the per-row scorer on every row of a row-major Float32Array', ([classes, rows]) => {
    const flat = Float32Array.from(rows.flat());
    const copy = flat.slice();
    batched.forEach((scoreAll, s) => {
      const scores = expectRight(scoreAll(classes)(flat));
      expect(scores).toBeInstanceOf(Float32Array);
      expect(scores).toHaveLength(rows.length);
      scores.forEach((v, r) => {
        expect(v).toBe(Math.fround(scorers[s][1](flat.subarray(r * classes, (r + 1) * classes))));
      });
    });
    expect(flat).toEqual(copy);
  });

  test.prop([fc.integer({ min: -3, max: 12 }), fc.integer({ min: 0, max: 40 })])(
    'should be Left exactly when classes is not positive or does not divide the length',
    (classes, length) => {
      const valid = classes >= 1 && length % classes === 0;
      for (const scoreAll of batched) expect(E.isRight(scoreAll(classes)(new Float32Array(length)))).toBe(valid);
    },
  );
});
