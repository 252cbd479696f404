import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/inputError.ts';
import {
  badge,
  baldScores,
  diverseTopK,
  gradientEmbedding,
  kMeans,
  kMeansPlusPlus,
  mcEntropyScores,
  mutualInformation,
  powerSample,
  powerWeights,
  predictiveEntropy,
  typicality,
  typiclust,
} from '../../../src/ops/index.ts';

const right = <A>(e: E.Either<string, A>): A => {
  if (E.isLeft(e)) throw new Error(e.left);
  return e.right;
};

describe('BALD and MC entropy (by hand)', () => {
  it('scores passes that disagree confidently log 2 and passes that agree on a flat distribution 0', () => {
    // two passes, two classes: (1, 0) and (0, 1) → mean (½, ½): H = log 2, E H = 0
    expect(mutualInformation(2, 2)([1, 0, 0, 1])).toBeCloseTo(Math.LN2, 12);
    expect(predictiveEntropy(2, 2)([1, 0, 0, 1])).toBeCloseTo(Math.LN2, 12);
    // both passes (½, ½): H = log 2, E H = log 2 → MI 0, but the predictive entropy is still log 2
    expect(mutualInformation(2, 2)([0.5, 0.5, 0.5, 0.5])).toBe(0);
    expect(predictiveEntropy(2, 2)([0.5, 0.5, 0.5, 0.5])).toBeCloseTo(Math.LN2, 12);
  });

  it('computes a three-pass case term by term', () => {
    // passes (0.9, 0.1), (0.5, 0.5), (0.1, 0.9): mean (0.5, 0.5)
    const h = (p: number) => -(p * Math.log(p) + (1 - p) * Math.log(1 - p));
    const expected = Math.LN2 - (h(0.9) + Math.LN2 + h(0.1)) / 3; // = 0.693147 − (2·0.325083 + 0.693147)/3 = 0.693147 − 0.447771 ≈ 0.24538
    expect(mutualInformation(3, 2)([0.9, 0.1, 0.5, 0.5, 0.1, 0.9])).toBeCloseTo(expected, 12);
    expect(expected).toBeCloseTo(0.24538, 4);
  });

  it('scores a batch and refuses a bad shape', () => {
    const batch = right(baldScores({ samples: Float32Array.of(1, 0, 0, 1, 1, 0, 1, 0), passes: 2, classes: 2 }));
    expect(batch[0]).toBeCloseTo(Math.LN2, 6);
    expect(batch[1]).toBe(0);
    expect(right(mcEntropyScores({ samples: Float32Array.of(1, 0, 1, 0), passes: 2, classes: 2 }))[0]).toBe(0);
    expect(baldScores({ samples: new Float32Array(3), passes: 2, classes: 2 })).toEqual(E.left('baldScores: 3 samples is not a multiple of 2 passes × 2 classes'));
    expect(E.isLeft(mcEntropyScores({ samples: new Float32Array(4), passes: 0, classes: 2 }))).toBe(true);
  });
});

describe('BADGE (by hand)', () => {
  it('builds (p − onehot(argmax p)) ⊗ h', () => {
    expect(Array.from(gradientEmbedding([0.75, 0.25], [2, 4]))).toEqual([-0.5, -1, 0.5, 1]);
    // a tie goes to the lowest class
    expect(Array.from(gradientEmbedding([0.5, 0.5], [1]))).toEqual([-0.5, 0.5]);
  });

  it('starts at the largest gradient: the unsure candidate before the confident ones', () => {
    const input = { probabilities: Float32Array.of(1, 0, 0.5, 0.5, 1, 0), classes: 2, embeddings: Float32Array.of(1, 1, 1), dim: 1 };
    expect(right(badge(1, 0)(input))).toEqual([1]);
    // the confident candidates have zero gradients (they coincide): the second pick is one of them
    expect(right(badge(2, 0)(input))[0]).toBe(1);
  });

  it('refuses a task without classes', () => {
    expect(E.isLeft(badge(1, 0)({ probabilities: new Float32Array(0), classes: 0, embeddings: Float32Array.of(1), dim: 1 }))).toBe(true);
  });
});

