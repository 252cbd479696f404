import * as E from 'fp-ts/lib/Either.js';
import { dotKernel } from './dotKernel.ts';

/**
 * Squared Euclidean distances from every row of a point set to one of its rows, without an
 * N × N matrix: what k-means++ seeding, k-means and BADGE need of their points. A space may
 * hold its points implicitly (BADGE's gradient embeddings are never materialised).
 */
export interface DistanceSpace {
  readonly rows: number;
  /** ‖x_r‖² of every row (for "largest norm first" seeding). */
  readonly squaredNorms: Float64Array;
  /** Writes ‖x_r − x_c‖² of every row r into `out` (length `rows`); exactly 0 at r = c. */
  readonly toRow: (c: number, out: Float64Array) => void;
}

/**
 * Checks that a row-major point set is well formed: dim a positive integer, a length that is a
 * multiple of it, every value finite.
 * @param name - the operator, for messages
 * @returns `(values, dim) => Right(rows)` or `Left(message)` naming the first bad value
 */
export const checkRows =
  (name: string) =>
  (values: Float32Array, dim: number): E.Either<string, number> => {
    if (!Number.isInteger(dim) || dim < 1) return E.left(`${name}: dim must be a positive integer, got ${dim}`);
    if (values.length % dim !== 0) return E.left(`${name}: ${values.length} values is not a multiple of dim ${dim}`);
    for (let v = 0; v < values.length; v++) {
      if (!Number.isFinite(values[v])) {
        return E.left(`${name}: value ${v} (row ${Math.floor(v / dim)}) is ${values[v]}, expected a finite number`);
      }
    }
    return E.right(values.length / dim);
  };

/**
 * The Euclidean space of row-major embeddings: ‖x‖² + ‖c‖² − 2 x·c with the dot products in
 * float32 by the WebAssembly SIMD kernel of ops/dotKernel (as k-center greedy computes them;
 * a row's distance to itself or to a duplicate is exactly 0, a negative rounding is clamped
 * to 0). The rows are copied once into WebAssembly memory; the caller checks them first
 * ({@link checkRows}).
 * @param x - rows × dim finite values
 * @param dim - values per row
 * @returns the space
 */
export const embeddingSpace = (x: Float32Array, dim: number): DistanceSpace => {
  const rows = x.length / dim;
  const kernel = dotKernel(x, dim, rows);
  const squaredNorms = new Float64Array(rows);
  for (let r = 0; r < rows; r++) squaredNorms[r] = kernel.dots(r, 1, r)[0];
  return {
    rows,
    squaredNorms,
    toRow: (c, out) => {
      if (rows === 0) return;
      const dots = kernel.dots(0, rows, c);
      const nc = squaredNorms[c];
      for (let r = 0; r < rows; r++) {
        const d = squaredNorms[r] + nc - 2 * dots[r];
        out[r] = d > 0 ? d : 0;
      }
      out[c] = 0;
    },
  };
};
