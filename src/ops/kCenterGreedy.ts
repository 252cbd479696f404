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

/** Squared Euclidean distance between rows a and b. */
const squaredDistance = (x: Float32Array, dim: number, a: number, b: number): number => {
  let sum = 0;
  const oa = a * dim;
  const ob = b * dim;
  for (let d = 0; d < dim; d++) {
    const diff = x[oa + d] - x[ob + d];
    sum += diff * diff;
  }
  return sum;
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
      const nearest = new Float64Array(rows).fill(Infinity);
      const addCentre = (c: number): void => {
        for (let r = 0; r < rows; r++) {
          if (isCentre[r]) continue;
          const d = squaredDistance(x, dim, r, c);
          if (d < nearest[r]) nearest[r] = d;
        }
      };
      const seen = new Uint8Array(rows);
      for (const row of labeled) {
        if (seen[row]) continue;
        seen[row] = 1;
        addCentre(row);
      }
      if (labeled.length === 0) {
        const first = farthestFromMean(x, dim, rows);
        isCentre[first] = 1;
        picked.push(first);
        addCentre(first);
      }
      while (picked.length < picks) {
        let best = -1;
        for (let r = 0; r < rows; r++) {
          if (!isCentre[r] && (best < 0 || nearest[r] > nearest[best])) best = r;
        }
        isCentre[best] = 1;
        picked.push(best);
        addCentre(best);
      }
      return picked;
    })(validate(input));
};
