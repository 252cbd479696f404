import * as E from 'fp-ts/lib/Either.js';
import { checkRows, embeddingSpace } from './distanceSpace.ts';
import { dotKernel } from './dotKernel.ts';
import { kMeansPlusPlusIn } from './kMeansPlusPlus.ts';
import { checkCount } from './topK.ts';

/** A clustering: each row's cluster and the centres. */
export interface Clustering {
  /** Cluster of each row, in [0, k). */
  readonly assignments: Int32Array;
  /** k × dim centres, row-major. */
  readonly centres: Float32Array;
  readonly k: number;
  /** Lloyd iterations run (assignment + update). */
  readonly iterations: number;
}

/** Options of {@link kMeans}. */
export interface KMeansOptions {
  /** Number of clusters (more than the rows: one per row). */
  readonly k: number;
  readonly seed: number;
  /** At most this many Lloyd iterations (default 20). */
  readonly maxIterations?: number;
}

/** Rows per block of the assignment pass. */
const rowBlock = 256;

/**
 * Assigns each row to its nearest centre (lowest centre on ties): the points and the centres
 * share one SIMD dot-product kernel, a pass per centre over all points.
 */
const assign = (x: Float32Array, dim: number, rows: number, centres: Float32Array, k: number, out: Int32Array): number => {
  const both = new Float32Array((rows + k) * dim);
  both.set(x, 0);
  both.set(centres, rows * dim);
  const kernel = dotKernel(both, dim, rows + k);
  const best = new Float64Array(rows).fill(Infinity);
  const pointNorms = new Float64Array(rows);
  for (let r = 0; r < rows; r++) pointNorms[r] = kernel.dots(r, 1, r)[0];
  let changed = 0;
  const next = new Int32Array(rows);
  const centreNorms = new Float64Array(k);
  for (let j = 0; j < k; j++) centreNorms[j] = kernel.dots(rows + j, 1, rows + j)[0];
  // A block of rows against every centre at a time: the block stays in cache across the centres.
  for (let r0 = 0; r0 < rows; r0 += rowBlock) {
    const count = Math.min(rowBlock, rows - r0);
    for (let j = 0; j < k; j++) {
      const dots = kernel.dots(r0, count, rows + j);
      const cNorm = centreNorms[j];
      for (let i = 0; i < count; i++) {
        const r = r0 + i;
        const d = pointNorms[r] + cNorm - 2 * dots[i];
        if (d < best[r]) {
          best[r] = d;
          next[r] = j;
        }
      }
    }
  }
  for (let r = 0; r < rows; r++) {
    if (next[r] !== out[r]) changed++;
    out[r] = next[r];
  }
  return changed;
};

/**
 * Seeded k-means (Lloyd's algorithm from a k-means++ start): alternately assign every row to
 * its nearest centre and move each centre to the mean of its rows, until no assignment
 * changes or `maxIterations` is reached.
 *
 * Use it to cluster embeddings (TypiClust). O(N · k · d) per iteration, the distances by the
 * float32 SIMD kernel of ops/dotKernel (near-ties between distinct distances may resolve
 * either way), memory O((N + k) · d), never an N × k matrix.
 *
 * Policy: k > N gives N clusters (one per row); N = 0 gives an empty clustering; k = 0 with
 * rows, or k not a non-negative integer, throws InputError; a cluster left empty keeps its
 * previous centre; `Left` when dim is not a positive integer, the length is not a multiple
 * of dim, or a value is not finite.
 * @param options - k, seed, maxIterations (default 20)
 * @returns `{ embeddings, dim } => Right(clustering)` or `Left(message)`
 * @example
 * kMeans({ k: 2, seed: 1 })({ embeddings: Float32Array.of(0, 1, 10, 11), dim: 1 }) // assignments [a, a, b, b], a ≠ b
 */
export const kMeans = ({ k, seed, maxIterations = 20 }: KMeansOptions) => {
  checkCount('kMeans', k);
  checkCount('kMeans (maxIterations)', maxIterations);
  return ({ embeddings, dim }: { readonly embeddings: Float32Array; readonly dim: number }): E.Either<string, Clustering> =>
    E.flatMap((rows: number): E.Either<string, Clustering> => {
      // Clustered centred (distances unchanged, float32 rounding much smaller far from 0).
      const mean = new Float64Array(dim);
      for (let r = 0; r < rows; r++) for (let d = 0; d < dim; d++) mean[d] += embeddings[r * dim + d] / rows;
      const x = embeddings.map((v, i) => v - mean[i % dim]);
      const clusters = Math.min(k, rows);
      if (rows > 0 && clusters === 0) return E.left('kMeans: k must be at least 1 when there are rows');
      const seeds = kMeansPlusPlusIn(clusters, seed)(embeddingSpace(x, dim));
      const centres = new Float32Array(clusters * dim);
      seeds.forEach((row, j) => centres.set(x.subarray(row * dim, (row + 1) * dim), j * dim));
      const assignments = new Int32Array(rows).fill(-1);
      let iterations = 0;
      if (clusters === 0) return E.right({ assignments, centres, k: 0, iterations });
      const sums = new Float64Array(clusters * dim);
      const counts = new Int32Array(clusters);
      while (iterations < Math.max(1, maxIterations)) {
        iterations++;
        const changed = assign(x, dim, rows, centres, clusters, assignments);
        if (changed === 0 && iterations > 1) break;
        sums.fill(0);
        counts.fill(0);
        for (let r = 0; r < rows; r++) {
          const j = assignments[r];
          counts[j]++;
          for (let d = 0; d < dim; d++) sums[j * dim + d] += x[r * dim + d];
        }
        for (let j = 0; j < clusters; j++) {
          if (counts[j] === 0) continue;
          for (let d = 0; d < dim; d++) centres[j * dim + d] = sums[j * dim + d] / counts[j];
        }
        if (changed === 0) break;
      }
      for (let j = 0; j < clusters; j++) for (let d = 0; d < dim; d++) centres[j * dim + d] += mean[d];
      return E.right({ assignments, centres, k: clusters, iterations });
    })(checkRows('kMeans')(embeddings, dim));
};
