import * as E from 'fp-ts/lib/Either.js';
import { checkRows, embeddingSpace, type DistanceSpace } from './distanceSpace.ts';
import { Rng } from './random.ts';
import { checkCount } from './topK.ts';

/** How k-means++ picks its first centre: uniformly, the row of largest norm, or a given row. */
export type FirstCentre = 'uniform' | 'largest-norm' | { readonly row: number };

/**
 * k-means++ seeding (Arthur & Vassilvitskii 2007) over any {@link DistanceSpace}: the first
 * centre uniformly at random (or the row of largest norm, as BADGE's reference code does),
 * then each next centre drawn with probability proportional to D(x)², its squared distance
 * to the nearest centre so far ("D² sampling"). The first centre may also be given (a row).
 *
 * Use it as a diversity selector (BADGE, learning-loss-diverse) or to start k-means. O(N)
 * memory and O(N · k) distance evaluations; seeded (same seed → same picks).
 *
 * Policy: k ≥ N returns all N rows (in pick order); k = 0 returns []; k not a non-negative
 * integer throws InputError. A picked row is never picked again. When every unpicked row
 * lies on a centre (D² sums to 0: duplicates), the next pick is uniform over the unpicked
 * rows. Largest-norm ties go to the lowest row.
 * @param k - how many centres
 * @param seed - the seed of the draws
 * @param first - 'uniform' (default) or 'largest-norm'
 * @returns `space => row indices in pick order`
 * @example
 * kMeansPlusPlusIn(2, 1, 'largest-norm')(embeddingSpace(Float32Array.of(0, 1, 10), 1)) // [2, 0] or [2, 1]
 */
export const kMeansPlusPlusIn = (k: number, seed: number, first: FirstCentre = 'uniform') => {
  checkCount('kMeansPlusPlus', k);
  return (space: DistanceSpace): ReadonlyArray<number> => {
    const n = space.rows;
    const picks = Math.min(k, n);
    const picked: number[] = [];
    if (picks === 0) return picked;
    const rng = new Rng(seed);
    const isPicked = new Uint8Array(n);
    const nearest = new Float64Array(n).fill(Infinity);
    const distances = new Float64Array(n);
    let next = 0;
    if (first === 'largest-norm') {
      for (let r = 1; r < n; r++) if (space.squaredNorms[r] > space.squaredNorms[next]) next = r;
    } else if (first === 'uniform') next = rng.nextInt(n);
    else if (Number.isInteger(first.row) && first.row >= 0 && first.row < n) next = first.row;
    else throw new RangeError(`kMeansPlusPlus: first row ${first.row} is not a row of the ${n}`);
    for (;;) {
      isPicked[next] = 1;
      picked.push(next);
      if (picked.length === picks) return picked;
      space.toRow(next, distances);
      let total = 0;
      for (let r = 0; r < n; r++) {
        if (isPicked[r]) {
          nearest[r] = 0;
          continue;
        }
        if (distances[r] < nearest[r]) nearest[r] = distances[r];
        total += nearest[r];
      }
      next = -1;
      if (total > 0) {
        let target = rng.nextFloat() * total;
        let last = -1;
        for (let r = 0; r < n; r++) {
          if (isPicked[r] || nearest[r] === 0) continue;
          last = r;
          target -= nearest[r];
          if (target < 0) {
            next = r;
            break;
          }
        }
        // Float rounding may leave target ≥ 0 after the last row: that row is the draw.
        if (next < 0) next = last;
      }
      if (next < 0) {
        let which = rng.nextInt(n - picked.length);
        for (let r = 0; r < n; r++) {
          if (isPicked[r]) continue;
          if (which-- === 0) {
            next = r;
            break;
          }
        }
      }
    }
  };
};

/**
 * {@link kMeansPlusPlusIn} over row-major embeddings (Euclidean).
 *
 * Policy: as {@link kMeansPlusPlusIn}; `Left` when dim is not a positive integer, the length
 * is not a multiple of dim, or a value is not finite.
 * @param k - how many rows to pick
 * @param seed - the seed
 * @param first - how the first centre is picked (default uniform)
 * @returns `{ embeddings, dim } => Right(rows in pick order)` or `Left(message)`
 * @example
 * kMeansPlusPlus(2, 7)({ embeddings: Float32Array.of(0, 0, 5, 5), dim: 2 }) // Right([0, 1]) or Right([1, 0])
 */
export const kMeansPlusPlus = (k: number, seed: number, first: FirstCentre = 'uniform') => {
  const seeding = kMeansPlusPlusIn(k, seed, first);
  return ({ embeddings, dim }: { readonly embeddings: Float32Array; readonly dim: number }): E.Either<string, ReadonlyArray<number>> =>
    E.map(() => seeding(embeddingSpace(embeddings, dim)))(checkRows('kMeansPlusPlus')(embeddings, dim));
};
