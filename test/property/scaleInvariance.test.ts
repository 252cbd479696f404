import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  marginRankingLoss,
  mseLoss,
  pairedRankingAccuracy,
  rankingAccuracy,
  topK,
} from '../../src/ops/index.ts';
import { batchOf, expectRight, gridValue, increasingTransform, positiveScale, prediction } from './arbitraries.ts';

/**
 * The paper's argument for the ranking loss: it depends only on the ORDER of the true losses,
 * which shrink as the target model trains; the MSE does not.
 */
const margin = fc.constantFrom(0, 1, 2.5);
const integerValue = fc.integer({ min: -50, max: 50 });

describe('scale invariance of the ranking loss and of ranking accuracy', () => {
  test.prop([margin, batchOf(prediction, gridValue), positiveScale])(
    'should leave the ranking loss unchanged when every true loss is multiplied by a positive constant',
    (xi, { predicted, actual }, c) => {
      const scaled = actual.map((l) => c * l);
      expect(marginRankingLoss(xi)(predicted, scaled)).toEqual(marginRankingLoss(xi)(predicted, actual));
    },
  );

  test.prop([margin, batchOf(prediction, gridValue), increasingTransform])(
    'should leave the ranking loss unchanged when the true losses go through any strictly increasing function',
    (xi, { predicted, actual }, { f }) => {
      expect(marginRankingLoss(xi)(predicted, actual.map(f))).toEqual(marginRankingLoss(xi)(predicted, actual));
    },
  );

  test.prop([batchOf(gridValue, gridValue), positiveScale])(
    'should leave both ranking accuracies unchanged when every true loss is multiplied by a positive constant',
    ({ predicted, actual }, c) => {
      const scaled = actual.map((l) => c * l);
      expect(rankingAccuracy(predicted, scaled)).toEqual(rankingAccuracy(predicted, actual));
      expect(pairedRankingAccuracy(predicted, scaled)).toEqual(pairedRankingAccuracy(predicted, actual));
    },
  );

  test.prop([batchOf(gridValue, gridValue), increasingTransform, increasingTransform])(
    'should leave both ranking accuracies unchanged when true and predicted losses go through strictly increasing functions',
    ({ predicted, actual }, { f }, { f: g }) => {
      const [p, a] = [predicted.map(g), actual.map(f)];
      expect(rankingAccuracy(p, a)).toEqual(rankingAccuracy(predicted, actual));
      expect(pairedRankingAccuracy(p, a)).toEqual(pairedRankingAccuracy(predicted, actual));
    },
  );
});

describe('topK under strictly increasing transforms', () => {
  const score = fc.oneof({ weight: 9, arbitrary: gridValue }, { weight: 1, arbitrary: fc.constant(NaN) });
  test.prop([fc.array(score, { maxLength: 60 }), fc.integer({ min: 0, max: 70 }), increasingTransform])(
    'should select the same indices when every score goes through a strictly increasing function',
    (scores, k, { f }) => {
      expect(topK(k)(scores.map(f))).toEqual(topK(k)(scores));
    },
  );
});

describe('MSE, for contrast, is not scale invariant', () => {
  it('should have a counterexample to "the MSE is unchanged by scaling the true losses by c > 0"', () => {
    const claim = fc.property(batchOf(prediction, gridValue, 8), positiveScale, ({ predicted, actual }, c) => {
      const scaled = actual.map((l) => c * l);
      expect(mseLoss(predicted, scaled)).toEqual(mseLoss(predicted, actual));
    });
    const result = fc.check(claim, { seed: 2019, numRuns: 200 });
    expect(result.failed).toBe(true);
    expect(result.counterexample).not.toBeNull();
  });

  test.prop([fc.array(fc.tuple(integerValue, integerValue), { minLength: 1, maxLength: 16 })])(
    'should change the MSE under scaling by 2 or by 3 for any true losses not all zero, while the ranking loss stays',
    (rows) => {
      const predicted = rows.map(([p]) => p);
      const actual = rows.map(([, l]) => l);
      fc.pre(actual.some((l) => l !== 0));
      const mse = (c: number): number => expectRight(mseLoss(predicted, actual.map((l) => c * l)));
      // Σ(p − c·l)² is a non-constant quadratic in c, so it cannot take one value at c = 1, 2 and 3.
      expect(mse(2) !== mse(1) || mse(3) !== mse(1)).toBe(true);
      const loss = (c: number) => marginRankingLoss(1)(predicted, actual.map((l) => c * l));
      expect(loss(2)).toEqual(loss(1));
      expect(loss(3)).toEqual(loss(1));
    },
  );

  it('should fall as the true losses shrink while the ordering, and the ranking loss, stay the same', () => {
    const predicted = [0.9, 0.1, 0.5, 0.4];
    const actual = [2, 1, 3, 4];
    const shrunk = actual.map((l) => l / 100);
    expect(expectRight(mseLoss(predicted, shrunk))).toBeLessThan(expectRight(mseLoss(predicted, actual)));
    expect(marginRankingLoss(1)(predicted, shrunk)).toEqual(marginRankingLoss(1)(predicted, actual));
  });
});
