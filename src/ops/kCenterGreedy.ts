import * as E from 'fp-ts/lib/Either.js';
import { checkCount } from './topK.ts';
import { dotKernel, type DotKernel } from './dotKernel.ts';

/** Row-major embeddings (one row per pool item) and the rows already labeled. */
export interface CoreSetInput {
  /** rows × dim values, row-major. */
  readonly embeddings: Float32Array;
  readonly dim: number;
  /** Row indices already labeled: the initial centres (duplicates allowed). */
  readonly labeled: ReadonlyArray<number>;
}

/** Squared norm of every row, by the same kernel as the dot products (so d(r, r) = 0 exactly). */
const rowNorms = (kernel: DotKernel, rows: number): Float64Array => {
  const norms = new Float64Array(rows);
  for (let r = 0; r < rows; r++) norms[r] = kernel.dots(r, 1, r)[0];
  return norms;
};

/** Rows per block of the labeled-centre pass (a block stays in cache across the centres). */
const rowBlock = 256;

/**
 * Lowers `nearest[r]` to the squared distance from row r to the closest of `centres`, for
 * every non-centre row, a block of rows against every centre at a time.
 */
const nearestToCentres = (
  kernel: DotKernel, rows: number, norms: Float64Array, isCentre: Uint8Array,
  centres: ReadonlyArray<number>, nearest: Float64Array,
): void => {
  for (let r0 = 0; r0 < rows; r0 += rowBlock) {
    const count = Math.min(rowBlock, rows - r0);
    for (const c of centres) {
      const dots = kernel.dots(r0, count, c);
      const nc = norms[c];
      for (let i = 0; i < count; i++) {
        const r = r0 + i;
        const d = norms[r] + nc - 2 * dots[i];
        if (d < nearest[r]) nearest[r] = d < 0 ? 0 : d;
      }
    }
  }
  for (let r = 0; r < rows; r++) if (isCentre[r]) nearest[r] = 0;
};

const validate = ({ embeddings, dim, labeled }: CoreSetInput): E.Either<string, number> => {
  if (!Number.isInteger(dim) || dim < 1) return E.left(`kCenterGreedy: dim must be a positive integer, got ${dim}`);
  if (embeddings.length % dim !== 0) {
    return E.left(`kCenterGreedy: ${embeddings.length} embedding values is not a multiple of dim ${dim}`);
  }
  const rows = embeddings.length / dim;
  for (let v = 0; v < embeddings.length; v++) {
    if (!Number.isFinite(embeddings[v])) {
      return E.left(`kCenterGreedy: embeddings[${v}] (row ${Math.floor(v / dim)}) is ${embeddings[v]}, expected a finite number`);
    }
  }
  for (const row of labeled) {
    if (!Number.isInteger(row) || row < 0 || row >= rows) {
      return E.left(`kCenterGreedy: labeled row ${row} is not a row index in [0, ${rows})`);
    }
  }
  return E.right(rows);
};

/** The row farthest (Euclidean) from the mean of all rows; lowest index on ties. */
const farthestFromMean = (x: Float32Array, dim: number, rows: number): number => {
  const mean = new Float64Array(dim);
  for (let r = 0; r < rows; r++) for (let d = 0; d < dim; d++) mean[d] += x[r * dim + d];
  for (let d = 0; d < dim; d++) mean[d] /= rows;
  let best = 0;
  let bestDistance = -1;
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let d = 0; d < dim; d++) sum += (x[r * dim + d] - mean[d]) ** 2;
    if (sum > bestDistance) {
      bestDistance = sum;
      best = r;
    }
  }
  return best;
};

/**
 * Core-set selection by k-center greedy (Sener & Savarese 2018): repeatedly pick the
 * unlabeled row farthest from its nearest centre, then make it a centre.
 *
 * Use it as the core-set baseline on penultimate-layer embeddings. The covering radius of
 * labeled ∪ picked is at most twice the best achievable with k more centres. Time
 * O(N·(|labeled| + k)·d), memory O(N): a running minimum distance per row, never an N×N matrix.
 * Squared distances are ‖x‖² − 2x·c + ‖c‖² with precomputed norms, the dot products in
 * float32 by a WebAssembly SIMD kernel (exact for small-integer data; otherwise within float32
 * rounding of the exact distance, so near-ties between distinct distances may resolve either
 * way; a row's distance to itself or to a duplicate is exactly 0); the labeled centres are
 * applied a block of rows at a time. The embeddings are copied once into WebAssembly memory.
 *
 * Policy:
 * - the labeled rows are the initial centres and are never picked; nothing is picked twice;
 * - with no labeled row, the first pick is the row farthest from the mean of all rows;
 * - distances are Euclidean, ties go to the lowest row index;
 * - k greater than the number of unlabeled rows returns all of them (in greedy order);
 *   k = 0 returns []; k not a non-negative integer throws InputError;
 * - `Left` when dim is not a positive integer, the length is not a multiple of dim, an
 *   embedding value is not finite, or a labeled row is out of range.
 *
 * @param k - how many rows to pick
 * @returns `input => Right(row indices in pick order)` or `Left(message)`
 *
 * @example
 * // four points on a line at 0, 1, 2, 10; row 0 is labeled
 * kCenterGreedy(2)({ embeddings: Float32Array.of(0, 1, 2, 10), dim: 1, labeled: [0] }) // Right([3, 2])
 */
export const kCenterGreedy = (k: number) => {
  checkCount('kCenterGreedy', k);
  return (input: CoreSetInput): E.Either<string, ReadonlyArray<number>> =>
    E.map((rows: number) => {
      const { embeddings: x, dim, labeled } = input;
      const isCentre = new Uint8Array(rows);
      for (const row of labeled) isCentre[row] = 1;
      let available = 0;
      for (let r = 0; r < rows; r++) if (!isCentre[r]) available++;
      const picks = Math.min(k, available);
      const picked: number[] = [];
      if (picks === 0) return picked;
      const kernel = dotKernel(x, dim, rows);
      const norms = rowNorms(kernel, rows);
      const nearest = new Float64Array(rows).fill(Infinity);
      const seen = new Uint8Array(rows);
      const centres: number[] = [];
      for (const row of labeled) {
        if (seen[row]) continue;
        seen[row] = 1;
        centres.push(row);
      }
      let next = -1;
      if (labeled.length === 0) next = farthestFromMean(x, dim, rows);
      else nearestToCentres(kernel, rows, norms, isCentre, centres, nearest);
      // Each round adds the current pick as a centre and, in the same pass over the rows,
      // lowers their nearest distance and finds the next pick (farthest; lowest index on ties).
      for (;;) {
        if (next < 0) {
          for (let r = 0; r < rows; r++) if (!isCentre[r] && (next < 0 || nearest[r] > nearest[next])) next = r;
        }
        const c = next;
        isCentre[c] = 1;
        picked.push(c);
        if (picked.length === picks) break;
        const dots = kernel.dots(0, rows, c);
        const nc = norms[c];
        next = -1;
        let farthest = -1;
        for (let r = 0; r < rows; r++) {
          if (isCentre[r]) continue;
          const d = norms[r] + nc - 2 * dots[r];
          let m = nearest[r];
          if (d < m) {
            m = d < 0 ? 0 : d;
            nearest[r] = m;
          }
          if (m > farthest) {
            farthest = m;
            next = r;
          }
        }
      }
      return picked;
    })(validate(input));
};
