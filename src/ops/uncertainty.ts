import * as E from 'fp-ts/lib/Either.js';

/**
 * Uncertainty scorers from class probabilities. Convention, for every scorer here: HIGHER
 * means MORE INFORMATIVE (more uncertain), so each composes with `topK` directly.
 *
 * Rows are assumed to be probability vectors (non-negative, summing to 1); that is not
 * checked. A row containing NaN scores NaN (which `topK` ranks below every number). An empty
 * row is scored as if all its probabilities were 0: entropy 0, margin 1, least confidence 1.
 */

/** Scores one probability vector; higher = more informative. */
export type ProbabilityScorer = (probabilities: ArrayLike<number>) => number;

const hasNaN = (p: ArrayLike<number>): boolean => {
  for (let c = 0; c < p.length; c++) if (Number.isNaN(p[c])) return true;
  return false;
};

/**
 * Shannon entropy −Σ p log p (natural log; a zero probability contributes 0).
 *
 * Use it as the entropy baseline of the paper. In [0, log C]; log C exactly at the uniform
 * distribution, 0 at a one-hot one.
 *
 * @param probabilities - one row of C class probabilities
 * @returns the entropy in nats
 *
 * @example
 * entropy([0.5, 0.5]) // Math.LN2 ≈ 0.693
 */
export const entropy: ProbabilityScorer = (p) => {
  if (hasNaN(p)) return NaN;
  let h = 0;
  for (let c = 0; c < p.length; c++) if (p[c] > 0) h -= p[c] * Math.log(p[c]);
  return h;
};

/**
 * Margin score 1 − (p₁ − p₂), p₁ ≥ p₂ the two largest probabilities (p₂ = 0 when C = 1).
 *
 * Use it for margin sampling: a small gap between the two most likely classes means the
 * model hesitates, so the score is high. In [0, 1]; 1 when the top two tie, 0 at one-hot.
 *
 * @param probabilities - one row of C class probabilities
 * @returns 1 − (p₁ − p₂)
 *
 * @example
 * margin([0.5, 0.3, 0.2]) // 0.8
 */
export const margin: ProbabilityScorer = (p) => {
  if (hasNaN(p)) return NaN;
  let first = 0;
  let second = 0;
  for (let c = 0; c < p.length; c++) {
    if (p[c] > first) {
      second = first;
      first = p[c];
    } else if (p[c] > second) second = p[c];
  }
  return 1 - (first - second);
};

/**
 * Least-confidence score 1 − max p.
 *
 * Use it for least-confidence sampling. In [0, 1 − 1/C]; maximal at the uniform distribution.
 *
 * @param probabilities - one row of C class probabilities
 * @returns 1 − max p
 *
 * @example
 * leastConfidence([0.7, 0.2, 0.1]) // 0.3 (up to rounding)
 */
export const leastConfidence: ProbabilityScorer = (p) => {
  if (hasNaN(p)) return NaN;
  let top = 0;
  for (let c = 0; c < p.length; c++) if (p[c] > top) top = p[c];
  return 1 - top;
};

/**
 * Applies a per-row scorer to a row-major batch of probabilities (n rows × `classes`).
 *
 * Use it on `ScoredBatch.probabilities` to get one score per sample, ready for `topK`.
 *
 * Policy: `Left` when `classes` is not a positive integer (a task without classes has 0) or
 * the length is not a multiple of `classes`; an empty batch gives an empty array.
 *
 * @param scorer - e.g. {@link entropy}, {@link margin}, {@link leastConfidence}
 * @returns `classes => probabilities => Right(Float32Array of n scores)` or `Left(message)`
 *
 * @example
 * scoreRows(leastConfidence)(2)(Float32Array.of(0.5, 0.5, 1, 0)) // Right(Float32Array [0.5, 0])
 */
export const scoreRows =
  (scorer: ProbabilityScorer) =>
  (classes: number) =>
  (probabilities: Float32Array): E.Either<string, Float32Array> => {
    if (!Number.isInteger(classes) || classes < 1) {
      return E.left(`${scorer.name || 'scoreRows'}: classes must be a positive integer, got ${classes}`);
    }
    if (probabilities.length % classes !== 0) {
      return E.left(
        `${scorer.name || 'scoreRows'}: ${probabilities.length} probabilities is not a multiple of ${classes} classes`,
      );
    }
    const rows = probabilities.length / classes;
    const scores = new Float32Array(rows);
    for (let r = 0; r < rows; r++) scores[r] = scorer(probabilities.subarray(r * classes, (r + 1) * classes));
    return E.right(scores);
  };

/** {@link entropy} of every row of a row-major batch; see {@link scoreRows} for the policy. */
export const entropyScores = scoreRows(entropy);
/** {@link margin} of every row of a row-major batch; see {@link scoreRows} for the policy. */
export const marginScores = scoreRows(margin);
/** {@link leastConfidence} of every row of a row-major batch; see {@link scoreRows} for the policy. */
export const leastConfidenceScores = scoreRows(leastConfidence);
