import { map, type OperatorFunction } from 'rxjs';
import { randomSubset } from '../ops/random.ts';
import { unlabeledIds, type PoolState } from './poolState.ts';

/**
 * Draws a random subset M of the unlabeled pool (the paper's 10,000 of 50,000), seeded.
 *
 * Use it before scoring, so a cycle scores M items instead of the whole pool. When M is at
 * least the unlabeled pool, the whole unlabeled pool comes out (shuffled).
 *
 * ## Example
 * ```ts
 * of(state).pipe(sampleSubset(2000, deriveSeed(seed, 'subset', cycle))).subscribe((ids) => ids.length); // 2000
 * ```
 * @param size M
 * @param seed the seed of this draw
 * @returns pool states in, subsets (pool ids, in draw order) out
 */
export const sampleSubset =
  (size: number, seed: number): OperatorFunction<PoolState<unknown>, Int32Array> =>
  (source) =>
    source.pipe(map((state) => Int32Array.from(randomSubset(size, seed)(unlabeledIds(state)))));
