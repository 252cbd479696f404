import { expect } from 'vitest';
import { capabilities, type ScoredBatch } from '../../src/tasks/learner.ts';

/** The largest |a[i] − b[i]| (the lengths must agree). */
export const maxDifference = (a: Float32Array, b: Float32Array): number => {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
};

/** Two scorings of the same ids agree: ids in order, predicted loss, and every optional output of either (same width, values within `tolerance`). */
export const expectSameScores = (a: ScoredBatch, b: ScoredBatch, tolerance: number): void => {
  expect(Array.from(a.ids)).toEqual(Array.from(b.ids));
  expect(maxDifference(a.predictedLoss, b.predictedLoss)).toBeLessThan(tolerance);
  for (const name of capabilities) {
    expect(a[name] === undefined).toBe(b[name] === undefined);
    if (a[name] === undefined) continue;
    expect(a[name]!.width).toBe(b[name]!.width);
    expect(maxDifference(a[name]!.values, b[name]!.values)).toBeLessThan(tolerance);
  }
};
