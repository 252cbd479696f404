import * as N from 'fp-ts/lib/number.js';
import * as ORD from 'fp-ts/lib/Ord.js';
import { InputError } from '../inputError.ts';

/**
 * Scores ordered ascending with NaN below every number (below −Infinity too); NaN equals
 * NaN. ±Infinity are ordinary values.
 *
 * Use it wherever scores are compared, so the NaN policy is stated once: a NaN score is the
 * least informative and is never selected ahead of a number.
 *
 * @example
 * [2, NaN, -Infinity].sort(scoreOrd.compare) // [NaN, -Infinity, 2]
 */
export const scoreOrd: ORD.Ord<number> = ORD.fromCompare((x, y) => {
  const xNaN = Number.isNaN(x);
  const yNaN = Number.isNaN(y);
  if (xNaN || yNaN) return xNaN && yNaN ? 0 : xNaN ? -1 : 1;
  return N.Ord.compare(x, y);
});

/** Throws InputError unless k is a non-negative integer (shared by every "pick k" operator). */
export const checkCount = (operator: string, k: number): void => {
  if (!Number.isInteger(k) || k < 0) {
    throw new InputError(`${operator}: k must be a non-negative integer, got ${k}`);
  }
};

/**
 * Indices of the k greatest items under `ord`, greatest first, ties broken by lower index.
 *
 * Use it to select by any ordering (e.g. `ORD.reverse(scoreOrd)` for the k lowest scores);
 * {@link topK} is this with {@link scoreOrd}. O(N log k) time, O(k) extra memory: a binary
 * heap holds the k best seen so far with the weakest at its root.
 *
 * Policy: k ≥ N returns all N indices, sorted; k = 0 returns []; k not a non-negative
 * integer throws InputError. The input is never mutated.
 *
 * @param ord - the ordering; greater = selected first
 * @returns `k => items => indices`
 *
 * @example
 * topKBy(ORD.reverse(N.Ord))(2)([5, 1, 3]) // [1, 2]
 */
export const topKBy =
  <A>(ord: ORD.Ord<A>) =>
  (k: number) => {
    checkCount('topK', k);
    return (items: ArrayLike<A>): ReadonlyArray<number> => {
      const keep = Math.min(k, items.length);
      if (keep === 0) return [];
      // before(a, b) < 0 when index a is selected ahead of index b.
      const before = (a: number, b: number): number => ord.compare(items[b], items[a]) || a - b;
      const heap: number[] = [];
      const siftUp = (at: number): void => {
        while (at > 0) {
          const parent = (at - 1) >> 1;
          if (before(heap[parent], heap[at]) >= 0) return;
          [heap[parent], heap[at]] = [heap[at], heap[parent]];
          at = parent;
        }
      };
      const siftDown = (at: number): void => {
        for (;;) {
          const left = 2 * at + 1;
          const right = left + 1;
          let weakest = at;
          if (left < heap.length && before(heap[left], heap[weakest]) > 0) weakest = left;
          if (right < heap.length && before(heap[right], heap[weakest]) > 0) weakest = right;
          if (weakest === at) return;
          [heap[weakest], heap[at]] = [heap[at], heap[weakest]];
          at = weakest;
        }
      };
      for (let i = 0; i < items.length; i++) {
        if (heap.length < keep) {
          heap.push(i);
          siftUp(heap.length - 1);
        } else if (before(i, heap[0]) < 0) {
          heap[0] = i;
          siftDown(0);
        }
      }
      return heap.sort(before);
    };
  };

/**
 * Indices of the k highest scores, highest first, ties broken by lower index.
 *
 * Use it as the selector of a score-based strategy (predicted loss, entropy, margin, least
 * confidence: higher = more informative). O(N log k).
 *
 * Policy: NaN is the lowest score — never selected ahead of a number, but selected (after
 * every number) when k exceeds the count of numbers; ±Infinity are ordinary; k ≥ N returns
 * all N indices; k = 0 returns []; k not a non-negative integer throws InputError.
 *
 * @param k - how many to select
 * @returns `scores => indices` into `scores` (an array or a Float32Array)
 *
 * @example
 * topK(2)([0.1, 0.9, NaN, 0.9]) // [1, 3]
 */
export const topK: (k: number) => (scores: ArrayLike<number>) => ReadonlyArray<number> = topKBy(scoreOrd);
