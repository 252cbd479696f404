import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/inputError.ts';
import {
  entropy,
  entropyScores,
  kCenterGreedy,
  leastConfidence,
  leastConfidenceScores,
  margin,
  marginScores,
  pairedRankingAccuracy,
  rankingAccuracy,
  topK,
} from '../../../src/ops/index.ts';

describe('rankingAccuracy (by hand)', () => {
  it('counts the pairs ordered alike', () => {
    // (0,1) ✗ (0,2) ✗ (0,3) ✓ (1,2) ✗ (1,3) ✓ (2,3) ✓ → 3/6; flip pairs (0,3) ✓ (1,2) ✗ → 1/2
    const predicted = [0.5, 2.0, 1.0, 0.2];
    const actual = [3, 1, 2, 0.5];
    expect(rankingAccuracy(predicted, actual)).toEqual(E.right(0.5));
    expect(pairedRankingAccuracy(predicted, actual)).toEqual(E.right(0.5));
  });

  it('leaves out true ties and counts predicted ties as wrong', () => {
    // (0,1) tied in truth: left out; (0,2) ✓; (1,2) predicted tie ✗ → 1/2
    expect(rankingAccuracy([0, 5, 5], [1, 1, 2])).toEqual(E.right(0.5));
    expect(rankingAccuracy([0, 5, 5], [1, 1, 1])).toEqual(
      E.left('rankingAccuracy: no pair with distinct true losses, accuracy is undefined'),
    );
    expect(E.isLeft(pairedRankingAccuracy([1], [1]))).toBe(true);
  });
});

describe('topK (by hand)', () => {
  const scores = [0.1, 0.9, NaN, 0.9, -Infinity];
  it('selects highest first, ties by lower index, NaN last, ±Infinity ordinary', () => {
    expect(topK(2)(scores)).toEqual([1, 3]);
    expect(topK(4)(scores)).toEqual([1, 3, 0, 4]);
    expect(topK(5)(scores)).toEqual([1, 3, 0, 4, 2]);
    expect(topK(99)(scores)).toEqual([1, 3, 0, 4, 2]);
    expect(topK(0)(scores)).toEqual([]);
    expect(topK(1)([NaN, NaN])).toEqual([0]);
    expect(topK(1)([-Infinity, Infinity])).toEqual([1]);
    expect(topK(3)(new Float32Array(0))).toEqual([]);
    expect(() => topK(-1)(scores)).toThrow(InputError);
    expect(() => topK(1.5)(scores)).toThrow(InputError);
  });
});

describe('uncertainty scorers (by hand)', () => {
  it('computes entropy in nats', () => {
    expect(entropy([0.5, 0.5])).toBeCloseTo(Math.LN2, 15);
    expect(entropy([0.25, 0.25, 0.25, 0.25])).toBeCloseTo(Math.log(4), 15);
    expect(entropy([1, 0, 0])).toBe(0);
    // 0.7·0.356675 + 0.2·1.609438 + 0.1·2.302585
    expect(entropy([0.7, 0.2, 0.1])).toBeCloseTo(0.8018186, 6);
  });

  it('computes margin as 1 − (p1 − p2) and least confidence as 1 − max p', () => {
    expect(margin([0.5, 0.3, 0.2])).toBeCloseTo(0.8, 15);
    expect(margin([0.1, 0.2, 0.7])).toBeCloseTo(0.5, 15);
    expect(margin([0.4, 0.4, 0.2])).toBe(1);
    expect(margin([1])).toBe(0);
    expect(leastConfidence([0.7, 0.2, 0.1])).toBeCloseTo(0.3, 15);
    expect(leastConfidence([1 / 3, 1 / 3, 1 / 3])).toBeCloseTo(2 / 3, 15);
  });

  it('scores an empty row as an all-zero one', () => {
    expect([entropy([]), margin([]), leastConfidence([])]).toEqual([0, 1, 1]);
  });

  it('scores row-major batches, and rejects a bad shape as Left', () => {
    const probabilities = Float32Array.of(0.5, 0.5, 1, 0);
    expect(entropyScores(2)(probabilities)).toEqual(E.right(Float32Array.of(Math.LN2, 0)));
    expect(marginScores(2)(probabilities)).toEqual(E.right(Float32Array.of(1, 0)));
    expect(leastConfidenceScores(2)(probabilities)).toEqual(E.right(Float32Array.of(0.5, 0)));
    expect(entropyScores(0)(probabilities)).toEqual(E.left('entropy: classes must be a positive integer, got 0'));
    expect(marginScores(3)(probabilities)).toEqual(E.left('margin: 4 probabilities is not a multiple of 3 classes'));
    expect(entropyScores(10)(new Float32Array(0))).toEqual(E.right(new Float32Array(0)));
  });
});

describe('kCenterGreedy (by hand)', () => {
  const line = Float32Array.of(0, 1, 2, 10);
  it('picks the farthest point from the labeled centres, one at a time', () => {
    // from {0}: 10 is farthest; then from {0, 10}: 2 (distance 2) beats 1 (distance 1)
    expect(kCenterGreedy(2)({ embeddings: line, dim: 1, labeled: [0] })).toEqual(E.right([3, 2]));
    expect(kCenterGreedy(9)({ embeddings: line, dim: 1, labeled: [0] })).toEqual(E.right([3, 2, 1]));
    expect(kCenterGreedy(0)({ embeddings: line, dim: 1, labeled: [0] })).toEqual(E.right([]));
    expect(kCenterGreedy(2)({ embeddings: line, dim: 1, labeled: [0, 1, 2, 3] })).toEqual(E.right([]));
    // a row labeled twice is one centre
    expect(kCenterGreedy(9)({ embeddings: line, dim: 1, labeled: [0, 0] })).toEqual(E.right([3, 2, 1]));
  });

  it('starts from the row farthest from the mean when nothing is labeled', () => {
    // mean 3.25 → row 3 (10); then row 0 (distance 10); then row 2 (distance 2 from 0)
    expect(kCenterGreedy(3)({ embeddings: line, dim: 1, labeled: [] })).toEqual(E.right([3, 0, 2]));
    expect(kCenterGreedy(1)({ embeddings: new Float32Array(0), dim: 4, labeled: [] })).toEqual(E.right([]));
  });

  it('breaks ties by the lowest row index (2-D square around a labeled centre)', () => {
    const square = Float32Array.of(0, 0, 0, 1, 1, 0, 1, 1, 0.5, 0.5);
    // every corner is 0.5 (squared) from the centre → row 0; then rows 1, 2, 3 all 0.5 away → row 1
    expect(kCenterGreedy(2)({ embeddings: square, dim: 2, labeled: [4] })).toEqual(E.right([0, 1]));
  });

  it('reports bad input as Left and a bad k as InputError', () => {
    expect(kCenterGreedy(1)({ embeddings: line, dim: 3, labeled: [] })).toEqual(
      E.left('kCenterGreedy: 4 embedding values is not a multiple of dim 3'),
    );
    expect(kCenterGreedy(1)({ embeddings: line, dim: 1, labeled: [4] })).toEqual(
      E.left('kCenterGreedy: labeled row 4 is not a row index in [0, 4)'),
    );
    expect(() => kCenterGreedy(-1)({ embeddings: line, dim: 1, labeled: [] })).toThrow(InputError);
  });
});
