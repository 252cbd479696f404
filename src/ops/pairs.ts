import { InputError } from '../inputError.ts';

/** Two batch positions compared by the ranking loss: `[i, j]` with i < j. */
export type Pair = readonly [i: number, j: number];

/**
 * The ⌊B/2⌋ disjoint pairs of a batch of size B, element i with element B−1−i (the "flip"
 * pairing of the reference reimplementation: reverse the batch, take the first half).
 *
 * Use it wherever the ranking loss or its accuracy is computed on a mini-batch, so that the
 * tensor code and these pure definitions pair the same elements.
 *
 * Policy: an odd batch leaves its middle element ((B−1)/2) unpaired; B = 0 or 1 gives no pairs.
 *
 * @param size - the batch size B, a non-negative integer (anything else throws InputError)
 * @returns the pairs `[i, B−1−i]` for i = 0 … ⌊B/2⌋−1, in that order
 *
 * @example
 * splitPairs(5) // [[0, 4], [1, 3]]  (2 is left out)
 */
export const splitPairs = (size: number): ReadonlyArray<Pair> => {
  if (!Number.isInteger(size) || size < 0) {
    throw new InputError(`splitPairs: batch size must be a non-negative integer, got ${size}`);
  }
  const half = Math.floor(size / 2);
  const pairs: Pair[] = new Array(half);
  for (let i = 0; i < half; i++) pairs[i] = [i, size - 1 - i];
  return pairs;
};

/**
 * The items of a batch grouped by {@link splitPairs}: element i with element B−1−i.
 *
 * Use it when the pairs of values, not of positions, are wanted.
 *
 * @param batch - any batch of items (array or typed array)
 * @returns ⌊B/2⌋ pairs of items; an odd batch leaves out its middle item
 *
 * @example
 * pairItems(['a', 'b', 'c', 'd']) // [['a', 'd'], ['b', 'c']]
 */
export const pairItems = <A>(batch: ArrayLike<A>): ReadonlyArray<readonly [A, A]> =>
  splitPairs(batch.length).map(([i, j]) => [batch[i], batch[j]] as const);
