import * as E from 'fp-ts/lib/Either.js';
import { checkRows, type DistanceSpace } from './distanceSpace.ts';
import { dotKernel } from './dotKernel.ts';
import { kMeansPlusPlusIn } from './kMeansPlusPlus.ts';

/**
 * BADGE (Ash et al. 2020): the gradient of the cross-entropy loss with respect to the last
 * layer's weights, taking the model's own prediction ĉ = argmax p as the label, is
 * g = (p − onehot(ĉ)) ⊗ h for penultimate features h (C × D values); k-means++ seeding on
 * these embeddings picks a batch that is both uncertain (large ‖g‖) and diverse.
 *
 * The C·D-dimensional embeddings are never materialised: ⟨g_i, g_j⟩ = ⟨a_i, a_j⟩ · ⟨h_i, h_j⟩
 * with a = p − onehot(ĉ), so every distance costs O(C + D) from the probabilities and the
 * features alone (the feature dot products by ops/dotKernel's SIMD kernel, in float32).
 */

/** Probabilities and penultimate features of a batch, row-major. */
export interface BadgeInput {
  /** n × classes softmax probabilities. */
  readonly probabilities: Float32Array;
  readonly classes: number;
  /** n × dim penultimate features (the input of the last layer). */
  readonly embeddings: Float32Array;
  readonly dim: number;
}

/** The index of the largest value of p (lowest index on ties). */
const argmax = (p: ArrayLike<number>, offset: number, classes: number): number => {
  let best = 0;
  for (let c = 1; c < classes; c++) if (p[offset + c] > p[offset + best]) best = c;
  return best;
};

/**
 * One candidate's gradient embedding (p − onehot(argmax p)) ⊗ h, class-major: entry c·D + d
 * is (p_c − [c = ĉ]) · h_d. ĉ is the lowest index among tied maxima.
 *
 * Use it to inspect or test BADGE; the selector never builds these vectors.
 * @param probabilities - one row of C probabilities
 * @param features - one row of D features
 * @returns C·D values
 * @example
 * gradientEmbedding([0.75, 0.25], [2, 4]) // [−0.5, −1, 0.5, 1]
 */
export const gradientEmbedding = (probabilities: ArrayLike<number>, features: ArrayLike<number>): Float64Array => {
  const classes = probabilities.length;
  const dim = features.length;
  const top = argmax(probabilities, 0, classes);
  const out = new Float64Array(classes * dim);
  for (let c = 0; c < classes; c++) {
    const a = probabilities[c] - (c === top ? 1 : 0);
    for (let d = 0; d < dim; d++) out[c * dim + d] = a * features[d];
  }
  return out;
};

const validate = ({ probabilities, classes, embeddings, dim }: BadgeInput): E.Either<string, number> => {
  if (!Number.isInteger(classes) || classes < 1) return E.left(`badge: classes must be a positive integer, got ${classes} (BADGE needs class probabilities)`);
  return E.flatMap((rows: number) =>
    E.flatMap((n: number) =>
      n === rows ? E.right(n) : E.left(`badge: ${n} rows of probabilities but ${rows} rows of embeddings`),
    )(checkRows('badge')(probabilities, classes)),
  )(checkRows('badge')(embeddings, dim));
};

/**
 * The space of a batch's gradient embeddings, held as (a, h) factors: the squared distance
 * ‖g_i − g_c‖² = ‖a_i‖²‖h_i‖² + ‖a_c‖²‖h_c‖² − 2⟨a_i, a_c⟩⟨h_i, h_c⟩ (exactly 0 at i = c,
 * clamped at 0 against rounding). The input must be valid (see {@link badge}).
 * @param input - probabilities and features
 * @returns the space
 */
export const gradientEmbeddingSpace = ({ probabilities, classes, embeddings, dim }: BadgeInput): DistanceSpace => {
  const rows = embeddings.length / dim;
  const a = new Float64Array(probabilities.length);
  for (let r = 0; r < rows; r++) {
    const top = argmax(probabilities, r * classes, classes);
    for (let c = 0; c < classes; c++) a[r * classes + c] = probabilities[r * classes + c] - (c === top ? 1 : 0);
  }
  const kernel = dotKernel(embeddings, dim, rows);
  const hNorms = new Float64Array(rows);
  const aNorms = new Float64Array(rows);
  const squaredNorms = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    hNorms[r] = kernel.dots(r, 1, r)[0];
    let s = 0;
    for (let c = 0; c < classes; c++) s += a[r * classes + c] * a[r * classes + c];
    aNorms[r] = s;
    squaredNorms[r] = s * hNorms[r];
  }
  return {
    rows,
    squaredNorms,
    toRow: (j, out) => {
      if (rows === 0) return;
      const hDots = kernel.dots(0, rows, j);
      const aj = j * classes;
      for (let r = 0; r < rows; r++) {
        let aDot = 0;
        const ar = r * classes;
        for (let c = 0; c < classes; c++) aDot += a[ar + c] * a[aj + c];
        const d = squaredNorms[r] + squaredNorms[j] - 2 * aDot * hDots[r];
        out[r] = d > 0 ? d : 0;
      }
      out[j] = 0;
    },
  };
};

/**
 * BADGE's selection: k-means++ seeding on the gradient embeddings, the first centre the
 * embedding of largest norm (as the authors' code does), the next ones by D² sampling.
 *
 * Use it as the `badge` strategy's selector. O(N · k · (C + D)) time, O(N · (C + D)) memory.
 *
 * Policy: as {@link kMeansPlusPlusIn} (k ≥ N returns all rows; seeded; no repeats); `Left`
 * when classes or dim is not a positive integer, a length is not a multiple of it, the row
 * counts differ, or a value is not finite (NaN probabilities are refused, not ranked).
 * @param k - how many candidates
 * @param seed - the seed of the D² draws
 * @returns `BadgeInput => Right(rows in pick order)` or `Left(message)`
 * @example
 * // two confident candidates and one unsure one: the unsure one has the largest gradient
 * badge(1, 0)({ probabilities: Float32Array.of(1, 0, 0.5, 0.5, 1, 0), classes: 2, embeddings: Float32Array.of(1, 1, 1), dim: 1 }) // Right([1])
 */
export const badge = (k: number, seed: number) => {
  const seeding = kMeansPlusPlusIn(k, seed, 'largest-norm');
  return (input: BadgeInput): E.Either<string, ReadonlyArray<number>> =>
    E.map(() => seeding(gradientEmbeddingSpace(input)))(validate(input));
};
