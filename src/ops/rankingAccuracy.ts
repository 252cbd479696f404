import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { checkPairedValues, orderedValues } from './pairedValues.ts';
import { splitPairs } from './pairs.ts';

/**
 * Tie policy shared by both accuracies: a pair whose TRUE losses are equal has no order to
 * agree with and is left out of the count; a pair whose true losses differ but whose
 * predicted losses are equal counts as wrong (sign 0 ≠ ±1). When no pair is left to count
 * the accuracy is undefined and the result is `Left`.
 */
const noComparablePair = (operator: string) =>
  `${operator}: no pair with distinct true losses, accuracy is undefined`;

/**
 * Ranking accuracy of the loss module over ALL pairs of a set: among the pairs {i, j} with
 * l_i ≠ l_j, the fraction where sign(l̂_i − l̂_j) = sign(l_i − l_j).
 *
 * Use it to evaluate the loss-prediction module on a test set (`Evaluation.rankingAccuracy`).
 * It depends only on the orders of both arrays, so any strictly increasing map of either
 * leaves it unchanged. Runs in O(N log N) (Knight's concordance count), so 10⁵ items is fine.
 *
 * Policy: pairs with tied true losses are left out; a predicted tie on distinct true losses
 * counts as wrong; ±Infinity are ordinary values. `Left` on a length mismatch, a NaN, or
 * when no pair has distinct true losses (N < 2 or all true losses equal).
 *
 * @param predicted - predicted losses l̂
 * @param actual - true losses l
 * @returns `Right(fraction in [0, 1])` or `Left(message)`
 *
 * @example
 * rankingAccuracy([0.1, 0.3, 0.2], [1, 2, 3]) // Right(2/3): (0,1) and (0,2) agree, (1,2) does not
 */
export const rankingAccuracy = (
  predicted: ArrayLike<number>,
  actual: ArrayLike<number>,
): E.Either<string, number> =>
  pipe(
    checkPairedValues('rankingAccuracy', orderedValues)(predicted, actual),
    E.chain((n) => {
      const { concordant, comparable } = countConcordance(predicted, actual, n);
      return comparable === 0 ? E.left(noComparablePair('rankingAccuracy')) : E.right(concordant / comparable);
    }),
  );

/**
 * Ranking accuracy over the flip pairs of a mini-batch ({@link splitPairs}: i with B−1−i),
 * the pairs the ranking loss is trained on.
 *
 * Use it to log how well the loss module orders the pairs it is trained on, batch by batch.
 *
 * Policy: as {@link rankingAccuracy} (tied true losses left out, predicted ties wrong,
 * `Left` on mismatch, NaN, or no comparable pair), over ⌊B/2⌋ pairs instead of all.
 *
 * @param predicted - predicted losses l̂ of the batch
 * @param actual - true losses l of the batch
 * @returns `Right(fraction in [0, 1])` or `Left(message)`
 *
 * @example
 * pairedRankingAccuracy([0.1, 0.3, 0.2, 0.0], [1, 2, 3, 4]) // Right(0): pair (0,3) and pair (1,2) both reversed
 */
export const pairedRankingAccuracy = (
  predicted: ArrayLike<number>,
  actual: ArrayLike<number>,
): E.Either<string, number> =>
  pipe(
    checkPairedValues('pairedRankingAccuracy', orderedValues)(predicted, actual),
    E.chain((n) => {
      let comparable = 0;
      let agree = 0;
      for (const [i, j] of splitPairs(n)) {
        const truth = compare(actual[i], actual[j]);
        if (truth === 0) continue;
        comparable++;
        if (compare(predicted[i], predicted[j]) === truth) agree++;
      }
      return comparable === 0 ? E.left(noComparablePair('pairedRankingAccuracy')) : E.right(agree / comparable);
    }),
  );

const compare = (x: number, y: number): number => (x < y ? -1 : x > y ? 1 : 0);

/** Pairs tied within runs of equal keys, for keys visited in sorted order. */
const tiedPairs = (n: number, equalToPrevious: (k: number) => boolean): number => {
  let ties = 0;
  let run = 1;
  for (let k = 1; k <= n; k++) {
    if (k < n && equalToPrevious(k)) run++;
    else {
      ties += (run * (run - 1)) / 2;
      run = 1;
    }
  }
  return ties;
};

/** Sorts `values` ascending in place (stable merge sort) and returns the number of strict inversions. */
const sortCountingInversions = (values: Float64Array): number => {
  const n = values.length;
  let from: Float64Array = values;
  let to: Float64Array = new Float64Array(n);
  let inversions = 0;
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let a = lo;
      let b = mid;
      let k = lo;
      while (a < mid && b < hi) {
        if (from[b] < from[a]) {
          inversions += mid - a;
          to[k++] = from[b++];
        } else to[k++] = from[a++];
      }
      while (a < mid) to[k++] = from[a++];
      while (b < hi) to[k++] = from[b++];
    }
    [from, to] = [to, from];
  }
  if (from !== values) values.set(from);
  return inversions;
};

/**
 * Knight's O(N log N) count: concordant = all − tiedActual − tiedPredicted + tiedBoth − discordant,
 * comparable = all − tiedActual.
 */
const countConcordance = (
  predicted: ArrayLike<number>,
  actual: ArrayLike<number>,
  n: number,
): { readonly concordant: number; readonly comparable: number } => {
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (i, j) => compare(actual[i], actual[j]) || compare(predicted[i], predicted[j]),
  );
  const all = (n * (n - 1)) / 2;
  const tiedActual = tiedPairs(n, (k) => actual[order[k]] === actual[order[k - 1]]);
  const tiedBoth = tiedPairs(
    n,
    (k) => actual[order[k]] === actual[order[k - 1]] && predicted[order[k]] === predicted[order[k - 1]],
  );
  const sortedPredicted = Float64Array.from(order, (i) => predicted[i]);
  const discordant = sortCountingInversions(sortedPredicted);
  const tiedPredicted = tiedPairs(n, (k) => sortedPredicted[k] === sortedPredicted[k - 1]);
  return {
    concordant: all - tiedActual - tiedPredicted + tiedBoth - discordant,
    comparable: all - tiedActual,
  };
};
