import * as E from 'fp-ts/lib/Either.js';

/**
 * Checks that predicted and true values can be compared position by position: same length,
 * and every value accepted by `accept` (e.g. finite, or not NaN).
 *
 * Use it at the start of any operator that takes `(predicted, actual)`, so every such
 * operator reports a bad input the same way: `Left` with a one-line message naming the
 * operator, the array and the position.
 *
 * @param operator - the operator's name, for the message
 * @param accept - which values are allowed, and how to name the rest ("finite", "not NaN")
 * @returns `Right(length)` when the inputs are usable, otherwise `Left(message)`
 *
 * @example
 * checkPairedValues('mseLoss', finiteValues)([1, 2], [1]) // Left('mseLoss: predicted has length 2 but actual has length 1')
 */
export const checkPairedValues =
  (operator: string, accept: ValuePolicy) =>
  (predicted: ArrayLike<number>, actual: ArrayLike<number>): E.Either<string, number> => {
    if (predicted.length !== actual.length) {
      return E.left(
        `${operator}: predicted has length ${predicted.length} but actual has length ${actual.length}`,
      );
    }
    for (let i = 0; i < predicted.length; i++) {
      if (!accept.test(predicted[i])) {
        return E.left(`${operator}: predicted[${i}] is ${predicted[i]}, expected ${accept.name}`);
      }
      if (!accept.test(actual[i])) {
        return E.left(`${operator}: actual[${i}] is ${actual[i]}, expected ${accept.name}`);
      }
    }
    return E.right(predicted.length);
  };

/** Which numbers an operator accepts, and the word for them in an error message. */
export interface ValuePolicy {
  readonly name: string;
  readonly test: (x: number) => boolean;
}

/** Finite numbers only (losses: an infinite prediction has no meaningful hinge or square). */
export const finiteValues: ValuePolicy = { name: 'a finite number', test: Number.isFinite };

/** Any number but NaN (orderings: ±Infinity are ordered like any number). */
export const orderedValues: ValuePolicy = { name: 'a number (not NaN)', test: (x) => !Number.isNaN(x) };
