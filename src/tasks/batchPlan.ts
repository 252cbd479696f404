import { InputError } from '../inputError.ts';
import { shuffle } from '../ops/random.ts';

/**
 * Cuts a shuffled set of n examples into even mini-batches for the joint objective.
 *
 * Policy: the examples 0 … n−1 are shuffled with `seed` and cut into batches of `batchSize`
 * (an even number ≥ 2); the last batch is dropped when it holds fewer than 2 examples and
 * made even by dropping its last example otherwise, so at most one example per epoch is
 * left out (a different one each epoch) and every pair of the ranking loss is complete.
 *
 * @param n - number of examples
 * @param batchSize - even, ≥ 2
 * @param seed - the shuffle's seed (derive one per epoch)
 * @returns the batches, each an Int32Array of example indices of even length
 * @example
 * planBatches(7, 4, seed) // two batches: 4 indices, then 2 (one index left out)
 */
export const planBatches = (n: number, batchSize: number, seed: number): Int32Array[] => {
  if (!Number.isInteger(batchSize) || batchSize < 2 || batchSize % 2 !== 0) {
    throw new InputError(`batchSize must be an even integer ≥ 2, got ${batchSize}`);
  }
  const order = Int32Array.from(shuffle(seed)(Array.from({ length: n }, (_, i) => i)));
  const batches: Int32Array[] = [];
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    const even = size - (size % 2);
    if (even >= 2) batches.push(order.subarray(start, start + even));
  }
  return batches;
};
