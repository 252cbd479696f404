import * as E from 'fp-ts/lib/Either.js';
import { checkRows } from './distanceSpace.ts';
import { dotKernel } from './dotKernel.ts';
import { kMeans } from './kMeans.ts';
import { checkCount } from './topK.ts';

/**
 * TypiClust (Hacohen, Dekel & Weinshall, ICML 2022, "Active Learning on a Budget"): cluster
 * the embeddings of the labeled set and the candidates together into |labeled| + K clusters;
 * from each of the K largest clusters that hold no labeled point, take its most TYPICAL
 * point — typicality being the inverse of the mean distance to its nearest neighbours.
 */

/**
 * Typicality of every row among the rows given: 1 / (mean Euclidean distance to its m
 * nearest other rows), m = min(neighbours, rows − 1). A row with no other row (m = 0), or on
 * top of m duplicates, has typicality +Infinity.
 *
 * Use it within one cluster. O(rows² · dim) by the SIMD dot kernel (float32 distances of the
 * centred rows).
 * @param neighbours - how many nearest neighbours (TypiClust uses 20)
 * @returns `(rows × dim values, dim) => typicality per row`
 * @example
 * typicality(1)(Float32Array.of(0, 1, 3), 1) // [1, 1, 1/2]
 */
export const typicality =
  (neighbours: number) =>
  (x: Float32Array, dim: number): Float64Array => {
    checkCount('typicality (neighbours)', neighbours);
    const rows = x.length / dim;
    const out = new Float64Array(rows);
    const m = Math.min(neighbours, rows - 1);
    if (m <= 0) return out.fill(Infinity);
    // Centred first (distances are unchanged): ‖x‖² − 2x·y + ‖y‖² in float32 loses the
    // distances of points far from the origin relative to their spread.
    const mean = new Float64Array(dim);
    for (let r = 0; r < rows; r++) for (let d = 0; d < dim; d++) mean[d] += x[r * dim + d] / rows;
    const centred = new Float32Array(x.length);
    for (let r = 0; r < rows; r++) for (let d = 0; d < dim; d++) centred[r * dim + d] = x[r * dim + d] - mean[d];
    const kernel = dotKernel(centred, dim, rows);
    const norms = new Float64Array(rows);
    for (let r = 0; r < rows; r++) norms[r] = kernel.dots(r, 1, r)[0];
    const nearest = new Float64Array(m);
    for (let r = 0; r < rows; r++) {
      const dots = kernel.dots(0, rows, r);
      nearest.fill(Infinity);
      for (let s = 0; s < rows; s++) {
        if (s === r) continue;
        const squared = norms[r] + norms[s] - 2 * dots[s];
        const d = squared > 0 ? Math.sqrt(squared) : 0;
        if (d >= nearest[m - 1]) continue;
        // insertion into the sorted list of the m smallest
        let at = m - 1;
        while (at > 0 && nearest[at - 1] > d) {
          nearest[at] = nearest[at - 1];
          at--;
        }
        nearest[at] = d;
      }
      let sum = 0;
      for (let i = 0; i < m; i++) sum += nearest[i];
      out[r] = sum > 0 ? m / sum : Infinity;
    }
    return out;
  };

/** Options of {@link typiclust}. */
export interface TypiClustOptions {
  /** How many candidates to pick (K). */
  readonly k: number;
  readonly seed: number;
  /** Neighbours of the typicality (default 20, the paper's). */
  readonly neighbours?: number;
  /**
   * At most this many clusters (default 500, as the authors' code caps them): |labeled| + K
   * clusters when that is fewer. With the cap, clusters are visited again once each has a
   * labeled or picked point (see {@link typiclust}).
   */
  readonly maxClusters?: number;
  /** Lloyd iterations of the k-means (default 10: the selection stays seconds at M = 10,000; stated). */
  readonly maxIterations?: number;
}

/** The candidates' and labeled set's embeddings, row-major with one dim. */
export interface TypiClustInput {
  readonly candidates: Float32Array;
  readonly labeled: Float32Array;
  readonly dim: number;
}

