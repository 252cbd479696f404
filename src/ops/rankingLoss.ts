import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { InputError } from '../inputError.ts';
import { checkPairedValues, finiteValues } from './pairedValues.ts';
import { splitPairs } from './pairs.ts';

/**
 * The sign the paper's ranking loss expects for a pair: +1 when the first true loss is
 * strictly larger, −1 otherwise. Ties give −1, as the reference reimplementation does.
 *
 * @param li - true loss of the first element
 * @param lj - true loss of the second element
 * @returns +1 if li > lj, else −1
 *
 * @example
 * rankingIndicator(2, 1) // 1
 * rankingIndicator(1, 1) // -1
 */
export const rankingIndicator = (li: number, lj: number): 1 | -1 => (li > lj ? 1 : -1);

const checkMargin = (margin: number): void => {
  if (!Number.isFinite(margin) || margin < 0) {
    throw new InputError(`marginRankingLoss: margin must be a finite number ≥ 0, got ${margin}`);
  }
};

const checkInputs = checkPairedValues('marginRankingLoss', finiteValues);

/** Hinge argument ξ − I·(l̂_i − l̂_j) of every flip pair, in {@link splitPairs} order. */
const hingeArguments = (
  margin: number,
  predicted: ArrayLike<number>,
  actual: ArrayLike<number>,
): ReadonlyArray<number> =>
  splitPairs(predicted.length).map(
    ([i, j]) => margin - rankingIndicator(actual[i], actual[j]) * (predicted[i] - predicted[j]),
  );

/**
 * The ranking loss of each flip pair: max(0, −I·(l̂_i − l̂_j) + ξ), I = +1 if l_i > l_j else −1.
 *
 * Use it to inspect which pairs the loss module orders wrongly, or to test a tensor version.
 *
 * Policy: pairs are {@link splitPairs}(B) (i with B−1−i; an odd batch leaves out its middle);
 * the true losses are targets only (no gradient flows into them).
 *
 * @param margin - ξ, finite and ≥ 0 (the paper uses 1); anything else throws InputError
 * @returns for `(predicted, actual)` of equal length and finite values, `Right` of the
 *   ⌊B/2⌋ per-pair losses; otherwise `Left` with a message naming the problem
 *
 * @example
 * // pair (0,3): l0 > l3, l̂0 − l̂3 = 1 = ξ → 0; pair (1,2): l1 < l2 but l̂1 > l̂2 → 1 + 1 = 2
 * pairRankingLosses(1)([3, 2, 1, 2], [4, 1, 2, 3]) // Right([0, 2])
 */
export const pairRankingLosses = (margin: number) => {
  checkMargin(margin);
  return (predicted: ArrayLike<number>, actual: ArrayLike<number>): E.Either<string, ReadonlyArray<number>> =>
    pipe(
      checkInputs(predicted, actual),
      E.map(() => hingeArguments(margin, predicted, actual).map((z) => Math.max(0, z))),
    );
};

/**
 * The paper's loss-prediction loss on a mini-batch: the mean over the ⌊B/2⌋ flip pairs of
 * max(0, −I·(l̂_i − l̂_j) + ξ), with I = +1 if l_i > l_j else −1 (ties give −1).
 *
 * Use it as the reference definition of L_loss; it depends only on the ORDER of the true
 * losses, so it is unchanged when they are scaled by c > 0 or mapped through any strictly
 * increasing function (unlike {@link mseLoss}).
 *
 * Policy: a batch of 0 or 1 elements has no pair and its loss is 0 (an empty sum);
 * length mismatch or a non-finite value is a `Left`.
 *
 * @param margin - ξ, finite and ≥ 0 (the paper uses 1); anything else throws InputError
 * @returns for `(predicted, actual)`, `Right(loss)` or `Left(message)`
 *
 * @example
 * marginRankingLoss(1)([3, 2, 1, 2], [4, 1, 2, 3]) // Right(1): the mean of the pair losses [0, 2]
 */
export const marginRankingLoss = (margin: number) => {
  const perPair = pairRankingLosses(margin);
  return (predicted: ArrayLike<number>, actual: ArrayLike<number>): E.Either<string, number> =>
    pipe(
      perPair(predicted, actual),
      E.map((losses) => (losses.length === 0 ? 0 : losses.reduce((s, x) => s + x, 0) / losses.length)),
    );
};

/**
 * The gradient of {@link marginRankingLoss} with respect to `predicted` (one entry per batch
 * element; the middle element of an odd batch gets 0).
 *
 * Use it to check a tensor implementation and its autodiff against the definition.
 *
 * Policy: for an active pair (ξ − I·(l̂_i − l̂_j) > 0) the pair adds −I/P to element i and
 * +I/P to element j, P = ⌊B/2⌋; at the kink (argument exactly 0) the subgradient 0 is taken,
 * as `relu`'s gradient in tfjs does. No pairs → all zeros.
 *
 * @param margin - ξ, finite and ≥ 0; anything else throws InputError
 * @returns for `(predicted, actual)`, `Right` of B partial derivatives, or `Left(message)`
 *
 * @example
 * marginRankingLossGradient(1)([0, 0], [1, 0]) // Right([-1, 1]): raise l̂0, lower l̂1
 */
export const marginRankingLossGradient = (margin: number) => {
  checkMargin(margin);
  return (predicted: ArrayLike<number>, actual: ArrayLike<number>): E.Either<string, ReadonlyArray<number>> =>
    pipe(
      checkInputs(predicted, actual),
      E.map((size) => {
        const gradient = new Array<number>(size).fill(0);
        const pairs = splitPairs(size);
        const z = hingeArguments(margin, predicted, actual);
        pairs.forEach(([i, j], p) => {
          if (z[p] > 0) {
            const sign = rankingIndicator(actual[i], actual[j]);
            gradient[i] -= sign / pairs.length;
            gradient[j] += sign / pairs.length;
          }
        });
        return gradient;
      }),
    );
};

/**
 * Mean squared error (1/B) Σ (l̂_i − l_i)² between predicted and true losses.
 *
 * Use it only as the ablation the paper rejects: the true losses shrink as the target trains,
 * so the MSE falls without the ordering improving; it is NOT invariant to scaling of the
 * true losses (see test/property/scaleInvariance.test.ts).
 *
 * Policy: an empty batch gives 0; length mismatch or a non-finite value is a `Left`.
 *
 * @returns for `(predicted, actual)`, `Right(mse)` or `Left(message)`
 *
 * @example
 * mseLoss([1, 2], [0, 4]) // Right(2.5)
 */
export const mseLoss = (predicted: ArrayLike<number>, actual: ArrayLike<number>): E.Either<string, number> =>
  pipe(
    checkPairedValues('mseLoss', finiteValues)(predicted, actual),
    E.map((size) => {
      let sum = 0;
      for (let i = 0; i < size; i++) sum += (predicted[i] - actual[i]) ** 2;
      return size === 0 ? 0 : sum / size;
    }),
  );
