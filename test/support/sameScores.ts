import { expect } from 'vitest';
import type { ScoredBatch } from '../../src/tasks/learner.ts';

/** The largest |a[i] − b[i]| (the lengths must agree). */
export const maxDifference = (a: Float32Array, b: Float32Array): number => {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
};

/** Two scorings of the same ids agree: ids in order, and predicted loss, probabilities and embeddings within `tolerance`. */
export const expectSameScores = (a: ScoredBatch, b: ScoredBatch, tolerance: number): void => {
  expect(Array.from(a.ids)).toEqual(Array.from(b.ids));
  expect(maxDifference(a.predictedLoss, b.predictedLoss)).toBeLessThan(tolerance);
  expect(maxDifference(a.probabilities, b.probabilities)).toBeLessThan(tolerance);
  expect(maxDifference(a.embeddings, b.embeddings)).toBeLessThan(tolerance);
};