/**
 * TypiClust's selection: seeded k-means of labeled ∪ candidates into
 * min(|labeled| + K, maxClusters) clusters; then K times: the cluster with the fewest labeled
 * or already-picked points (the largest on ties, then the lowest index) among those with an
 * unpicked candidate gives its most typical unpicked candidate (typicality over all the
 * cluster's points, labeled ones included; ties to the lowest row).
 *
 * Without the cap this is the paper's rule: the K largest clusters with no labeled point
 * each give one point, as long as there are K of them. Use it as the `typiclust` selector.
 *
 * Policy: K ≥ candidates returns every candidate (in pick order); K = 0 returns []; K, the
 * neighbours or maxClusters not a non-negative integer throws InputError; `Left` for a dim
 * that is not a positive integer, a length that is not a multiple of it, or a non-finite value.
 * @param options - k, seed, neighbours (20), maxClusters (500), maxIterations (10)
 * @returns `input => Right(candidate rows in pick order)` or `Left(message)`
 * @example
 * // two blobs of candidates, a labeled point in the first: the second blob's centre point is picked
 * typiclust({ k: 1, seed: 0 })({ candidates: Float32Array.of(0, 1, 2, 10, 11, 12), labeled: Float32Array.of(1), dim: 1 }) // Right([4])
 */
export const typiclust = ({ k, seed, neighbours = 20, maxClusters = 500, maxIterations = 10 }: TypiClustOptions) => {
  checkCount('typiclust', k);
  checkCount('typiclust (neighbours)', neighbours);
  checkCount('typiclust (maxClusters)', maxClusters);
  return ({ candidates, labeled, dim }: TypiClustInput): E.Either<string, ReadonlyArray<number>> =>
    E.flatMap((n: number): E.Either<string, ReadonlyArray<number>> =>
      E.flatMap((l: number): E.Either<string, ReadonlyArray<number>> => {
        const picks = Math.min(k, n);
        if (picks === 0) return E.right([]);
        const all = new Float32Array((l + n) * dim);
        all.set(labeled, 0);
        all.set(candidates, l * dim);
        const clusters = Math.max(1, Math.min(l + picks, maxClusters));
        return E.map(({ assignments, k: found }: { assignments: Int32Array; k: number }) => {
          const members: number[][] = Array.from({ length: found }, () => []);
          for (let r = 0; r < l + n; r++) members[assignments[r]].push(r);
          const covered = new Int32Array(found);
          for (let r = 0; r < l; r++) covered[assignments[r]]++;
          const open = new Int32Array(found);
          for (let r = l; r < l + n; r++) open[assignments[r]]++;
          const typical = new Map<number, Float64Array>();
          const taken = new Uint8Array(l + n);
          const out: number[] = [];
          while (out.length < picks) {
            let best = -1;
            for (let j = 0; j < found; j++) {
              if (open[j] === 0) continue;
              if (best < 0 || covered[j] < covered[best] || (covered[j] === covered[best] && members[j].length > members[best].length)) best = j;
            }
            let scores = typical.get(best);
            if (scores === undefined) {
              const rows = members[best];
              const x = new Float32Array(rows.length * dim);
              rows.forEach((r, i) => x.set(all.subarray(r * dim, (r + 1) * dim), i * dim));
              scores = typicality(neighbours)(x, dim);
              typical.set(best, scores);
            }
            let chosen = -1;
            members[best].forEach((r, i) => {
              if (r < l || taken[r]) return;
              if (chosen < 0 || scores[i] > scores[chosen]) chosen = i;
            });
            const row = members[best][chosen];
            taken[row] = 1;
            covered[best]++;
            open[best]--;
            out.push(row - l);
          }
          return out;
        })(kMeans({ k: clusters, seed, maxIterations })({ embeddings: all, dim }));
      })(checkRows('typiclust (labeled)')(labeled, dim)),
    )(checkRows('typiclust (candidates)')(candidates, dim));
};
