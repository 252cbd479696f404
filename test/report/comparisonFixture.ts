/**
 * A small comparison, as `compare` would store it: two strategies × two trials × three
 * cycles, with hand-picked accuracies whose means and stds the tests check by hand.
 */
import type { RunRecord } from '../../src/report/comparisonResults.ts';
import type { ComparisonHeader } from '../../src/report/comparisonReport.ts';

const cycles = (accuracies: ReadonlyArray<number>, ranking: ReadonlyArray<number> | null) =>
  accuracies.map((testAccuracy, i) => ({
    cycle: i + 1,
    labeled: 200 * (i + 1),
    metricName: 'testAccuracy',
    metric: testAccuracy,
    testAccuracy,
    meanTargetLoss: 1 - testAccuracy,
    queried: i < 2 ? 200 : 0,
    answered: i < 2 ? 200 : 0,
    failedQueries: 0,
    rejectedAnswers: 0,
    rankingAccuracy: ranking === null ? Number.NaN : ranking[i]!,
    seconds: 10 + i,
    stageSeconds: { score: 1, select: 0, oracle: 0.5, merge: 0, train: 8, evaluate: 0.5 },
  }));

/** random: trial 0 = 0.50 0.60 0.70, trial 1 = 0.54 0.62 0.74 (no ranking accuracy). */
/** learning-loss: trial 0 = 0.52 0.66 0.76, trial 1 = 0.56 0.68 0.80; ranking 0.6/0.7 etc. */
export const fixtureRuns: ReadonlyArray<RunRecord> = [
  { strategy: 'random', trial: 0, seed: 11, dir: 'random/trial-0', cycles: cycles([0.5, 0.6, 0.7], null) },
  { strategy: 'learning-loss', trial: 0, seed: 11, dir: 'learning-loss/trial-0', cycles: cycles([0.52, 0.66, 0.76], [0.6, 0.65, 0.7]) },
  { strategy: 'random', trial: 1, seed: 22, dir: 'random/trial-1', cycles: cycles([0.54, 0.62, 0.74], null) },
  { strategy: 'learning-loss', trial: 1, seed: 22, dir: 'learning-loss/trial-1', cycles: cycles([0.56, 0.68, 0.8], [0.7, 0.75, 0.8]) },
];

export const fixtureHeader: ComparisonHeader = {
  metricName: 'testAccuracy',
  strategies: ['random', 'learning-loss'],
  trials: 2,
  seed: 7,
  backend: { name: 'wasm', simd: true },
};
