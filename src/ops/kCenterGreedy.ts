import * as E from 'fp-ts/Either';
import { checkCount } from './topK';

/** Row-major embeddings (one row per pool item) and the rows already labeled. */
export interface CoreSetInput {
  /** rows × dim values, row-major. */
  readonly embeddings: Float32Array;
  readonly dim: number;
  /** Row indices already labeled: the initial centres (duplicates allowed). */
  readonly labeled: ReadonlyArray<number>;
}

/** Squared norm of every row, in double precision. */
const rowNorms = (x: Float32Array, dim: number, rows: number): Float64Array => {
  const norms = new Float64Array(rows);
  for (let r = 0, o = 0; r < rows; r++, o += dim) {
    let sum = 0;
    for (let d = 0; d < dim; d++) sum += x[o + d] * x[o + d];
    norms[r] = sum;
  }
  return norms;
};

/** Dot product of rows a and b (offsets oa, ob), four-way unrolled. */
const dot = (x: Float32Array, dim: number, oa: number, ob: number): number => {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let d = 0;
  for (; d + 3 < dim; d += 4) {
    s0 += x[oa + d] * x[ob + d];
    s1 += x[oa + d + 1] * x[ob + d + 1];
    s2 += x[oa + d + 2] * x[ob + d + 2];
    s3 += x[oa + d + 3] * x[ob + d + 3];
  }
  for (; d < dim; d++) s0 += x[oa + d] * x[ob + d];
  return s0 + s1 + s2 + s3;
};

/** Rows and centres per block of the labeled-centre pass (a block of each stays in L1/L2). */
const rowBlock = 256;
const centreBlock = 32;

/**
 * Lowers `nearest[r]` to the squared distance from row r to the closest of `centres`, for
 * every non-centre row, block by block (rows × centres) so that both blocks stay in cache.
 */
const nearestToCentres = (
  x: Float32Array, dim: number, rows: number, norms: Float64Array, isCentre: Uint8Array,
  centres: ReadonlyArray<number>, nearest: Float64Array,
): void => {
  for (let r0 = 0; r0 < rows; r0 += rowBlock) {
    const r1 = Math.min(rows, r0 + rowBlock);
    for (let c0 = 0; c0 < centres.length; c0 += centreBlock) {
      const c1 = Math.min(centres.length, c0 + centreBlock);
      for (let r = r0; r < r1; r++) {
        if (isCentre[r]) continue;
        const or = r * dim;
        let best = nearest[r];
        let j = c0;
        for (; j + 3 < c1; j += 4) {
          const o0 = centres[j] * dim;
          const o1 = centres[j + 1] * dim;
          const o2 = centres[j + 2] * dim;
          const o3 = centres[j + 3] * dim;
          let s0 = 0;
          let s1 = 0;
          let s2 = 0;
          let s3 = 0;
          for (let d = 0; d < dim; d++) {
            const v = x[or + d];
            s0 += v * x[o0 + d];
            s1 += v * x[o1 + d];
            s2 += v * x[o2 + d];
            s3 += v * x[o3 + d];
          }
          const nr = norms[r];
          const d0 = nr + norms[centres[j]] - 2 * s0;
          const d1 = nr + norms[centres[j + 1]] - 2 * s1;
          const d2 = nr + norms[centres[j + 2]] - 2 * s2;
          const d3 = nr + norms[centres[j + 3]] - 2 * s3;
          if (d0 < best) best = d0;
          if (d1 < best) best = d1;
          if (d2 < best) best = d2;
          if (d3 < best) best = d3;
        }
        for (; j < c1; j++) {
          const c = centres[j];
          const d = norms[r] + norms[c] - 2 * dot(x, dim, or, c * dim);
          if (d < best) best = d;
        }
        nearest[r] = best < 0 ? 0 : best;
      }
    }
  }
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
 * Squared distances are ‖x‖² − 2x·c + ‖c‖² in double precision with precomputed norms (exact
 * for small-integer data; otherwise within rounding of the direct sum, so near-ties between
 * distinct distances may resolve either way); the labeled centres are applied block-wise.
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
      const norms = rowNorms(x, dim, rows);
      const nearest = new Float64Array(rows).fill(Infinity);
      const seen = new Uint8Array(rows);
      const centres: number[] = [];
      for (const row of labeled) {
        if (seen[row]) continue;
        seen[row] = 1;
        centres.push(row);
      }
      const scratch = new Float64Array(4);
      let next = -1;
      if (labeled.length === 0) next = farthestFromMean(x, dim, rows);
      else nearestToCentres(x, dim, rows, norms, isCentre, centres, nearest);
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
        const oc = c * dim;
        const nc = norms[c];
        next = -1;
        let farthest = -1;
        const dots = scratch;
        for (let r0 = 0; r0 < rows; r0 += 4) {
          if (r0 + 3 < rows) {
            // four rows against the centre at once: each centre value is loaded once per four rows
            const o0 = r0 * dim;
            let s0 = 0;
            let s1 = 0;
            let s2 = 0;
            let s3 = 0;
            for (let d = 0; d < dim; d++) {
              const v = x[oc + d];
              s0 += v * x[o0 + d];
              s1 += v * x[o0 + dim + d];
              s2 += v * x[o0 + 2 * dim + d];
              s3 += v * x[o0 + 3 * dim + d];
            }
            dots[0] = s0;
            dots[1] = s1;
            dots[2] = s2;
            dots[3] = s3;
          } else {
            for (let r = r0; r < rows; r++) dots[r - r0] = dot(x, dim, r * dim, oc);
          }
          const r1 = Math.min(rows, r0 + 4);
          for (let r = r0; r < r1; r++) {
            if (isCentre[r]) continue;
            const d = norms[r] + nc - 2 * dots[r - r0];
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
      }
      return picked;
    })(validate(input));
};
