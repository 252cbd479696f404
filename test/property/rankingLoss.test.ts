import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import {
  marginRankingLoss,
  marginRankingLossGradient,
  pairRankingLosses,
  rankingIndicator,
  splitPairs,
} from '../../src/ops/index.ts';
import { batchOf, coarseValue, expectRight, gridValue, prediction } from './arbitraries.ts';

const margin = fc.constantFrom(0, 0.5, 1, 2);

describe('marginRankingLoss: loss ordering', () => {
  test.prop([margin, batchOf(coarseValue, coarseValue, 6)])(
    'should be 0 exactly when every pair is ordered correctly by at least the margin',
    (xi, { predicted, actual }) => {
      const loss = expectRight(marginRankingLoss(xi)(predicted, actual));
      const allOrdered = splitPairs(predicted.length).every(
        ([i, j]) => rankingIndicator(actual[i], actual[j]) * (predicted[i] - predicted[j]) >= xi,
      );
      expect(loss === 0).toBe(allOrdered);
    },
  );

  test.prop([margin, batchOf(prediction, prediction)])('should never be negative', (xi, { predicted, actual }) => {
    expect(expectRight(marginRankingLoss(xi)(predicted, actual))).toBeGreaterThanOrEqual(0);
  });

  test.prop([margin, batchOf(prediction, gridValue), fc.nat(), fc.double({ min: 0, max: 50, noNaN: true })])(
    'should never rise when the prediction of the element with the larger true loss in a pair is raised',
    (xi, { predicted, actual }, pick, delta) => {
      const pairs = splitPairs(predicted.length);
      fc.pre(pairs.length > 0);
      const [i, j] = pairs[pick % pairs.length];
      const higher = actual[i] > actual[j] ? i : j; // on a tie I = −1, so j is the one "expected" higher
      const raised = predicted.map((p, n) => (n === higher ? p + delta : p));
      const before = expectRight(marginRankingLoss(xi)(predicted, actual));
      const after = expectRight(marginRankingLoss(xi)(raised, actual));
      expect(after).toBeLessThanOrEqual(before);
    },
  );

  test.prop([margin, batchOf(prediction, gridValue)])(
    'should equal the mean of the per-pair losses, each in [0, ∞)',
    (xi, { predicted, actual }) => {
      const perPair = expectRight(pairRankingLosses(xi)(predicted, actual));
      expect(perPair).toHaveLength(Math.floor(predicted.length / 2));
      perPair.forEach((l) => expect(l).toBeGreaterThanOrEqual(0));
      const mean = perPair.length === 0 ? 0 : perPair.reduce((s, l) => s + l, 0) / perPair.length;
      expect(expectRight(marginRankingLoss(xi)(predicted, actual))).toBeCloseTo(mean, 12);
    },
  );

  test.prop([margin, batchOf(prediction, gridValue)])('should never mutate its inputs', (xi, { predicted, actual }) => {
    const p = Float32Array.from(predicted);
    const a = Float32Array.from(actual);
    const [pc, ac] = [p.slice(), a.slice()];
    marginRankingLoss(xi)(p, a);
    marginRankingLossGradient(xi)(p, a);
    expect(p).toEqual(pc);
    expect(a).toEqual(ac);
  });

  test.prop([margin, fc.array(prediction, { minLength: 1, maxLength: 10 }), fc.array(prediction, { maxLength: 10 })])(
    'should be Left for any predicted and actual of different lengths',
    (xi, predicted, actual) => {
      fc.pre(predicted.length !== actual.length);
      const result = marginRankingLoss(xi)(predicted, actual);
      expect(result).toEqual({ _tag: 'Left', left: expect.stringMatching(/length/) });
    },
  );
});

describe('marginRankingLossGradient', () => {
  const h = 1e-5;
  test.prop([margin, batchOf(prediction, gridValue, 12)])(
    'should match central finite differences away from the hinge kinks',
    (xi, { predicted, actual }) => {
      const loss = (p: ReadonlyArray<number>): number => expectRight(marginRankingLoss(xi)(p, actual));
      const nearKink = splitPairs(predicted.length).some(
        ([i, j]) => Math.abs(xi - rankingIndicator(actual[i], actual[j]) * (predicted[i] - predicted[j])) < 1e-3,
      );
      fc.pre(!nearKink);
      const gradient = expectRight(marginRankingLossGradient(xi)(predicted, actual));
      expect(gradient).toHaveLength(predicted.length);
      predicted.forEach((_, n) => {
        const up = predicted.map((p, m) => (m === n ? p + h : p));
        const down = predicted.map((p, m) => (m === n ? p - h : p));
        expect(Math.abs((loss(up) - loss(down)) / (2 * h) - gradient[n])).toBeLessThan(1e-6);
      });
    },
  );

  test.prop([margin, batchOf(prediction, gridValue)])(
    'should sum to zero and leave the unpaired middle element at zero',
    (xi, { predicted, actual }) => {
      const gradient = expectRight(marginRankingLossGradient(xi)(predicted, actual));
      expect(Math.abs(gradient.reduce((s, g) => s + g, 0))).toBeLessThan(1e-12);
      if (predicted.length % 2 === 1) expect(gradient[(predicted.length - 1) / 2]).toBe(0);
    },
  );
});