describe('k-means++ and k-means (by hand)', () => {
  it('seeds two far clusters with one centre each', () => {
    const picks = right(kMeansPlusPlus(2, 5)({ embeddings: Float32Array.of(0, 0.1, 100, 100.1), dim: 1 }));
    expect(picks.map((r) => (r < 2 ? 'low' : 'high')).sort()).toEqual(['high', 'low']);
  });

  it('clusters 0, 1, 10, 11 into {0, 1} and {10, 11} with centres 0.5 and 10.5', () => {
    const c = right(kMeans({ k: 2, seed: 1 })({ embeddings: Float32Array.of(0, 1, 10, 11), dim: 1 }));
    expect(c.assignments[0]).toBe(c.assignments[1]);
    expect(c.assignments[2]).toBe(c.assignments[3]);
    expect(c.assignments[0]).not.toBe(c.assignments[2]);
    expect([...c.centres].sort((a, b) => a - b)).toEqual([0.5, 10.5]);
  });

  it('refuses a non-finite value, naming the row', () => {
    expect(kMeans({ k: 1, seed: 0 })({ embeddings: Float32Array.of(0, Number.NaN), dim: 1 })).toEqual(E.left('kMeans: value 1 (row 1) is NaN, expected a finite number'));
  });
});

describe('TypiClust (by hand)', () => {
  it('measures typicality as 1 / mean distance to the nearest neighbours', () => {
    // points 0, 1, 3 with one neighbour: distances 1, 1, 2
    const close = (actual: Float64Array, expected: number[]) => expected.forEach((t, i) => expect(actual[i]).toBeCloseTo(t, 6));
    close(typicality(1)(Float32Array.of(0, 1, 3), 1), [1, 1, 0.5]);
    // two neighbours: 0 → (1 + 3)/2, 1 → (1 + 2)/2, 3 → (2 + 3)/2
    close(typicality(2)(Float32Array.of(0, 1, 3), 1), [0.5, 2 / 3, 0.4]);
  });

  it('takes the centre of the blob that has no labeled point', () => {
    const input = { candidates: Float32Array.of(0, 1, 2, 10, 11, 12), labeled: Float32Array.of(1), dim: 1 };
    expect(right(typiclust({ k: 1, seed: 0 })(input))).toEqual([4]);
  });
});

describe('learning-loss-diverse (by hand)', () => {
  const input = { scores: [5, 4, 1, 0.5], embeddings: Float32Array.of(0, 0.1, 9, 9.1), dim: 1 };
  it('is top-K when the shortlist is K (α = 1)', () => {
    expect(right(diverseTopK({ k: 2, seed: 0, factor: 1 })(input))).toEqual([0, 1]);
  });
  it('trades the runner-up for a distant candidate of the shortlist (α = 2, k-center)', () => {
    // shortlist rows 0, 1, 2, 3; k-center from nothing: farthest from the mean (4.55) is 9.1 (row 3)… then 0
    expect(right(diverseTopK({ k: 2, seed: 0, factor: 2, method: 'k-center' })(input))).toEqual([3, 0]);
    // k-means++ starts at the top score (row 0) and draws the next ∝ D²: rows 2 or 3 with probability ≈ 0.9998
    expect(right(diverseTopK({ k: 2, seed: 0, factor: 2 })(input))[0]).toBe(0);
  });
  it('refuses α < 1', () => {
    expect(() => diverseTopK({ k: 1, seed: 0, factor: 0.5 })).toThrow(InputError);
  });
});

describe('power sampling (by hand)', () => {
  it('shifts negative scores to a minimum of 0 and raises them to β', () => {
    expect(Array.from(powerWeights(1)([-1, 0, 3]))).toEqual([0, 1, 4]);
    expect(Array.from(powerWeights(2)([1, 2, Number.NaN]))).toEqual([1, 4, 0]);
    expect(Array.from(powerWeights(0)([0, 2]))).toEqual([1, 1]);
  });

  it('draws the first pick with probability ∝ weight: weights 1 and 3 → 3/4 over 4,000 seeds', () => {
    let second = 0;
    for (let seed = 0; seed < 4000; seed++) if (powerSample({ k: 1, seed })([1, 3])[0] === 1) second++;
    // binomial(4000, 0.75): std ≈ 0.0068; ±0.03 is 4.4 std
    expect(second / 4000).toBeGreaterThan(0.72);
    expect(second / 4000).toBeLessThan(0.78);
  });

  it('draws zero-weight candidates last and refuses a negative β', () => {
    expect(powerSample({ k: 5, seed: 1 })([Number.NaN, -1, 2, 0, 5]).slice(3).sort()).toEqual([0, 1]);
    expect(() => powerSample({ k: 1, seed: 0, beta: -1 })).toThrow(InputError);
  });
});
