import { map, type OperatorFunction } from 'rxjs';
import type { Ranking } from './strategy.ts';

/** The ids a cycle queries, and the next-ranked ones that replace queries that fail for good. */
export interface Selection {
  readonly picks: Int32Array;
  readonly reserve: Int32Array;
}

/**
 * Takes the top K of a ranking as the queries; the rest of the ranking stays in reserve.
 *
 * Use it after {@link rankBy}: K is the cycle's budget.
 *
 * ## Example
 * ```ts
 * of(ranking).pipe(takeTopK(200)).subscribe(({ picks, reserve }) => queryThem(picks));
 * ```
 * @param k the budget (a ranking shorter than k gives all of it)
 * @returns rankings in, selections out
 */
export const takeTopK =
  (k: number): OperatorFunction<Ranking, Selection> =>
  (source) => {
    if (!Number.isInteger(k) || k < 0) throw new RangeError(`takeTopK: k must be a non-negative integer, got ${k}`);
    return source.pipe(map((ranking) => ({ picks: ranking.ids.slice(0, k), reserve: ranking.ids.slice(k) })));
  };
